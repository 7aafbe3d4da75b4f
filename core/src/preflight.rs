//! What can be known to be wrong before connecting to anything: the same refusals the audit
//! makes before it opens a connection (it calls the same functions), gathered for
//! `caretaker config check`, so that "usable" means the audit will at least try everything.

use caretaker_checks::directory::Explain as _;
use caretaker_checks::filter::fetch::{Fetcher, FetcherSettings};
use caretaker_config::Loaded;

/// One thing the audit would refuse, and where it is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The part of the configuration: `[[directory]] "ad"`, `[hosts] key_file`, ….
    pub setting: String,
    /// What is wrong and what to do, in a sentence.
    pub reason: String,
}

/// Every problem the audit would meet before connecting, in configuration order.
pub fn problems(loaded: &Loaded) -> Vec<Problem> {
    let mut out = Vec::new();
    for dir in &loaded.config.directories {
        if let Err(e) = caretaker_checks::directory::probe::preflight(dir) {
            out.push(Problem {
                setting: format!("[[directory]] \"{}\"", dir.name),
                reason: format!("{} {}", capitalised(&e.reason(dir)), e.fix(dir)),
            });
        }
    }
    let machines = crate::hosts::configured(loaded);
    let ssh_needed = machines.iter().any(|m| m.audit)
        || !loaded.config.hosts.discover.is_empty()
        || loaded
            .config
            .filter
            .vantages
            .iter()
            .any(|v| v.host.is_some());
    if ssh_needed {
        if let Some(key) = &loaded.config.hosts.key_file {
            if let Err(e) = std::fs::File::open(key) {
                out.push(Problem {
                    setting: "[hosts] key_file".into(),
                    reason: format!(
                        "The SSH key {} cannot be read ({e}): no machine can be checked. Point key_file at caretaker's private key, readable by the user that runs caretaker.",
                        key.display()
                    ),
                });
            }
        } else if std::env::var_os("SSH_AUTH_SOCK").is_none() {
            out.push(Problem {
                setting: "[hosts] key_file".into(),
                reason: "No SSH key is configured and no ssh-agent is running (SSH_AUTH_SOCK is not set): no machine can be checked. Set key_file to caretaker's private key.".into(),
            });
        }
    }
    let f = &loaded.config.filter;
    for v in f.vantages.iter().filter(|v| v.host.is_none()) {
        let settings = FetcherSettings {
            proxy: v.proxy.clone(),
            resolver: v.resolver.clone(),
            ca_files: f.ca_file.iter().cloned().collect(),
            ..FetcherSettings::default()
        };
        if let Err(e) = Fetcher::new(&settings) {
            out.push(Problem {
                setting: format!("[[filter.vantage]] \"{}\"", v.name),
                reason: format!("The web filter cannot be tested from {}: {e}.", v.name),
            });
        }
    }
    out
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
