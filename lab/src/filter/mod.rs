//! The sample school's web filter: a real lab network that caretaker's filter checks are tested
//! against, from several vantage points.
//!
//! [`FilterLab::start`] takes a free network `10.R.0.0/16` (R in 200..=254) and makes:
//!
//! - four network namespaces, the vantage machines `pupil-pc` (10.R.1.2), `staff-pc` (10.R.2.2),
//!   `guest-laptop` (10.R.3.2) and `byod-tablet` (10.R.4.2), each joined to the root namespace by a veth pair whose root
//!   side is its gateway (10.R.k.1), each running a private sshd on port 22 in a mount namespace
//!   of its own where `/etc/resolv.conf` names the lab resolver;
//! - "the internet": an interface of the root namespace holding the web servers' address
//!   10.R.9.80, where nginx serves every test site over HTTP and HTTPS (one certificate from the
//!   lab CA for every name), choosing the page by Host header and SNI;
//! - the lab resolver, dnsmasq, on 127.R.0.53 and on the pupil and staff gateways (port 53): it
//!   knows the sites' names and nothing else (NXDOMAIN), and has no upstream servers;
//! - a DNS-filtering resolver, a second dnsmasq, on the BYOD network's gateway: the same, except
//!   that the must-block test sites and the bypass sites resolve to the sinkhole address
//!   10.R.8.1, where nothing answers (the BYOD network has no proxy: it is filtered by DNS
//!   alone), but for one VPN site and Firefox's encrypted-DNS canary (planted);
//! - the guest network's resolver, a third dnsmasq on its gateway: every site, and the search
//!   engines as themselves (planted: safe search is not locked on). Every other resolver answers
//!   them with a CNAME to their safe-search host;
//! - the school's filtering proxy, squid: a pupil port and a staff port on their gateways, and an
//!   office port on 127.0.0.1 (caretaker's own vantage point), with the planted problems.
//!
//! Nothing leaves the machine: the machines' packets are never forwarded (only the lab's own
//! addresses, local to the root namespace, answer them), squid reaches only the lab's addresses,
//! and a route `unreachable 10.R.0.0/16` catches anything for the lab's network when the web
//! servers are cut off ([`FilterLab::cut_upstream`]).

mod change;
mod config;
mod dns;
mod files;
mod net;
mod planted;
mod readme;
mod sites;
mod start;
mod stop;
#[cfg(test)]
mod tests;
mod tools;

use std::ffi::OsStr;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use crate::process::Server;
use crate::school::Planted;
use crate::{LabError, School};

use files::EtcFiles;
use net::{Network, GROUPS};
use planted::planted_filter;
use start::vantage_command;
use tools::Tools;

pub use change::{change_detached, CHANGED_FOR_PUPILS};

pub(crate) use stop::stop_dir;

const READY_TIMEOUT: Duration = Duration::from_secs(20);
const TOOL_TIMEOUT: Duration = Duration::from_secs(20);
const STOP_GRACE: Duration = Duration::from_secs(5);

/// One vantage point: a machine on one of the school's networks, reached over SSH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vantage {
    /// The machine's name, e.g. `pupil-pc`.
    pub name: String,
    /// `pupil`, `staff`, `guest` or `byod`.
    pub group: &'static str,
    /// Its network namespace (`ip netns exec NETNS …`).
    pub netns: String,
    /// Its address (its sshd listens there).
    pub address: Ipv4Addr,
    /// Its sshd's port (22).
    pub port: u16,
    /// The proxy its browsers are set to use, e.g. `http://10.R.1.1:3128`; `None` on the guest
    /// network (no filter at all) and the BYOD network (filtered by DNS).
    pub proxy: Option<String>,
}

/// A problem planted in the web filter, with the URL that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantedFilter {
    /// The vantage machine's name (`pupil-pc`, …).
    pub vantage: String,
    /// `pupil`, `staff`, `guest` or `byod`.
    pub group: &'static str,
    /// `filter.must-block` (the IWF list), `filter.categories` (other must-block content),
    /// `filter.must-load`, or a way round the filter: `filter.safe-search`,
    /// `filter.encrypted-dns`, `filter.vpn-proxy`.
    pub check: &'static str,
    /// The test URL whose result is wrong, or the name whose DNS answer is (`www.google.com`).
    pub url: &'static str,
    /// What is wrong, in plain English.
    pub what: &'static str,
}

/// The running web filter lab. Dropping it stops its servers and removes its networks, unless
/// it was detached.
#[derive(Debug)]
pub struct FilterLab {
    /// Declared before `network`: stopped before the networks go.
    servers: Vec<Server>,
    network: Network,
    vantages: Vec<Vantage>,
    etc: Vec<EtcFiles>,
    dir: PathBuf,
    ca_pem: PathBuf,
    school: School,
    /// squid's office port (St. Example's only: Riverside's filter is a DNS product, no proxy).
    office_port: Option<u16>,
    known_hosts: Vec<String>,
    tools: Tools,
    startup: Duration,
    detached: AtomicBool,
    stopped: AtomicBool,
}

impl FilterLab {
    /// The vantage machines: pupil, staff, guest, BYOD.
    pub fn vantages(&self) -> &[Vantage] {
        &self.vantages
    }

    /// The office proxy (caretaker's own vantage point on this machine), `http://127.0.0.1:PORT`;
    /// `None` at a school whose filter has no proxy (Riverside).
    pub fn office_proxy(&self) -> Option<String> {
        self.office_port
            .map(|port| format!("http://127.0.0.1:{port}"))
    }

    /// Which school's filter this is.
    pub fn school(&self) -> School {
        self.school
    }

    /// The sentence of this school's block page (what `[[filter.block_page]] text` is set to).
    pub fn block_sentence(&self) -> &'static str {
        match self.school {
            School::Example => sites::BLOCK_SENTENCE,
            School::Riverside => sites::RIVERSIDE_BLOCK_SENTENCE,
        }
    }

    /// The address of the block server of a DNS-redirecting filter (Riverside's pupil and staff
    /// networks resolve blocked names to it).
    pub fn block_server_address(&self) -> Ipv4Addr {
        self.network.plan.block_server()
    }

    /// The lab resolver, as this machine reaches it (`127.R.0.53:53`).
    pub fn resolver(&self) -> SocketAddr {
        SocketAddr::from((self.network.plan.resolver(), 53))
    }

    /// The address the BYOD network's resolver answers must-block names with (`10.R.8.1`).
    pub fn sinkhole_address(&self) -> Ipv4Addr {
        self.network.plan.sinkhole()
    }

    /// The web servers' address on the lab's internet (`10.R.9.80`).
    pub fn web_address(&self) -> Ipv4Addr {
        self.network.plan.web()
    }

    /// The lab CA that issued the web servers' certificate.
    pub fn ca_pem(&self) -> PathBuf {
        self.ca_pem.clone()
    }

    /// OpenSSH known_hosts lines for the vantage machines' host keys (`ADDRESS TYPE BASE64`).
    pub fn known_hosts_lines(&self) -> Vec<String> {
        self.known_hosts.clone()
    }

    /// DIR/filter.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How long `start` took.
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    /// The servers' pids (dnsmasq, nginx's master, the four sshd, squid, the sinkhole and
    /// unfiltered networks' dnsmasq).
    pub fn pids(&self) -> Vec<u32> {
        self.servers.iter().map(|s| s.pid).collect()
    }

    /// A command that runs `program` on a vantage machine, as a session there would: in its
    /// network namespace, resolving names with the lab resolver. Add arguments and run it.
    pub fn command(&self, vantage: &Vantage, program: impl AsRef<OsStr>) -> Command {
        let i = GROUPS
            .iter()
            .position(|(g, _, _)| *g == vantage.group)
            .unwrap_or(0);
        vantage_command(&self.tools, &vantage.netns, &self.etc[i], program)
    }

    /// Makes the web servers unreachable from everywhere (their address goes away); the resolver
    /// still answers. Undone by [`FilterLab::restore_upstream`].
    pub fn cut_upstream(&self) -> Result<(), LabError> {
        self.network.cut()
    }

    /// Makes the web servers reachable again after [`FilterLab::cut_upstream`].
    pub fn restore_upstream(&self) -> Result<(), LabError> {
        self.network.restore()
    }

    /// Changes the filter as a network manager might by mistake: `host` is let through for one
    /// user group (`pupil` or `staff`; St. Example's squid only), and squid reads its
    /// configuration again. Undone by [`FilterLab::block_again`].
    pub fn let_through(&self, group: &str, host: &str) -> Result<(), LabError> {
        let port = match group {
            "pupil" => config::PUPIL_PORT,
            "staff" => config::STAFF_PORT,
            other => {
                return Err(LabError::State(format!(
                    "no proxy port for the group {other:?}: pupil or staff"
                )))
            }
        };
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return Err(LabError::State(format!("{host:?} is not a host name")));
        }
        let path = self.dir.join("squid/squid.conf");
        let conf = std::fs::read_to_string(&path).map_err(|e| LabError::io("reading", &path, e))?;
        let conf = without_let_through(&conf);
        let deny = format!("http_access deny {port}_port must_block\n");
        let Some(at) = conf.find(&deny) else {
            return Err(LabError::State(format!(
                "{}: no line {:?} to let {host} through before",
                path.display(),
                deny.trim()
            )));
        };
        let mut changed = conf.clone();
        changed.insert_str(
            at,
            &format!(
                "{LET_THROUGH_START}\nacl let_through dstdomain -n {host}\nhttp_access allow {port}_port let_through\n{LET_THROUGH_END}\n"
            ),
        );
        crate::util::write_file(&path, &changed)?;
        self.reconfigure()
    }

    /// Undoes [`FilterLab::let_through`]: the filter blocks what it blocked before.
    pub fn block_again(&self) -> Result<(), LabError> {
        let path = self.dir.join("squid/squid.conf");
        let conf = std::fs::read_to_string(&path).map_err(|e| LabError::io("reading", &path, e))?;
        crate::util::write_file(&path, &without_let_through(&conf))?;
        self.reconfigure()
    }

    /// Tells squid to read its configuration again (SIGHUP) and waits until it listens again on
    /// every port.
    fn reconfigure(&self) -> Result<(), LabError> {
        let squid = self
            .servers
            .iter()
            .find(|s| s.name == "squid")
            .ok_or_else(|| LabError::State("this filter has no squid".into()))?;
        reload_squid(squid.pid, &squid.log, || squid.check_alive())
    }

    /// The school's mail domains, whose SPF and DMARC records the lab resolver serves.
    pub fn mail_domains(&self) -> Vec<&'static str> {
        config::mail_domains(self.school)
            .iter()
            .map(|m| m.domain)
            .collect()
    }

    /// The problems planted in the mail domains the lab resolver serves (scope `mail`, target
    /// the domain).
    pub fn planted_mail(&self) -> Vec<Planted> {
        planted::planted_mail(self.school)
    }

    /// The problems planted in the web filter, one per vantage machine and check.
    pub fn planted(&self) -> Vec<Planted> {
        let mut out: Vec<Planted> = Vec::new();
        for p in self.planted_filter() {
            if !out
                .iter()
                .any(|o| o.check == p.check && o.target == p.vantage)
            {
                out.push(Planted {
                    directory: "filter",
                    check: p.check,
                    target: p.vantage,
                    what: p.what,
                });
            }
        }
        out
    }

    /// The planted filter change (check `filter.changes`), reported by an audit after one that
    /// saw the filter as it was before ([`FilterLab::before_the_change`]).
    pub fn planted_change(&self) -> Vec<PlantedFilter> {
        planted::planted_change(self.school)
    }

    /// The problems planted in the web filter, one per vantage machine and URL.
    pub fn planted_filter(&self) -> Vec<PlantedFilter> {
        planted_filter(self.school)
    }

    /// Stops every server and removes the networks. Idempotent; `Drop` calls it (unless the lab
    /// was detached: then use [`stop_dir`]).
    pub(crate) fn stop(&self) {
        if self.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        thread::scope(|s| {
            for server in &self.servers {
                s.spawn(move || server.stop(STOP_GRACE));
            }
        });
        self.network.remove();
    }

    /// Leaves the servers and networks in place after this value is gone (`caretaker-lab up`);
    /// [`stop_dir`] removes them later.
    pub(crate) fn detach(&self) {
        self.detached.store(true, Ordering::SeqCst);
        for server in &self.servers {
            server.detach();
        }
        self.network.detach();
    }
}

impl Drop for FilterLab {
    fn drop(&mut self) {
        if !self.detached.load(Ordering::SeqCst) {
            self.stop();
        }
    }
}

fn join<T>(h: thread::ScopedJoinHandle<'_, Result<T, LabError>>) -> Result<T, LabError> {
    h.join()
        .unwrap_or_else(|_| Err(LabError::State("a start-up thread panicked".into())))
}

/// Sends squid (`pid`, logging to `log`) SIGHUP and waits until it listens again on its three
/// ports (the pupils', the staff's and the office's); `alive` says whether it is still running.
fn reload_squid(
    pid: u32,
    log: &Path,
    alive: impl Fn() -> Result<(), LabError>,
) -> Result<(), LabError> {
    let ready = |log: &str| log.matches("Accepting HTTP Socket connections").count();
    let before = ready(&std::fs::read_to_string(log).unwrap_or_default());
    let pid = nix::unistd::Pid::from_raw(
        i32::try_from(pid).map_err(|_| LabError::State("squid's pid".into()))?,
    );
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP)
        .map_err(|e| LabError::State(format!("cannot signal squid: {e}")))?;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        alive()?;
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if ready(&text) >= before + 3 {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(LabError::Timeout {
                what: "squid to read its configuration again".into(),
                secs: 20.0,
                detail: crate::util::tail(log, 15),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

const LET_THROUGH_START: &str = "# let through by hand (caretaker-lab let_through): start";
const LET_THROUGH_END: &str = "# let through by hand: end";

/// squid's configuration without what [`FilterLab::let_through`] added.
fn without_let_through(conf: &str) -> String {
    without_block(conf, LET_THROUGH_START, LET_THROUGH_END)
}

/// `conf` without its lines from `start` to `end` (both marker lines included).
fn without_block(conf: &str, start: &str, end: &str) -> String {
    let mut out = String::with_capacity(conf.len());
    let mut skipping = false;
    for line in conf.split_inclusive('\n') {
        if line.trim_end() == start {
            skipping = true;
        } else if line.trim_end() == end {
            skipping = false;
        } else if !skipping {
            out.push_str(line);
        }
    }
    out
}
