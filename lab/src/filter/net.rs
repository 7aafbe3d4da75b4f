//! The filter lab's networks: a /16 `10.R.0.0/16` of its own (R in 200..=254), three network
//! namespaces joined to the root namespace by veth pairs, and an address-holding interface for
//! "the internet".
//!
//! A route `unreachable 10.R.0.0/16 metric 4242` in the root namespace is the lab's claim on R (the
//! kernel refuses a second identical route, so two processes cannot both take R) and its safety
//! net: while the web servers' address is removed ([`Network::cut`]) a packet for it meets that
//! route instead of leaving by the default route.

use std::collections::BTreeSet;
use std::fs;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::process::{run, Tool};
use crate::{LabError, School};

pub(crate) const IP: Tool = Tool {
    name: "ip",
    purpose: "the web filter lab's networks (namespaces, veth pairs)",
    install: "apt-get install iproute2",
};

const TIMEOUT: Duration = Duration::from_secs(15);
const GUARD_METRIC: &str = "4242";
/// The second octets a lab may take: 10.200.0.0/16 to 10.254.0.0/16.
const FIRST: u8 = 200;
const LAST: u8 = 254;

/// The vantage networks: group, third octet, machine name.
pub(crate) const GROUPS: [(&str, u8, &str); 4] = [
    ("pupil", 1, "pupil-pc"),
    ("staff", 2, "staff-pc"),
    ("guest", 3, "guest-laptop"),
    ("byod", 4, "byod-tablet"),
];

/// How a network is filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filtering {
    /// Its browsers use the school's proxy on its gateway.
    Proxy,
    /// No filter at all: straight to the internet (the planted guest problem).
    Nothing,
    /// No proxy; its resolver (on its gateway) answers must-block names with the sinkhole
    /// address, where nothing answers a connection (DNS filtering, as many BYOD networks have).
    DnsSinkhole,
    /// No proxy; its resolver (on its gateway) answers blocked names with the block server's
    /// address, which answers every request, HTTP or HTTPS, with the filter's own block page and
    /// status 200 (a DNS-redirecting filter product, as many schools run).
    BlockPageDns,
}

/// How `group`'s network is filtered at `school`.
pub(crate) fn filtering(school: School, group: &str) -> Filtering {
    match (school, group) {
        (School::Example, "guest") => Filtering::Nothing,
        (School::Example, "byod") => Filtering::DnsSinkhole,
        (School::Example, _) => Filtering::Proxy,
        (School::Riverside, "guest" | "byod") => Filtering::DnsSinkhole,
        (School::Riverside, _) => Filtering::BlockPageDns,
    }
}

/// The third octet of the lab's internet.
const INTERNET: u8 = 9;
/// The third octet of the block server's address (its own /32, so that cutting the internet off
/// leaves it answering, as a school's own filter appliance would).
const BLOCK_SERVER: u8 = 7;
/// The third octet of the sinkhole address.
const SINKHOLE: u8 = 8;

/// Names and addresses of one lab, all derived from R.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plan {
    pub r: u8,
}

impl Plan {
    /// The namespace of a group, also the name of the root side of its veth pair (≤ 15 bytes).
    pub fn netns(&self, group: &str) -> String {
        format!("ctkf{}-{group}", self.r)
    }
    /// The interface holding the web servers' address.
    pub fn internet_link(&self) -> String {
        format!("ctkf{}-inet", self.r)
    }
    pub fn gateway(&self, octet: u8) -> Ipv4Addr {
        Ipv4Addr::new(10, self.r, octet, 1)
    }
    pub fn machine(&self, octet: u8) -> Ipv4Addr {
        Ipv4Addr::new(10, self.r, octet, 2)
    }
    pub fn web(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, self.r, INTERNET, 80)
    }
    /// The search engines' own address, as a resolver that does not lock safe search answers
    /// them (nothing is served there: only the answer is tested).
    pub fn search_engines(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, self.r, INTERNET, 90)
    }
    /// The block server of a DNS-redirecting filter: every name it is given shows the block page.
    pub fn block_server(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, self.r, BLOCK_SERVER, 81)
    }
    /// The address a DNS-filtering resolver answers blocked names with: local, nothing listens
    /// there (a connection to it is refused).
    pub fn sinkhole(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, self.r, SINKHOLE, 1)
    }
    pub fn internet_prefix(&self) -> String {
        format!("10.{}.{INTERNET}.0/24", self.r)
    }
    /// The resolver's loopback address (127/8 is local without an alias; 127.R.x.x is used by
    /// nothing else of the lab, which takes 127.0.x.y).
    pub fn resolver(&self) -> Ipv4Addr {
        Ipv4Addr::new(127, self.r, 0, 53)
    }
    /// squid's service name (it names its shared memory segments `/dev/shm/NAME-*.shm`).
    pub fn squid_service(&self) -> String {
        format!("ctkf{}", self.r)
    }
    fn guard(&self) -> [String; 4] {
        [
            "unreachable".into(),
            format!("10.{}.0.0/16", self.r),
            "metric".into(),
            GUARD_METRIC.into(),
        ]
    }
}

/// The values of R this process holds, and those it gave back (oldest first): a value given back
/// is taken again only when no other is free, so that a test checking that a stopped lab left
/// nothing behind does not find the next lab in its place.
static CLAIMED: Mutex<(BTreeSet<u8>, Vec<u8>)> = Mutex::new((BTreeSet::new(), Vec::new()));

fn ip_run(ip: &Path, args: &[&str]) -> Result<String, LabError> {
    Ok(run(Command::new(ip).args(args), None, TIMEOUT)?.stdout)
}

/// A listing (`ip … show`): the kernel interrupts a dump when the interfaces or routes change
/// meanwhile (other labs starting or stopping), and `ip` then fails; so try again a few times.
fn ip_dump(ip: &Path, args: &[&str]) -> Result<String, LabError> {
    let mut tries = 0;
    loop {
        match ip_run(ip, args) {
            Err(LabError::Command { .. }) if tries < 10 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20 * tries));
            }
            other => return other,
        }
    }
}

/// An IPv4 prefix from `a.b.c.d/len` or `a.b.c.d`.
fn parse_prefix(s: &str) -> Option<(Ipv4Addr, u8)> {
    match s.split_once('/') {
        Some((a, l)) => Some((a.parse().ok()?, l.parse().ok().filter(|l| *l <= 32)?)),
        None => Some((s.parse().ok()?, 32)),
    }
}

/// Whether two prefixes overlap.
fn overlaps(a: (Ipv4Addr, u8), b: (Ipv4Addr, u8)) -> bool {
    let len = a.1.min(b.1);
    if len == 0 {
        return true;
    }
    let mask = u32::MAX << (32 - u32::from(len));
    u32::from(a.0) & mask == u32::from(b.0) & mask
}

/// The IPv4 prefixes the root namespace's addresses and routes (every table) use, the default
/// route apart.
fn used_prefixes(ip: &Path) -> Result<Vec<(Ipv4Addr, u8)>, LabError> {
    let mut out = Vec::new();
    for line in ip_dump(ip, &["-4", "-o", "addr", "show"])?.lines() {
        let mut it = line.split_whitespace();
        if it.any(|w| w == "inet") {
            out.extend(it.next().and_then(parse_prefix));
        }
    }
    const TYPES: &[&str] = &[
        "unicast",
        "local",
        "broadcast",
        "multicast",
        "unreachable",
        "blackhole",
        "prohibit",
        "throw",
        "nat",
        "anycast",
    ];
    for line in ip_dump(ip, &["-4", "route", "show", "table", "all"])?.lines() {
        let mut it = line.split_whitespace().skip_while(|w| TYPES.contains(w));
        if let Some(p) = it.next().and_then(parse_prefix) {
            out.push(p);
        }
    }
    Ok(out)
}

/// Whether the namespace `name` exists (`ip netns` keeps them in /run/netns).
fn netns_exists(name: &str) -> bool {
    Path::new("/run/netns").join(name).exists()
}

/// Takes a free R: none of 10.R.0.0/16 in use by an address or route here, no namespace of that
/// name, and the guard route added by this call (the cross-process lock).
pub(crate) fn claim(ip: &Path) -> Result<Plan, LabError> {
    let mut guard = CLAIMED.lock().unwrap_or_else(|p| p.into_inner());
    let (claimed, released) = &mut *guard;
    let used = used_prefixes(ip)?;
    // Start anywhere, so that labs of other processes rarely try the same values.
    let span = u16::from(LAST - FIRST) + 1;
    let start = crate::util::random_bytes(2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .unwrap_or(0)
        % span;
    let fresh = (0..span).filter_map(|i| u8::try_from(u16::from(FIRST) + (start + i) % span).ok());
    let candidates: Vec<u8> = fresh
        .filter(|r| !released.contains(r))
        .chain(released.iter().copied())
        .collect();
    for r in candidates {
        let plan = Plan { r };
        let net = (Ipv4Addr::new(10, r, 0, 0), 16);
        if claimed.contains(&r)
            || used.iter().any(|p| overlaps(*p, net))
            || GROUPS.iter().any(|(g, _, _)| netns_exists(&plan.netns(g)))
        {
            continue;
        }
        let mut args = vec!["route", "add"];
        let guard = plan.guard();
        args.extend(guard.iter().map(String::as_str));
        match ip_run(ip, &args) {
            Ok(_) => {
                claimed.insert(r);
                released.retain(|x| *x != r);
                return Ok(plan);
            }
            // Another process took it between the look and the claim.
            Err(LabError::Command { output, .. }) if output.contains("File exists") => continue,
            Err(e) => return Err(e),
        }
    }
    Err(LabError::NoFreeAddress {
        what: "network 10.R.0.0/16 (R in 200..=254) for the web filter lab",
    })
}

/// Best-effort write of a per-interface setting under /proc/sys.
fn sysctl(path: &str, value: &str) -> Result<(), LabError> {
    fs::write(path, value).map_err(|e| LabError::io("setting", path, e))
}

/// The lab's networks; removes them when dropped (unless detached).
#[derive(Debug)]
pub(crate) struct Network {
    pub plan: Plan,
    ip: PathBuf,
    /// DIR/filter/state, which describes the networks to `stop_dir`: removed with them.
    state: PathBuf,
    /// Whether this value still owns the networks (false once removed or detached).
    owned: AtomicBool,
    cut: Mutex<bool>,
}

impl Network {
    /// Wraps a claimed plan: from here on, dropping the value removes whatever was made.
    pub fn claimed(plan: Plan, ip: &Path, state: &Path) -> Network {
        Network {
            plan,
            ip: ip.to_path_buf(),
            state: state.to_path_buf(),
            owned: AtomicBool::new(true),
            cut: Mutex::new(false),
        }
    }

    /// Makes the namespaces, veth pairs and the internet interface.
    pub fn create(&self) -> Result<(), LabError> {
        let p = self.plan;
        let ip = |args: &[&str]| ip_run(&self.ip, args).map(|_| ());
        for (group, octet, _) in GROUPS {
            let ns = p.netns(group);
            let gw = format!("{}/24", p.gateway(octet));
            let machine = format!("{}/24", p.machine(octet));
            let gateway = p.gateway(octet).to_string();
            ip(&["netns", "add", &ns])?;
            ip(&[
                "link", "add", &ns, "type", "veth", "peer", "name", "eth0", "netns", &ns,
            ])?;
            // Never forward what the machines send (whatever the host's ip_forward says): only
            // the lab's own addresses, local to this namespace, are reachable from them.
            sysctl(&format!("/proc/sys/net/ipv4/conf/{ns}/forwarding"), "0")?;
            let _ = sysctl(&format!("/proc/sys/net/ipv6/conf/{ns}/disable_ipv6"), "1");
            ip(&["addr", "add", &gw, "dev", &ns])?;
            ip(&["link", "set", &ns, "up"])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
            ip(&["-n", &ns, "addr", "add", &machine, "dev", "eth0"])?;
            ip(&["-n", &ns, "link", "set", "eth0", "up"])?;
            ip(&["-n", &ns, "route", "add", "default", "via", &gateway])?;
        }
        let inet = p.internet_link();
        // A dummy interface where the kernel has one; else a bridge without ports does the same
        // job (it only holds addresses).
        if let Err(e) = ip(&["link", "add", &inet, "type", "dummy"]) {
            let unknown = matches!(&e, LabError::Command { output, .. } if output.contains("Unknown device type") || output.contains("not supported"));
            if !unknown {
                return Err(e);
            }
            ip(&["link", "add", &inet, "type", "bridge"])?;
        }
        let _ = sysctl(&format!("/proc/sys/net/ipv6/conf/{inet}/disable_ipv6"), "1");
        ip(&["addr", "add", &format!("{}/24", p.web()), "dev", &inet])?;
        ip(&["addr", "add", &format!("{}/32", p.sinkhole()), "dev", &inet])?;
        ip(&[
            "addr",
            "add",
            &format!("{}/32", p.block_server()),
            "dev",
            &inet,
        ])?;
        ip(&["link", "set", &inet, "up"])?;
        Ok(())
    }

    /// Takes the web servers' address away: nothing can reach them until [`Network::restore`].
    pub fn cut(&self) -> Result<(), LabError> {
        let mut cut = self.cut.lock().unwrap_or_else(|p| p.into_inner());
        if !*cut {
            let addr = format!("{}/24", self.plan.web());
            ip_run(
                &self.ip,
                &["addr", "del", &addr, "dev", &self.plan.internet_link()],
            )?;
            *cut = true;
        }
        Ok(())
    }

    /// Gives the web servers' address back (they kept listening on it).
    pub fn restore(&self) -> Result<(), LabError> {
        let mut cut = self.cut.lock().unwrap_or_else(|p| p.into_inner());
        if *cut {
            let addr = format!("{}/24", self.plan.web());
            ip_run(
                &self.ip,
                &["addr", "add", &addr, "dev", &self.plan.internet_link()],
            )?;
            *cut = false;
        }
        Ok(())
    }

    /// Leaves the networks in place when this value is dropped (a detached lab).
    pub fn detach(&self) {
        self.owned.store(false, Ordering::SeqCst);
    }

    /// Removes the networks (once).
    pub fn remove(&self) {
        if self.owned.swap(false, Ordering::SeqCst) {
            remove(&self.ip, self.plan);
            let _ = fs::remove_file(&self.state);
            let mut guard = CLAIMED.lock().unwrap_or_else(|p| p.into_inner());
            let (claimed, released) = &mut *guard;
            if claimed.remove(&self.plan.r) {
                released.push(self.plan.r);
            }
        }
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Removes everything a lab with this plan makes, ignoring what is already gone; the guard route
/// last, since it is the claim. Returns what could not be removed.
pub(crate) fn remove(ip: &Path, plan: Plan) -> Vec<String> {
    let mut left = Vec::new();
    let mut try_ip = |args: &[&str], exists: bool| {
        if exists {
            if let Err(e) = ip_run(ip, args) {
                left.push(e.to_string());
            }
        }
    };
    for (group, _, _) in GROUPS {
        let ns = plan.netns(group);
        // Deleting the root side destroys the pair even if something still runs in the namespace.
        try_ip(&["link", "del", &ns], link_exists(&ns));
        try_ip(&["netns", "del", &ns], netns_exists(&ns));
    }
    let inet = plan.internet_link();
    try_ip(&["link", "del", &inet], link_exists(&inet));
    let guard = plan.guard();
    let mut args = vec!["route", "del"];
    args.extend(guard.iter().map(String::as_str));
    let has_guard = ip_dump(ip, &["-4", "route", "show", "exact", &guard[1]])
        .map(|out| out.contains("unreachable"))
        .unwrap_or(true);
    try_ip(&args, has_guard);
    // squid's shared memory, should it have been killed before it could remove it.
    let prefix = format!("{}-", plan.squid_service());
    if let Ok(entries) = fs::read_dir("/dev/shm") {
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&prefix) && name.ends_with(".shm") {
                let _ = fs::remove_file(e.path());
            }
        }
    }
    left
}

fn link_exists(name: &str) -> bool {
    Path::new("/sys/class/net").join(name).exists()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_and_prefixes_overlap() {
        let p = Plan { r: 254 };
        for (g, _, _) in GROUPS {
            assert!(p.netns(g).len() <= 15, "{}", p.netns(g));
        }
        assert!(p.internet_link().len() <= 15);
        let net = (Ipv4Addr::new(10, 231, 0, 0), 16);
        assert!(overlaps(parse_prefix("10.231.9.80/24").unwrap(), net));
        assert!(overlaps(parse_prefix("10.0.0.0/8").unwrap(), net));
        assert!(overlaps(parse_prefix("10.231.1.1").unwrap(), net));
        assert!(!overlaps(parse_prefix("10.230.0.0/16").unwrap(), net));
        assert!(!overlaps(parse_prefix("10.255.255.53").unwrap(), net));
        assert!(parse_prefix("default").is_none());
        assert!(parse_prefix("10.0.0.0/33").is_none());
    }
}
