//! The updates waiting on Linux: update-notifier's summary read for its numbers, and the probe's
//! choice of source (update-notifier's summary, apt's current cache, apt reading its lists) run
//! for real, with the machine's apt, against temporary roots made here.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use time::macros::datetime;
use time::OffsetDateTime;

use super::parse::{self, parse_updates_available, HostFacts};
use super::*;
use crate::model::Status;

const NOW: OffsetDateTime = datetime!(2026-11-23 02:00 UTC);

fn notifier_fixture(name: &str) -> Vec<String> {
    let path = format!(
        "{}/fixtures/host/update-notifier/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn update_notifier_summaries_are_read_for_their_numbers() {
    for (file, want) in [
        ("jammy-esm-47-2.txt", (47, 2)),
        ("focal-223-132.txt", (223, 132)),
        // The ESM Apps updates need a subscription: they cannot be installed, so not counted.
        ("esm-only-0-0.txt", (0, 0)),
        ("stale-note-37-0.txt", (37, 0)),
    ] {
        assert_eq!(
            parse_updates_available(&notifier_fixture(file)),
            Some(want),
            "{file}"
        );
    }
    // Only numbers are read, so a translated summary reads the same (this German wording is
    // written here, not recorded: it shows the rule, not a real file).
    let de: Vec<String> = [
        "",
        "12 Aktualisierungen können sofort angewendet werden.",
        "5 dieser Aktualisierungen sind Standard-Sicherheitsaktualisierungen.",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(parse_updates_available(&de), Some((12, 5)));
    // Several kinds of security update are added up, never above the total.
    let kinds: Vec<String> = ["10 a", "4 b", "3 c", "", "99 d"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(parse_updates_available(&kinds), Some((10, 7)));
    let too_many: Vec<String> = ["2 a", "5 b"].iter().map(|s| s.to_string()).collect();
    assert_eq!(parse_updates_available(&too_many), Some((2, 2)));
    assert_eq!(parse_updates_available(&[]), None);
    assert_eq!(
        parse_updates_available(&["no numbers here".to_string()]),
        None
    );
}

/// A package in dpkg's database form.
fn status_entry(name: &str, version: &str) -> String {
    format!(
        "Package: {name}\nStatus: install ok installed\nPriority: optional\nSection: misc\n\
         Installed-Size: 1\nMaintainer: Nobody <nobody@example.org>\nArchitecture: all\n\
         Version: {version}\nDescription: {name}\n\n"
    )
}

/// A package in an archive's Packages list.
fn archive_entry(name: &str, version: &str) -> String {
    format!(
        "Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: Nobody <nobody@example.org>\n\
         Installed-Size: 1\nFilename: pool/main/{name}_{version}_all.deb\nSize: 1000\n\
         SHA256: {}\nSection: misc\nPriority: optional\nDescription: {name}\n\n",
        "0".repeat(64)
    )
}

/// A machine with four packages: `alpha` has a security update waiting, `beta` an ordinary one,
/// `delta` is current, and `gamma` comes from no archive (its look-alike `delta` does).
fn apt_root(root: &Path) {
    let put = |p: &str, s: &str| {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, s).unwrap();
    };
    put(
        "var/lib/dpkg/status",
        &[
            status_entry("alpha", "1.0"),
            status_entry("beta", "1.0"),
            status_entry("delta", "1.0"),
            status_entry("gamma", "2.0"),
        ]
        .concat(),
    );
    let lists = "var/lib/apt/lists";
    put(
        &format!("{lists}/deb.example.org_debian_dists_bookworm_Release"),
        "Origin: Debian\nLabel: Debian\nSuite: stable\nCodename: bookworm\nArchitectures: amd64\nComponents: main\n",
    );
    put(
        &format!("{lists}/deb.example.org_debian_dists_bookworm_main_binary-amd64_Packages"),
        &[
            archive_entry("alpha", "1.0"),
            archive_entry("beta", "1.1"),
            archive_entry("delta", "1.0"),
        ]
        .concat(),
    );
    put(
        &format!("{lists}/deb.example.org_debian-security_dists_bookworm-security_Release"),
        "Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\nCodename: bookworm-security\nArchitectures: amd64\nComponents: main\n",
    );
    put(
        &format!(
            "{lists}/deb.example.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages"
        ),
        &archive_entry("alpha", "1.1"),
    );
    put(
        "etc/apt/sources.list",
        "deb http://deb.example.org/debian bookworm main\ndeb http://deb.example.org/debian-security bookworm-security main\n",
    );
    for d in [
        "etc/apt/apt.conf.d",
        "etc/apt/preferences.d",
        "etc/apt/sources.list.d",
        "var/lib/apt/lists/partial",
        "var/cache/apt/archives/partial",
    ] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
}

fn need(tool: &str, package: &str) {
    let found = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        .iter()
        .any(|d| Path::new(d).join(tool).exists());
    assert!(
        found,
        "these tests run the machine's {tool}: apt-get install {package}"
    );
}

/// Runs linux.sh with `CARETAKER_ROOT=root` (and `extra` environment) and parses its output.
fn probe(root: &Path, extra: &[(&str, &str)]) -> (serde_json::Value, HostFacts) {
    need("apt-cache", "apt");
    need("dpkg-query", "dpkg");
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(LINUX_PROBE).env("CARETAKER_ROOT", root);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let facts = parse::parse(&out.stdout, OsFamily::Linux).unwrap();
    (doc, facts)
}

fn set_mtime(path: &Path, t: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

fn evidence<'a>(facts: &'a HostFacts, key: &str) -> Option<&'a str> {
    facts
        .updates
        .evidence
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn local(doc: &serde_json::Value) -> Vec<String> {
    doc["software"]["local"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn apt_counts_from_its_lists_when_there_is_no_cache() {
    let dir = tempfile::tempdir().unwrap();
    apt_root(dir.path());
    let (doc, facts) = probe(dir.path(), &[]);
    let u = &doc["updates"];
    assert_eq!(u["pending_source"], "apt-lists", "{u}");
    assert_eq!(u["pending_note"], "apt keeps no cache file", "{u}");
    assert_eq!(facts.updates.pending, Some(2));
    assert_eq!(facts.updates.pending_security, Some(1));
    assert_eq!(facts.updates.pending_security_names, vec!["alpha"]);
    assert_eq!(local(&doc), vec!["gamma"]);
    assert_eq!(evidence(&facts, "pending_source"), Some("apt-lists"));
    assert!(!dir.path().join("var/cache/apt/pkgcache.bin").exists());
}

#[test]
fn a_fresh_update_notifier_summary_is_used_and_a_stale_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    apt_root(root);
    let un = root.join("var/lib/update-notifier/updates-available");
    std::fs::create_dir_all(un.parent().unwrap()).unwrap();
    std::fs::write(&un, notifier_fixture("jammy-esm-47-2.txt").join("\n")).unwrap();
    // Fresh: written after the package database and the lists.
    let later = SystemTime::now() + Duration::from_secs(60);
    set_mtime(&un, later);
    let (doc, facts) = probe(root, &[]);
    assert_eq!(doc["updates"]["pending_source"], "update-notifier");
    assert_eq!(facts.updates.pending, Some(47));
    assert_eq!(facts.updates.pending_security, Some(2));
    assert_eq!(evidence(&facts, "pending_source"), Some("update-notifier"));
    // The software list still asks apt which packages come from no archive.
    assert_eq!(local(&doc), vec!["gamma"]);

    // Stale: dpkg ran after the summary was written.
    set_mtime(&un, SystemTime::now() - Duration::from_secs(3600));
    let (doc, facts) = probe(root, &[]);
    let u = &doc["updates"];
    assert_eq!(u["pending_source"], "apt-lists", "{u}");
    assert!(
        u["pending_note"]
            .as_str()
            .unwrap()
            .starts_with("update-notifier's summary is older than /var/lib/"),
        "{u}"
    );
    assert_eq!(facts.updates.pending, Some(2));
    assert!(evidence(&facts, "pending_source_note")
        .unwrap()
        .contains("update-notifier"));
}

#[test]
fn a_current_apt_cache_is_read_and_a_stale_one_is_neither_used_nor_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    apt_root(root);
    let r = root.display().to_string();
    // Build the cache as `apt update` would leave it.
    let made = Command::new("apt-cache")
        .args([
            "-o",
            &format!("Dir={r}"),
            "-o",
            &format!("Dir::State::status={r}/var/lib/dpkg/status"),
            "-o",
            &format!("Dir::Etc::Parts={r}/etc/apt/apt.conf.d"),
            "-o",
            "Dir::Cache::pkgcache=pkgcache.bin",
            "-o",
            "Dir::Cache::srcpkgcache=srcpkgcache.bin",
            "stats",
        ])
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let cache = root.join("var/cache/apt/pkgcache.bin");
    let stamp = |p: &Path| {
        let m = std::fs::metadata(p).unwrap();
        (
            m.modified().unwrap(),
            std::os::unix::fs::MetadataExt::ino(&m),
        )
    };
    // Written a minute after the files it was built from.
    set_mtime(&cache, SystemTime::now() + Duration::from_secs(60));
    let before = stamp(&cache);
    let (doc, facts) = probe(root, &[]);
    assert_eq!(doc["updates"]["pending_source"], "apt-pkgcache");
    assert_eq!(doc["updates"]["pending_note"], serde_json::Value::Null);
    assert_eq!(facts.updates.pending, Some(2));
    assert_eq!(facts.updates.pending_security, Some(1));
    assert_eq!(local(&doc), vec!["gamma"]);
    assert_eq!(stamp(&cache), before, "a current cache is only read");

    // dpkg ran after the cache was built: apt would rebuild it, and as root write it.
    set_mtime(&cache, SystemTime::now() - Duration::from_secs(3600));
    let before = stamp(&cache);
    let (doc, facts) = probe(root, &[]);
    let u = &doc["updates"];
    assert_eq!(u["pending_source"], "apt-lists", "{u}");
    assert!(
        u["pending_note"]
            .as_str()
            .unwrap()
            .starts_with("apt's cache is older than /"),
        "{u}"
    );
    assert_eq!(facts.updates.pending, Some(2));
    assert_eq!(stamp(&cache), before, "a stale cache is not rewritten");
}

#[test]
fn apt_that_runs_too_long_is_stopped_and_the_count_is_unknown() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    apt_root(&root);
    // A stand-in apt-cache that hangs, first on PATH.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("apt-cache"), "#!/bin/sh\nexec sleep 30\n").unwrap();
    std::fs::set_permissions(
        bin.join("apt-cache"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let path = format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", bin.display());
    let started = std::time::Instant::now();
    // linux.sh sets its own PATH; the stand-in is found through the caller's for this test only
    // when the script is run with PATH first, so the script is wrapped.
    let script = format!(
        "PATH={path}\n{}",
        LINUX_PROBE.replacen("PATH=/usr/sbin:/usr/bin:/sbin:/bin\n", "", 1)
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("CARETAKER_ROOT", &root)
        .env("CARETAKER_APT_SECONDS", "1")
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(20), "not stopped");
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let u = &doc["updates"];
    assert_eq!(u["pending"], serde_json::Value::Null, "{u}");
    assert!(
        u["pending_note"]
            .as_str()
            .unwrap()
            .contains("longer than 1 seconds and was stopped"),
        "{u}"
    );
    assert_eq!(doc["software"]["local"], serde_json::Value::Null);
    let facts = parse::parse(&out.stdout, OsFamily::Linux).unwrap();
    assert_eq!(facts.updates.pending, None);
    assert!(facts
        .problems
        .iter()
        .any(|p| p.contains("apt-cache policy took longer")));
    assert_eq!(evidence(&facts, "pending"), Some("not counted"));
    // The finding says so rather than implying nothing is waiting.
    let mut facts = facts;
    facts.updates.last_installed = Some(NOW - time::Duration::days(3));
    facts.updates.no_upgrade_recorded = false;
    let host = HostInfo {
        name: "pc-1".into(),
        address: "10.0.0.21".into(),
        os: OsFamily::Linux,
        roles: vec![],
        simulated: false,
        detect_os: false,
    };
    let findings = judge::judge(&host, &facts, &HostThresholds::default(), NOW);
    let up = findings
        .iter()
        .find(|f| f.check.as_str() == judge::UPDATES)
        .unwrap();
    assert_eq!(up.status, Status::Pass, "{up:?}");
    assert!(
        up.summary
            .contains("How many updates are waiting could not be counted."),
        "{}",
        up.summary
    );
}
