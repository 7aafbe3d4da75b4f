//! The school's machines against real sshd: each answers over SSH with the lab's key and the
//! pre-trusted host keys; the Linux machines run caretaker's real probe against their own file
//! trees, the simulated ones answer with their recorded output; every planted fact is in what
//! comes back, and `stop` leaves no sshd and no loopback address behind.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use caretaker_lab::{pid_alive, Extras, LabHost, LabOptions, SampleSchool};

const PROBE: &str = include_str!("../../checks/src/host/probe_scripts/linux.sh");

fn ssh(school: &SampleSchool, h: &LabHost, command: &str, stdin: &str) -> String {
    use std::io::Write as _;
    let mut child = Command::new("ssh")
        .arg("-i")
        .arg(school.host_key())
        .arg("-o")
        .arg(format!(
            "UserKnownHostsFile={}",
            school.known_hosts().display()
        ))
        .args([
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=5",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-F",
            "/dev/null",
            "-p",
        ])
        .arg(h.port().to_string())
        .arg(format!("root@{}", h.address()))
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ssh missing: apt-get install openssh-client");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "ssh to {} failed: {}",
        h.name(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The number after `key` in `json` (e.g. `"daily_mtime":` or `raynman:`).
fn number_after(json: &str, key: &str) -> i64 {
    let i = json
        .find(key)
        .unwrap_or_else(|| panic!("{key} not in {json}"))
        + key.len();
    json[i..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("no number after {key} in {json}"))
}

fn lo_addresses() -> String {
    let out = Command::new("ip")
        .args(["-o", "-4", "addr", "show", "dev", "lo"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_machine_answers_with_its_planted_fact_and_stop_leaves_nothing() {
    let t = Instant::now();
    let mut school = SampleSchool::start_with(
        LabOptions {
            openldap: false,
            active_directory: false,
            dir: None,
        },
        Extras {
            hosts: true,
            bulk_pupils: 0,
            filter: false,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("the sample school did not start: {e}"));
    eprintln!("hosts up in {:?}", t.elapsed());
    let hosts = school.hosts();
    assert_eq!(hosts.len(), 6);
    assert_eq!(hosts.iter().filter(|h| h.os() == "linux").count(), 3);
    assert_eq!(hosts.iter().filter(|h| h.os() == "windows").count(), 2);
    assert_eq!(hosts.iter().filter(|h| h.os() == "macos").count(), 1);

    // Secrets and config.
    let key_mode = fs::metadata(school.host_key()).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&key_mode.permissions()) & 0o777,
        0o600
    );
    let config: toml::Value =
        toml::from_str(&fs::read_to_string(school.config_path()).unwrap()).unwrap();
    assert_eq!(config["hosts"]["user"].as_str(), Some("root"));
    assert_eq!(config["host"].as_array().unwrap().len(), 6);
    let readme = fs::read_to_string(school.dir().join("README.txt")).unwrap();
    assert!(readme.contains("SIMULATED"), "{readme}");
    let planted = school.planted_problems();
    assert_eq!(planted.len(), 8);
    for p in &planted {
        assert_eq!(p.directory, "hosts");
        assert!(readme.contains(&p.target), "{} not in README", p.target);
    }

    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let t = Instant::now();
    for h in school.hosts() {
        if h.simulated() {
            let out = ssh(&school, h, "anything at all", "");
            let recorded = fs::read_to_string(
                school
                    .dir()
                    .join("hosts")
                    .join(h.name())
                    .join("probe-output.json"),
            )
            .unwrap();
            assert_eq!(out, recorded);
            match h.name() {
                "office-pc" => assert!(out.contains("\"auto_admin_logon\":\"1\""), "{out}"),
                "ict-suite-01" => {
                    let forty = time::OffsetDateTime::now_utc() - time::Duration::days(40);
                    let date = format!(
                        "\"InstalledOn\":\"{:04}-{:02}-{:02}T",
                        forty.year(),
                        u8::from(forty.month()),
                        forty.day()
                    );
                    assert!(out.contains(&date), "{date} not in {out}");
                    assert!(out.contains("ICT-SUITE-01"), "{out}");
                }
                "art-macbook" => assert!(out.contains("FileVault is Off."), "{out}"),
                other => panic!("unexpected simulated machine {other}"),
            }
            continue;
        }
        let out = ssh(&school, h, "/bin/sh -s", PROBE);
        assert!(
            out.starts_with("{\"probe\":\"caretaker-linux/1\""),
            "{}: {out}",
            h.name()
        );
        assert!(out.contains("\"os_name\":\"Debian GNU/Linux\""), "{out}");
        assert!(out.contains("\"graphical\":true"), "{out}");
        assert!(
            out.contains(
                "\"autologin\":[\"/etc/gdm3/daemon.conf|[daemon]|AutomaticLoginEnable=false\"]"
            ),
            "{out}"
        );
        let updated = number_after(&out, "\"last_install_epoch\":");
        assert!((now - updated) / 86_400 == 2, "{out}");
        let built = number_after(&out, ":raynman:");
        let av_days = (now - built) / 86_400;
        let usb_rules = out.contains("\"modprobe_rules\":[\"install usb-storage /bin/false\"");
        let dconf = out.contains("/etc/dconf/db/local.d/00-screensaver|[org/gnome/desktop/session]|idle-delay=uint32 600");
        match h.name() {
            "library-pc" => assert!(av_days == 9 && usb_rules && dconf, "{out}"),
            "staffroom-pc" => {
                assert!(av_days == 0 && usb_rules && !dconf, "{out}");
                assert!(
                    out.contains("/etc/dconf/db/local.d/00-screensaver|[org/gnome/desktop/screensaver]|lock-enabled=false"),
                    "{out}"
                );
                assert!(out.contains("\"dconf_locks\":[]"), "{out}");
            }
            "classroom-1" => {
                assert!(av_days == 0 && !usb_rules && dconf, "{out}");
                assert!(out.contains("\"modprobe_rules\":[]"), "{out}");
                assert!(out.contains("[\"steam-installer\","), "{out}");
            }
            other => panic!("unexpected Linux machine {other}"),
        }
        assert!(
            h.root()
                .is_some_and(|r| Path::new(r).join("etc/os-release").exists()),
            "{}",
            h.name()
        );
    }
    eprintln!("six SSH sessions in {:?}", t.elapsed());

    let pids: Vec<u32> = school.hosts().iter().map(LabHost::pid).collect();
    let addrs: Vec<String> = school
        .hosts()
        .iter()
        .map(|h| format!("{}/32", h.address()))
        .collect();
    for a in &addrs {
        assert!(lo_addresses().contains(a.as_str()));
    }
    school.stop();
    for p in pids {
        assert!(!pid_alive(p), "sshd {p} still runs after stop");
    }
    let lo = lo_addresses();
    for a in &addrs {
        assert!(!lo.contains(a.as_str()), "alias {a} left on lo");
    }
}
