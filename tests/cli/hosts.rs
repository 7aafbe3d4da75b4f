//! `caretaker audit` over SSH against a real sshd running the real Linux probe on this machine:
//! an unknown host key is an error showing its fingerprint and nothing is checked; `caretaker
//! hosts trust` records it after showing it; the machine is then audited; a changed host key is a
//! failure ("possible interception"); a machine that is down is an error and the others go on.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

#[path = "../../transports/tests/support/sshd.rs"]
#[allow(dead_code)]
mod sshd;

use caretaker_lab::{Extras, LabOptions, SampleSchool, School};

use crate::report_schema::schema_errors;
use crate::util::{assert_advice_names_real_keys, audit_json, caretaker, findings, run};

/// Findings per machine: one per host check.
const HOST_CHECKS: usize = caretaker_checks::host::CHECK_IDS.len();

fn config(dir: &Path, sshd: &sshd::Sshd, closed_port: u16) -> PathBuf {
    let path = dir.join("caretaker.toml");
    std::fs::write(
        &path,
        format!(
            r#"version = 1
[store]
path = "caretaker.db"
[hosts]
known_hosts = "known_hosts"
user = "{user}"
key_file = "{key}"
connect_timeout_secs = 3
command_timeout_secs = 30
[hosts.allowed_software]
# Only packages whose names start with "lib": everything else on this machine is unapproved.
linux = ["lib*"]
[[host]]
name = "staff-laptop-1"
address = "127.0.0.1"
port = {port}
os = "linux"
roles = ["laptop"]
[[host]]
name = "switched-off"
address = "127.0.0.1"
port = {closed_port}
os = "linux"
"#,
            user = sshd.user,
            key = sshd.client_key.display(),
            port = sshd.port(),
        ),
    )
    .unwrap();
    path
}

fn about<'a>(fs: &'a [serde_json::Value], host: &str) -> Vec<&'a serde_json::Value> {
    fs.iter()
        .filter(|f| f["target"]["kind"] == "host" && f["target"]["name"] == host)
        .collect()
}

#[test]
fn unknown_then_trusted_then_changed_host_key() {
    let mut sshd = sshd::Sshd::start(1);
    let dir = tempfile::tempdir().unwrap();
    let closed = sshd::free_port();
    let cfg = config(dir.path(), &sshd, closed);
    // The area as people call it (the section and the command are `hosts`).
    let only = ["--only", "hosts"];

    // 1. Unknown key: every host check is an error that shows the fingerprint; exit 2.
    let (code, doc, err) = audit_json(dir.path(), &cfg, &only);
    assert_eq!(code, 2, "{err} {doc:#}");
    assert!(schema_errors(&doc).is_empty(), "{:?}", schema_errors(&doc));
    let fs = findings(&doc);
    let fingerprint = sshd::keygen_fingerprint(&sshd.host_key_pub());
    let laptop = about(&fs, "staff-laptop-1");
    assert_eq!(laptop.len(), HOST_CHECKS, "{fs:#?}");
    for f in &laptop {
        assert_eq!(f["status"], "error", "{f:#}");
        assert!(
            f["summary"]
                .as_str()
                .unwrap()
                .contains("caretaker hosts trust staff-laptop-1"),
            "{f:#}"
        );
        assert!(
            serde_json::to_string(f).unwrap().contains(&fingerprint),
            "{f:#}"
        );
    }
    // The machine that is down is an error too, with the reason; it does not stop the others.
    let off = about(&fs, "switched-off");
    assert_eq!(off.len(), HOST_CHECKS);
    assert!(off.iter().all(|f| f["status"] == "error"
        && f["summary"]
            .as_str()
            .unwrap()
            .contains(&format!("no SSH server answered on port {closed}"))));

    // 2. Trust it: the fingerprint shown is ssh-keygen's; known_hosts is private.
    let mut c = caretaker(dir.path());
    c.args(["hosts", "trust", "staff-laptop-1", "--yes", "--config"])
        .arg(&cfg);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&fingerprint), "{out}");
    let kh = dir.path().join("known_hosts");
    assert_eq!(
        std::fs::metadata(&kh).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Trusting the same key again needs no confirmation and changes nothing.
    let mut c = caretaker(dir.path());
    c.args(["hosts", "trust", "staff-laptop-1", "--config"])
        .arg(&cfg)
        .stdin(std::process::Stdio::null());
    let (code, out, _) = run(c);
    assert_eq!(code, 0);
    assert!(out.contains("already trusted"), "{out}");

    // 3. Trusted: the real probe ran on this machine; each check has a verdict from real facts.
    let (code, doc, err) = audit_json(dir.path(), &cfg, &only);
    assert!(schema_errors(&doc).is_empty(), "{:?}", schema_errors(&doc));
    let fs = findings(&doc);
    let laptop = about(&fs, "staff-laptop-1");
    assert_eq!(laptop.len(), HOST_CHECKS, "{fs:#?}");
    let statuses: Vec<&str> = laptop
        .iter()
        .map(|f| f["status"].as_str().unwrap())
        .collect();
    assert!(
        laptop
            .iter()
            .all(|f| !f["summary"].as_str().unwrap().contains("trust")),
        "no longer an unknown key: {laptop:#?}"
    );
    assert!(
        statuses.iter().filter(|s| **s != "error").count() >= 4,
        "{statuses:?} {err}"
    );
    assert_ne!(
        code, 0,
        "this machine is not a compliant laptop (no anti-virus, disk not encrypted)"
    );

    // 4. The key changes: every check fails with "possible interception".
    sshd.restart_with_new_host_key();
    let (code, doc, _) = audit_json(dir.path(), &cfg, &only);
    assert_eq!(code, 1, "{doc:#}");
    let fs = findings(&doc);
    let laptop = about(&fs, "staff-laptop-1");
    assert_eq!(laptop.len(), HOST_CHECKS);
    for f in &laptop {
        assert_eq!(f["status"], "fail", "{f:#}");
        assert!(
            f["summary"].as_str().unwrap().contains("intercepted"),
            "{f:#}"
        );
        assert!(f["remediation"]
            .as_str()
            .unwrap()
            .contains("caretaker hosts trust staff-laptop-1"));
    }

    // 5. Trusting the new key shows the old fingerprint beside it and replaces the line.
    let new_fingerprint = sshd::keygen_fingerprint(&sshd.host_key_pub());
    assert_ne!(new_fingerprint, fingerprint);
    // Without --yes and without a terminal, nothing is recorded.
    let recorded = std::fs::read_to_string(&kh).unwrap();
    let mut c = caretaker(dir.path());
    c.args(["hosts", "trust", "staff-laptop-1", "--config"])
        .arg(&cfg)
        .stdin(std::process::Stdio::null());
    assert_eq!(run(c).0, 64);
    assert_eq!(std::fs::read_to_string(&kh).unwrap(), recorded);
    let mut c = caretaker(dir.path());
    c.args(["hosts", "trust", "staff-laptop-1", "--yes", "--config"])
        .arg(&cfg);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&new_fingerprint), "{out}");
    assert!(out.contains(&fingerprint), "the old key is shown: {out}");
    assert!(out.contains("NOT the key trusted before"), "{out}");
    let lines: Vec<String> = std::fs::read_to_string(&kh)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(lines.len(), 1, "one line for the machine: {lines:?}");
    assert_eq!(
        std::fs::metadata(&kh).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let (_, doc, _) = audit_json(dir.path(), &cfg, &only);
    let fs = findings(&doc);
    assert!(
        about(&fs, "staff-laptop-1")
            .iter()
            .all(|f| !f["summary"].as_str().unwrap().contains("intercepted")),
        "{fs:#?}"
    );
}

#[test]
fn trusting_an_unknown_name_is_a_usage_error() {
    let sshd = sshd::Sshd::start(1);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &sshd, sshd::free_port());
    let mut c = caretaker(dir.path());
    c.args(["hosts", "trust", "nobody", "--yes", "--config"])
        .arg(&cfg);
    let (code, _, err) = run(c);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("staff-laptop-1, switched-off"), "{err}");
}

/// The command line and the console trust a host key through the same core call, with the same
/// result: a known_hosts folder that did not exist is made private (0700), the file 0600, holding
/// the same line; and an unknown machine is refused in the same words with the same status.
#[test]
fn the_cli_and_the_console_trust_a_host_key_the_same_way() {
    use caretaker_api::Api;
    let sshd = sshd::Sshd::start(1);
    let closed = sshd::free_port();
    let school = |dir: &Path| {
        let cfg = config(dir, &sshd, closed);
        let text = std::fs::read_to_string(&cfg).unwrap();
        let text = text.replace(
            "known_hosts = \"known_hosts\"",
            "known_hosts = \"keys/known_hosts\"",
        );
        std::fs::write(&cfg, text).unwrap();
        cfg
    };
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // The command line.
    let cli = tempfile::tempdir().unwrap();
    let cfg = school(cli.path());
    let mut c = caretaker(cli.path());
    c.args(["hosts", "trust", "staff-laptop-1", "--yes", "--config"])
        .arg(&cfg);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let mut c = caretaker(cli.path());
    c.args(["hosts", "trust", "nobody", "--yes", "--config"])
        .arg(&cfg);
    let (cli_code, _, cli_err) = run(c);
    // The console's way: the core's API in this process.
    let tui = tempfile::tempdir().unwrap();
    let cfg = school(tui.path());
    let console = caretaker_core::Local::open(
        caretaker_config::load(&cfg).unwrap(),
        caretaker_checks::clauses::builtin(),
    )
    .unwrap();
    let offer = console.host_key("staff-laptop-1").unwrap();
    assert!(offer.trusted.is_empty(), "{offer:?}");
    console
        .trust_host_key("staff-laptop-1", &offer.presented.fingerprint)
        .unwrap();
    let refused = console.host_key("nobody").unwrap_err();
    // The same result.
    for home in [cli.path(), tui.path()] {
        assert_eq!(mode(&home.join("keys")), 0o700, "{}", home.display());
        assert_eq!(mode(&home.join("keys/known_hosts")), 0o600);
    }
    assert_eq!(
        std::fs::read_to_string(cli.path().join("keys/known_hosts")).unwrap(),
        std::fs::read_to_string(tui.path().join("keys/known_hosts")).unwrap(),
    );
    assert_eq!(
        cli_code,
        i32::from(refused.exit_code()),
        "{cli_err} / {refused}"
    );
    // The same words, each naming its own school's caretaker.toml.
    let words = refused.to_string().replace(
        &tui.path().display().to_string(),
        &cli.path().display().to_string(),
    );
    assert!(cli_err.contains(&words), "{cli_err} / {words}");
}

/// One sshd answering on five loopback addresses; four of them misbehave (garbage, non-UTF-8,
/// 50 MB, never ends within the limit) through `ForceCommand`, the fifth answers as the real probe
/// did (a recorded output).
#[test]
fn misbehaving_machines_are_errors_with_reasons_and_the_rest_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all("/run/sshd").unwrap();
    sshd::keygen(&d.join("hostkey"));
    sshd::keygen(&d.join("client"));
    std::fs::copy(d.join("client.pub"), d.join("authorized_keys")).unwrap();
    let port = sshd::free_port();
    let machines = [
        ("garbage", "127.0.61.1", "printf 'this is not JSON {'"),
        ("not-utf8", "127.0.61.2", "printf '\\377\\376\\000{'"),
        ("too-big", "127.0.61.3", "head -c 50000000 /dev/zero"),
        ("never-ends", "127.0.61.4", "sleep 30"),
        // A recorded answer of the real probe: the real one takes longer than this test's limit.
        ("healthy", "127.0.61.5", "HEALTHY"),
        // Its sshd accepts no key at all (AuthorizedKeysFile names no file).
        ("locked-out", "127.0.61.6", "AUTH-REFUSED"),
    ];
    // Nothing listens here: connection refused.
    let switched_off = ("switched-off", "127.0.61.7");
    let recorded = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("checks/fixtures/host/linux-temproot-hardened.json");
    let mut cfg = format!(
        "Port {port}\nHostKey {hk}\nPidFile {d}/sshd.pid\nAuthorizedKeysFile {d}/authorized_keys\n\
         PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n",
        hk = d.join("hostkey").display(),
        d = d.display()
    );
    for (_, addr, _) in &machines {
        cfg.push_str(&format!("ListenAddress {addr}\n"));
    }
    for (_, addr, cmd) in &machines {
        let cmd = match *cmd {
            "HEALTHY" => format!("cat {}", recorded.display()),
            "AUTH-REFUSED" => {
                cfg.push_str(&format!(
                    "Match LocalAddress {addr}\n  AuthorizedKeysFile {}/no-such-file\n",
                    d.display()
                ));
                continue;
            }
            other => other.to_string(),
        };
        cfg.push_str(&format!(
            "Match LocalAddress {addr}\n  ForceCommand {cmd}\n"
        ));
    }
    std::fs::write(d.join("sshd_config"), cfg).unwrap();
    let status = std::process::Command::new(sshd::SSHD)
        .arg("-f")
        .arg(d.join("sshd_config"))
        .arg("-E")
        .arg(d.join("sshd.log"))
        .status()
        .expect("apt-get install openssh-server");
    assert!(
        status.success(),
        "{}",
        std::fs::read_to_string(d.join("sshd.log")).unwrap_or_default()
    );
    struct Kill(PathBuf);
    impl Drop for Kill {
        fn drop(&mut self) {
            if let Ok(pid) = std::fs::read_to_string(&self.0) {
                let _ = std::process::Command::new("kill").arg(pid.trim()).status();
            }
        }
    }
    let _kill = Kill(d.join("sshd.pid"));

    let host_key = std::fs::read_to_string(d.join("hostkey.pub")).unwrap();
    let host_key: Vec<&str> = host_key.split_whitespace().take(2).collect();
    let mut known = String::new();
    let mut config = format!(
        "version = 1\n[store]\npath = \"caretaker.db\"\n[hosts]\nknown_hosts = \"known_hosts\"\nuser = \"{}\"\n\
         key_file = \"client\"\nconnect_timeout_secs = 3\ncommand_timeout_secs = 4\nmax_output_bytes = 1048576\n",
        sshd_user()
    );
    let everyone = machines
        .iter()
        .map(|(n, a, _)| (*n, *a))
        .chain([switched_off]);
    for (name, addr) in everyone {
        known.push_str(&format!(
            "[{addr}]:{port} {} {}\n",
            host_key[0], host_key[1]
        ));
        config.push_str(&format!(
            "[[host]]\nname = \"{name}\"\naddress = \"{addr}\"\nport = {port}\nos = \"linux\"\n"
        ));
    }
    std::fs::write(d.join("known_hosts"), known).unwrap();
    std::fs::write(d.join("caretaker.toml"), config).unwrap();

    // Run under GNU time for the peak memory: reading stops at the cap, so 50 MB of output never
    // sits in memory.
    let time = std::path::Path::new("/usr/bin/time");
    assert!(
        time.exists(),
        "/usr/bin/time is missing: apt-get install time"
    );
    let started = std::time::Instant::now();
    let mut c = std::process::Command::new(time);
    c.args(["-f", "%M", "-o"])
        .arg(d.join("maxrss"))
        .arg(env!("CARGO_BIN_EXE_caretaker"))
        .args(["audit", "--only", "host", "--format", "json", "--config"])
        .arg(d.join("caretaker.toml"))
        .env_remove("CARETAKER_CONFIG")
        .env("HOME", d)
        .env("NO_COLOR", "1");
    let (_code, out, err) = run(c);
    let doc: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("no JSON ({e}): {out}\n{err}"));
    // A guard against hanging, not a speed test: 3 s to connect and 4 s for the command.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "the audit hung"
    );
    assert!(schema_errors(&doc).is_empty(), "{:?}", schema_errors(&doc));
    let fs = findings(&doc);
    let reason_of = |host: &str| -> String {
        let mine = about(&fs, host);
        assert_eq!(mine.len(), HOST_CHECKS, "{host}: {fs:#?} {err}");
        serde_json::to_string(&mine).unwrap()
    };
    for (host, words) in [
        ("garbage", "could not be read"),
        ("not-utf8", "could not be read"),
        ("too-big", "printed more than 1048576 bytes"),
        ("never-ends", "did not finish within 4 seconds"),
        ("locked-out", "could not log in"),
        ("switched-off", "no SSH server answered on port"),
    ] {
        let text = reason_of(host);
        assert!(
            about(&fs, host).iter().all(|f| f["status"] == "error"),
            "{host}: {text}"
        );
        assert!(text.contains(words), "{host}: expected {words:?} in {text}");
    }
    let healthy = about(&fs, "healthy");
    assert_eq!(healthy.len(), HOST_CHECKS);
    assert!(
        healthy.iter().filter(|f| f["status"] != "error").count() >= 4,
        "{healthy:#?}"
    );
    // Peak resident memory in KiB. The cap is 1 MiB and the machine sent 50 MB; had the output
    // been kept, the peak would be above 50 MB.
    // GNU time writes "Command exited with non-zero status 1" first when it did.
    let kib: u64 = std::fs::read_to_string(d.join("maxrss"))
        .unwrap()
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .parse()
        .unwrap();
    eprintln!("peak memory of the audit: {kib} KiB");
    assert!(kib < 40 * 1024, "peak memory {kib} KiB");
}

fn sshd_user() -> String {
    let out = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Riverside Primary Academy's machines alone (no directories): Linux desktops built unlike St.
/// Example's (LightDM, KDE, rotated logs, a full Debian package list, Defender for Endpoint).
/// Every planted problem fails on its machine, nothing else fails, warns or errs, and every
/// finding's fingerprint is its own.
#[test]
fn riverside_machines_every_planted_problem_and_nothing_else() {
    let lab = SampleSchool::start_with(
        LabOptions {
            openldap: false,
            active_directory: false,
            dir: None,
        },
        Extras {
            hosts: true,
            school: School::Riverside,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("Riverside's machines did not start: {e}"));
    let home = tempfile::tempdir().unwrap();
    let (code, doc, err) = audit_json(home.path(), lab.config_path(), &["--only", "hosts"]);
    assert_eq!(code, 1, "not compliant; stderr: {err}");
    assert!(schema_errors(&doc).is_empty(), "{:?}", schema_errors(&doc));
    assert_advice_names_real_keys(&doc);
    let fs = findings(&doc);
    let planted: Vec<_> = lab
        .planted_problems()
        .into_iter()
        .filter(|p| p.directory == "hosts")
        .collect();
    assert_eq!(planted.len(), 4, "{planted:?}");
    assert_eq!(lab.hosts().len(), 7);
    assert_eq!(fs.len(), lab.hosts().len() * HOST_CHECKS, "{fs:#?}");
    let on = |f: &serde_json::Value, check: &str, host: &str| {
        f["check"] == check && f["target"]["kind"] == "host" && f["target"]["name"] == host
    };
    for p in &planted {
        let hit = fs
            .iter()
            .find(|f| on(f, p.check, &p.target) && f["status"] == "fail")
            .unwrap_or_else(|| panic!("planted problem not failing: {p:?}\nfindings: {fs:#?}"));
        assert!(hit["remediation"].is_string(), "a fix for {p:?}");
    }
    for f in &fs {
        let name = f["target"]["name"].as_str().unwrap_or("");
        if f["status"] != "pass" {
            assert!(
                planted.iter().any(|p| on(f, p.check, name)),
                "a finding that was not planted: {f:#}"
            );
        }
    }
    let mut prints: Vec<&str> = fs
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), fs.len(), "fingerprints repeat");
    let summary = |check: &str, host: &str| -> String {
        fs.iter()
            .find(|f| on(f, check, host))
            .map(|f| f["summary"].as_str().unwrap().to_string())
            .unwrap()
    };
    // The kiosk: two problems, two findings.
    assert!(summary("host.screen-lock", "hall-kiosk").contains("does not lock"));
    assert!(summary("host.auto-logon", "hall-kiosk").contains("logs itself in"));
    // Dated from the rotated log, with the updates waiting, security first.
    let up = summary("host.updates", "y5-laptop-03");
    assert!(up.contains("for 40 days"), "{up}");
    assert!(up.contains("5 security updates are waiting"), "{up}");
    assert!(up.contains("and 17 others"), "{up}");
    // Only what a person installed is judged, out of the full OS list.
    let sw = summary("host.software", "ict-07");
    assert!(
        sw.contains("1 program installed by hand") && sw.contains("steam-launcher"),
        "{sw}"
    );
    assert!(summary("host.software", "ict-08").contains("installed by hand"));
    // A non-ClamAV anti-virus, said plainly.
    let av = summary("host.antivirus", "staff-kde-01");
    assert!(av.contains("Microsoft Defender for Endpoint"), "{av}");
    assert!(summary("host.screen-lock", "staff-kde-01").contains("10 minutes"));
    assert!(summary("host.screen-lock", "library-02").contains("11 minutes"));
    eprintln!(
        "Riverside: {} machines, {} findings, {} planted problems found, {} passing",
        lab.hosts().len(),
        fs.len(),
        planted.len(),
        fs.iter().filter(|f| f["status"] == "pass").count()
    );
}
