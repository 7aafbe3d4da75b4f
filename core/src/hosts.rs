//! Host checks in the engine: one SSH session and one read-only probe per machine, at most
//! `hosts.concurrency` at once (ssh2 is blocking: each runs on a blocking thread), then the pure
//! parse and judge of `caretaker_checks::host`.

use std::time::Duration;

use caretaker_checks::directory::probe::{search_computers, Explain as _, ProbeError};
use caretaker_checks::host::judge::HostThresholds;
use caretaker_checks::host::transport::{
    sessions, Choose, SshAuth, SshError, SshOutcome, SshTarget,
};
use caretaker_checks::host::{self, discover, HostInfo, OsFamily};
use caretaker_checks::{Evidence, Finding, Severity, Status, Target, TargetKind};
use caretaker_config::{HostOs, Loaded};

fn os_family(os: HostOs) -> Option<OsFamily> {
    match os {
        HostOs::Linux => Some(OsFamily::Linux),
        HostOs::Windows => Some(OsFamily::Windows),
        HostOs::Macos => Some(OsFamily::Macos),
        HostOs::Auto => None,
    }
}

/// The judges' thresholds from `[hosts.thresholds]` and `[hosts.allowed_software]`.
pub fn thresholds(loaded: &Loaded) -> HostThresholds {
    let h = &loaded.config.hosts;
    let t = &h.thresholds;
    HostThresholds {
        signature_warn_hours: t.signature_warn_hours,
        signature_fail_hours: t.signature_fail_hours,
        xprotect_max_days: t.xprotect_max_days,
        update_max_days: t.update_max_days,
        encryption_required_roles: t.encryption_required_roles.clone(),
        screen_lock_max_secs: t.screen_lock_max_minutes.saturating_mul(60),
        software_allow_linux: h.allowed_software.linux.clone(),
        software_allow_windows: h.allowed_software.windows.clone(),
        software_allow_macos: h.allowed_software.macos.clone(),
    }
}

/// Where a machine of the inventory comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Source {
    /// A `[[host]]` of the configuration.
    Config,
    /// A computer object found by `[[hosts.discover]]`.
    Directory {
        directory: String,
        dn: String,
        operating_system: String,
    },
}

/// One machine to check: what it is, how to reach it, where it was listed.
#[derive(Debug, Clone)]
pub struct Machine {
    pub info: HostInfo,
    pub target: SshTarget,
    pub source: Source,
    /// False for a `[[host]]` with `audit = false` (a filter vantage point only).
    pub audit: bool,
}

fn ssh_target(loaded: &Loaded, name: &str, address: &str, port: u16, user: String) -> SshTarget {
    let s = &loaded.config.hosts;
    let auth = match &s.key_file {
        Some(k) => SshAuth::KeyFile(k.clone()),
        None => SshAuth::Agent,
    };
    let mut t = SshTarget::new(
        name.to_string(),
        address.to_string(),
        port,
        user,
        auth,
        loaded.known_hosts.clone(),
    );
    t.connect_timeout = Duration::from_secs(s.connect_timeout_secs);
    t.command_timeout = Duration::from_secs(s.command_timeout_secs);
    t.max_output = usize::try_from(s.max_output_bytes).unwrap_or(usize::MAX);
    t
}

/// Every `[[host]]` of the configuration, in order.
pub fn configured(loaded: &Loaded) -> Vec<Machine> {
    let s = &loaded.config.hosts;
    loaded
        .config
        .host_list
        .iter()
        .map(|h| {
            let os = os_family(h.os(s));
            let info = HostInfo {
                name: h.name.clone(),
                address: h.address.clone(),
                // With `os = "auto"` the probe's output says (see `HostInfo::detect_os`).
                os: os.unwrap_or(OsFamily::Linux),
                roles: h.roles(s),
                simulated: h.simulated,
                detect_os: os.is_none(),
            };
            let target = ssh_target(loaded, &h.name, &h.address, h.port(s), h.user(s));
            Machine {
                info,
                target,
                source: Source::Config,
                audit: h.audit,
            }
        })
        .collect()
}

/// Every configured machine to audit, with how to reach it (no directory search).
pub fn inventory(loaded: &Loaded) -> Vec<(HostInfo, SshTarget)> {
    configured(loaded)
        .into_iter()
        .filter(|m| m.audit)
        .map(|m| (m.info, m.target))
        .collect()
}

/// The configured machines and those `[[hosts.discover]]` finds in Active Directory, merged: a
/// `[[host]]` with the same name or address wins, and a machine found twice is listed once. A
/// directory that cannot be searched gives `error` findings (one per host check) instead of its
/// machines, and the rest go on.
pub async fn full_inventory(loaded: &Loaded) -> (Vec<Machine>, Vec<Finding>) {
    let mut machines = configured(loaded);
    let mut findings = Vec::new();
    let s = &loaded.config.hosts;
    for d in &s.discover {
        let Some(dir) = loaded
            .config
            .directories
            .iter()
            .find(|x| x.name == d.directory)
        else {
            continue;
        };
        match search_computers(dir, &d.base_dn).await {
            Err(e) => findings.extend(discovery_failed(d, dir, &e)),
            Ok(entries) => {
                let (found, skipped) = discover::computers(&entries);
                for k in skipped {
                    tracing::info!("not checking {}: {}", k.dn, k.reason);
                }
                let group = d
                    .group
                    .as_ref()
                    .and_then(|g| s.groups.iter().find(|x| &x.name == g));
                for c in found {
                    let taken = machines.iter().any(|m| {
                        m.info.name.eq_ignore_ascii_case(&c.name)
                            || m.info.address.eq_ignore_ascii_case(&c.address)
                    });
                    if taken {
                        continue;
                    }
                    let group_os = group.and_then(|g| g.os).and_then(os_family);
                    let os = group_os.or(c.os);
                    let mut roles: Vec<String> = group.map(|g| g.roles.clone()).unwrap_or_default();
                    for r in &d.roles {
                        if !roles.iter().any(|x| x.eq_ignore_ascii_case(r)) {
                            roles.push(r.clone());
                        }
                    }
                    let port = group.and_then(|g| g.port).unwrap_or(22);
                    let user = group
                        .and_then(|g| g.user.clone())
                        .unwrap_or_else(|| s.user.clone());
                    let target = ssh_target(loaded, &c.name, &c.address, port, user);
                    machines.push(Machine {
                        info: HostInfo {
                            name: c.name.clone(),
                            address: c.address.clone(),
                            os: os.unwrap_or(OsFamily::Linux),
                            roles,
                            simulated: false,
                            detect_os: os.is_none(),
                        },
                        target,
                        source: Source::Directory {
                            directory: d.directory.clone(),
                            dn: c.dn,
                            operating_system: c.operating_system,
                        },
                        audit: true,
                    });
                }
            }
        }
    }
    (machines, findings)
}

/// One `error` finding per host check when a directory could not be searched for machines: the
/// machines it lists are unknown, so nothing about them can be said.
fn discovery_failed(
    d: &caretaker_config::HostDiscover,
    dir: &caretaker_config::Directory,
    e: &ProbeError,
) -> Vec<Finding> {
    host::CHECK_IDS
        .iter()
        .map(|check| {
            Finding::error(
                *check,
                Target::new(TargetKind::Directory, dir.name.clone(), d.base_dn.clone()),
                format!(
                    "{}: the machines under {} could not be listed, because {}",
                    host::could_not(check),
                    d.base_dn,
                    e.reason(dir)
                ),
                Evidence::new(dir.url.clone())
                    .with("step", e.step.as_str())
                    .with("reason", e.detail.as_str())
                    .with("base_dn", d.base_dn.as_str()),
            )
            .fix(e.fix(dir))
        })
        .collect()
}

/// Probes every machine (at most `concurrency` at once, through the one SSH fan-out) and judges
/// what each said.
pub async fn audit_hosts(
    hosts: Vec<(HostInfo, SshTarget)>,
    concurrency: usize,
    thresholds: HostThresholds,
    now: time::OffsetDateTime,
) -> Vec<Finding> {
    let jobs = hosts
        .iter()
        .map(|(info, target)| {
            let which = info.clone();
            let choose: Choose = Box::new(move |banner| {
                let (command, script) = host::probe_for(&which, banner);
                (command.to_string(), Some(script.as_bytes().to_vec()))
            });
            (target.clone(), choose)
        })
        .collect();
    let results = sessions(jobs, concurrency).await;
    hosts
        .iter()
        .zip(results)
        .flat_map(|((info, target), result)| findings_for(info, target, result, &thresholds, now))
        .collect()
}

/// The findings for one machine from what its SSH session gave.
pub fn findings_for(
    info: &HostInfo,
    target: &SshTarget,
    result: Result<SshOutcome, SshError>,
    th: &HostThresholds,
    now: time::OffsetDateTime,
) -> Vec<Finding> {
    match result {
        Ok(SshOutcome::Output { stdout, stderr_tail, exit, .. }) => {
            if stdout.is_empty() && exit != Some(0) {
                host::unreachable_findings(
                    info,
                    "the check program failed on the machine",
                    &format!("exit status {exit:?}; {}", stderr_tail.trim()),
                )
            } else {
                host::assess(info, &stdout, th, now)
            }
        }
        Err(SshError::ChangedHostKey { expected_fp, got_fp }) => host::CHECK_IDS
            .iter()
            .map(|check| {
                Finding::new(
                    *check,
                    info.target(),
                    Status::Fail,
                    Severity::Critical,
                    format!(
                        "{}'s SSH key has changed since it was trusted, which can mean the connection is being \
                         intercepted: nothing was sent to it, and it was not checked.",
                        info.name
                    ),
                    Evidence::new(format!("{}:{}", target.address, target.port))
                        .with("trusted_key", expected_fp.as_str())
                        .with("presented_key", got_fp.as_str())
                        .with("known_hosts", target.known_hosts.display()),
                )
                .fix(format!(
                    "Find out why the key changed. If the machine was rebuilt, compare the fingerprint shown on its \
                     own console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) with {got_fp}, remove the old \
                     line from {}, then run `caretaker hosts trust {}`.",
                    target.known_hosts.display(),
                    info.name
                ))
            })
            .collect(),
        Err(e) => {
            let reason = match &e {
                SshError::UnknownHostKey { .. } => format!(
                    "its SSH key has not been trusted yet (check it, then run `caretaker hosts trust {}`)",
                    info.name
                ),
                SshError::Refused => format!("no SSH server answered on port {}", target.port),
                SshError::Timeout { .. } => format!(
                    "the machine did not answer within {} seconds",
                    target.connect_timeout.as_secs()
                ),
                SshError::AuthRefused => format!("the account \"{}\" could not log in", target.user),
                SshError::CommandTimedOut => format!(
                    "the check program did not finish within {} seconds",
                    target.command_timeout.as_secs()
                ),
                SshError::OutputTooLarge { limit } => {
                    format!("the check program printed more than {limit} bytes")
                }
                _ => "the machine could not be reached over SSH".to_string(),
            };
            host::unreachable_findings(info, &reason, &e.to_string())
        }
    }
}
