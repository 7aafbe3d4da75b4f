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
//! - the lab resolver, dnsmasq, on 127.R.0.53 and on the pupil, staff and guest gateways (port 53):
//!   it knows the sites' names and nothing else (NXDOMAIN), and has no upstream servers;
//! - a DNS-filtering resolver, a second dnsmasq, on the BYOD network's gateway: the same, except
//!   that the must-block test sites resolve to the sinkhole address 10.R.8.1, where nothing
//!   answers (the BYOD network has no proxy: it is filtered by DNS alone);
//! - the school's filtering proxy, squid: a pupil port and a staff port on their gateways, and an
//!   office port on 127.0.0.1 (caretaker's own vantage point), with the planted problems.
//!
//! Nothing leaves the machine: the machines' packets are never forwarded (only the lab's own
//! addresses, local to the root namespace, answer them), squid reaches only the lab's addresses,
//! and a route `unreachable 10.R.0.0/16` catches anything for the lab's network when the web
//! servers are cut off ([`FilterLab::cut_upstream`]).

mod config;
mod dns;
mod net;
mod sites;
#[cfg(test)]
mod tests;

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;

use crate::process::{self, find, run, Server, Tool};
use crate::school::Planted;
use crate::tls::LabCa;
use crate::util::{free_port, private_dir, tail, write_file, write_secret};
use crate::{LabError, School};

use config::{
    CHILDLINE, PROXY_PORT, RIVERSIDE_GUEST_MISSES, RIVERSIDE_PUPIL_MISSES,
    RIVERSIDE_STAFF_OVERBLOCKS, SWEARING,
};
use net::{filtering, Filtering, Network, Plan, GROUPS, IP};
use sites::{Kind, SITES};

const UNSHARE: Tool = Tool {
    name: "unshare",
    purpose: "the web filter lab's vantage machines (a mount namespace each)",
    install: "apt-get install util-linux",
};
const MOUNT: Tool = Tool {
    name: "mount",
    purpose: "the web filter lab's vantage machines (their own /etc/resolv.conf)",
    install: "apt-get install mount",
};
const SH: Tool = Tool {
    name: "sh",
    purpose: "starting the web filter lab's servers",
    install: "apt-get install dash",
};
const SSHD: Tool = Tool {
    name: "sshd",
    purpose: "the web filter lab's vantage machines (one private SSH server each)",
    install: "apt-get install openssh-server",
};
const SSH_KEYGEN: Tool = Tool {
    name: "ssh-keygen",
    purpose: "the vantage machines' host keys",
    install: "apt-get install openssh-client",
};
const DNSMASQ: Tool = Tool {
    name: "dnsmasq",
    purpose: "the web filter lab's resolver",
    install: "apt-get install dnsmasq-base",
};
const NGINX: Tool = Tool {
    name: "nginx",
    purpose: "the web filter lab's web sites",
    install: "apt-get install nginx",
};
const SQUID: Tool = Tool {
    name: "squid",
    purpose: "the web filter lab's filtering proxy",
    install: "apt-get install squid",
};

const READY_TIMEOUT: Duration = Duration::from_secs(20);
const TOOL_TIMEOUT: Duration = Duration::from_secs(20);
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Where squid's stock error templates live (the first that exists).
const SQUID_TEMPLATES: &[&str] = &[
    "/usr/share/squid/errors/templates",
    "/usr/share/squid-langpack/templates",
    "/usr/share/squid/errors/en",
    "/usr/share/squid/errors/English",
];

/// Runs the rest of its arguments after bind-mounting the vantage machine's own resolv.conf,
/// hosts, nsswitch.conf and CA bundle (arguments 2-5, the last three may be empty) with `mount`
/// (argument 1).
const VANTAGE_WRAPPER: &str = "m=\"$1\"; shift\n\
    \"$m\" --bind \"$1\" /etc/resolv.conf || exit 111\n\
    if [ -n \"$2\" ]; then \"$m\" --bind \"$2\" /etc/hosts || exit 111; fi\n\
    if [ -n \"$3\" ]; then \"$m\" --bind \"$3\" /etc/nsswitch.conf || exit 111; fi\n\
    if [ -n \"$4\" ]; then \"$m\" --bind \"$4\" /etc/ssl/certs/ca-certificates.crt || exit 111; fi\n\
    shift 4\nexec \"$@\"\n";

/// The system CA bundle that curl and openssl use on Debian.
const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

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
    /// `pupil`, `staff` or `guest`.
    pub group: &'static str,
    /// `filter.must-block` (the IWF list), `filter.categories` (other must-block content) or
    /// `filter.must-load`.
    pub check: &'static str,
    /// The test URL whose result is wrong.
    pub url: &'static str,
    /// What is wrong, in plain English.
    pub what: &'static str,
}

/// The programs the lab runs, found once.
#[derive(Debug, Clone)]
struct Tools {
    ip: PathBuf,
    unshare: PathBuf,
    mount: PathBuf,
    sh: PathBuf,
    sshd: PathBuf,
    keygen: PathBuf,
    dnsmasq: PathBuf,
    nginx: PathBuf,
    squid: PathBuf,
}

impl Tools {
    fn find() -> Result<Tools, LabError> {
        Ok(Tools {
            ip: find(IP)?,
            unshare: find(UNSHARE)?,
            mount: find(MOUNT)?,
            sh: find(SH)?,
            sshd: find(SSHD)?,
            keygen: find(SSH_KEYGEN)?,
            dnsmasq: find(DNSMASQ)?,
            nginx: find(NGINX)?,
            squid: find(SQUID)?,
        })
    }
}

/// A vantage machine's files, bind-mounted over /etc inside its mount namespace.
#[derive(Debug, Clone)]
struct EtcFiles {
    resolv: PathBuf,
    hosts: Option<PathBuf>,
    nsswitch: Option<PathBuf>,
    /// The system's CA bundle plus the lab CA: the school's machines trust the school's CA (as
    /// schools deploy their filter's), so HTTPS to the lab's sites verifies there.
    ca_bundle: Option<PathBuf>,
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

/// DIR/filter/state: what `stop_dir` needs (the network's R, the servers' pids).
struct State {
    path: PathBuf,
    text: String,
}

impl State {
    fn new(path: PathBuf, plan: Plan) -> Result<State, LabError> {
        let mut s = State {
            path,
            text: String::from(
                "# caretaker-lab web filter: what `caretaker-lab down` stops and removes.\n",
            ),
        };
        s.add(&format!("net {}", plan.r))?;
        Ok(s)
    }

    fn add(&mut self, line: &str) -> Result<(), LabError> {
        self.text.push_str(line);
        self.text.push('\n');
        write_file(&self.path, &self.text)
    }
}

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

        // The DNS-filtering resolvers last: the others' positions in `servers` are fixed. St.
        // Example's has one for its sinkhole networks; Riverside's filter answers on every
        // network's gateway, one resolver each (each network's list differs).
        let resolvers: Vec<(String, Vec<&'static str>)> = match school {
            School::Example => vec![(
                "dnsmasq-sinkhole".to_string(),
                GROUPS
                    .iter()
                    .filter(|(g, _, _)| filtering(school, g) == Filtering::DnsSinkhole)
                    .map(|(g, _, _)| *g)
                    .collect(),
            )],
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
                    _ => plan.block_server(),
                };
                wait_ready(
                    dns_server,
                    "the DNS-filtering resolver (dnsmasq) to answer",
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

    /// The servers' pids (dnsmasq, nginx's master, the four sshd, squid, the sinkhole dnsmasq).
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

    /// The problems planted in the web filter, one per vantage machine and URL.
    pub fn planted_filter(&self) -> Vec<PlantedFilter> {
        planted_filter(self.school)
    }

    /// A section for the lab's README.txt.
    pub fn readme(&self) -> String {
        let plan = self.network.plan;
        let mut s = format!(
            "The web filter\n--------------\n\
             The school's web filter runs on a lab network of its own, 10.{r}.0.0/16, inside this\n\
             machine: nothing it does leaves the machine. Four vantage machines, each a network\n\
             namespace with its own SSH server (root, with the lab's client key), stand for the\n\
             school's networks:\n\n",
            r = plan.r
        );
        for v in &self.vantages {
            let how = match (&v.proxy, filtering(self.school, v.group)) {
                (Some(p), _) => format!("its browsers use the proxy {p}"),
                (None, Filtering::BlockPageDns) => format!(
                    "no proxy: its resolver answers blocked names with the block server {}, \
                     which shows SafeSurf's block page with status 200",
                    plan.block_server()
                ),
                (None, Filtering::DnsSinkhole) => format!(
                    "no proxy: its resolver answers must-block names with the sinkhole {}",
                    plan.sinkhole()
                ),
                (None, _) => "no proxy: it goes straight to the internet".into(),
            };
            let _ = writeln!(
                s,
                "  {name:<13} {group} network, {addr} (namespace {ns}); {how}",
                name = v.name,
                group = v.group,
                addr = v.address,
                ns = v.netns,
            );
        }
        if self.school == School::Riverside {
            let _ = write!(
                s,
                "\nRiverside's filter is a DNS product (\"SafeSurf\"): each network's gateway runs its\n\
                 resolver (dnsmasq, with that network's list); there is no proxy. Blocked names on the\n\
                 pupil and staff networks resolve to the block server {block}, where nginx answers\n\
                 every request, HTTP or HTTPS (the lab CA's certificate for every test name, which the\n\
                 school's machines trust), with the block page and status 200:\n\
                 \"{sentence}\". On the guest and BYOD networks they resolve to the sinkhole {sinkhole},\n\
                 where nothing answers. \"The internet\" is one address, {web}.\n\n\
                 Planted problems:\n\
                 - {RIVERSIDE_PUPIL_PROBLEM}\n- {RIVERSIDE_STAFF_PROBLEM}\n- {RIVERSIDE_GUEST_PROBLEM}\n\
                 Not problems: the pupil network blocks the IWF, CTIRU and offensive-language pages\n\
                 with the block page (status 200); the staff network loads Childline and the other\n\
                 safeguarding sites; the BYOD network sinkholes all four test pages.\n\n\
                 To look by hand (as root; KEY is the lab's client key):\n\
                 \x20 ssh -i KEY root@{pupil_addr} curl -sS -i --cacert {ca} https://iwf.testfiltering.com/\n\
                 Logs: {logs}.\n",
                block = plan.block_server(),
                sentence = sites::RIVERSIDE_BLOCK_SENTENCE,
                sinkhole = plan.sinkhole(),
                web = plan.web(),
                pupil_addr = plan.machine(1),
                ca = self.ca_pem.display(),
                logs = self.dir.join("logs").display(),
            );
            return s;
        }
        let _ = write!(
            s,
            "  this machine  the office: caretaker's own vantage point, proxy {office}\n\n\
             The proxy is squid; the lab resolver is dnsmasq ({resolver}, and port 53 of each\n\
             network's gateway), which knows only the test sites (every other name is NXDOMAIN).\n\
             \"The internet\" is one address, {web}, where nginx serves every test site over HTTP and\n\
             HTTPS with a certificate from the lab CA ({ca}).\n\n\
             Planted problems:\n\
             - {PUPIL_PROBLEM}\n- {STAFF_PROBLEM}\n- {GUEST_PROBLEM}\n\
             The office proxy filters correctly (the four test sites blocked, nothing else), and so\n\
             does the BYOD network's DNS filtering (a sinkhole for the four test sites).\n\n\
             To look by hand (as root; KEY is the lab's client key):\n\
             \x20 ip netns exec {pupil_ns} curl -sS --cacert {ca} -x {pupil_proxy} https://swearing.testfiltering.com/\n\
             \x20 curl -sS -x {office} http://iwf.testfiltering.com/\n\
             \x20 ssh -i KEY root@{guest_addr} curl -sS --cacert {ca} https://testfiltering.pornhub.com/\n\
             A command run over SSH on a vantage machine resolves names with the lab resolver (the\n\
             machine has its own /etc/resolv.conf); `ip netns exec` alone keeps this machine's, so\n\
             without a proxy add --resolve NAME:443:{web}. The lab CA is installed nowhere: pass\n\
             --cacert. Logs: {logs}.\n",
            office = self.office_proxy().unwrap_or_default(),
            resolver = self.resolver(),
            web = plan.web(),
            ca = self.ca_pem.display(),
            pupil_ns = plan.netns("pupil"),
            pupil_proxy = format_args!("http://{}:{PROXY_PORT}", plan.gateway(1)),
            guest_addr = plan.machine(3),
            logs = self.dir.join("logs").display(),
        );
        s
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

const PUPIL_PROBLEM: &str = "pupil-pc (pupil network): the offensive-language test page \
    (swearing.testfiltering.com) loads; the pupils' filter does not block it.";
const STAFF_PROBLEM: &str = "staff-pc (staff network): Childline (www.childline.org.uk) is \
    blocked; the staff filter over-blocks a safeguarding site.";
const GUEST_PROBLEM: &str = "guest-laptop (guest network): there is no filter at all; the guest \
    network bypasses the proxy, so every must-block test page loads.";

const RIVERSIDE_PUPIL_PROBLEM: &str = "pupil-pc (pupil network): the adult-content test page \
    (testfiltering.pornhub.com) loads; the pupils' filter does not block it.";
const RIVERSIDE_STAFF_PROBLEM: &str = "staff-pc (staff network): BBC Bitesize (www.bbc.co.uk) \
    shows the block page; the staff filter over-blocks a teaching site.";
const RIVERSIDE_GUEST_PROBLEM: &str = "guest-laptop (guest network): the CTIRU test page \
    (ctiru.testfiltering.com) loads; the guest network's DNS filter does not sinkhole it.";

/// Which check reports a must-block site: the IWF list apart from the other categories.
fn must_block_check(url: &str) -> &'static str {
    if url.starts_with("http://iwf.") {
        "filter.must-block"
    } else {
        "filter.categories"
    }
}

fn planted_filter(school: School) -> Vec<PlantedFilter> {
    if school == School::Riverside {
        let url = sites::url_of(RIVERSIDE_PUPIL_MISSES);
        let guest_url = sites::url_of(RIVERSIDE_GUEST_MISSES);
        return vec![
            PlantedFilter {
                vantage: "pupil-pc".into(),
                group: "pupil",
                check: must_block_check(url),
                url,
                what: RIVERSIDE_PUPIL_PROBLEM,
            },
            PlantedFilter {
                vantage: "staff-pc".into(),
                group: "staff",
                check: "filter.must-load",
                url: sites::url_of(RIVERSIDE_STAFF_OVERBLOCKS),
                what: RIVERSIDE_STAFF_PROBLEM,
            },
            PlantedFilter {
                vantage: "guest-laptop".into(),
                group: "guest",
                check: must_block_check(guest_url),
                url: guest_url,
                what: RIVERSIDE_GUEST_PROBLEM,
            },
        ];
    }
    let mut out = vec![
        PlantedFilter {
            vantage: "pupil-pc".into(),
            group: "pupil",
            check: "filter.categories",
            url: sites::url_of(SWEARING),
            what: PUPIL_PROBLEM,
        },
        PlantedFilter {
            vantage: "staff-pc".into(),
            group: "staff",
            check: "filter.must-load",
            url: sites::url_of(CHILDLINE),
            what: STAFF_PROBLEM,
        },
    ];
    for site in SITES.iter().filter(|s| s.kind == Kind::MustBlock) {
        out.push(PlantedFilter {
            vantage: "guest-laptop".into(),
            group: "guest",
            check: must_block_check(site.url),
            url: site.url,
            what: GUEST_PROBLEM,
        });
    }
    out
}

fn join<T>(h: thread::ScopedJoinHandle<'_, Result<T, LabError>>) -> Result<T, LabError> {
    h.join()
        .unwrap_or_else(|_| Err(LabError::State("a start-up thread panicked".into())))
}

/// `ip netns exec NETNS unshare --mount … sh -c WRAPPER … PROGRAM`.
fn vantage_command(
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

fn accepts(addr: Ipv4Addr, port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddrV4::new(addr, port).into(),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// Waits until `ready`, failing if the server exits or the deadline passes (with its log's end).
fn wait_ready(
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

fn create_dir(path: &Path) -> Result<(), LabError> {
    fs::create_dir_all(path).map_err(|e| LabError::io("creating folder", path, e))
}

/// DIR/filter/web (nginx and the sites) and DIR/filter/dns (dnsmasq).
fn write_web(
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
        School::Example => write_file(
            &dns.join("dnsmasq-sinkhole.conf"),
            &config::dnsmasq_sinkhole(&plan),
        )?,
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
fn write_vantages(
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
fn write_squid(fdir: &Path, logs: &Path) -> Result<String, LabError> {
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

/// Whether `pid` is a server of the web filter lab in `lab_dir`.
fn belongs(pid: u32, lab_dir: &Path) -> bool {
    let mark = format!("{}/filter/", lab_dir.display());
    process::belongs_to(pid, lab_dir)
        || fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
            let title: Vec<u8> = c.iter().map(|b| if *b == 0 { b' ' } else { *b }).collect();
            String::from_utf8_lossy(&title).contains(&mark)
        })
}

fn signal_server(pid: u32, sig: Signal) {
    let Ok(p) = i32::try_from(pid) else {
        return;
    };
    if process::group_members(pid).contains(&pid) {
        let _ = signal::killpg(Pid::from_raw(p), sig);
    }
    let _ = signal::kill(Pid::from_raw(p), sig);
}

fn gone(pid: u32) -> bool {
    !process::pid_alive(pid) && process::group_members(pid).is_empty()
}

/// Stops a web filter lab left running in `dir` (`caretaker-lab down`): its servers (and their
/// process groups), its namespaces, interfaces and route. Returns how many servers were running.
/// No-op without DIR/filter/state.
pub(crate) fn stop_dir(dir: &Path) -> Result<usize, LabError> {
    let path = dir.join("filter").join("state");
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(LabError::io("reading", &path, e)),
    };
    let mut r = None;
    let mut pids = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut it = line.split_whitespace();
        match (it.next(), it.next().and_then(|v| v.parse::<u32>().ok())) {
            (Some("net"), Some(v)) => r = u8::try_from(v).ok().filter(|v| *v >= 200),
            (Some("pid"), Some(pid)) => pids.push(pid),
            _ => {
                return Err(LabError::State(format!(
                    "{}: unexpected line {line:?}",
                    path.display()
                )))
            }
        }
    }
    let running: Vec<u32> = pids
        .into_iter()
        .filter(|p| process::pid_alive(*p) && belongs(*p, dir))
        .collect();
    for p in &running {
        signal_server(*p, Signal::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !running.iter().all(|p| gone(*p)) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    for p in running.iter().filter(|p| !gone(**p)) {
        signal_server(*p, Signal::SIGKILL);
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    while !running.iter().all(|p| gone(*p)) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    if let Some(r) = r {
        let left = net::remove(&find(IP)?, Plan { r });
        if !left.is_empty() {
            return Err(LabError::State(format!(
                "the web filter lab's network could not be removed: {}",
                left.join("; ")
            )));
        }
    }
    fs::remove_file(&path).map_err(|e| LabError::io("removing", &path, e))?;
    Ok(running.len())
}
