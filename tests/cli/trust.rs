//! A trust of two sample schools, each built its own way (St. Example's Primary and Riverside
//! Primary Academy, OpenLDAP each), auditing into one PostgreSQL database started by the lab
//! (Debian's package, 127.0.0.1, TLS only): the trust adds them with `caretaker trust
//! init-school`, each audit forwards itself, and the trust's reader sees both schools, each with
//! its own planted problems and none of the other's.

use std::path::Path;

use crate::util::{caretaker, run};
use caretaker_lab::{Planted, TrustLab};

fn ok(out: (i32, String, String), what: &str) -> String {
    assert_eq!(out.0, 0, "{what}: {}{}", out.1, out.2);
    out.1
}

fn is_it(f: &caretaker_checks::Finding, p: &Planted) -> bool {
    f.check.as_str() == p.check && f.target.name == p.target && f.target.scope == p.directory
}

#[test]
fn two_schools_audit_into_the_trust_and_each_is_seen_with_its_own_problems() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let mut trust =
        TrustLab::start(&home.join("trust"), 2).unwrap_or_else(|e| panic!("the trust: {e}"));
    let cmd = |config: &Path, args: &[&str]| {
        let mut c = caretaker(home);
        c.arg("--config").arg(config).args(args);
        run(c)
    };
    for args in trust.setup_commands() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let said = ok(cmd(&trust.owner_config, &args), "setting up the trust");
        if args[1] == "init-school" {
            assert!(
                said.contains(&format!("school_{}", args[2].replace('-', "_"))),
                "{said}"
            );
        }
    }

    // Each school audits its directory; the audit forwards itself.
    for s in &trust.schools {
        let (code, out, err) = cmd(s.lab.config_path(), &["audit", "--only", "directory"]);
        assert_eq!(code, 1, "{} has planted problems: {out}{err}", s.name);
        assert!(
            err.contains("Forwarded to the trust's database") && err.contains("1 run"),
            "{}: {err}",
            s.name
        );
    }
    // Forwarding again adds nothing.
    let again = ok(
        cmd(trust.schools[0].lab.config_path(), &["trust", "forward"]),
        "forward",
    );
    assert!(again.contains("already holds everything"), "{again}");

    // Each school's log and its current picture as the trust keeps it whole check out.
    let checked = ok(
        cmd(&trust.reader_config, &["trust", "verify"]),
        "trust verify",
    );
    for school in [
        "St. Example's Primary (st-example)",
        "Riverside Primary Academy (riverside)",
    ] {
        let block: String = checked
            .split_inclusive('\n')
            .skip_while(|l| !l.starts_with(school))
            .take_while(|l| l.starts_with(school) || l.starts_with("  "))
            .collect();
        assert!(block.contains("intact"), "{checked}");
        assert!(
            block.contains("its current picture: the findings kept for")
                && block.contains("agree with their rows"),
            "{checked}"
        );
    }

    // The trust's reader sees both, each with its own problems and none of the other's.
    let text = ok(cmd(&trust.reader_config, &["trust", "show"]), "trust show");
    assert!(
        text.starts_with("0 of 2 schools meet the policy."),
        "{text}"
    );
    assert!(
        text.contains("St. Example's Primary (st-example): does not meet the policy"),
        "{text}"
    );
    assert!(
        text.contains("Riverside Primary Academy (riverside): does not meet the policy"),
        "{text}"
    );
    let json = ok(
        cmd(&trust.reader_config, &["trust", "show", "--format", "json"]),
        "json",
    );
    let view: caretaker_api::trust::TrustView = serde_json::from_str(&json).unwrap();
    assert_eq!(view.schools.len(), 2);
    for (i, s) in trust.schools.iter().enumerate() {
        let other = &trust.schools[1 - i];
        let school = view.schools.iter().find(|v| v.id == s.id).unwrap();
        let failing: Vec<_> = school
            .findings()
            .into_iter()
            .filter(|f| f.status == caretaker_checks::Status::Fail)
            .collect();
        let mine: Vec<Planted> = s
            .lab
            .planted_problems()
            .into_iter()
            .filter(|p| p.directory == "ldap")
            .collect();
        let theirs: Vec<Planted> = other
            .lab
            .planted_problems()
            .into_iter()
            .filter(|p| {
                p.directory == "ldap"
                    && !mine
                        .iter()
                        .any(|m| m.check == p.check && m.target == p.target)
            })
            .collect();
        assert!(!theirs.is_empty());
        for p in &mine {
            assert!(
                failing.iter().any(|f| is_it(f, p)),
                "{}: its planted problem {p:?} is not among {failing:#?}",
                s.id
            );
        }
        for p in &theirs {
            assert!(
                !failing.iter().any(|f| is_it(f, p)),
                "{} shows the other school's problem {p:?}",
                s.id
            );
        }
    }

    // The trustees' report: both schools, each page with its own problems only.
    let json = ok(
        cmd(
            &trust.reader_config,
            &["report", "--trust", "--format", "json"],
        ),
        "report --trust",
    );
    let report: caretaker_model::trust_report::TrustReport = serde_json::from_str(&json).unwrap();
    assert_eq!((report.summary.schools, report.summary.meeting), (2, 0));
    for s in &trust.schools {
        let page = report.schools.iter().find(|p| p.id == s.id).unwrap();
        assert!(page.checked && !page.meets_policy, "{page:#?}");
        let mine: Vec<&str> = s
            .lab
            .planted_problems()
            .iter()
            .filter(|p| p.directory == "ldap")
            .map(|p| p.check)
            .collect();
        for check in &mine {
            assert!(
                page.failing.iter().any(|f| f.check == *check),
                "{}'s page lacks its {check}: {:#?}",
                s.id,
                page.failing
            );
        }
        for f in &page.failing {
            assert!(
                mine.contains(&f.check.as_str()),
                "{}: {} is not its problem",
                s.id,
                f.check
            );
        }
    }
    let html = ok(
        cmd(&trust.reader_config, &["report", "--trust"]),
        "report --trust html",
    );
    assert!(
        html.contains("St. Example&#39;s Primary")
            || html.contains("St. Example&#x27;s Primary")
            || html.contains("St. Example's Primary"),
        "{html}"
    );
    assert!(html.contains("Riverside Primary Academy"));
    let pdf = home.join("trust.pdf");
    let pdf_arg = pdf.display().to_string();
    ok(
        cmd(
            &trust.reader_config,
            &["report", "--trust", "--format", "pdf", "-o", &pdf_arg],
        ),
        "report --trust pdf",
    );
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));

    // The console's trust screens, in a terminal: both schools; the first opened is its own
    // Compliance screen, read-only, with its own problem.
    let tmux = crate::console::Tmux::start_sub(home, &trust.reader_config, "trust");
    let screen = tmux.wait_for("0 of 2 schools meet the policy");
    let screen = if screen.contains("St. Example's Primary") && screen.contains("Riverside") {
        screen
    } else {
        tmux.wait_for("St. Example's Primary")
    };
    assert!(screen.contains("Riverside Primary Academy"), "{screen}");
    assert!(screen.contains("RED"), "{screen}");
    tmux.keys(&["Enter"]);
    let opened = tmux.wait_for("read-only");
    assert!(opened.contains("Riverside Primary Academy"), "{opened}");
    assert!(opened.contains("RED"), "{opened}");
    tmux.keys(&["Escape", "q"]);
    tmux.wait_gone("schools meet the policy");
    drop(tmux);

    // A school's own role sees only itself.
    let own = ok(
        cmd(trust.schools[0].lab.config_path(), &["trust", "show"]),
        "own show",
    );
    assert!(own.starts_with("0 of 1 school meets"), "{own}");
    assert!(!own.contains("Riverside"), "{own}");

    // With the trust's database down, the audit still gives its verdict and says why the run was
    // not forwarded; the next forwarding sends it.
    let riverside = trust.schools[1].lab.config_path().to_path_buf();
    trust.db.stop().unwrap();
    let (code, _, err) = cmd(&riverside, &["audit", "--only", "directory"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("Not forwarded to the trust's database"),
        "{err}"
    );
    let (code, _, err) = cmd(&riverside, &["trust", "forward"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot reach the trust's database"), "{err}");
    trust.db.start_again().unwrap();
    let sent = ok(cmd(&riverside, &["trust", "forward"]), "forward after");
    assert!(sent.contains("1 run"), "{sent}");
}
