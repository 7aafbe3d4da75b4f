//! `caretaker daemon`, a real process on a temporary store: a scheduled run happens at its time, a
//! run missed while the machine was off is made up once, SIGHUP with a broken configuration keeps
//! the one in use, and SIGTERM mid-run stops within 10 seconds leaving the run interrupted and the
//! store intact.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::util::{caretaker, run};

/// A daemon started by a test, stopped (SIGKILL) if the test ends first.
pub(crate) struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    pub(crate) fn start(home: &Path, config: &Path) -> Daemon {
        Daemon::start_with(home, config, &[])
    }

    fn start_with(home: &Path, config: &Path, env: &[(&str, &str)]) -> Daemon {
        let mut c = caretaker(home);
        c.envs(env.iter().copied());
        c.arg("daemon").arg("--config").arg(config);
        Daemon::spawn(home, c)
    }

    /// Starts `c` (a command that ends in `caretaker daemon`), its log in `home/daemon.log`.
    pub(crate) fn spawn(home: &Path, mut c: std::process::Command) -> Daemon {
        let log = home.join("daemon.log");
        let err = std::fs::File::create(&log).unwrap();
        c.stdin(Stdio::null()).stdout(Stdio::null()).stderr(err);
        Daemon {
            child: c.spawn().expect("start caretaker daemon"),
            log,
        }
    }

    pub(crate) fn log(&self) -> String {
        let mut s = String::new();
        let _ = std::fs::File::open(&self.log).and_then(|mut f| f.read_to_string(&mut s));
        s
    }

    /// Waits (at most `limit`) until the log says `words`.
    pub(crate) fn wait_for(&self, words: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let log = self.log();
            if log.contains(words) {
                return log;
            }
            assert!(
                start.elapsed() < limit,
                "the daemon did not say {words:?} within {limit:?}; its log:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn signal(&self, sig: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        nix::sys::signal::kill(pid, sig).unwrap();
    }

    /// Sends SIGTERM and returns the exit status and how long it took.
    pub(crate) fn stop(mut self) -> (std::process::ExitStatus, Duration) {
        self.signal(nix::sys::signal::Signal::SIGTERM);
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, start.elapsed());
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the daemon did not stop; its log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn write_config(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("caretaker.toml");
    std::fs::write(
        &path,
        format!(
            "version = 1\n[school]\nname = \"Daemon Primary\"\ntimezone = \"UTC\"\n[store]\npath = \"caretaker.db\"\n{body}"
        ),
    )
    .unwrap();
    path
}

/// Writes to the store of `config` a finished run of `only` (everything when empty), started
/// `days` days ago: the last run the daemon's timetable moves on from.
pub(crate) fn finished_run_days_ago(
    config: &Path,
    days: i64,
    only: &[&str],
    verdict: Option<caretaker_core::Verdict>,
) {
    let loaded = caretaker_config::load(config).unwrap();
    let store = caretaker_core::Store::open(&loaded.store_path)
        .unwrap()
        .with_clock(caretaker_model::Clock::manual(
            time::OffsetDateTime::now_utc() - time::Duration::days(days),
        ));
    let id = store
        .begin_run(&caretaker_core::store::NewRun {
            trigger: caretaker_api::Trigger::Schedule,
            who: "caretaker".into(),
            config_digest: loaded.digest.clone(),
            school: "Daemon Primary".into(),
            only: only.iter().map(|s| s.to_string()).collect(),
        })
        .unwrap();
    store
        .finish_run(id, caretaker_core::RunState::Complete, verdict)
        .unwrap();
}

/// The stored runs, newest first, as `caretaker runs --format json` prints them.
fn runs(home: &Path, config: &Path) -> Vec<serde_json::Value> {
    let mut c = caretaker(home);
    c.args(["runs", "--format", "json", "--config"]).arg(config);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<Vec<serde_json::Value>>(&out).unwrap()
}

#[test]
fn a_scheduled_run_happens_at_its_time() {
    let home = tempfile::tempdir().unwrap();
    // The next whole minute (UTC), at least 5 s ahead so the daemon is up before it.
    let mut now = time::OffsetDateTime::now_utc();
    if now.second() > 54 {
        std::thread::sleep(Duration::from_secs(6));
        now = time::OffsetDateTime::now_utc();
    }
    let slot = now + time::Duration::minutes(1);
    let config = write_config(
        home.path(),
        &format!(
            "[schedule]\naudit = \"daily {:02}:{:02}\"\njitter_secs = 0\n",
            slot.hour(),
            slot.minute()
        ),
    );
    let daemon = Daemon::start(home.path(), &config);
    daemon.wait_for("caretaker daemon started", Duration::from_secs(10));
    assert!(
        runs(home.path(), &config).is_empty(),
        "nothing before its time"
    );
    let log = daemon.wait_for("run 1 ended", Duration::from_secs(75));
    assert!(log.contains("run 1 started: the full audit"), "{log}");
    let stored = runs(home.path(), &config);
    assert_eq!(stored.len(), 1, "{stored:#?}");
    assert_eq!(stored[0]["trigger"], "schedule");
    let started: time::OffsetDateTime = time::OffsetDateTime::parse(
        stored[0]["started_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(
        (started.hour(), started.minute()),
        (slot.hour(), slot.minute())
    );
    let (status, took) = daemon.stop();
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

/// The last full audit was three days ago and the machine was off since: one run at start-up,
/// not three, and none after it until the next slot.
#[test]
fn a_run_missed_while_off_is_made_up_once_at_start_up() {
    let home = tempfile::tempdir().unwrap();
    let config = write_config(
        home.path(),
        "[schedule]\naudit = \"daily 00:00\"\njitter_secs = 0\n",
    );
    finished_run_days_ago(&config, 3, &[], Some(caretaker_core::Verdict::Compliant));
    let daemon = Daemon::start(home.path(), &config);
    daemon.wait_for("run 2 ended", Duration::from_secs(15));
    // Looked at again, nothing more is due.
    std::thread::sleep(Duration::from_secs(3));
    let stored = runs(home.path(), &config);
    assert_eq!(stored.len(), 2, "one run made up: {stored:#?}");
    let log = daemon.log();
    assert!(!log.contains("run 3"), "{log}");
    let (status, _) = daemon.stop();
    assert!(status.success());
}

#[test]
fn sighup_with_a_broken_configuration_keeps_the_one_in_use() {
    let home = tempfile::tempdir().unwrap();
    let config = write_config(home.path(), "[schedule]\naudit = \"off\"\n");
    let daemon = Daemon::start(home.path(), &config);
    daemon.wait_for("nothing is scheduled", Duration::from_secs(10));
    std::fs::write(&config, "version = 1\n[schedule]\naudit = \"nightly\"\n").unwrap();
    daemon.signal(nix::sys::signal::Signal::SIGHUP);
    let log = daemon.wait_for("the one in use is kept", Duration::from_secs(10));
    assert!(
        log.contains("schedule.audit"),
        "the broken key is named: {log}"
    );
    // A good one is taken.
    write_config(home.path(), "[schedule]\naudit = \"mon-fri 06:30\"\n");
    daemon.signal(nix::sys::signal::Signal::SIGHUP);
    daemon.wait_for(
        "configuration read again: the full audit mon-fri 06:30",
        Duration::from_secs(10),
    );
    let (status, _) = daemon.stop();
    assert!(status.success());
}

/// A filter test through a proxy that accepts and never answers keeps the run going; SIGTERM
/// stops the daemon within 10 seconds, the run is recorded as interrupted and the store is whole.
#[test]
fn sigterm_mid_run_stops_within_ten_seconds_and_leaves_the_run_interrupted() {
    let home = tempfile::tempdir().unwrap();
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    // Accept and hold every connection, saying nothing.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().take(64) {
            held.push(s);
        }
    });
    let config = write_config(
        home.path(),
        &format!(
            "[filter]\ntimeout_secs = 60\n[[filter.vantage]]\nname = \"pupil-wifi\"\ngroup = \"pupil\"\nsite = \"main\"\nproxy = \"http://127.0.0.1:{port}\"\n[schedule]\naudit = \"off\"\nfilter = \"daily 00:00\"\njitter_secs = 0\n"
        ),
    );
    // The filter last ran two days ago: made up at start-up.
    finished_run_days_ago(&config, 2, &["filter"], None);
    let daemon = Daemon::start(home.path(), &config);
    daemon.wait_for(
        "run 2 started: the web-filter tests",
        Duration::from_secs(15),
    );
    std::thread::sleep(Duration::from_secs(1));
    let (status, took) = daemon.stop();
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(10), "stopped in {took:?}");
    let stored = runs(home.path(), &config);
    assert_eq!(stored[0]["id"], 2);
    assert_eq!(stored[0]["state"], "interrupted", "{:#?}", stored[0]);
    let loaded = caretaker_config::load(&config).unwrap();
    let conn = rusqlite_check(&loaded.store_path);
    assert_eq!(conn, "ok");
}

/// `PRAGMA integrity_check` of the store, through the sqlite3 shell.
fn rusqlite_check(store: &Path) -> String {
    let out = std::process::Command::new("sqlite3")
        .arg(store)
        .arg("PRAGMA integrity_check;")
        .output()
        .expect("sqlite3 (apt-get install sqlite3)");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Under systemd (Type=notify): READY=1 once started, WATCHDOG=1 while alive, STOPPING=1 on
/// SIGTERM, sent to the socket systemd names.
#[test]
fn the_daemon_tells_systemd_it_is_ready_alive_and_stopping() {
    let home = tempfile::tempdir().unwrap();
    let config = write_config(home.path(), "[schedule]\naudit = \"off\"\n");
    let socket_path = home.path().join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let daemon = Daemon::start_with(
        home.path(),
        &config,
        &[
            ("NOTIFY_SOCKET", socket_path.to_str().unwrap()),
            ("WATCHDOG_USEC", "400000"),
        ],
    );
    let mut said = String::new();
    let mut buf = [0u8; 4096];
    while !(said.contains("READY=1") && said.matches("WATCHDOG=1").count() >= 2) {
        let n = socket.recv(&mut buf).unwrap_or_else(|e| {
            panic!(
                "systemd was told only {said:?} ({e}); log:\n{}",
                daemon.log()
            )
        });
        said.push_str(&String::from_utf8_lossy(&buf[..n]));
        said.push('\n');
    }
    assert!(
        said.contains("STATUS=scheduled: nothing is scheduled"),
        "{said}"
    );
    let (status, _) = daemon.stop();
    assert!(status.success());
    let mut stopping = false;
    while let Ok(n) = socket.recv(&mut buf) {
        if String::from_utf8_lossy(&buf[..n]).contains("STOPPING=1") {
            stopping = true;
            break;
        }
    }
    assert!(stopping, "STOPPING=1 was sent");
}

/// The unit in `packaging/` passes `systemd-analyze verify`, and its exposure, as
/// `systemd-analyze security` scores it, is low.
#[test]
fn the_systemd_unit_verifies_and_is_locked_down() {
    let home = tempfile::tempdir().unwrap();
    let unit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/caretaker.service"),
    )
    .unwrap();
    // The binary under test stands where the package puts it.
    let unit = unit.replace("/usr/bin/caretaker", env!("CARGO_BIN_EXE_caretaker"));
    let path = home.path().join("caretaker.service");
    std::fs::write(&path, unit).unwrap();
    let analyze = |args: &[&str]| {
        std::process::Command::new("systemd-analyze")
            .args(args)
            .arg(&path)
            .output()
            .expect("systemd-analyze (apt-get install systemd)")
    };
    // The man pages are checked once installed (by the package's test), not here.
    let out = analyze(&["verify", "--man=no"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = analyze(&["security", "--offline=true", "--no-pager"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let score: f64 = text
        .lines()
        .find_map(|l| {
            l.split("Overall exposure level for caretaker.service: ")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure score in:\n{text}"));
    eprintln!("systemd-analyze security: exposure {score}");
    assert!(score <= 2.0, "exposure {score}:\n{text}");
}

/// `caretaker status` says whether a daemon runs on the store (exit 0, or 3 when none does), the
/// next scheduled runs and each area's last run; a second daemon on the same store is refused.
#[test]
fn status_tells_whether_the_daemon_runs_and_what_runs_next() {
    let home = tempfile::tempdir().unwrap();
    let config = write_config(
        home.path(),
        "[schedule]\naudit = \"daily 02:00\"\nfilter = \"every 2h mon-fri 07:00-18:00\"\njitter_secs = 0\n",
    );
    let status = |format: &str| {
        let mut c = caretaker(home.path());
        c.args(["status", "--format", format, "--config"])
            .arg(&config);
        run(c)
    };
    let (code, text, err) = status("text");
    assert_eq!(code, 3, "{err}");
    assert!(text.contains("caretaker daemon: not running"), "{text}");
    assert!(
        text.contains("the full audit") && text.contains("daily 02:00"),
        "{text}"
    );
    assert!(text.contains("every 2h mon-fri 07:00-18:00"), "{text}");
    assert!(text.contains("filter     never checked"), "{text}");
    let daemon = Daemon::start(home.path(), &config);
    daemon.wait_for("caretaker daemon started", Duration::from_secs(10));
    let (code, json, err) = status("json");
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["daemon"]["pid"], daemon.child.id());
    assert_eq!(doc["time_zone"], "UTC");
    assert_eq!(doc["next"].as_array().unwrap().len(), 2);
    // One daemon per store.
    let mut second = caretaker(home.path());
    second.args(["daemon", "--config"]).arg(&config);
    let (code, _, err) = run(second);
    assert_ne!(code, 0);
    assert!(
        err.contains(&format!(
            "another caretaker daemon (pid {}",
            daemon.child.id()
        )),
        "{err}"
    );
    let (status_code, _) = daemon.stop();
    assert!(status_code.success());
    let (code, _, _) = status("text");
    assert_eq!(code, 3, "not running once stopped");
}

/// The daemon killed with SIGKILL 50 times at random moments of its runs: each time it starts
/// again (its claim on the store dies with it), the run it left is marked interrupted, and at the
/// end the store passes `PRAGMA integrity_check` and the filter-change log verifies. Each start
/// makes up the filter run (the last finished one is days old), which writes one vantage point's
/// findings at once (a closed port) and waits on the other (a proxy that never answers), so the
/// kills land before, during and after writes.
#[test]
fn sigkill_fifty_times_during_runs_leaves_a_store_that_checks_out() {
    const KILLS: u64 = 50;
    let home = tempfile::tempdir().unwrap();
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().take(1000) {
            held.push(s);
        }
    });
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let config = write_config(
        home.path(),
        &format!(
            "[filter]\ntimeout_secs = 5\nconnect_timeout_secs = 2\n[[filter.vantage]]\nname = \"quick\"\ngroup = \"pupil\"\nsite = \"main\"\nproxy = \"http://127.0.0.1:{closed_port}\"\n[[filter.vantage]]\nname = \"slow\"\ngroup = \"staff\"\nsite = \"main\"\nproxy = \"http://127.0.0.1:{port}\"\n[schedule]\naudit = \"off\"\nfilter = \"daily 00:00\"\njitter_secs = 0\n"
        ),
    );
    // A record in the log, and a finished filter run days ago.
    let site = home.path().join("site.toml");
    std::fs::write(
        &site,
        "reported_by = \"Mrs Patel\"\ndate = 2026-11-20\ntime = \"10:15\"\nworkstation = \"ICT-07\"\nurl = \"https://www.example-science-sim.org/forces\"\nrecommendation = \"unblock\"\nresolution = \"\"\n",
    )
    .unwrap();
    let mut c = caretaker(home.path());
    c.args(["sites", "add", "--file"])
        .arg(&site)
        .arg("--config")
        .arg(&config);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    finished_run_days_ago(&config, 3, &["filter"], None);
    // A small generator of kill moments (0 to 1.5 s after the run started), seeded by the clock.
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut next_ms = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % 1500
    };
    let started = Instant::now();
    for i in 0..KILLS {
        let mut daemon = Daemon::start(home.path(), &config);
        let run_id = i + 2;
        daemon.wait_for(
            &format!("run {run_id} started: the web-filter tests"),
            Duration::from_secs(20),
        );
        std::thread::sleep(Duration::from_millis(next_ms()));
        daemon.child.kill().unwrap();
        daemon.child.wait().unwrap();
    }
    eprintln!("{KILLS} kills in {:?}", started.elapsed());
    // Started once more, it marks the last run interrupted and runs again.
    let daemon = Daemon::start(home.path(), &config);
    daemon.wait_for(
        &format!("run {} started", KILLS + 2),
        Duration::from_secs(20),
    );
    let (status, _) = daemon.stop();
    assert!(status.success());
    let loaded = caretaker_config::load(&config).unwrap();
    assert_eq!(rusqlite_check(&loaded.store_path), "ok");
    let mut c = caretaker(home.path());
    c.args(["assess", "verify", "--config"]).arg(&config);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "the log verifies: {out}{err}");
    let mut c = caretaker(home.path());
    c.args(["runs", "--format", "json", "-n", "100", "--config"])
        .arg(&config);
    let (_, out, _) = run(c);
    let stored: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(
        stored.len() as u64,
        KILLS + 2,
        "one run per start and the seed"
    );
    let interrupted = stored
        .iter()
        .filter(|r| r["state"] == "interrupted")
        .count() as u64;
    assert_eq!(interrupted, KILLS + 1, "every run cut short says so");
}
