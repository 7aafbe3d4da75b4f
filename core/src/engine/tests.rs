use super::*;
use caretaker_checks::{Severity, Status};

fn unit(name: &str, delay: Duration, status: Status) -> Unit {
    let n = name.to_string();
    Unit {
        name: name.to_string(),
        check_ids: vec![
            CheckId::new("directory.lockout"),
            CheckId::new("directory.guest"),
        ],
        target: Target::new(TargetKind::Directory, name, ""),
        what: format!("the directory \"{name}\""),
        timeout: None,
        work: Box::pin(async move {
            tokio::time::sleep(delay).await;
            vec![Finding::new(
                "directory.lockout",
                Target::new(TargetKind::Policy, "staff", n),
                status,
                Severity::High,
                "Lockout.",
                Evidence::default(),
            )]
        }),
    }
}

fn req(only: &[&str]) -> AuditRequest {
    AuditRequest {
        trigger: Trigger::Manual,
        who: "t".into(),
        only: only.iter().map(|s| s.to_string()).collect(),
        timeout: Duration::from_millis(300),
        concurrency: 2,
        config_digest: "d".into(),
        school: "s".into(),
    }
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("c.db")).unwrap();
    (dir, store)
}

/// A unit reporting `status` for host.updates on each of `hosts`.
fn hosts_unit(hosts: &[(&'static str, Status)]) -> Unit {
    let hosts = hosts.to_vec();
    Unit {
        name: "hosts".into(),
        check_ids: vec![CheckId::new("host.updates")],
        target: Target::new(TargetKind::System, "hosts", ""),
        what: "the machines".into(),
        timeout: None,
        work: Box::pin(async move {
            hosts
                .into_iter()
                .map(|(name, status)| {
                    let summary = match status {
                        Status::Fail => format!("{name}'s updates are 40 days old."),
                        Status::Error => format!("{name} did not answer within 10 seconds."),
                        _ => format!("{name} is up to date."),
                    };
                    let f = Finding::new(
                        "host.updates",
                        Target::new(TargetKind::Host, name, ""),
                        status,
                        if status == Status::Error {
                            Severity::High
                        } else {
                            Severity::Medium
                        },
                        summary,
                        Evidence::default(),
                    );
                    if status == Status::Fail {
                        f.fix("Install the updates.")
                    } else {
                        f
                    }
                })
                .collect()
        }),
    }
}

async fn audit(store: &Store, hosts: &[(&'static str, Status)]) -> Vec<Finding> {
    run_audit(
        store,
        &caretaker_checks::clauses::builtin(),
        vec![hosts_unit(hosts)],
        &req(&[]),
        std::future::pending(),
    )
    .await
    .unwrap()
    .findings
}

/// A machine that cannot be checked today keeps its known failure, with its age; one that
/// passed last time is just an error (nothing known to be wrong).
#[tokio::test(start_paused = true)]
async fn a_timeout_does_not_erase_a_known_failure() {
    let (_d, store) = store();
    audit(
        &store,
        &[("kiosk", Status::Fail), ("office-pc", Status::Pass)],
    )
    .await;
    for run in 2..=3 {
        let fs = audit(
            &store,
            &[("kiosk", Status::Error), ("office-pc", Status::Error)],
        )
        .await;
        let kiosk = fs.iter().find(|f| f.target.name == "kiosk").unwrap();
        assert_eq!(kiosk.status, Status::Fail, "run {run}: {kiosk:?}");
        assert!(
            kiosk.summary.starts_with("Last seen failing within the hour (run 1): kiosk's updates are 40 days old. It could not be checked today: kiosk did not answer"),
            "{}",
            kiosk.summary
        );
        assert_eq!(kiosk.remediation.as_deref(), Some("Install the updates."));
        assert_eq!(kiosk.evidence.get("last_seen_failing_run"), Some("1"));
        let office = fs.iter().find(|f| f.target.name == "office-pc").unwrap();
        assert_eq!(office.status, Status::Error, "{office:?}");
        assert!(!office.summary.contains("Last seen"), "{}", office.summary);
        // What the store keeps is what was reported.
        let stored = store.findings(run).unwrap();
        assert!(stored
            .iter()
            .any(|f| f.target.name == "kiosk" && f.status == Status::Fail));
    }
    // Checked again and fixed: the failure is gone.
    let fs = audit(&store, &[("kiosk", Status::Pass)]).await;
    assert_eq!(fs[0].status, Status::Pass);

    // A failure older than CARRY_FAILURES_FOR is said, but no longer counts as one.
    let (_d2, old) = self::store();
    audit(&old, &[("kiosk", Status::Fail)]).await;
    let mut fs = vec![Finding::error(
        "host.updates",
        Target::new(TargetKind::Host, "kiosk", ""),
        "kiosk did not answer within 10 seconds.",
        Evidence::default(),
    )];
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(40);
    carry_forward(&old, &mut fs, later).unwrap();
    assert_eq!(fs[0].status, Status::Error);
    assert!(
        fs[0]
            .summary
            .ends_with("It was last seen failing 40 days ago (run 1)."),
        "{}",
        fs[0].summary
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_check_becomes_error_findings_and_the_rest_still_report() {
    let (_d, store) = store();
    let units = vec![
        unit("slow", Duration::from_secs(30), Status::Pass),
        unit("fast", Duration::ZERO, Status::Fail),
    ];
    let out = run_audit(
        &store,
        &caretaker_checks::clauses::builtin(),
        units,
        &req(&[]),
        std::future::pending(),
    )
    .await
    .unwrap();
    assert_eq!(out.verdict, Verdict::NonCompliant);
    let errors: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .collect();
    assert_eq!(errors.len(), 2, "one error per check id of the slow unit");
    assert!(
        errors[0].summary.contains("within 0.3 seconds"),
        "{}",
        errors[0].summary
    );
    assert_eq!(errors[0].target.name, "slow");
    // Findings come back in configuration order and carry their clauses.
    assert_eq!(out.findings.last().unwrap().target.scope, "fast");
    assert_eq!(
        out.findings.last().unwrap().clauses,
        vec!["7.4/logins", "7.4.1/strong-passwords"]
    );
    assert_eq!(store.findings(out.run_id).unwrap().len(), 3);
    assert_eq!(
        store.run(Some(out.run_id)).unwrap().unwrap().state,
        RunState::Complete
    );
}

#[tokio::test]
async fn a_panicking_check_is_an_error_not_a_crash() {
    let (_d, store) = store();
    let mut u = unit("boom", Duration::ZERO, Status::Pass);
    u.work = Box::pin(async {
        let v: Vec<Finding> = Vec::new();
        if v.is_empty() {
            panic!("probe blew up");
        }
        v
    });
    let out = run_audit(
        &store,
        &caretaker_checks::clauses::builtin(),
        vec![u],
        &req(&[]),
        std::future::pending(),
    )
    .await
    .unwrap();
    assert_eq!(out.verdict, Verdict::Incomplete);
    assert!(out.findings.iter().all(|f| f.status == Status::Error));
    assert!(out.findings[0].summary.contains("stopped unexpectedly"));
}

#[tokio::test(start_paused = true)]
async fn only_filters_findings_and_cancel_interrupts() {
    let (_d, store) = store();
    let out = run_audit(
        &store,
        &caretaker_checks::clauses::builtin(),
        vec![unit("a", Duration::ZERO, Status::Pass)],
        &req(&["directory.guest"]),
        std::future::pending(),
    )
    .await
    .unwrap();
    assert!(
        out.findings.is_empty(),
        "the unit ran but its lockout finding is filtered out"
    );
    assert_eq!(out.verdict, Verdict::Incomplete);

    let out = run_audit(
        &store,
        &caretaker_checks::clauses::builtin(),
        vec![unit("a", Duration::from_secs(30), Status::Pass)],
        &AuditRequest {
            timeout: Duration::from_secs(60),
            ..req(&[])
        },
        tokio::time::sleep(Duration::from_millis(50)),
    )
    .await
    .unwrap();
    assert_eq!(out.state, RunState::Interrupted);
    assert_eq!(
        store.run(Some(out.run_id)).unwrap().unwrap().state,
        RunState::Interrupted
    );
}

#[tokio::test(start_paused = true)]
async fn progress_is_told_as_the_audit_goes() {
    let (_d, store) = store();
    let mut seen = Vec::new();
    let out = run_audit_with_progress(
        &store,
        &caretaker_checks::clauses::builtin(),
        vec![
            unit("a", Duration::ZERO, Status::Fail),
            unit("b", Duration::from_millis(20), Status::Pass),
        ],
        &req(&[]),
        std::future::pending(),
        |p| seen.push(p),
    )
    .await
    .unwrap();
    assert_eq!(
        seen,
        vec![
            Progress::Started {
                run_id: out.run_id,
                units: 2
            },
            Progress::UnitDone {
                unit: "a".into(),
                findings: 1,
                failing: 1
            },
            Progress::UnitDone {
                unit: "b".into(),
                findings: 1,
                failing: 0
            },
        ]
    );
}

#[test]
fn unknown_selectors_are_refused() {
    assert!(resolve_selectors(&["directory".into(), "directory.guest".into()]).is_ok());
    let err = resolve_selectors(&["directroy".into()])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("directroy") && err.contains("directory.guest"),
        "{err}"
    );
}

#[test]
fn area_names_as_people_type_them_are_accepted() {
    let sel = |s: &str| resolve_selectors(&[s.to_string()]).map_err(|e| e.to_string());
    assert_eq!(sel("hosts"), Ok(vec!["host".to_string()]));
    assert_eq!(sel("Machines"), Ok(vec!["host".to_string()]));
    assert_eq!(
        sel("hosts.antivirus"),
        Ok(vec!["host.antivirus".to_string()])
    );
    assert_eq!(sel("screen-lock"), Ok(vec!["host.screen-lock".to_string()]));
    assert_eq!(sel("ldap"), Ok(vec!["directory".to_string()]));
    assert_eq!(sel("filtering"), Ok(vec!["filter".to_string()]));
    assert_eq!(
        resolve_selectors(&["host".into(), "hosts".into()]).ok(),
        Some(vec!["host".to_string()])
    );
    assert!(sel("hostz").is_err());
    assert!(sel("hosts.nothing").is_err());
    assert_eq!(sel("email"), Ok(vec!["mail".to_string()]));
    assert_eq!(sel("dmarc"), Ok(vec!["mail.dmarc".to_string()]));
}

#[test]
fn each_mail_domain_is_a_unit_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("caretaker.toml");
    std::fs::write(
        &path,
        "version = 1\n[school]\nmail_domains = [\"a.sch.uk\", \"B.org.uk.\"]\n\
         [mail]\nresolver = \"127.0.0.1:9\"\ntimeout_secs = 2\n",
    )
    .unwrap();
    let loaded = caretaker_config::load(&path).unwrap();
    let units = units_from_config(&loaded, time::OffsetDateTime::now_utc());
    let mail: Vec<&Unit> = units
        .iter()
        .filter(|u| u.name.starts_with("mail:"))
        .collect();
    assert_eq!(
        mail.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["mail:a.sch.uk", "mail:b.org.uk"]
    );
    for u in mail {
        assert_eq!(u.target.kind, TargetKind::Domain);
        assert_eq!(
            u.check_ids,
            [
                CheckId::new(caretaker_checks::mail::SPF.id),
                CheckId::new(caretaker_checks::mail::DMARC.id)
            ]
        );
        assert_eq!(u.timeout, Some(Duration::from_secs(11)));
    }
}
