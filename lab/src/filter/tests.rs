//! The web filter lab against real servers (dnsmasq, nginx, squid, sshd in network namespaces),
//! checked with real curl, getent and ssh. Needs root, like the rest of the lab's tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::Read;
use std::process::{Output, Stdio};
use std::time::Instant;

use super::config::{CHILDLINE, SWEARING, UNASSESSED_UNBLOCK};
use super::net::Plan;
use super::sites::{Kind, BLOCK_SENTENCE, CONTROL_BODY, CONTROL_URL, SITES};
use super::sites::{DOH_CANARY, ENGINES, RELAY_CANARIES, VPN_LET_THROUGH};
use super::*;
use crate::process;
use crate::tls::LabCa;

/// A lab in a temporary folder of its own, with its own CA and client key.
struct Fixture {
    lab: FilterLab,
    dir: PathBuf,
    client_key: PathBuf,
    _tmp: tempfile::TempDir,
}

fn fixture(detachable: bool) -> Fixture {
    let tmp = tempfile::Builder::new()
        .prefix("caretaker-filter-")
        .tempdir()
        .unwrap();
    let dir = fs::canonicalize(tmp.path()).unwrap();
    let ca = LabCa::create(&dir.join("tls")).unwrap();
    let client_key = dir.join("client_key");
    let out = run_for(
        Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
            .arg(&client_key),
        Duration::from_secs(20),
    );
    assert!(out.status.success(), "{out:?}");
    let lab = FilterLab::start(
        &dir,
        &ca,
        &dir.join("client_key.pub"),
        detachable,
        School::Example,
    )
    .unwrap_or_else(|e| panic!("the web filter lab did not start: {e}"));
    eprintln!("web filter lab started in {:?}", lab.startup_time());
    Fixture {
        lab,
        dir,
        client_key,
        _tmp: tmp,
    }
}

/// Runs `cmd` to its end, killing it (and failing) after `limit`.
fn run_for(cmd: &mut Command, limit: Duration) -> Output {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for v in [
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(v);
    }
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let read = |r: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut v = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut v);
            }
            v
        })
    };
    let out = read(
        child
            .stdout
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let err = read(
        child
            .stderr
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("timed out after {limit:?}: {cmd:?}");
        }
        thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// Where a fetch is made from.
#[derive(Clone, Copy)]
enum From<'a> {
    /// A vantage machine, through its proxy if it has one.
    Machine(&'a Vantage),
    /// This machine, through the office proxy.
    Office,
}

#[derive(Debug)]
struct Fetch {
    url: String,
    exit: i32,
    status: u16,
    connect: u16,
    body: String,
    #[allow(dead_code)] // shown when an assertion fails
    stderr: String,
}

fn fetch(lab: &FilterLab, from: From<'_>, url: &str, limits: &[&str]) -> Fetch {
    let (mut cmd, proxy) = match from {
        From::Machine(v) => (lab.command(v, "curl"), v.proxy.clone()),
        From::Office => (Command::new("curl"), Some(lab.office_proxy().unwrap())),
    };
    cmd.args([
        "-sS",
        "-o",
        "-",
        "-w",
        "\n@@%{http_code} %{http_connect}",
        "--cacert",
    ])
    .arg(lab.ca_pem())
    .args(limits);
    match proxy {
        Some(p) => cmd.args(["--proxy", &p]),
        None => cmd.args(["--noproxy", "*"]),
    };
    cmd.arg(url);
    let out = run_for(&mut cmd, Duration::from_secs(20));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, codes) = stdout.rsplit_once("\n@@").unwrap_or((&stdout, "0 0"));
    let mut codes = codes.split_whitespace().map(|c| c.parse().unwrap_or(0));
    Fetch {
        url: url.to_string(),
        exit: out.status.code().unwrap_or(-1),
        status: codes.next().unwrap_or(0),
        connect: codes.next().unwrap_or(0),
        body: body.to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const MAX_TIME: &[&str] = &["--max-time", "5"];

fn assert_loads(f: &Fetch, token: &str) {
    assert!(
        f.exit == 0 && f.status == 200 && f.body.contains(token),
        "{} should load with {token:?}: {f:?}",
        f.url
    );
    assert!(!f.body.contains(BLOCK_SENTENCE), "{f:?}");
}

fn assert_blocked(f: &Fetch) {
    if f.url.starts_with("https://") {
        // The proxy refuses the CONNECT.
        assert!(
            f.exit != 0 && f.connect == 403 && !f.body.contains("TestFiltering"),
            "{} should be refused (CONNECT 403): {f:?}",
            f.url
        );
    } else {
        assert!(
            f.status == 403 && f.body.contains(BLOCK_SENTENCE),
            "{} should get the block page: {f:?}",
            f.url
        );
    }
}

/// The BYOD network is filtered by DNS alone: its resolver answers each must-block name with the
/// sinkhole address, where the connection is refused; every other site resolves to the web
/// server and loads (no proxy).
fn check_sinkhole(lab: &FilterLab, v: &Vantage) {
    assert!(v.proxy.is_none());
    let sinkhole = lab.sinkhole_address().to_string();
    for site in SITES.iter().filter(|s| s.kind != Kind::BlockPage) {
        let out = run_for(
            lab.command(v, "getent").args(["hosts", site.host]),
            Duration::from_secs(10),
        );
        let resolved = String::from_utf8_lossy(&out.stdout).into_owned();
        let f = fetch(lab, From::Machine(v), site.url, MAX_TIME);
        let sinkholed = site.kind == Kind::MustBlock
            || (site.kind == Kind::Bypass && site.host != VPN_LET_THROUGH);
        if sinkholed {
            assert!(resolved.starts_with(&format!("{sinkhole} ")), "{resolved}");
            assert!(
                f.exit == 7 && f.status == 0 && !f.body.contains(site.token),
                "{} should be refused at the sinkhole: {f:?}",
                site.url
            );
        } else {
            assert!(
                resolved.starts_with(&format!("{} ", lab.web_address())),
                "{resolved}"
            );
            if site.kind == Kind::Control {
                assert_eq!(f.body, CONTROL_BODY, "{f:?}");
            } else {
                assert_loads(&f, site.token);
            }
        }
    }
}

/// Fetches every site from `from` and checks it is blocked exactly when `blocked(host)`.
fn check_vantage(lab: &FilterLab, from: From<'_>, blocked: &dyn Fn(&str) -> bool) {
    for site in SITES.iter().filter(|s| s.kind != Kind::BlockPage) {
        let f = fetch(lab, from, site.url, MAX_TIME);
        if blocked(site.host) {
            assert_blocked(&f);
        } else if site.kind == Kind::Control {
            assert_eq!(f.body, CONTROL_BODY, "{f:?}");
        } else {
            assert_loads(&f, site.token);
        }
    }
}

fn leftovers(plan: Plan, pids: &[u32]) -> Vec<String> {
    let mut left = Vec::new();
    let netns = run_for(
        Command::new("ip").args(["netns", "list"]),
        Duration::from_secs(10),
    );
    let netns = String::from_utf8_lossy(&netns.stdout).into_owned();
    let links = run_for(
        Command::new("ip").args(["-o", "link", "show"]),
        Duration::from_secs(10),
    );
    let links = String::from_utf8_lossy(&links.stdout).into_owned();
    let routes = run_for(
        Command::new("ip").args(["-4", "route", "show", "table", "all"]),
        Duration::from_secs(10),
    );
    let routes = String::from_utf8_lossy(&routes.stdout).into_owned();
    let prefix = format!("ctkf{}-", plan.r);
    let net = format!("10.{}.", plan.r);
    left.extend(
        netns
            .lines()
            .filter(|l| l.starts_with(&prefix))
            .map(|l| format!("netns {l}")),
    );
    left.extend(
        links
            .lines()
            .filter(|l| l.contains(&prefix))
            .map(|l| format!("link {l}")),
    );
    left.extend(
        routes
            .lines()
            .filter(|l| l.contains(&net))
            .map(|l| format!("route {l}")),
    );
    left.extend(
        pids.iter()
            .filter(|p| process::pid_alive(**p))
            .map(|p| format!("pid {p}")),
    );
    if let Ok(entries) = fs::read_dir("/dev/shm") {
        left.extend(
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&prefix))
                .map(|n| format!("shm {n}")),
        );
    }
    left
}

#[test]
fn every_vantage_point_sees_its_own_filter() {
    let fx = fixture(false);
    let lab = &fx.lab;
    let plan = lab.network.plan;
    assert!(
        lab.startup_time() < Duration::from_secs(10),
        "{:?}",
        lab.startup_time()
    );
    let v = lab.vantages();
    assert_eq!(
        v.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        ["pupil-pc", "staff-pc", "guest-laptop", "byod-tablet"]
    );
    assert_eq!(
        v[0].proxy.as_deref(),
        Some(format!("http://{}:3128", plan.gateway(1)).as_str())
    );
    assert!(v[2].proxy.is_none());
    assert!(v[3].proxy.is_none());
    assert!(lab.office_proxy().unwrap().starts_with("http://127.0.0.1:"));

    let must_block = |h: &str| sites::must_block_hosts().any(|b| b == h);
    let bypass = |h: &str| sites::bypass_hosts().any(|b| b == h);
    thread::scope(|s| {
        s.spawn(|| {
            check_vantage(lab, From::Machine(&v[0]), &|h| {
                (must_block(h) && h != SWEARING && h != UNASSESSED_UNBLOCK) || bypass(h)
            })
        });
        s.spawn(|| {
            check_vantage(lab, From::Machine(&v[1]), &|h| {
                must_block(h) || h == CHILDLINE
            })
        });
        s.spawn(|| check_vantage(lab, From::Machine(&v[2]), &|_| false));
        s.spawn(|| check_vantage(lab, From::Office, &must_block));
        s.spawn(|| check_sinkhole(lab, &v[3]));
    });

    // The block host serves the filter's block page.
    let f = fetch(
        lab,
        From::Machine(&v[2]),
        "http://block.stexample.lab/",
        MAX_TIME,
    );
    assert!(f.status == 200 && f.body.contains(BLOCK_SENTENCE), "{f:?}");
    // An unknown host on the web server: no page, and nothing that looks like a site.
    let f = fetch(
        lab,
        From::Office,
        &format!("http://{}/", lab.web_address()),
        MAX_TIME,
    );
    assert_eq!(f.status, 404, "{f:?}");
    // An address outside the lab's internet is refused by the proxy, never fetched (loopback, so
    // that nothing could leave the machine even if it were).
    let f = fetch(lab, From::Office, "http://127.0.0.1/", MAX_TIME);
    assert_eq!(f.status, 403, "{f:?}");
    assert!(!f.body.contains(BLOCK_SENTENCE), "{f:?}");

    // The resolver: the lab's names, NXDOMAIN for the rest.
    let a = dns::query_a(lab.resolver(), "www.gov.uk", Duration::from_secs(2)).unwrap();
    assert_eq!((a.rcode, a.addresses), (0, vec![lab.web_address()]));
    let a = dns::query_a(lab.resolver(), "www.example.com", Duration::from_secs(2)).unwrap();
    assert_eq!(a.rcode, dns::NXDOMAIN, "{a:?}");
    assert!(a.addresses.is_empty());
    let gw = SocketAddr::from((plan.gateway(3), 53));
    let a = dns::query_a(gw, "en.wikipedia.org", Duration::from_secs(2)).unwrap();
    assert_eq!(a.addresses, vec![lab.web_address()]);

    // Safe search and the canaries, as each machine's own resolver answers them (getent, as
    // caretaker's probe asks): locked on and NXDOMAIN everywhere but where planted.
    for vm in v {
        let planted_here = |what: &str| match what {
            "safe-search" => vm.name == "guest-laptop",
            _ => vm.name == "byod-tablet",
        };
        for (engine, safe) in ENGINES {
            let out = run_for(
                lab.command(vm, "getent").args(["ahosts", engine]),
                Duration::from_secs(10),
            );
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let first = text.lines().next().unwrap_or_default().to_string();
            if planted_here("safe-search") {
                assert!(
                    first.starts_with(&format!("{} ", plan.search_engines()))
                        && first.ends_with(engine),
                    "{}: {text}",
                    vm.name
                );
            } else {
                assert!(
                    first.starts_with(&format!("{} ", lab.web_address())) && first.ends_with(safe),
                    "{}: {engine} should be a CNAME to {safe}: {text}",
                    vm.name
                );
            }
        }
        let canary = run_for(
            lab.command(vm, "getent").args(["ahosts", DOH_CANARY]),
            Duration::from_secs(10),
        );
        assert_eq!(
            canary.status.code() == Some(0),
            planted_here("canary"),
            "{}: {canary:?}",
            vm.name
        );
        for name in RELAY_CANARIES {
            let out = run_for(
                lab.command(vm, "getent").args(["ahosts", name]),
                Duration::from_secs(10),
            );
            assert_eq!(out.status.code(), Some(2), "{}: {out:?}", vm.name);
        }
    }
    // Through squid, a search engine asked for over HTTP goes to its safe-search host.
    let mut cmd = Command::new("curl");
    cmd.args([
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{redirect_url}",
        "-x",
    ])
    .arg(lab.office_proxy().unwrap())
    .args(MAX_TIME)
    .arg("http://www.google.com/");
    let out = run_for(&mut cmd, Duration::from_secs(20));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "302 http://forcesafesearch.google.com/",
        "{out:?}"
    );

    // The planted problems name the vantage machines and the URLs above.
    let planted = lab.planted_filter();
    assert_eq!(planted.len(), 13);
    assert!(planted
        .iter()
        .all(|p| v.iter().any(|v| v.name == p.vantage && v.group == p.group)));
    assert!(planted
        .iter()
        .any(|p| p.vantage == "staff-pc" && p.url == "https://www.childline.org.uk/"));
    // One per vantage point and check: the guest network fails both the IWF list and the other
    // must-block categories.
    let p = lab.planted();
    assert_eq!(p.len(), 7);
    assert!(p
        .iter()
        .any(|p| p.check == "filter.vpn-proxy" && p.target == "byod-tablet"));
    assert!(p.iter().all(|p| p.directory == "filter"));
    let readme = lab.readme();
    for needle in [
        "pupil-pc",
        "staff-pc",
        "guest-laptop",
        "swearing.testfiltering.com",
        "Childline",
        "bypasses the proxy",
        "ip netns exec",
        "nothing it does leaves the machine",
        "forcesafesearch.google.com",
        "use-application-dns.net",
        "protonvpn.com",
    ] {
        assert!(readme.contains(needle), "{needle} not in:\n{readme}");
    }

    let pids = lab.pids();
    assert_eq!(pids.len(), 9);
    drop(fx);
    assert_eq!(leftovers(plan, &pids), Vec::<String>::new());
}

#[test]
fn with_the_upstream_cut_nothing_loads_and_nothing_is_blocked() {
    let fx = fixture(false);
    let lab = &fx.lab;
    let v = lab.vantages();
    let froms = [
        From::Machine(&v[0]),
        From::Machine(&v[1]),
        From::Machine(&v[2]),
        From::Machine(&v[3]),
        From::Office,
    ];
    let quick: &[&str] = &["--connect-timeout", "2", "--max-time", "4"];
    lab.cut_upstream().unwrap();
    lab.cut_upstream().unwrap();
    let started = Instant::now();
    thread::scope(|s| {
        for from in froms {
            s.spawn(move || {
                for url in [CONTROL_URL, "https://www.gov.uk/"] {
                    let f = fetch(lab, from, url, quick);
                    assert!(
                        f.status != 200 && f.status != 403 && f.connect != 403,
                        "{url} must fail, not load or be blocked: {f:?}"
                    );
                    assert!(
                        !f.body.contains(BLOCK_SENTENCE) && f.body != CONTROL_BODY,
                        "{f:?}"
                    );
                }
            });
        }
    });
    eprintln!("fetches with the upstream cut took {:?}", started.elapsed());
    // The resolver still answers, on this machine and on the machines' networks.
    let a = dns::query_a(lab.resolver(), "www.gov.uk", Duration::from_secs(2)).unwrap();
    assert_eq!(a.addresses, vec![lab.web_address()]);
    let out = run_for(
        lab.command(&v[2], "getent")
            .args(["hosts", "detectportal.firefox.com"]),
        Duration::from_secs(10),
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&lab.web_address().to_string()),
        "{out:?}"
    );

    lab.restore_upstream().unwrap();
    lab.restore_upstream().unwrap();
    thread::scope(|s| {
        for from in froms {
            s.spawn(move || {
                let f = fetch(lab, from, CONTROL_URL, MAX_TIME);
                assert_eq!(f.body, CONTROL_BODY, "{f:?}");
            });
        }
    });
}

#[test]
fn the_vantage_machines_answer_over_ssh_and_resolve_with_the_lab() {
    let fx = fixture(false);
    let lab = &fx.lab;
    let known = fx.dir.join("known_hosts");
    fs::write(&known, lab.known_hosts_lines().join("\n") + "\n").unwrap();
    assert_eq!(lab.known_hosts_lines().len(), 4);
    for v in lab.vantages() {
        let proxy = v
            .proxy
            .as_ref()
            .map(|p| format!("-x {p} "))
            .unwrap_or_default();
        let script = format!(
            "getent hosts www.gov.uk; getent hosts www.example.com || echo no-such-name; \
             cat /etc/resolv.conf; curl -sS --max-time 5 {proxy}{CONTROL_URL}"
        );
        let out = run_for(
            Command::new("ssh")
                .arg("-i")
                .arg(&fx.client_key)
                .arg("-o")
                .arg(format!("UserKnownHostsFile={}", known.display()))
                .args([
                    "-o",
                    "StrictHostKeyChecking=yes",
                    "-o",
                    "GlobalKnownHostsFile=/dev/null",
                    "-o",
                    "BatchMode=yes",
                    "-o",
                    "ConnectTimeout=5",
                    "-F",
                    "/dev/null",
                    "-p",
                ])
                .arg(v.port.to_string())
                .arg(format!("root@{}", v.address))
                .arg(script),
            Duration::from_secs(30),
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "ssh to {}: {out:?}", v.name);
        let octet = v.address.octets()[2];
        assert!(
            stdout.contains(&format!("{} ", lab.web_address())) && stdout.contains("www.gov.uk"),
            "{stdout}"
        );
        assert!(stdout.contains("no-such-name"), "{stdout}");
        assert!(
            stdout.contains(&format!("nameserver {}", lab.network.plan.gateway(octet))),
            "{stdout}"
        );
        assert!(stdout.ends_with("success\n"), "{stdout}");
    }
    // The machine's own /etc/resolv.conf is untouched.
    let host = fs::read_to_string("/etc/resolv.conf").unwrap();
    assert!(
        !host.contains(&format!("10.{}.", lab.network.plan.r)),
        "{host}"
    );
}

#[test]
fn a_detached_lab_is_stopped_from_its_folder() {
    let fx = fixture(true);
    let plan = fx.lab.network.plan;
    let pids = fx.lab.pids();
    fx.lab.detach();
    let Fixture {
        lab,
        dir,
        _tmp: tmp,
        ..
    } = fx;
    // The planted filter change, undone and made again from the folder alone.
    let pupil = lab.vantages()[0].clone();
    assert_eq!(pupil.group, "pupil");
    let scratch = "https://scratch.mit.edu/";
    assert_loads(
        &fetch(&lab, From::Machine(&pupil), scratch, MAX_TIME),
        "Scratch",
    );
    change::change_detached(&dir, true).unwrap();
    assert_blocked(&fetch(&lab, From::Machine(&pupil), scratch, MAX_TIME));
    change::change_detached(&dir, false).unwrap();
    assert_loads(
        &fetch(&lab, From::Machine(&pupil), scratch, MAX_TIME),
        "Scratch",
    );
    drop(lab);
    // Still there: servers, namespaces, the resolver.
    assert!(pids.iter().all(|p| process::pid_alive(*p)), "{pids:?}");
    assert!(Path::new("/run/netns").join(plan.netns("guest")).exists());
    let a = dns::query_a(
        SocketAddr::from((plan.resolver(), 53)),
        "www.gov.uk",
        Duration::from_secs(2),
    )
    .unwrap();
    assert_eq!(a.addresses, vec![plan.web()]);
    // Every server leads its own process group.
    for p in &pids {
        assert!(process::group_members(*p).contains(p), "{p}");
    }
    assert_eq!(stop_dir(&dir).unwrap(), 9);
    assert_eq!(leftovers(plan, &pids), Vec::<String>::new());
    assert!(!dir.join("filter/state").exists());
    assert_eq!(stop_dir(&dir).unwrap(), 0);
    drop(tmp);
}

#[test]
fn labs_started_together_get_networks_of_their_own() {
    let (a, b) = thread::scope(|s| {
        let a = s.spawn(|| fixture(false));
        let b = s.spawn(|| fixture(false));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_ne!(a.lab.network.plan, b.lab.network.plan);
    assert_ne!(a.lab.web_address(), b.lab.web_address());
    // Starting again in the same folder replaces the lab there.
    let ca = LabCa::create(&a.dir.join("tls")).unwrap();
    let plan = a.lab.network.plan;
    let pids = a.lab.pids();
    a.lab.detach();
    let again = FilterLab::start(
        &a.dir,
        &ca,
        &a.dir.join("client_key.pub"),
        false,
        School::Example,
    )
    .unwrap();
    let left = leftovers(plan, &pids);
    assert!(
        left.iter().all(|l| !l.starts_with("pid")),
        "the old servers were left running: {left:?}"
    );
    drop(again);
    drop(b);
}
