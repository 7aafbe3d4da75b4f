//! `[[hosts.discover]]` against the sample school's real Samba AD DC: Windows machines are
//! computer objects under OU=School Computers; the ones not listed as `[[host]]` are found there,
//! reached at their dNSHostName and checked; a disabled computer account and one without
//! dNSHostName are skipped; an OU that does not exist is an error, and the configured machines
//! are still checked.

use caretaker_lab::{LabOptions, SampleSchool};

use crate::report_schema::schema_errors;
use crate::util::{audit_json, caretaker, findings, run};

/// The lab's configuration without the `[[host]]` blocks of `drop` (by name).
fn without_hosts(config: &str, drop: &[&str]) -> String {
    let mut parts = config.split("\n[[host]]\n");
    let mut out = parts.next().unwrap_or_default().to_string();
    for p in parts {
        if drop
            .iter()
            .any(|n| p.contains(&format!("name = \"{n}\"\n")))
        {
            continue;
        }
        out.push_str("\n[[host]]\n");
        out.push_str(p);
    }
    out
}

fn hosts_list(home: &std::path::Path, config: &std::path::Path) -> (i32, serde_json::Value) {
    let mut c = caretaker(home);
    c.args(["hosts", "list", "--format", "json", "--config"])
        .arg(config);
    let (code, out, err) = run(c);
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    (code, doc)
}

#[test]
fn windows_machines_are_found_in_active_directory_and_checked() {
    let lab = SampleSchool::start_with(
        LabOptions {
            openldap: false,
            active_directory: true,
            dir: None,
        },
        caretaker_lab::Extras {
            hosts: true,
            bulk_pupils: 0,
            filter: false,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("the sample school did not start: {e}"));
    let home = tempfile::tempdir().unwrap();
    let windows: Vec<_> = lab.hosts().iter().filter(|h| h.os() == "windows").collect();
    assert_eq!(windows.len(), 2);

    // As written: every Windows machine found is already a [[host]]; nothing is added.
    let (code, doc) = hosts_list(home.path(), lab.config_path());
    assert_eq!(code, 0, "{doc:#}");
    let machines = doc["machines"].as_array().unwrap();
    assert_eq!(machines.len(), lab.hosts().len(), "{doc:#}");
    assert!(machines.iter().all(|m| m["source"]["kind"] == "config"));

    // Without the two Windows [[host]] blocks, the directory supplies them.
    let text = std::fs::read_to_string(lab.config_path()).unwrap();
    let names: Vec<&str> = windows.iter().map(|h| h.name()).collect();
    let trimmed = lab.dir().join("discover.toml");
    std::fs::write(&trimmed, without_hosts(&text, &names)).unwrap();
    let (code, doc) = hosts_list(home.path(), &trimmed);
    assert_eq!(code, 0, "{doc:#}");
    let machines = doc["machines"].as_array().unwrap();
    assert_eq!(machines.len(), lab.hosts().len(), "{doc:#}");
    for h in &windows {
        let m = machines
            .iter()
            .find(|m| m["name"] == h.name())
            .unwrap_or_else(|| panic!("{} not found: {doc:#}", h.name()));
        assert_eq!(m["source"]["kind"], "directory", "{m:#}");
        assert_eq!(m["source"]["directory"], "ad");
        assert_eq!(m["address"], h.address().to_string());
        assert_eq!(m["os"], "windows");
        assert!(m["source"]["operating_system"]
            .as_str()
            .unwrap()
            .starts_with("Windows 11"));
    }
    let text_doc = serde_json::to_string(&doc).unwrap();
    assert!(
        !text_doc.contains("old-laptop"),
        "a disabled computer: {doc:#}"
    );
    assert!(!text_doc.contains("printer-1"), "no dNSHostName: {doc:#}");

    // The found machines are audited like the configured ones: the planted problems of the
    // Windows machines are still reported on them.
    let (_, report, err) = audit_json(home.path(), &trimmed, &["--only", "host"]);
    assert!(
        schema_errors(&report).is_empty(),
        "{:?}",
        schema_errors(&report)
    );
    let fs = findings(&report);
    for p in lab
        .planted_problems()
        .into_iter()
        .filter(|p| names.contains(&p.target.as_str()))
    {
        assert!(
            fs.iter().any(|f| f["check"] == p.check
                && f["target"]["name"] == p.target.as_str()
                && f["status"] == "fail"),
            "{p:?} not reported; {err}"
        );
    }

    // An OU that does not exist: a problem for hosts list, error findings in the audit, and the
    // configured machines are still checked.
    let wrong = lab.dir().join("wrong-ou.toml");
    std::fs::write(
        &wrong,
        without_hosts(&text, &names).replace("OU=School Computers,", "OU=No Such Computers,"),
    )
    .unwrap();
    let (code, doc) = hosts_list(home.path(), &wrong);
    assert_eq!(code, 1, "{doc:#}");
    assert!(
        doc["problems"][0]
            .as_str()
            .unwrap()
            .contains("OU=No Such Computers"),
        "{doc:#}"
    );
    let (_, report, _) = audit_json(home.path(), &wrong, &["--only", "host"]);
    let fs = findings(&report);
    let errors: Vec<_> = fs
        .iter()
        .filter(|f| f["target"]["kind"] == "directory" && f["status"] == "error")
        .collect();
    assert_eq!(
        errors.len(),
        caretaker_checks::host::CHECK_IDS.len(),
        "{fs:#?}"
    );
    assert!(fs
        .iter()
        .any(|f| f["target"]["name"] == "classroom-1" && f["status"] == "fail"));
}
