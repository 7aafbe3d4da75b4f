//! Alerts from the daemon, against a real SMTP server (aiosmtpd, Debian's python3-aiosmtpd, with
//! STARTTLS and a login required) and a filter that can be told to let the IWF test page through:
//! the first run that finds it reachable sends one email, the next sends none, and the run after
//! it is blocked again sends "resolved". The alert command gets the same as JSON. A wrong
//! password sends nothing and says so; a failed delivery is tried again. And the same on the
//! sample school's real squid, run by the daemon's schedule.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use caretaker_lab::{Extras, LabOptions, SampleSchool};

use crate::daemon::Daemon;
use crate::util::{caretaker, run};

const BLOCK_TEXT: &str = "Access denied by the school filter";

/// A web filter on loopback, spoken to as a proxy: the control page loads; the IWF test page
/// loads (with the real page's own text) while `open` is set, else the block page; everything
/// else is blocked.
fn filter(open: Arc<AtomicBool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(10_000).flatten() {
            let open = open.clone();
            std::thread::spawn(move || answer(stream, &open));
        }
    });
    port
}

fn answer(stream: TcpStream, open: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    // The rest of the request head.
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let (status, body) = if first.contains("detectportal.firefox.com") {
        ("200 OK", "success".to_string())
    } else if first.contains("iwf.testfiltering.com") && open.load(Ordering::SeqCst) {
        (
            "200 OK",
            "<html><title>TestFiltering</title>IWF test page</html>".to_string(),
        )
    } else {
        ("403 Forbidden", format!("<html>{BLOCK_TEXT}</html>"))
    };
    let mut s = stream;
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// The lab's mail server alone (aiosmtpd, STARTTLS required, certificate of the lab's CA).
fn mail_school() -> SampleSchool {
    SampleSchool::start_with(
        LabOptions {
            openldap: false,
            active_directory: false,
            dir: None,
        },
        Extras {
            mail: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("the sample school's mail server did not start: {e}"))
}

/// Waits (at most `limit`) until the mail server has `n` messages; returns them.
fn wait_for_mail(lab: &SampleSchool, n: usize, limit: Duration) -> Vec<String> {
    let mail = lab.mail().expect("a mail server");
    let start = Instant::now();
    loop {
        let m = mail.messages();
        if m.len() >= n {
            return m;
        }
        assert!(
            start.elapsed() < limit,
            "{n} message(s) expected, {} received",
            m.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Subject lines are folded by the mail server's writer: read one back whole.
fn subject(message: &str) -> String {
    let mut lines = message.lines().skip_while(|l| !l.starts_with("Subject:"));
    let mut s = lines
        .next()
        .unwrap_or_default()
        .trim_start_matches("Subject:")
        .trim()
        .to_string();
    for l in lines {
        if l.starts_with(' ') || l.starts_with('\t') {
            s.push(' ');
            s.push_str(l.trim());
        } else {
            break;
        }
    }
    s
}

#[test]
fn the_iwf_page_let_through_sends_one_alert_then_none_then_resolved() {
    let home = tempfile::tempdir().unwrap();
    let lab = mail_school();
    let mail = lab.mail().expect("a mail server");
    let open = Arc::new(AtomicBool::new(true));
    let proxy = filter(open.clone());
    let hook = home.path().join("hook.json");
    let config = home.path().join("caretaker.toml");
    std::fs::write(
        &config,
        format!(
            r#"version = 1
[school]
name = "Alert Primary"
timezone = "UTC"
[store]
path = "caretaker.db"
[filter]
timeout_secs = 5
connect_timeout_secs = 2
[[filter.block_page]]
name = "the school filter"
text = "{BLOCK_TEXT}"
[[filter.vantage]]
name = "pupil-wifi"
group = "pupil"
site = "main"
proxy = "http://127.0.0.1:{proxy}"
[schedule]
audit = "off"
[alert]
email_to = ["dsl@alert.sch.uk", "network.manager@alert.sch.uk"]
email_from = "caretaker@alert.sch.uk"
smtp_server = "{address}"
smtp_ca_file = "{ca}"
smtp_user = "caretaker"
smtp_password_file = "{password}"
command = ["/bin/sh", "-c", "cat >> {hook}; echo >> {hook}"]
"#,
            address = mail.address(),
            ca = lab.dir().join("tls/ca.pem").display(),
            password = mail.password_file().display(),
            hook = hook.display(),
        ),
    )
    .unwrap();
    let audit = || {
        let mut c = caretaker(home.path());
        c.args(["audit", "--only", "filter", "--config"])
            .arg(&config);
        run(c)
    };
    // A run before the daemon starts: the daemon begins from the latest run.
    let (code, out, err) = audit();
    assert_eq!(code, 1, "the IWF page loads: not compliant\n{out}{err}");
    let log_path = home.path().join("daemon.log");
    let mut daemon = caretaker(home.path());
    daemon
        .args(["daemon", "--config"])
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap());
    let mut daemon = daemon.spawn().unwrap();
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let messages = wait_for_mail(&lab, 1, Duration::from_secs(30));
    let first = &messages[0];
    let subj = subject(first);
    assert!(
        subj.starts_with("caretaker ALERT at Alert Primary: "),
        "{subj}"
    );
    assert!(
        first.contains("dsl@alert.sch.uk") && first.contains("network.manager@alert.sch.uk"),
        "{first}"
    );
    assert!(first.contains("NEW - to act on now"), "{first}");
    assert!(first.contains("IWF"), "{first}");
    // The log's head, published where the store's writer cannot reach it (an empty log here);
    // read as a mail client shows it (quoted-printable's soft line breaks joined).
    let shown = first.replace("=\r\n", "").replace("=\n", "");
    assert!(
        shown.contains(&format!(
            "Filter-change log head: 0:{}",
            caretaker_ledger::GENESIS
        )),
        "{shown}"
    );
    // A second run, still failing: nothing more (a reminder only after a day).
    let (code, _, _) = audit();
    assert_eq!(code, 1);
    std::thread::sleep(Duration::from_secs(7));
    assert_eq!(mail.messages().len(), 1, "no second email; log:\n{}", log());
    // Blocked again: resolved.
    open.store(false, Ordering::SeqCst);
    // (Still not compliant: this filter blocks the sites that must load too; not critical.)
    let (_, out, _) = audit();
    assert!(out.contains("iwf") || out.contains("IWF"), "{out}");
    let messages = wait_for_mail(&lab, 2, Duration::from_secs(30));
    let subj = subject(&messages[1]);
    assert!(
        subj.starts_with("caretaker: resolved at Alert Primary: "),
        "{subj}"
    );
    assert!(messages[1].contains("RESOLVED"), "{}", messages[1]);
    // Sent after STARTTLS and a login the server checked.
    let said = mail.log();
    assert!(
        said.contains("accepted") && !said.contains("refused"),
        "{said}"
    );
    // The command got both, as JSON (it is given each alert after the email is sent).
    let read_hooks = || std::fs::read_to_string(&hook).unwrap_or_default();
    let until = std::time::Instant::now() + Duration::from_secs(30);
    while read_hooks()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
        < 2
        && std::time::Instant::now() < until
    {
        std::thread::sleep(Duration::from_millis(200));
    }
    let hooks = read_hooks();
    let docs: Vec<serde_json::Value> = hooks
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2, "{hooks}");
    assert_eq!(docs[0]["kind"], "caretaker.alert");
    assert_eq!(docs[0]["notices"][0]["kind"], "new");
    assert_eq!(docs[1]["notices"][0]["kind"], "resolved");
    let l = log();
    assert!(l.contains("emailed to dsl@alert.sch.uk"), "{l}");
    let _ = daemon.kill();
    let _ = daemon.wait();
}

/// The sample school's real filter (squid) lets the IWF test page through for pupils: the next
/// scheduled filter run sends one email to the lab's mail server, the run after it none, and the
/// run after the page is blocked again sends "resolved". The schedule is three slots a minute
/// apart, starting at the next whole minute.
#[test]
fn the_sample_schools_filter_letting_the_iwf_page_through_for_pupils_is_told_once_then_resolved() {
    let lab = SampleSchool::start_with(
        LabOptions {
            openldap: false,
            active_directory: false,
            dir: None,
        },
        Extras {
            filter: true,
            mail: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("the sample school did not start: {e}"));
    let filter = lab.filter().expect("the web filter");
    let pupil = filter
        .vantages()
        .iter()
        .find(|v| v.group == "pupil")
        .expect("a pupil machine")
        .name
        .clone();
    // The lab's configuration, with the web-filter tests on the schedule and nothing else.
    // The first slot at the first whole minute at least 20 s away (so the daemon is up before
    // it), in the machine's time zone (the school's, as no [school] timezone is set).
    let tz = jiff::tz::TimeZone::system();
    let mut first = jiff::Timestamp::now().as_second() + 80;
    first -= first % 60;
    let slots: Vec<String> = (0..3)
        .map(|i| {
            let t = jiff::Timestamp::from_second(first + 60 * i)
                .unwrap()
                .to_zoned_datetime(tz.clone());
            format!("{:02}:{:02}", t.hour(), t.minute())
        })
        .collect();
    let config = lab.dir().join("scheduled.toml");
    let text = std::fs::read_to_string(lab.config_path()).unwrap();
    assert!(
        text.contains("[alert]"),
        "the lab sends alerts to its mail server:\n{text}"
    );
    std::fs::write(
        &config,
        format!(
            "{text}\n[schedule]\naudit = \"off\"\nfilter = \"daily {}\"\njitter_secs = 0\n",
            slots.join(",")
        ),
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut c = caretaker(home.path());
    c.args(["daemon", "--config"]).arg(&config);
    let daemon = Daemon::spawn(home.path(), c);
    daemon.wait_for("caretaker daemon started", Duration::from_secs(15));

    filter
        .let_through("pupil", "iwf.testfiltering.com")
        .unwrap();
    daemon.wait_for("run 1 ended", Duration::from_secs(150));
    let messages = wait_for_mail(&lab, 1, Duration::from_secs(30));
    let subj = subject(&messages[0]);
    assert!(
        subj.starts_with("caretaker ALERT at St. Example's Primary: "),
        "{subj}"
    );
    assert!(
        messages[0].contains("dsl@stexample.lab")
            && messages[0].contains("network.manager@stexample.lab"),
        "{}",
        messages[0]
    );
    assert!(messages[0].contains("IWF"), "{}", messages[0]);
    assert!(
        messages[0].contains(&pupil),
        "names the pupils' machine: {}",
        messages[0]
    );

    // Still let through at the next slot: nothing more.
    daemon.wait_for("run 2 ended", Duration::from_secs(90));
    std::thread::sleep(Duration::from_secs(7));
    assert_eq!(
        lab.mail().unwrap().messages().len(),
        1,
        "one email per new problem; log:\n{}",
        daemon.log()
    );

    // Blocked again: resolved at the next slot.
    filter.block_again().unwrap();
    daemon.wait_for("run 3 ended", Duration::from_secs(90));
    let messages = wait_for_mail(&lab, 2, Duration::from_secs(30));
    let subj = subject(&messages[1]);
    assert!(
        subj.starts_with("caretaker: resolved at St. Example's Primary: "),
        "{subj}"
    );
    let log = daemon.log();
    assert!(log.contains("run 1 started: the web-filter tests"), "{log}");
    assert!(!log.contains("run 4"), "{log}");
}

/// A delivery that fails is tried again (after 10 s, then longer): the alert is delayed, not
/// lost, and given once. Here the alert command fails the first time it is run.
#[test]
fn a_failed_delivery_is_tried_again_and_given_once() {
    let home = tempfile::tempdir().unwrap();
    let proxy = filter(Arc::new(AtomicBool::new(true)));
    let hook = home.path().join("hook.json");
    let marker = home.path().join("failed-once");
    let config = home.path().join("caretaker.toml");
    std::fs::write(
        &config,
        format!(
            r#"version = 1
[school]
name = "Alert Primary"
timezone = "UTC"
[store]
path = "caretaker.db"
[filter]
timeout_secs = 5
connect_timeout_secs = 2
[[filter.block_page]]
name = "the school filter"
text = "{BLOCK_TEXT}"
[[filter.vantage]]
name = "pupil-wifi"
group = "pupil"
site = "main"
proxy = "http://127.0.0.1:{proxy}"
[schedule]
audit = "off"
[alert]
command = ["/bin/sh", "-c", "if [ -e {marker} ]; then cat >> {hook}; echo >> {hook}; else touch {marker}; exit 1; fi"]
"#,
            marker = marker.display(),
            hook = hook.display(),
        ),
    )
    .unwrap();
    let mut c = caretaker(home.path());
    c.args(["audit", "--only", "filter", "--config"])
        .arg(&config);
    let (code, out, err) = run(c);
    assert_eq!(code, 1, "the IWF page loads: not compliant\n{out}{err}");
    let mut c = caretaker(home.path());
    c.args(["daemon", "--config"]).arg(&config);
    let daemon = Daemon::spawn(home.path(), c);
    daemon.wait_for("trying again in 10 s", Duration::from_secs(20));
    assert!(marker.exists());
    let log = daemon.wait_for("given to the command", Duration::from_secs(30));
    let hooks = std::fs::read_to_string(&hook).unwrap();
    let docs: Vec<serde_json::Value> = hooks
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 1, "{hooks}\n{log}");
    assert_eq!(docs[0]["notices"][0]["kind"], "new");
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        hooks,
        "given once: {}",
        daemon.log()
    );
}

/// A mail server that refuses the login: nothing is delivered, the log says why, and it is tried
/// again.
#[test]
fn a_refused_login_sends_nothing_and_says_why() {
    let home = tempfile::tempdir().unwrap();
    let lab = mail_school();
    let mail = lab.mail().expect("a mail server");
    let proxy = filter(Arc::new(AtomicBool::new(true)));
    let wrong = home.path().join("wrong.pass");
    crate::util::write_secret(&wrong, "not-the-password");
    let config = home.path().join("caretaker.toml");
    std::fs::write(
        &config,
        format!(
            r#"version = 1
[school]
name = "Alert Primary"
[store]
path = "caretaker.db"
[filter]
timeout_secs = 5
connect_timeout_secs = 2
[[filter.vantage]]
name = "pupil-wifi"
group = "pupil"
site = "main"
proxy = "http://127.0.0.1:{proxy}"
[schedule]
audit = "off"
[alert]
email_to = ["dsl@alert.sch.uk"]
smtp_server = "{address}"
smtp_ca_file = "{ca}"
smtp_user = "caretaker"
smtp_password_file = "{wrong}"
"#,
            address = mail.address(),
            ca = lab.dir().join("tls/ca.pem").display(),
            wrong = wrong.display(),
        ),
    )
    .unwrap();
    let mut c = caretaker(home.path());
    c.args(["audit", "--only", "filter", "--config"])
        .arg(&config);
    let (code, _, err) = run(c);
    assert_eq!(code, 1, "{err}");
    let mut c = caretaker(home.path());
    c.args(["daemon", "--config"]).arg(&config);
    let daemon = Daemon::spawn(home.path(), c);
    let log = daemon.wait_for("was not sent", Duration::from_secs(30));
    assert!(log.contains("trying again in 10 s"), "{log}");
    assert!(mail.log().contains("refused"), "{}", mail.log());
    assert!(mail.messages().is_empty());
}

/// `[report] schedule = "monthly"`: once a month has ended, the daemon writes its report (HTML and
/// PDF, mode 0600 in a 0700 folder) and emails it, with both attached, to the lab's mail server;
/// started again, it writes and sends nothing more.
#[test]
fn the_monthly_report_is_written_and_emailed_once() {
    use std::os::unix::fs::PermissionsExt as _;
    let home = tempfile::tempdir().unwrap();
    let lab = mail_school();
    let mail = lab.mail().expect("a mail server");
    let config = crate::daemon::write_config(
        home.path(),
        &format!(
            "[schedule]\naudit = \"off\"\n[alert]\nsmtp_server = \"{address}\"\nsmtp_ca_file = \"{ca}\"\nsmtp_user = \"caretaker\"\nsmtp_password_file = \"{password}\"\nemail_from = \"caretaker@daemon.sch.uk\"\n[report]\nschedule = \"monthly\"\nemail_to = [\"head@daemon.sch.uk\", \"governor@daemon.sch.uk\"]\n",
            address = mail.address(),
            ca = lab.dir().join("tls/ca.pem").display(),
            password = mail.password_file().display(),
        ),
    );
    // A run in the month before this one.
    let today = time::OffsetDateTime::now_utc().date();
    crate::daemon::finished_run_days_ago(
        &config,
        i64::from(today.day()) + 3,
        &[],
        Some(caretaker_core::Verdict::Compliant),
    );
    let first = today.replace_day(1).unwrap();
    let to = first.previous_day().unwrap();
    let from = to.replace_day(1).unwrap();
    let stem = format!("report-{from}-to-{to}");
    let folder = home.path().join("reports");
    let daemon = Daemon::start(home.path(), &config);
    daemon.wait_for("is emailed to head@daemon.sch.uk", Duration::from_secs(60));
    for ext in ["html", "pdf"] {
        let f = folder.join(format!("{stem}.{ext}"));
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
    let mode = std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    let messages = wait_for_mail(&lab, 1, Duration::from_secs(30));
    let m = &messages[0];
    assert!(
        subject(m).starts_with(&format!(
            "Online safety report: Daemon Primary, {} {}",
            to.month(),
            to.year()
        )),
        "{}",
        subject(m)
    );
    assert!(m.contains("governor@daemon.sch.uk"), "{m}");
    let headers: Vec<&str> = m.lines().filter(|l| l.contains("filename")).collect();
    for ext in ["pdf", "html"] {
        assert!(
            headers
                .iter()
                .any(|h| h.contains(&format!("{stem}.{ext}\""))),
            "the {ext} attached: {headers:?}"
        );
    }
    let (status, _) = daemon.stop();
    assert!(status.success());
    // Started again: the report is there and sent; nothing more.
    let daemon = Daemon::start(home.path(), &config);
    daemon.wait_for("caretaker daemon started", Duration::from_secs(15));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(lab.mail().unwrap().messages().len(), 1, "{}", daemon.log());
    assert!(!daemon.log().contains("is written"), "{}", daemon.log());
}
