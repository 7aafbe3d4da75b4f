//! The real `caretaker console` in tmux against the sample school, answered by keys alone:
//! which clause is red and why, which staff accounts are stale, whether the IWF page is blocked
//! for pupils, which laptops are unencrypted; and `q` leaves.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use caretaker_lab::{Extras, LabOptions, SampleSchool};

use crate::util::{audit_json, caretaker, run};

pub(crate) struct Tmux {
    name: String,
}

impl Tmux {
    /// `caretaker SUBCOMMAND --config CONFIG` (the console's trust screens, say) in tmux.
    pub(crate) fn start_sub(home: &Path, config: &Path, sub: &str) -> Tmux {
        Tmux::start_full(home, config, 120, 40, "", "sleep 30", sub)
    }

    fn start(home: &Path, config: &Path, width: u16, height: u16) -> Tmux {
        Tmux::start_with(home, config, width, height, "", "sleep 30")
    }

    /// The console with `env` (`NAME=value …`) added to its environment, then `after` in the
    /// same pane once it has ended.
    fn start_with(
        home: &Path,
        config: &Path,
        width: u16,
        height: u16,
        env: &str,
        after: &str,
    ) -> Tmux {
        Tmux::start_full(home, config, width, height, env, after, "console")
    }

    fn start_full(
        home: &Path,
        config: &Path,
        width: u16,
        height: u16,
        env: &str,
        after: &str,
        sub: &str,
    ) -> Tmux {
        let tmux = Path::new("/usr/bin/tmux");
        assert!(tmux.exists(), "tmux is missing: apt-get install tmux");
        let name = format!("caretaker-test-{}-{width}-{sub}", std::process::id());
        let cmd = format!(
            "env HOME={} XDG_DATA_HOME={}/data NO_COLOR=1 TERM=xterm-256color {env} {} {sub} --config {}; {after}",
            home.display(),
            home.display(),
            env!("CARGO_BIN_EXE_caretaker"),
            config.display()
        );
        // A tmux server of its own (`-L`): a shared one exits when its last session ends, and a
        // session started by another test just then fails to start.
        let out = Command::new(tmux)
            .args(["-L", &name])
            .args([
                "new-session",
                "-d",
                "-s",
                &name,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                &cmd,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "tmux did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmux { name }
    }

    /// A tmux command addressed to this session's server.
    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.name]);
        c
    }

    fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Presses `keys` (tmux key names), in order. The terminal hands them to the console in that
    /// order, so nothing waits here: a step that depends on what a key did waits for the screen
    /// to show it ([`Tmux::wait_for`]).
    pub(crate) fn keys(&self, keys: &[&str]) {
        let st = self
            .tmux()
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .unwrap();
        assert!(st.success());
    }

    /// Types `text` as it is (no key names) and waits until the screen shows it typed.
    fn text(&self, text: &str) {
        let st = self
            .tmux()
            .args(["send-keys", "-l", "-t", &self.name, text])
            .status()
            .unwrap();
        assert!(st.success());
        self.wait_for(text);
    }

    /// A tmux format of the pane: `#{alternate_on}`, `#{cursor_flag}`, `#{pane_pid}`.
    fn format(&self, f: &str) -> String {
        let out = self
            .tmux()
            .args(["display-message", "-p", "-t", &self.name, f])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Waits until the console has quit (its screen is gone).
    pub(crate) fn wait_gone(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let s = self.screen();
            if !s.contains(needle) {
                return;
            }
            assert!(Instant::now() < deadline, "q did not leave:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits (at most 20 s) until one line of the screen shows every one of `parts` (a clause's
    /// row with its status, say); returns the screen.
    pub(crate) fn wait_for_line(&self, parts: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if s.lines().any(|l| parts.iter().all(|p| l.contains(p))) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "no line with all of {parts:?} appeared:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits (at most 20 s) until the screen shows `needle`; returns the screen.
    pub(crate) fn wait_for(&self, needle: &str) -> String {
        self.wait_for_all(&[needle])
    }

    /// Waits (at most 20 s) until the screen shows every one of `needles`; returns the screen.
    fn wait_for_all(&self, needles: &[impl AsRef<str>]) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            let missing: Vec<&str> = needles
                .iter()
                .map(AsRef::as_ref)
                .filter(|n| !s.contains(n))
                .collect();
            if missing.is_empty() {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "{missing:?} never appeared:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self
            .tmux()
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

#[test]
fn the_network_managers_questions_are_answered_by_keys_alone() {
    let lab = SampleSchool::start_with(
        LabOptions {
            openldap: true,
            active_directory: false,
            dir: None,
        },
        Extras {
            hosts: true,
            bulk_pupils: 0,
            filter: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("the sample school did not start: {e}"));
    let home = tempfile::tempdir().unwrap();
    let (code, _, err) = audit_json(home.path(), lab.config_path(), &[]);
    assert_eq!(code, 1, "{err}");

    let t = Tmux::start(home.path(), lab.config_path(), 120, 40);
    // Which clause is red, and why: the Compliance screen, first.
    let s = t.wait_for("Logins and passwords");
    let red: Vec<&str> = s.lines().filter(|l| l.contains(" RED ")).collect();
    assert!(!red.is_empty(), "{s}");
    let logins = red
        .iter()
        .find(|l| l.contains("Logins and passwords"))
        .unwrap_or_else(|| panic!("logins should be red:\n{s}"));
    assert!(logins.len() > 60, "a reason follows the clause: {logins}");
    assert!(!logins.contains("not assessed"), "{logins}");

    // Which staff accounts are stale: the Findings screen, searched.
    let stale: Vec<String> = lab
        .planted_problems()
        .into_iter()
        .filter(|p| p.check == "directory.stale-accounts")
        .map(|p| p.target)
        .collect();
    assert!(!stale.is_empty());
    t.keys(&["2"]);
    t.wait_for("Findings");
    t.keys(&["/"]);
    t.text("check:stale");
    t.keys(&["Enter"]);
    // Every stale account listed once the search is applied (the search box alone shows
    // "stale" before Enter has been read).
    let s = t.wait_for_all(&stale);
    assert!(s.contains("stale"), "{s}");

    // Is the IWF page blocked for pupils: the Filter screen's matrix.
    t.keys(&["5"]);
    let s = t.wait_for_all(&["pupil-pc", "IWF"]);
    let header = s
        .lines()
        .find(|l| l.contains("pupil-pc"))
        .unwrap()
        .to_string();
    // A column is a character (the screen has "…" and "›" in it, one column each).
    let col = header[..header.find("pupil-pc").unwrap()].chars().count();
    let iwf = s
        .lines()
        .find(|l| l.contains("IWF"))
        .unwrap_or_else(|| panic!("no IWF row:\n{s}"));
    let cell: String = iwf.chars().skip(col).take(10).collect();
    assert_eq!(cell.trim(), "blocked", "{header}\n{iwf}");

    // Which laptops are unencrypted: the Hosts screen.
    t.keys(&["3"]);
    let s = t.wait_for("art-macbook");
    let mac = s.lines().find(|l| l.contains("art-macbook")).unwrap();
    assert!(mac.contains("FAIL"), "{s}");

    t.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s = t.screen();
        if !s.contains("Compliance") && !s.contains("art-macbook") {
            break;
        }
        assert!(Instant::now() < deadline, "q did not leave:\n{s}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A high-risk unblock recorded from the console's form lands in the hash-chained log as typed,
/// entered by the operating-system user, and the chain verifies.
#[test]
fn a_risk_assessment_is_recorded_from_the_console() {
    let lab = crate::util::filter_school();
    let home = tempfile::tempdir().unwrap();
    let (code, _, err) = audit_json(home.path(), lab.config_path(), &[]);
    assert!(code == 0 || code == 1, "{err}");

    let t = Tmux::start(home.path(), lab.config_path(), 100, 32);
    t.wait_for("Compliance");
    t.keys(&["7"]);
    t.wait_for("No filter change has been assessed yet");
    t.keys(&["n"]);
    t.wait_for("New filter change");
    // Change: unblock; the site; no category; for pupils.
    t.keys(&["Right", "Tab"]);
    t.text("www.example-science-sim.org");
    t.keys(&["Tab", "Tab"]);
    t.text("pupil");
    let typed = [
        "Mrs Patel (Year 5 teacher)",
        "Science simulation used in the forces unit",
        "user comments section",
        "none",
        "none",
        "supervised use only; comments hidden",
    ];
    for v in typed {
        t.keys(&["Tab"]);
        t.text(v);
    }
    // Risk level: high (← from nothing chosen).
    t.keys(&["Tab", "Left"]);
    t.wait_for("REQUIRED at high risk");
    t.keys(&["Tab"]);
    t.text("Mrs Patel");
    t.keys(&["Tab"]);
    t.text("R. Singh (network)");
    t.keys(&["Tab"]);
    t.text("Mrs Head (headteacher)");
    t.keys(&["Tab"]);
    t.text("2026-11-20");
    // Decision: approve.
    t.keys(&["Tab", "Space"]);
    t.keys(&["C-s"]);
    let s = t.wait_for_all(&["recorded as #1 by", "Mrs Head (headteacher)"]);
    let me = caretaker_core::store::os_user();
    assert!(s.contains(&format!("recorded as #1 by {me}")), "{s}");
    assert!(s.contains("Mrs Head (headteacher)"), "{s}");

    // The change is made: v runs the filter tests and records the run against #1.
    t.keys(&["v"]);
    // The sample school's pupils reach the offensive-language page: the check says so.
    t.wait_for_all(&["Recorded as #2", "after #1", "NOT all blocked"]);

    // A correction: the review date, added later; saved as #3, superseding #1.
    t.keys(&["c"]);
    t.wait_for("Correcting risk assessment #1");
    t.keys(&["BTab"]);
    t.text("2027-03-31");
    t.keys(&["C-s"]);
    t.wait_for("recorded as #3 by");
    t.keys(&["q"]);
    t.wait_gone("Risk assessments");

    let mut c = caretaker(home.path());
    c.args(["assess", "list", "--format", "json", "--config"])
        .arg(lab.config_path());
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let records = list.as_array().unwrap();
    assert_eq!(records.len(), 1, "{list:#}");
    let r = &records[0];
    assert_eq!(r["id"], 3, "only the correction is current: {r:#}");
    assert_eq!(r["supersedes"], 1, "{r:#}");
    assert_eq!(r["body"]["review_by"], "2027-03-31", "{r:#}");
    assert_eq!(r["entered_by"], me.as_str(), "{r:#}");
    let b = &r["body"];
    assert_eq!(b["change"]["action"], "unblock", "{r:#}");
    assert_eq!(b["change"]["site"], "www.example-science-sim.org");
    assert_eq!(b["change"]["groups"], serde_json::json!(["pupil"]));
    assert_eq!(b["requested_by"], "Mrs Patel (Year 5 teacher)");
    assert_eq!(b["reason"], "Science simulation used in the forces unit");
    assert_eq!(b["risks"]["content"], "user comments section");
    assert_eq!(b["mitigations"], "supervised use only; comments hidden");
    assert_eq!(b["risk_level"], "high");
    assert_eq!(b["educational_assessor"], "Mrs Patel");
    assert_eq!(b["technical_assessor"], "R. Singh (network)");
    assert_eq!(b["consent"]["by"], "Mrs Head (headteacher)");
    assert_eq!(b["consent"]["on"], "2026-11-20");
    assert_eq!(b["decision"], "approve");

    // The filter check recorded from the console, linked to #1 and to a stored run.
    let mut c = caretaker(home.path());
    c.args(["assess", "show", "1", "--format", "json", "--config"])
        .arg(lab.config_path());
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["superseded_by"], 3, "{shown:#}");
    let checks = shown["verifications"].as_array().unwrap();
    assert_eq!(checks.len(), 1, "{shown:#}");
    let v = &checks[0]["body"];
    assert_eq!(v["assessment"], 1, "{v:#}");
    assert_eq!(v["must_block_passed"], false, "{v:#}");
    assert!(v["must_block_tests"].as_u64().unwrap() > 0, "{v:#}");
    let run_id = v["run"].as_i64().unwrap();
    let mut c = caretaker(home.path());
    c.args(["show", &run_id.to_string(), "--format", "json", "--config"])
        .arg(lab.config_path());
    let (code, out, err) = run(c);
    assert!(code == 0 || code == 1, "run {run_id} is stored: {out}{err}");

    let mut c = caretaker(home.path());
    c.args(["assess", "verify", "--config"])
        .arg(lab.config_path());
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
}

/// A clause no machine can check, attested from the console's form, turns GREEN on the
/// Compliance screen and is listed on the Attestations screen; `caretaker attestations list`
/// shows it as typed.
#[test]
fn a_clause_is_attested_from_the_console_and_turns_green() {
    let lab = crate::util::filter_school();
    let home = tempfile::tempdir().unwrap();
    let (code, _, err) = audit_json(home.path(), lab.config_path(), &[]);
    assert!(code == 0 || code == 1, "{err}");
    let until = (time::OffsetDateTime::now_utc().date() + time::Duration::days(30)).to_string();

    // A width of its own: the tmux session is named by the process and the width.
    let t = Tmux::start(home.path(), lab.config_path(), 110, 32);
    t.wait_for("Compliance");
    t.keys(&["/"]);
    t.text("network-files");
    t.keys(&["Enter"]);
    t.wait_for_line(&["GREY", "Files on the network checked"]);
    t.keys(&["a"]);
    t.wait_for("Attest a clause");
    t.text("Share permissions reviewed: pupils cannot open the staff shares");
    t.keys(&["Tab"]);
    t.text("Mr Brown (deputy head)");
    t.keys(&["Tab"]);
    t.text(&until);
    t.keys(&["C-s"]);
    t.wait_for("Attestation #1 recorded");
    // The clause's own row turns GREEN (the header's "0 GREEN" is no sign of it).
    let s = t.wait_for_line(&["GREEN", "Files on the network checked"]);
    assert!(s.contains("attested by Mr Brown"), "{s}");
    t.keys(&["9"]);
    let s = t.wait_for("Attestations and waivers");
    assert!(s.contains("in force"), "{s}");
    t.keys(&["q"]);
    t.wait_gone("Attestations and waivers");

    let mut c = caretaker(home.path());
    c.args(["attestations", "list", "--format", "json", "--config"])
        .arg(lab.config_path());
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("7.4/network-files"), "{out}");
    assert!(out.contains("Mr Brown (deputy head)"), "{out}");
    assert!(out.contains(&until), "{out}");

    // Withdrawn from the console (d, a reason): no longer in force, and the clause is GREY again.
    let t = Tmux::start(home.path(), lab.config_path(), 111, 32);
    t.wait_for("Compliance");
    t.keys(&["9"]);
    t.wait_for("Attestations and waivers");
    t.keys(&["d"]);
    t.wait_for("Withdraw #1");
    t.text("The shares were reorganised; to be reviewed again");
    t.keys(&["C-s"]);
    t.wait_for("Attestation #1 withdrawn by #2");
    t.keys(&["1", "/"]);
    t.text("network-files");
    t.keys(&["Enter"]);
    t.wait_for_line(&["GREY", "Files on the network checked"]);
    t.keys(&["q"]);
    t.wait_gone("Files on the network checked");
    let mut c = caretaker(home.path());
    c.args(["attestations", "list", "--format", "json", "--config"])
        .arg(lab.config_path());
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.contains("7.4/network-files"),
        "withdrawn, so not listed: {out}"
    );
    let mut c = caretaker(home.path());
    c.args(["assess", "verify", "--config"])
        .arg(lab.config_path());
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
}

/// The terminal as the shell left it: out of the alternate screen, the cursor shown, and the
/// line discipline back (`stty -a`, run in the pane after the console, says `icanon` and `echo`,
/// not `-icanon` and `-echo`; its last flag, `extproc`, says its output is all there).
fn assert_restored(t: &Tmux, how: &str) {
    let s = t.wait_for("extproc");
    assert_eq!(
        t.format("#{alternate_on}"),
        "0",
        "{how}: still on the alternate screen"
    );
    assert_eq!(
        t.format("#{cursor_flag}"),
        "1",
        "{how}: the cursor is hidden"
    );
    let flags: Vec<&str> = s.split_whitespace().collect();
    for flag in ["icanon", "echo", "isig"] {
        assert!(
            flags.contains(&flag) && !flags.contains(&format!("-{flag}").as_str()),
            "{how}: {flag} not restored:\n{s}"
        );
    }
}

/// Whatever ends the console (q, a panic, SIGTERM from the system), the terminal is given back
/// as it was found.
#[test]
fn the_terminal_is_restored_after_quit_panic_and_sigterm() {
    let home = tempfile::tempdir().unwrap();
    let config = crate::util::bare_school(home.path());
    let after = "stty -a; sleep 30";

    let t = Tmux::start_with(home.path(), &config, 81, 24, "", after);
    t.wait_for("Compliance");
    assert_eq!(
        t.format("#{alternate_on}"),
        "1",
        "the console uses the alternate screen"
    );
    t.keys(&["q"]);
    assert_restored(&t, "after q");
    drop(t);

    // Debug builds panic on purpose after the first frame when asked to.
    let t = Tmux::start_with(
        home.path(),
        &config,
        82,
        24,
        "RUST_BACKTRACE=0 CARETAKER_CONSOLE_PANIC_AFTER_FIRST_FRAME=1",
        after,
    );
    let s = t.wait_for("extproc");
    assert!(
        s.contains("panic after the first frame, as asked"),
        "the panic message is printed on the restored terminal:\n{s}"
    );
    assert_restored(&t, "after a panic");
    drop(t);

    let t = Tmux::start_with(home.path(), &config, 83, 24, "", after);
    t.wait_for("Compliance");
    let shell = t.format("#{pane_pid}");
    let out = Command::new("pgrep")
        .args(["-P", &shell, "-x", "caretaker"])
        .output()
        .unwrap();
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        !pid.is_empty(),
        "no console process under the pane's shell {shell}"
    );
    let st = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(st.success());
    assert_restored(&t, "after SIGTERM");
}

/// The console as the daemon's live client: a run started from another terminal appears on the
/// Runs screen without a key pressed (the daemon tells the console; nothing polls the store),
/// also after the daemon has restarted.
#[test]
fn the_console_shows_a_run_started_elsewhere_without_a_key_pressed() {
    use crate::daemon::{write_config, Daemon};
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let config = write_config(dir, "[schedule]\naudit = \"off\"\n");
    let daemon = Daemon::start(dir, &config);
    daemon.wait_for("caretaker daemon started", Duration::from_secs(15));
    let t = Tmux::start(dir, &config, 120, 30);
    t.keys(&["6"]);
    t.wait_for("No runs stored yet");
    // Another terminal.
    let mut c = caretaker(dir);
    c.args(["audit", "--only", "directory", "--config"])
        .arg(&config);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "nothing to check is incomplete: {err}");
    let s = t.wait_for_line(&["manual", "directory"]);
    assert!(!s.contains("No runs stored yet"), "{s}");
    let log = daemon.log();
    assert!(log.contains("run 1 ended"), "{log}");
    // The daemon restarts (an upgrade, `systemctl restart`): the console hears of runs again.
    let (status, _) = daemon.stop();
    assert!(status.success());
    let daemon = Daemon::start(dir, &config);
    daemon.wait_for("caretaker daemon started", Duration::from_secs(15));
    std::thread::sleep(Duration::from_secs(6));
    let mut c = caretaker(dir);
    c.args(["audit", "--only", "filter", "--trigger", "cron", "--config"])
        .arg(&config);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "nothing to check is incomplete: {err}");
    assert!(daemon.log().contains("run 2 ended"), "{}", daemon.log());
    t.wait_for_line(&["cron", "filter"]);
}
