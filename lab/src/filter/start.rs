//! Starting the web filter lab: its network, files and servers brought up in order, each waited
//! for, and the command that runs a program on a vantage machine.

use std::ffi::OsStr;
use std::fs;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::thread;
use std::time::{Duration, Instant};

use super::config::PROXY_PORT;
use super::files::{write_squid, write_vantages, write_web, EtcFiles};
use super::net::{filtering, Filtering, Network, GROUPS};
use super::stop::{stop_dir, State};
use super::tools::Tools;
use super::{config, dns, net, sites};
use super::{join, FilterLab, Vantage, READY_TIMEOUT};
use crate::process::Server;
use crate::tls::LabCa;
use crate::util::{free_port, private_dir, tail, write_file, write_secret};
use crate::{LabError, School};

/// Runs the rest of its arguments after bind-mounting the vantage machine's own resolv.conf,
/// hosts, nsswitch.conf and CA bundle (arguments 2-5, the last three may be empty) with `mount`
/// (argument 1).
const VANTAGE_WRAPPER: &str = "m=\"$1\"; shift\n\
    \"$m\" --bind \"$1\" /etc/resolv.conf || exit 111\n\
    if [ -n \"$2\" ]; then \"$m\" --bind \"$2\" /etc/hosts || exit 111; fi\n\
    if [ -n \"$3\" ]; then \"$m\" --bind \"$3\" /etc/nsswitch.conf || exit 111; fi\n\
    if [ -n \"$4\" ]; then \"$m\" --bind \"$4\" /etc/ssl/certs/ca-certificates.crt || exit 111; fi\n\
    shift 4\nexec \"$@\"\n";

impl FilterLab {
    /// Starts the web filter lab in `dir/filter` (replacing one left there). `client_pubkey` is
    /// an SSH public key allowed to log in as root on the vantage machines. With `detachable`,
    /// the servers get process groups of their own, so that after [`FilterLab::detach`] they
    /// outlive this process ([`stop_dir`] stops them).
    // Until `SampleSchool` starts it (lib.rs), only the tests do.
    pub(crate) fn start(
        dir: &Path,
        ca: &LabCa,
        client_pubkey: &Path,
        detachable: bool,
        school: School,
    ) -> Result<FilterLab, LabError> {
        let started = Instant::now();
        if !nix::unistd::geteuid().is_root() {
            return Err(LabError::State(
                "the web filter lab needs root: it makes network namespaces and interfaces".into(),
            ));
        }
        let tools = Tools::find()?;
        let fdir = dir.join("filter");
        if fdir.exists() {
            stop_dir(dir)?;
            fs::remove_dir_all(&fdir).map_err(|e| LabError::io("removing", &fdir, e))?;
        }
        private_dir(&fdir)?;
        let logs = fdir.join("logs");
        private_dir(&logs)?;
        let pubkey = fs::read_to_string(client_pubkey)
            .map_err(|e| LabError::io("reading", client_pubkey, e))?;
        let authorized = fdir.join("authorized_keys");
        write_secret(&authorized, &format!("{}\n", pubkey.trim()))?;

        let plan = net::claim(&tools.ip)?;
        // From here on, an error drops `network`, which removes whatever was made (and the state).
        let network = Network::claimed(plan, &tools.ip, &fdir.join("state"));
        let mut state = State::new(fdir.join("state"), plan)?;
        network.create()?;

        let (web, etc, squid_user) = thread::scope(|s| {
            let web = s.spawn(|| write_web(&fdir, &logs, ca, plan, school));
            let vantages = s.spawn(|| write_vantages(&fdir, &tools, plan, &authorized, &ca.ca_pem));
            let squid = s.spawn(|| write_squid(&fdir, &logs));
            (join(web), join(vantages), join(squid))
        });
        let ((), etc, squid_user) = (web?, etc?, squid_user?);

        // Start every server, then wait for each.
        let mut servers: Vec<Server> = Vec::new();
        let mut spawn = |servers: &mut Vec<Server>,
                         name: &'static str,
                         cmd: Command,
                         log: &str|
         -> Result<(), LabError> {
            let server = Server::spawn(name, cmd, &logs.join(log), dir, detachable)?;
            state.add(&format!("pid {} {name}", server.pid))?;
            servers.push(server);
            Ok(())
        };
        let mut cmd = Command::new(&tools.dnsmasq);
        cmd.arg("--keep-in-foreground").arg(format!(
            "--conf-file={}",
            fdir.join("dns/dnsmasq.conf").display()
        ));
        spawn(&mut servers, "dnsmasq", cmd, "dnsmasq.log")?;
        let mut cmd = Command::new(&tools.nginx);
        cmd.arg("-e")
            .arg(logs.join("nginx-error.log"))
            .arg("-p")
            .arg(fdir.join("web"))
            .arg("-c")
            .arg(fdir.join("web/nginx.conf"));
        spawn(&mut servers, "nginx", cmd, "nginx.log")?;
        for ((group, _, _), files) in GROUPS.iter().zip(&etc) {
            let mut cmd = vantage_command(&tools, &plan.netns(group), files, &tools.sshd);
            cmd.arg("-D")
                .arg("-e")
                .arg("-f")
                .arg(fdir.join(group).join("sshd_config"));
            spawn(&mut servers, "sshd", cmd, &format!("sshd-{group}.log"))?;
        }
        // squid last: its office port is a free port of 127.0.0.1, which something else may
        // take before squid binds it; then squid tries another.
        let deadline = Instant::now() + READY_TIMEOUT;
        let sdir = fdir.join("squid");
        let mut office_port = None;
        for attempt in 1..=3 {
            if school != School::Example {
                break;
            }
            let port = free_port()?;
            office_port = Some(port);
            write_file(
                &sdir.join("squid.conf"),
                &config::squid(&plan, port, &sdir, "/proc/self/fd/3", &squid_user),
            )?;
            // squid reads its error pages after becoming the `proxy` user, who may not enter the
            // lab folder: it gets their folder as descriptor 3.
            let mut cmd = Command::new(&tools.sh);
            cmd.arg("-c")
                .arg("exec \"$1\" -N -n \"$2\" -f \"$3\" 3<\"$4\"")
                .arg("sh")
                .arg(&tools.squid)
                .arg(plan.squid_service())
                .arg(sdir.join("squid.conf"))
                .arg(sdir.join("errors"));
            spawn(&mut servers, "squid", cmd, "squid.log")?;
            let ready = match servers.last() {
                Some(squid) => wait_ready(squid, "the filtering proxy (squid)", deadline, || {
                    accepts(plan.gateway(1), PROXY_PORT)
                        && accepts(plan.gateway(2), PROXY_PORT)
                        && accepts(Ipv4Addr::LOCALHOST, port)
                }),
                None => Err(LabError::State("squid was not started".into())),
            };
            match ready {
                Ok(()) => break,
                Err(LabError::ServerExited { tail, .. })
                    if attempt < 3 && tail.contains("Address already in use") =>
                {
                    servers.pop();
                }
                Err(e) => return Err(e),
            }
        }

        // The networks' own resolvers last: the others' positions in `servers` are fixed. St.
        // Example's has one for its sinkhole networks and one for its unfiltered network;
        // Riverside's filter answers on every network's gateway, one resolver each (each
        // network's list differs).
        let of = |kind: Filtering| -> Vec<&'static str> {
            GROUPS
                .iter()
                .filter(|(g, _, _)| filtering(school, g) == kind)
                .map(|(g, _, _)| *g)
                .collect()
        };
        let resolvers: Vec<(String, Vec<&'static str>)> = match school {
            School::Example => vec![
                ("dnsmasq-sinkhole".to_string(), of(Filtering::DnsSinkhole)),
                ("dnsmasq-unfiltered".to_string(), of(Filtering::Nothing)),
            ],
            School::Riverside => GROUPS
                .iter()
                .map(|(g, _, _)| (format!("dnsmasq-{g}"), vec![*g]))
                .collect(),
        };
        for (conf, groups) in resolvers {
            let mut cmd = Command::new(&tools.dnsmasq);
            cmd.arg("--keep-in-foreground").arg(format!(
                "--conf-file={}",
                fdir.join("dns").join(format!("{conf}.conf")).display()
            ));
            spawn(&mut servers, "dnsmasq", cmd, &format!("{conf}.log"))?;
            let Some(dns_server) = servers.last() else {
                continue;
            };
            for (group, octet, _) in GROUPS.iter().filter(|(g, _, _)| groups.contains(g)) {
                let at = SocketAddr::from((plan.gateway(*octet), 53));
                let iwf = sites::must_block_hosts().next().unwrap_or_default();
                let want = match filtering(school, group) {
                    Filtering::DnsSinkhole => plan.sinkhole(),
                    Filtering::BlockPageDns => plan.block_server(),
                    Filtering::Proxy | Filtering::Nothing => plan.web(),
                };
                wait_ready(
                    dns_server,
                    "a network's own resolver (dnsmasq) to answer",
                    deadline,
                    || {
                        dns::query_a(at, iwf, Duration::from_millis(200))
                            .is_ok_and(|a| a.addresses == [want])
                    },
                )?;
            }
        }

        let resolver = SocketAddr::from((plan.resolver(), 53));
        wait_ready(
            &servers[0],
            "the lab resolver (dnsmasq) to answer",
            deadline,
            || {
                dns::query_a(resolver, "www.gov.uk", Duration::from_millis(200))
                    .is_ok_and(|a| a.addresses == [plan.web()])
            },
        )?;
        wait_ready(&servers[1], "the lab web server (nginx)", deadline, || {
            accepts(plan.web(), 80) && accepts(plan.web(), 443)
        })?;
        let mut vantages = Vec::new();
        let mut known_hosts = Vec::new();
        for (i, (group, octet, name)) in GROUPS.iter().enumerate() {
            let address = plan.machine(*octet);
            wait_ready(
                &servers[2 + i],
                &format!("the SSH server of {name}"),
                deadline,
                || accepts(address, 22),
            )?;
            let key = fdir.join(group).join("ssh_host_ed25519_key.pub");
            let text = fs::read_to_string(&key).map_err(|e| LabError::io("reading", &key, e))?;
            let mut f = text.split_whitespace();
            let (kt, kb) = (f.next().unwrap_or_default(), f.next().unwrap_or_default());
            known_hosts.push(format!("{address} {kt} {kb}"));
            vantages.push(Vantage {
                name: (*name).to_string(),
                group,
                netns: plan.netns(group),
                address,
                port: 22,
                proxy: (filtering(school, group) == Filtering::Proxy)
                    .then(|| format!("http://{}:{PROXY_PORT}", plan.gateway(*octet))),
            });
        }
        Ok(FilterLab {
            servers,
            network,
            vantages,
            etc,
            dir: fdir,
            ca_pem: ca.ca_pem.clone(),
            school,
            office_port,
            known_hosts,
            tools,
            startup: started.elapsed(),
            detached: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
        })
    }
}
/// `ip netns exec NETNS unshare --mount … sh -c WRAPPER … PROGRAM`.
pub(super) fn vantage_command(
    tools: &Tools,
    netns: &str,
    etc: &EtcFiles,
    program: impl AsRef<OsStr>,
) -> Command {
    let opt = |p: &Option<PathBuf>| {
        p.as_ref()
            .map(|p| p.as_os_str().to_owned())
            .unwrap_or_default()
    };
    let mut cmd = Command::new(&tools.ip);
    cmd.args(["netns", "exec", netns])
        .arg(&tools.unshare)
        .args(["--mount", "--propagation", "private"])
        .arg(&tools.sh)
        .arg("-c")
        .arg(VANTAGE_WRAPPER)
        .arg("sh")
        .arg(&tools.mount)
        .arg(&etc.resolv)
        .arg(opt(&etc.hosts))
        .arg(opt(&etc.nsswitch))
        .arg(opt(&etc.ca_bundle))
        .arg(program);
    cmd
}

pub(super) fn accepts(addr: Ipv4Addr, port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddrV4::new(addr, port).into(),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// Waits until `ready`, failing if the server exits or the deadline passes (with its log's end).
pub(super) fn wait_ready(
    server: &Server,
    what: &str,
    deadline: Instant,
    mut ready: impl FnMut() -> bool,
) -> Result<(), LabError> {
    loop {
        server.check_alive()?;
        if ready() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(LabError::Timeout {
                what: what.to_string(),
                secs: READY_TIMEOUT.as_secs_f64(),
                detail: format!(
                    "; last lines of {}:\n{}",
                    server.log.display(),
                    tail(&server.log, 15)
                ),
            });
        }
        thread::sleep(Duration::from_millis(20));
    }
}
