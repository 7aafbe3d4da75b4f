//! A trust of two sample schools, each built its own way (St. Example's Primary and Riverside
//! Primary Academy, OpenLDAP each), auditing into one PostgreSQL database started by the lab
//! (Debian's package, 127.0.0.1, TLS only): the trust adds them with `caretaker trust
//! init-school`, each audit forwards itself, and the trust's reader sees both schools, each with
//! its own planted problems and none of the other's.

use std::path::Path;

use crate::util::{caretaker, run};
use caretaker_lab::{Planted, TrustDb, TRUST_OWNER};

/// Adds `[school] id` and `[store] url` (with the CA and a password file) to a config.
fn join_trust(config: &Path, db: &TrustDb, id: Option<&str>, role: &str, password_file: &Path) {
    let text = std::fs::read_to_string(config).unwrap();
    let mut text = match id {
        Some(id) => text.replacen("[school]\n", &format!("[school]\nid = \"{id}\"\n"), 1),
        None => text,
    };
    let store = format!(
        "[store]\nurl = \"{}\"\nca_file = \"{}\"\npassword_file = \"{}\"\n",
        db.url(role),
        db.ca_pem.display(),
        password_file.display()
    );
    if text.contains("[store]\n") {
        text = text.replacen("[store]\n", &store, 1);
    } else {
        text.push('\n');
        text.push_str(&store);
    }
    std::fs::write(config, text).unwrap();
}

fn ok(out: (i32, String, String), what: &str) -> String {
    assert_eq!(out.0, 0, "{what}: {}{}", out.1, out.2);
    out.1
}

fn is_mine(f: &caretaker_checks::Finding, p: &Planted) -> bool {
    f.check.as_str() == p.check && f.target.name == p.target && f.target.scope == p.directory
}

#[test]
fn two_schools_audit_into_the_trust_and_each_is_seen_with_its_own_problems() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = TrustDb::start(&home.join("trust")).unwrap_or_else(|e| panic!("{e}"));

    // The trust's own caretaker signs in as the database's owner.
    let owner_config = home.join("owner.toml");
    std::fs::write(
        &owner_config,
        "version = 1\n[school]\nname = \"The Trust\"\n[store]\npath = \"owner.db\"\n",
    )
    .unwrap();
    join_trust(
        &owner_config,
        &db,
        None,
        TRUST_OWNER,
        &db.owner_password_file,
    );
    let secret = |name: &str, value: &str| {
        let p = home.join(name);
        caretaker_lab::write_secret(&p, value).unwrap();
        p
    };
    let (a_pw, b_pw, r_pw) = (
        secret("a.pass", "school-a-secret"),
        secret("b.pass", "school-b-secret"),
        secret("reader.pass", "reader-secret"),
    );
    let cmd = |config: &Path, args: &[&str]| {
        let mut c = caretaker(home);
        c.arg("--config").arg(config).args(args);
        run(c)
    };
    let path = |p: &Path| p.display().to_string();
    let said = ok(
        cmd(
            &owner_config,
            &[
                "trust",
                "init-school",
                "st-example",
                "--name",
                "St. Example's Primary",
                "--password-file",
                &path(&a_pw),
            ],
        ),
        "init-school",
    );
    assert!(said.contains("school_st_example"), "{said}");
    ok(
        cmd(
            &owner_config,
            &[
                "trust",
                "init-school",
                "riverside",
                "--name",
                "Riverside Primary Academy",
                "--password-file",
                &path(&b_pw),
            ],
        ),
        "init-school",
    );
    ok(
        cmd(
            &owner_config,
            &[
                "trust",
                "init-reader",
                "trust_reader",
                "--password-file",
                &path(&r_pw),
            ],
        ),
        "init-reader",
    );

    // Each school audits its directory; the audit forwards itself.
    let example = caretaker_lab::SampleSchool::start_with(
        caretaker_lab::LabOptions {
            openldap: true,
            active_directory: false,
            dir: None,
        },
        caretaker_lab::Extras::default(),
    )
    .unwrap_or_else(|e| panic!("St. Example's Primary did not start: {e}"));
    let riverside = crate::util::riverside(true, caretaker_lab::Extras::default());
    join_trust(
        example.config_path(),
        &db,
        Some("st-example"),
        "school_st_example",
        &a_pw,
    );
    join_trust(
        riverside.config_path(),
        &db,
        Some("riverside"),
        "school_riverside",
        &b_pw,
    );
    for (lab, name) in [
        (&example, "St. Example's Primary"),
        (&riverside, "Riverside Primary Academy"),
    ] {
        let (code, out, err) = cmd(lab.config_path(), &["audit", "--only", "directory"]);
        assert_eq!(code, 1, "{name} has planted problems: {out}{err}");
        assert!(
            err.contains("Forwarded to the trust's database") && err.contains("1 run"),
            "{name}: {err}"
        );
    }
    // Forwarding again adds nothing.
    let again = ok(cmd(example.config_path(), &["trust", "forward"]), "forward");
    assert!(again.contains("already holds everything"), "{again}");

    // The trust's reader sees both, each with its own problems and none of the other's.
    let reader_config = home.join("reader.toml");
    std::fs::write(
        &reader_config,
        "version = 1\n[school]\nname = \"The Trust\"\n[store]\npath = \"reader.db\"\n",
    )
    .unwrap();
    join_trust(&reader_config, &db, None, "trust_reader", &r_pw);
    let text = ok(cmd(&reader_config, &["trust", "show"]), "trust show");
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
    let json: serde_json::Value = serde_json::from_str(&ok(
        cmd(&reader_config, &["trust", "show", "--format", "json"]),
        "json",
    ))
    .unwrap();
    let view: caretaker_api::trust::TrustView = serde_json::from_value(json).unwrap();
    assert_eq!(view.schools.len(), 2);
    for (lab, id, other) in [
        (&example, "st-example", &riverside),
        (&riverside, "riverside", &example),
    ] {
        let school = view.schools.iter().find(|s| s.id == id).unwrap();
        let failing: Vec<_> = school
            .findings()
            .into_iter()
            .filter(|f| f.status == caretaker_checks::Status::Fail)
            .collect();
        let mine: Vec<Planted> = lab
            .planted_problems()
            .into_iter()
            .filter(|p| p.directory == "ldap")
            .collect();
        let theirs: Vec<Planted> = other
            .planted_problems()
            .into_iter()
            .filter(|p| {
                p.directory == "ldap"
                    && !mine
                        .iter()
                        .any(|m| m.check == p.check && m.target == p.target)
            })
            .collect();
        let found = mine
            .iter()
            .filter(|p| failing.iter().any(|f| is_mine(f, p)))
            .count();
        assert!(
            found > 0,
            "{id}: none of its own planted problems among {failing:#?}"
        );
        for p in &theirs {
            assert!(
                !failing.iter().any(|f| is_mine(f, p)),
                "{id} shows the other school's problem {p:?}"
            );
        }
    }

    // A school's own role sees only itself.
    let own = ok(
        cmd(example.config_path(), &["trust", "show"]),
        "school's own show",
    );
    assert!(own.starts_with("0 of 1 school meets"), "{own}");
    assert!(!own.contains("Riverside"), "{own}");

    // With the trust's database down, the audit still gives its verdict, and says why the run
    // was not forwarded; the next forwarding sends it.
    let mut db = db;
    db.stop().unwrap();
    let (code, _, err) = cmd(riverside.config_path(), &["audit", "--only", "directory"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("Not forwarded to the trust's database"),
        "{err}"
    );
    let (code, _, err) = cmd(riverside.config_path(), &["trust", "forward"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot reach the trust's database"), "{err}");
    db.start_again().unwrap();
    let sent = ok(
        cmd(riverside.config_path(), &["trust", "forward"]),
        "forward after",
    );
    assert!(sent.contains("1 run"), "{sent}");
}
