#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The filter probe's name lookups against real resolvers: the sample school's web filter lab
//! (dnsmasq on each network's gateway, machines in network namespaces of their own). The script
//! caretaker sends over SSH runs on each machine as it would there, and its real output is parsed
//! and judged. Needs root, like the lab (a missing program fails with the lab's install hint).

use std::io::{Read as _, Write as _};
use std::process::Stdio;
use std::time::{Duration, Instant};

use caretaker_checks::filter::bypass::{
    self, judge_bypass, Answer, BypassFacts, DOH_CANARY, ENCRYPTED_DNS, PRIVATE_RELAY, SAFE_SEARCH,
};
use caretaker_checks::filter::classify::{Rules, VantagePoint};
use caretaker_checks::filter::curl::{parse_with_lookups, sh_script, ProbeRequest};
use caretaker_checks::Status;
use caretaker_lab::{Extras, LabOptions, SampleSchool};

/// Runs `script` with `sh -s` on a lab machine (its namespace and resolver), at most `limit`.
fn run_on(cmd: &mut std::process::Command, script: &str, limit: Duration) -> Vec<u8> {
    let mut child = cmd
        .arg("-s")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let text = script.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(text.as_bytes());
    });
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        out
    });
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the probe ran longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    writer.join().unwrap();
    reader.join().unwrap()
}

#[test]
fn the_probe_looks_names_up_with_each_machines_resolver() {
    let school = SampleSchool::start_with(
        LabOptions {
            openldap: false,
            active_directory: false,
            dir: None,
        },
        Extras {
            filter: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("the sample school's web filter did not start: {e}"));
    let lab = school.filter().unwrap();
    let names = bypass::names_to_look_up();
    let mut names_and_more = names.clone();
    // A name no resolver of the lab knows.
    names_and_more.push("nothing.stexample.lab".into());
    let req = ProbeRequest {
        urls: vec!["http://detectportal.firefox.com/success.txt".into()],
        proxy: None,
        proxy_credentials: None,
        timeout_secs: 5,
        connect_timeout_secs: 3,
        max_body_bytes: 2048,
        max_redirects: 2,
        concurrency: 1,
        lookups: names_and_more.clone(),
    };
    let script = sh_script(&req).unwrap();
    let rules = Rules::default();
    for v in lab.vantages() {
        let out = run_on(&mut lab.command(v, "sh"), &script, Duration::from_secs(60));
        let report = parse_with_lookups(&out, &req.urls, &names_and_more)
            .unwrap_or_else(|e| panic!("{}: {e}: {}", v.name, String::from_utf8_lossy(&out)));
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        let lookups = report.lookups.clone().unwrap();
        assert_eq!(lookups.len(), names_and_more.len());
        let by_name = |n: &str| lookups.iter().find(|l| l.name == n).unwrap();
        // getent cannot tell NXDOMAIN from other failures: "not found", never a timeout.
        assert_eq!(by_name("nothing.stexample.lab").answer, Answer::NotFound);
        assert_eq!(by_name("mask.icloud.com").answer, Answer::NotFound);
        let google = by_name("www.google.com");
        assert_eq!(google.answer, Answer::Addresses, "{google:?}");
        let safe = by_name("forcesafesearch.google.com");
        assert_eq!(safe.addresses, vec![lab.web_address().to_string()]);
        if v.name == "guest-laptop" {
            // Planted: answered as itself.
            assert_eq!(google.canonical.as_deref(), Some("www.google.com"));
            assert_ne!(google.addresses, safe.addresses);
        } else {
            assert_eq!(
                google.canonical.as_deref(),
                Some("forcesafesearch.google.com"),
                "{}: {google:?}",
                v.name
            );
        }
        // Judged as caretaker judges them (the DNS way, as without a proxy).
        let vp = VantagePoint {
            name: v.name.clone(),
            group: v.group.to_string(),
            site: None,
            how: "over SSH".into(),
        };
        let facts = BypassFacts {
            lookups: Ok(lookups[..names.len()].to_vec()),
            probes: None,
            sites: Vec::new(),
        };
        let fs = judge_bypass(&vp, &facts, &rules);
        for f in &fs {
            let planted = (v.name == "guest-laptop" && f.check.as_str() == SAFE_SEARCH.id)
                || (v.name == "byod-tablet"
                    && f.check.as_str() == ENCRYPTED_DNS.id
                    && f.target.name == DOH_CANARY);
            let want = if planted { Status::Fail } else { Status::Pass };
            assert_eq!(f.status, want, "{}: {f:#?}", v.name);
        }
        assert_eq!(
            fs.iter()
                .filter(|f| f.check.as_str() == PRIVATE_RELAY.id)
                .count(),
            2
        );
    }

    // From this machine, caretaker's own resolver asks the lab resolver (a vantage point's
    // `resolver`): it sees the CNAME, and NXDOMAIN told apart from other failures.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let resolver = lab.resolver().to_string();
    let lookups = rt
        .block_on(bypass::lookup::look_up_all(
            Some(&resolver),
            &names,
            Duration::from_secs(3),
        ))
        .unwrap();
    let google = lookups.iter().find(|l| l.name == "www.google.com").unwrap();
    assert_eq!(
        google.canonical.as_deref(),
        Some("forcesafesearch.google.com"),
        "{google:?}"
    );
    assert_eq!(google.addresses, vec![lab.web_address().to_string()]);
    let canary = lookups.iter().find(|l| l.name == DOH_CANARY).unwrap();
    assert_eq!(canary.answer, Answer::NxDomain, "{canary:?}");
    assert!(canary.by.contains(&resolver), "{canary:?}");
    let vp = VantagePoint {
        name: "office".into(),
        group: "staff".into(),
        site: None,
        how: "this machine".into(),
    };
    let facts = BypassFacts {
        lookups: Ok(lookups),
        probes: None,
        sites: Vec::new(),
    };
    let fs = judge_bypass(&vp, &facts, &rules);
    assert_eq!(fs.len(), 7);
    assert!(fs.iter().all(|f| f.status == Status::Pass), "{fs:#?}");
}
