//! Running the real binary in a temporary folder.

use std::path::Path;
use std::process::{Command, Output};

/// The `caretaker` binary built for these tests, with a clean environment for config lookup.
pub fn caretaker(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_caretaker"));
    c.env_remove("CARETAKER_CONFIG")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("NO_COLOR", "1");
    c
}

/// Output as (exit code, stdout, stderr).
pub fn run(mut c: Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = c.output().expect("run caretaker");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// Runs `caretaker audit --format json` and returns (exit code, parsed document, stderr).
pub fn audit_json(home: &Path, config: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut c = caretaker(home);
    c.arg("audit")
        .arg("--config")
        .arg(config)
        .args(["--format", "json"])
        .args(extra);
    let (code, out, err) = run(c);
    let doc = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("audit printed no JSON ({e}): {out}\n{err}"));
    (code, doc, err)
}

/// The findings of a report document.
pub fn findings(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    doc["findings"].as_array().cloned().unwrap_or_default()
}

/// Writes a secret file, mode 0600.
pub fn write_secret(path: &Path, value: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, value).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// The sample school's web filter alone (squid, dnsmasq, nginx, the pupil, staff and guest
/// machines), for the tests of the filter, its log and the console.
pub fn filter_school() -> caretaker_lab::SampleSchool {
    caretaker_lab::SampleSchool::start_with(
        caretaker_lab::LabOptions {
            openldap: false,
            active_directory: false,
            dir: None,
        },
        caretaker_lab::Extras {
            hosts: false,
            bulk_pupils: 0,
            filter: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("the sample school's web filter did not start: {e}"))
}

/// The value of an evidence key of a finding in a report document (empty if absent).
pub fn evidence_value(f: &serde_json::Value, key: &str) -> String {
    f["evidence"]["values"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["key"] == key)
        .map(|v| v["value"].as_str().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// A school with no directory and no machines (only the store matters): its caretaker.toml in
/// `dir`.
pub fn bare_school(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("caretaker.toml");
    std::fs::write(
        &path,
        "version = 1\n[school]\nname = \"St. Example's Primary\"\n[store]\npath = \"caretaker.db\"\n",
    )
    .unwrap();
    path
}

/// Asserts that the text report (`caretaker show`) agrees with the JSON document of the same run:
/// every clause's table heading has the colour of its summary line, and the table lists every
/// finding that evidences the clause (by target and status).
pub fn assert_text_report_agrees(text: &str, doc: &serde_json::Value) {
    let clauses = doc["clauses"].as_array().cloned().unwrap_or_default();
    assert!(!clauses.is_empty(), "no clauses in the document");
    let fs = findings(doc);
    for c in &clauses {
        let id = c["id"].as_str().unwrap_or_default();
        let word = c["status"].as_str().unwrap_or_default().to_uppercase();
        let title = c["title"].as_str().unwrap_or_default();
        let summary = text
            .lines()
            .find(|l| {
                let t = l.trim_start();
                t.split_whitespace().nth(1).is_some() && t.contains(title) && !t.starts_with(id)
            })
            .unwrap_or_else(|| panic!("no summary line for {id}:\n{text}"));
        assert!(
            summary.trim_start().starts_with(&word),
            "{id}: the summary says {summary:?}, the document {word}"
        );
        let mine: Vec<&serde_json::Value> = fs
            .iter()
            .filter(|f| {
                f["clauses"]
                    .as_array()
                    .is_some_and(|cs| cs.iter().any(|x| x == id))
            })
            .collect();
        let heading = format!("{id} {title} · ");
        let mut rows = text.lines().skip_while(|l| !l.starts_with(&heading));
        let Some(head) = rows.next() else {
            assert!(mine.is_empty(), "{id} has findings but no table:\n{text}");
            continue;
        };
        assert_eq!(
            head.rsplit(" · ").next(),
            Some(word.as_str()),
            "{id}: the table's heading disagrees with its summary line"
        );
        // Rows: │ STATUS │ CHECK │ TARGET │ FINDING │ (a wrapped finding continues with empty cells).
        let cells: Vec<(String, String)> = rows
            .take_while(|l| !l.is_empty())
            .filter_map(|l| {
                let mut c = l.split('│').skip(1).map(str::trim);
                Some((c.next()?.to_string(), c.nth(1)?.to_string()))
            })
            .filter(|(s, _)| !s.is_empty() && s != "STATUS")
            .collect();
        assert_eq!(
            cells.len(),
            mine.len(),
            "{id}: the table lists {} findings, the document {}",
            cells.len(),
            mine.len()
        );
        for f in mine {
            let status = f["status"].as_str().unwrap_or_default().to_uppercase();
            let name = f["target"]["name"].as_str().unwrap_or_default();
            assert!(
                cells
                    .iter()
                    .any(|(s, t)| *s == status && t.starts_with(name)),
                "{id}: {status} {name} is not in its table"
            );
        }
    }
}

/// Asserts that every caretaker.toml setting a finding's advice names exists: `key = value`
/// assignments, `[table]` headers and `key in caretaker…` are checked against the documented keys
/// (caretaker_config::docs::FIELDS, and the checks' own settings in their declarations).
pub fn assert_advice_names_real_keys(doc: &serde_json::Value) {
    let keys: Vec<String> = caretaker_config::docs::FIELDS
        .iter()
        .chain(caretaker_checks::registry::all().flat_map(|s| s.settings))
        .map(|f| f.key.replace("[]", ""))
        .collect();
    let segment = |name: &str| {
        keys.iter().any(|k| {
            k.split('.').any(|s| s == name) || k == name || k.ends_with(&format!(".{name}"))
        })
    };
    let table = |name: &str| {
        keys.iter()
            .any(|k| k == name || k.starts_with(&format!("{name}.")))
    };
    let word = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.';
    for f in findings(doc) {
        let Some(fix) = f["remediation"].as_str() else {
            continue;
        };
        // `name = value` and `name in caretaker…`: the name before it.
        for marker in [" = ", " in caretaker"] {
            for (at, _) in fix.match_indices(marker) {
                let before = &fix[..at];
                let start = before
                    .rfind(|c: char| !word(c))
                    .map(|i| i + before[i..].chars().next().map_or(1, char::len_utf8))
                    .unwrap_or(0);
                let name = &before[start..];
                // A shell variable or an attribute (`pwdMaxFailure = 5`) is not ours; a key has a
                // letter and is lowercase.
                if name.is_empty() || !name.chars().any(|c| c.is_ascii_lowercase()) {
                    continue;
                }
                if before[..start].ends_with(['-', '$', '/']) {
                    continue;
                }
                let last = name.rsplit('.').next().unwrap_or(name);
                assert!(
                    segment(last) || table(name),
                    "the advice names a setting {name:?} that caretaker.toml does not have:\n{fix}\n{f:#}"
                );
            }
        }
        // `[table]` and `[[table]]` headers.
        for part in fix.split('[').skip(1) {
            let Some(end) = part.find(']') else { continue };
            let name = part[..end].trim_start_matches('[');
            if name.is_empty()
                || !name.chars().all(word)
                || !name.chars().any(|c| c.is_ascii_lowercase())
            {
                continue;
            }
            assert!(
                table(name),
                "the advice names a table [{name}] that caretaker.toml does not have:\n{fix}"
            );
        }
    }
}

/// Asserts that every finding of a report document has a fingerprint of its own (a waiver, the
/// console and a comparison of runs name a finding by it).
pub fn assert_unique_fingerprints(doc: &serde_json::Value) {
    let fs = findings(doc);
    assert!(!fs.is_empty(), "no findings");
    let mut seen: std::collections::BTreeMap<String, serde_json::Value> =
        std::collections::BTreeMap::new();
    for f in fs {
        let fp = f["fingerprint"]
            .as_str()
            .unwrap_or_else(|| panic!("a finding without a fingerprint: {f:#}"))
            .to_string();
        if let Some(first) = seen.get(&fp) {
            panic!("two findings share the fingerprint {fp}:\n{first:#}\n{f:#}");
        }
        seen.insert(fp, f);
    }
}

/// The second sample school (Riverside Primary Academy) with what `extras` asks for besides.
pub fn riverside(openldap: bool, extras: caretaker_lab::Extras) -> caretaker_lab::SampleSchool {
    caretaker_lab::SampleSchool::start_with(
        caretaker_lab::LabOptions {
            openldap,
            active_directory: false,
            dir: None,
        },
        caretaker_lab::Extras {
            school: caretaker_lab::School::Riverside,
            ..extras
        },
    )
    .unwrap_or_else(|e| panic!("Riverside Primary Academy did not start: {e}"))
}

/// Runs `sql` on the store `db` with SQLite's own shell (as someone who can write the file
/// would): (whether it succeeded, what it printed on stderr).
pub fn sqlite3(db: &Path, sql: &str) -> (bool, String) {
    use std::io::Write as _;
    // The SQL on stdin: a rewritten log is longer than a command line may be.
    let mut child = Command::new("sqlite3")
        .arg("-bail")
        .arg(db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the sqlite3 shell is installed (apt-get install sqlite3)");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(sql.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
