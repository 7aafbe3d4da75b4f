//! The lab's files: nginx's sites and dnsmasq's names, each vantage machine's host key, sshd
//! configuration and /etc files, and squid's error pages.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;

use super::net::{Plan, GROUPS};
use super::sites::SITES;
use super::tools::Tools;
use super::{config, sites};
use super::{join, TOOL_TIMEOUT};
use crate::process::run;
use crate::tls::LabCa;
use crate::util::{private_dir, write_file};
use crate::{LabError, School};

/// Where squid's stock error templates live (the first that exists).
const SQUID_TEMPLATES: &[&str] = &[
    "/usr/share/squid/errors/templates",
    "/usr/share/squid-langpack/templates",
    "/usr/share/squid/errors/en",
    "/usr/share/squid/errors/English",
];

/// The system CA bundle that curl and openssl use on Debian.
const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// A vantage machine's files, bind-mounted over /etc inside its mount namespace.
#[derive(Debug, Clone)]
pub(super) struct EtcFiles {
    pub(super) resolv: PathBuf,
    pub(super) hosts: Option<PathBuf>,
    pub(super) nsswitch: Option<PathBuf>,
    /// The system's CA bundle plus the lab CA: the school's machines trust the school's CA (as
    /// schools deploy their filter's), so HTTPS to the lab's sites verifies there.
    pub(super) ca_bundle: Option<PathBuf>,
}

pub(super) fn create_dir(path: &Path) -> Result<(), LabError> {
    fs::create_dir_all(path).map_err(|e| LabError::io("creating folder", path, e))
}

/// DIR/filter/web (nginx and the sites) and DIR/filter/dns (dnsmasq).
pub(super) fn write_web(
    fdir: &Path,
    logs: &Path,
    ca: &LabCa,
    plan: Plan,
    school: School,
) -> Result<(), LabError> {
    let web = fdir.join("web");
    create_dir(&web.join("tmp"))?;
    let tls = web.join("tls");
    private_dir(&tls)?;
    let names: Vec<&str> = sites::hosts().collect();
    let web_ip = plan.web().to_string();
    let issued = ca.issue("filter-web", &[&web_ip], &names)?;
    let (cert, key) = (tls.join("web.pem"), tls.join("web.key"));
    fs::rename(&issued.cert, &cert).map_err(|e| LabError::io("moving", &issued.cert, e))?;
    fs::rename(&issued.key, &key).map_err(|e| LabError::io("moving", &issued.key, e))?;
    for site in SITES {
        let d = web.join("sites").join(site.host);
        create_dir(&d)?;
        let (file, body) = site.page();
        write_file(&d.join(file), &body)?;
    }
    let mut nginx = config::nginx(&plan, &web, logs, &cert, &key);
    let dns = fdir.join("dns");
    create_dir(&dns)?;
    write_file(&dns.join("dnsmasq.conf"), &config::dnsmasq(&plan, school))?;
    match school {
        School::Example => {
            write_file(
                &dns.join("dnsmasq-sinkhole.conf"),
                &config::dnsmasq_sinkhole(&plan),
            )?;
            write_file(
                &dns.join("dnsmasq-unfiltered.conf"),
                &config::dnsmasq_unfiltered(&plan),
            )?;
        }
        School::Riverside => {
            let root = web.join("blockserver");
            create_dir(&root)?;
            write_file(&root.join("index.html"), &sites::riverside_block_page())?;
            // Inside nginx's `http` block (its last line closes it).
            if nginx.ends_with("}\n") {
                nginx.truncate(nginx.len() - 2);
            }
            nginx.push_str(&config::nginx_block_server(&plan, &root));
            nginx.push_str("}\n");
            for (group, octet, _) in GROUPS {
                write_file(
                    &dns.join(format!("dnsmasq-{group}.conf")),
                    &config::riverside_resolver(&plan, group, octet),
                )?;
            }
        }
    }
    write_file(&web.join("nginx.conf"), &nginx)
}

/// DIR/filter/GROUP for each vantage machine: host key, sshd_config and the /etc files.
pub(super) fn write_vantages(
    fdir: &Path,
    tools: &Tools,
    plan: Plan,
    authorized: &Path,
    lab_ca: &Path,
) -> Result<Vec<EtcFiles>, LabError> {
    let _ = fs::create_dir_all("/run/sshd");
    let system_bundle = fs::read_to_string(SYSTEM_CA_BUNDLE).ok();
    let lab_ca_text = fs::read_to_string(lab_ca).map_err(|e| LabError::io("reading", lab_ca, e))?;
    let host_nsswitch = fs::read_to_string("/etc/nsswitch.conf").ok();
    let has_hosts = Path::new("/etc/hosts").exists();
    if !Path::new("/etc/resolv.conf").exists() {
        return Err(LabError::State(
            "the web filter lab needs /etc/resolv.conf to exist: inside each vantage machine the \
             lab's own is mounted over it (the machine's stays as it is)"
                .into(),
        ));
    }
    let mut out = Vec::new();
    thread::scope(|s| {
        let handles: Vec<_> = GROUPS
            .iter()
            .map(|(group, octet, name)| {
                let host_nsswitch = host_nsswitch.as_deref();
                let system_bundle = system_bundle.as_deref();
                let lab_ca_text = lab_ca_text.as_str();
                s.spawn(move || -> Result<EtcFiles, LabError> {
                    let gdir = fdir.join(group);
                    private_dir(&gdir)?;
                    let key = gdir.join("ssh_host_ed25519_key");
                    run(
                        Command::new(&tools.keygen)
                            .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
                            .arg(&key),
                        None,
                        TOOL_TIMEOUT,
                    )?;
                    let address = plan.machine(*octet);
                    write_file(
                        &gdir.join("sshd_config"),
                        &config::sshd(address, &key, authorized),
                    )?;
                    let resolv = gdir.join("resolv.conf");
                    write_file(
                        &resolv,
                        &format!(
                            "# {name}: the lab resolver\nnameserver {}\noptions timeout:2 attempts:2\n",
                            plan.gateway(*octet)
                        ),
                    )?;
                    let hosts = gdir.join("hosts");
                    write_file(&hosts, &config::etc_hosts(address, name))?;
                    let nsswitch = match host_nsswitch {
                        Some(text) => {
                            let p = gdir.join("nsswitch.conf");
                            write_file(&p, &config::nsswitch(text))?;
                            Some(p)
                        }
                        None => None,
                    };
                    let ca_bundle = match system_bundle {
                        Some(text) => {
                            let p = gdir.join("ca-certificates.crt");
                            write_file(&p, &format!("{text}\n{lab_ca_text}"))?;
                            Some(p)
                        }
                        None => None,
                    };
                    Ok(EtcFiles {
                        resolv,
                        hosts: has_hosts.then_some(hosts),
                        nsswitch,
                        ca_bundle,
                    })
                })
            })
            .collect();
        for h in handles {
            out.push(join(h)?);
        }
        Ok::<(), LabError>(())
    })?;
    Ok(out)
}

/// DIR/filter/squid: the error pages (the stock ones and the block page), and the log squid
/// writes as the `proxy` user. Returns that user.
pub(super) fn write_squid(fdir: &Path, logs: &Path) -> Result<String, LabError> {
    let sdir = fdir.join("squid");
    private_dir(&sdir)?;
    let errors = sdir.join("errors");
    create_dir(&errors)?;
    fs::set_permissions(&errors, fs::Permissions::from_mode(0o755))
        .map_err(|e| LabError::io("setting mode 0755 on", &errors, e))?;
    let templates = SQUID_TEMPLATES
        .iter()
        .map(Path::new)
        .find(|p| p.join("ERR_ACCESS_DENIED").exists())
        .ok_or(LabError::MissingProgram {
            program: "/usr/share/squid/errors/templates/ERR_ACCESS_DENIED".into(),
            purpose: "the filtering proxy's error pages",
            install: "apt-get install squid",
        })?;
    for e in fs::read_dir(templates)
        .map_err(|e| LabError::io("reading", templates, e))?
        .flatten()
    {
        let to = errors.join(e.file_name());
        if e.path().is_file() {
            fs::copy(e.path(), &to).map_err(|err| LabError::io("copying", e.path(), err))?;
            let _ = fs::set_permissions(&to, fs::Permissions::from_mode(0o644));
        }
    }
    let block = errors.join(config::BLOCK_TEMPLATE);
    write_file(&block, &sites::block_page())?;
    let _ = fs::set_permissions(&block, fs::Permissions::from_mode(0o644));
    // squid will not run as root; it becomes `proxy` and then reopens its log (its stdout and
    // stderr) by /dev/stdout, so the log must be that user's.
    let (user, uid, gid) = ["proxy", "nobody"]
        .iter()
        .find_map(|n| {
            nix::unistd::User::from_name(n)
                .ok()
                .flatten()
                .map(|u| (n.to_string(), u.uid.as_raw(), u.gid.as_raw()))
        })
        .ok_or_else(|| LabError::State("no `proxy` (or `nobody`) user for squid".into()))?;
    let log = logs.join("squid.log");
    write_file(&log, "")?;
    std::os::unix::fs::chown(&log, Some(uid), Some(gid))
        .map_err(|e| LabError::io("giving squid its log", &log, e))?;
    fs::set_permissions(&log, fs::Permissions::from_mode(0o640))
        .map_err(|e| LabError::io("setting mode 0640 on", &log, e))?;
    Ok(user)
}
