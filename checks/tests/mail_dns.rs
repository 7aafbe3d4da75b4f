//! The mail checks against a real resolver: dnsmasq on a loopback port this test picks, serving
//! the TXT records of a compliant domain, one without DMARC, one with p=none, one with +all and
//! one with two SPF records; and a "resolver" that never answers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use caretaker_checks::mail::{self, dns::Txt, dns::TxtResolver};
use caretaker_checks::{Finding, Status};
use caretaker_config::MailSettings;

/// dnsmasq, or a failure that says what to install.
fn dnsmasq() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|d| d.join("dnsmasq"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("dnsmasq is needed for the mail checks' tests: apt-get install dnsmasq-base")
        })
}

struct Dns {
    child: Child,
    addr: String,
}

impl Drop for Dns {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

const DOMAINS: &[(&str, &str)] = &[
    ("good.lab", "v=spf1 ip4:192.0.2.0/24 -all"),
    (
        "_dmarc.good.lab",
        "v=DMARC1; p=reject; rua=mailto:dmarc@good.lab",
    ),
    ("soft.lab", "v=spf1 include:_spf.google.com ~all"),
    ("_dmarc.soft.lab", "v=DMARC1; p=quarantine"),
    ("nodmarc.lab", "v=spf1 mx -all"),
    ("reportonly.lab", "v=spf1 mx -all"),
    (
        "_dmarc.reportonly.lab",
        "v=DMARC1; p=none; rua=mailto:d@reportonly.lab",
    ),
    ("plusall.lab", "v=spf1 +all"),
    ("_dmarc.plusall.lab", "v=DMARC1; p=reject"),
    ("twospf.lab", "v=spf1 mx -all"),
    (
        "twospf.lab",
        "v=spf1 include:spf.protection.outlook.com -all",
    ),
    ("_dmarc.twospf.lab", "v=DMARC1; p=reject"),
    ("redirect.lab", "v=spf1 redirect=_spf.good.lab"),
    ("_spf.good.lab", "v=spf1 ip4:192.0.2.0/24 -all"),
    ("_dmarc.redirect.lab", "v=DMARC1; p=reject"),
];

fn start_dnsmasq() -> Dns {
    let bin = dnsmasq();
    for _ in 0..3 {
        let port = free_udp_port();
        let mut cmd = Command::new(&bin);
        cmd.arg("--keep-in-foreground")
            .arg("--conf-file=/dev/null")
            .arg("--no-resolv")
            .arg("--no-hosts")
            .arg("--no-poll")
            .arg("--bind-interfaces")
            .arg("--listen-address=127.0.0.1")
            .arg(format!("--port={port}"))
            .arg("--cache-size=0")
            .arg("--pid-file=")
            .arg("--local=/#/");
        if nix_is_root() {
            cmd.arg("--user=nobody").arg("--group=nogroup");
        }
        for (name, text) in DOMAINS {
            cmd.arg(format!("--txt-record={name},{text}"));
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dnsmasq starts");
        let addr = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(10);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let resolver = TxtResolver::new(Some(&addr), Duration::from_millis(300)).unwrap();
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            if matches!(rt.block_on(resolver.txt("good.lab")), Txt::Found(_)) {
                return Dns { child, addr };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        eprintln!(
            "dnsmasq did not answer on {addr}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    panic!("dnsmasq did not start on a loopback port");
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

fn audit(domain: &str, resolver: &str, timeout_secs: u64) -> Vec<Finding> {
    let settings = MailSettings {
        resolver: Some(resolver.to_string()),
        timeout_secs,
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(mail::audit(domain, &settings))
}

fn statuses(fs: &[Finding]) -> (Status, Status) {
    assert_eq!(fs.len(), 2, "{fs:#?}");
    assert_eq!(fs[0].check.as_str(), mail::SPF.id);
    assert_eq!(fs[1].check.as_str(), mail::DMARC.id);
    (fs[0].status, fs[1].status)
}

#[test]
fn each_domain_is_judged_from_what_a_real_resolver_serves() {
    let dns = start_dnsmasq();
    let r = dns.addr.as_str();

    let good = audit("good.lab", r, 3);
    assert_eq!(statuses(&good), (Status::Pass, Status::Pass), "{good:#?}");
    assert_eq!(good[0].evidence.get("resolver"), Some(r));
    assert_eq!(
        good[0].evidence.get("spf"),
        Some("v=spf1 ip4:192.0.2.0/24 -all")
    );
    assert_eq!(good[1].evidence.get("p"), Some("reject"));
    assert_eq!(
        statuses(&audit("soft.lab", r, 3)),
        (Status::Pass, Status::Pass)
    );

    let nodmarc = audit("nodmarc.lab", r, 3);
    assert_eq!(statuses(&nodmarc), (Status::Pass, Status::Fail));
    assert_eq!(
        nodmarc[1].summary,
        "Anyone can send email that claims to come from nodmarc.lab: it publishes no DMARC policy."
    );
    assert!(
        nodmarc[1].evidence.get("answer").is_some(),
        "{:#?}",
        nodmarc[1]
    );

    let none = audit("reportonly.lab", r, 3);
    assert_eq!(statuses(&none), (Status::Pass, Status::Fail));
    assert!(none[1].summary.contains("p=none"), "{}", none[1].summary);

    let plus = audit("plusall.lab", r, 3);
    assert_eq!(statuses(&plus), (Status::Fail, Status::Pass));
    assert!(plus[0].summary.contains("+all"), "{}", plus[0].summary);

    let two = audit("twospf.lab", r, 3);
    assert_eq!(statuses(&two), (Status::Fail, Status::Pass));
    assert!(
        two[0].summary.contains("2 SPF records"),
        "{}",
        two[0].summary
    );
    assert_eq!(
        two[0]
            .evidence
            .values
            .iter()
            .filter(|(k, _)| k == "txt")
            .count(),
        2
    );

    let redirect = audit("redirect.lab", r, 3);
    assert_eq!(
        statuses(&redirect),
        (Status::Pass, Status::Pass),
        "{redirect:#?}"
    );
    assert_eq!(redirect[0].evidence.get("redirect"), Some("_spf.good.lab"));

    // A domain the server does not know: NXDOMAIN, both fail (never an error, never a pass).
    let missing = audit("nowhere.lab", r, 3);
    assert_eq!(statuses(&missing), (Status::Fail, Status::Fail));
    assert!(
        missing[0].summary.contains("no SPF record"),
        "{}",
        missing[0].summary
    );
}

#[test]
fn a_resolver_that_never_answers_is_an_error_within_the_time_limit() {
    // A bound UDP socket nobody reads from: queries are accepted and never answered.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let started = Instant::now();
    let fs = audit("good.lab", &addr, 1);
    let took = started.elapsed();
    assert_eq!(statuses(&fs), (Status::Error, Status::Error), "{fs:#?}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    for f in &fs {
        assert!(f.summary.contains(&addr), "{}", f.summary);
        assert!(f.summary.contains("did not answer"), "{}", f.summary);
        assert!(f.remediation.is_some());
    }
    drop(silent);
}
