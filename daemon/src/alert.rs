//! Telling people: each run's notices as one email to `[alert] email_to` (over STARTTLS unless
//! the configuration allows plain) and as JSON to `[alert] command`. What to tell is the core's
//! rule; here it is only worded and delivered.

use std::collections::BTreeSet;
use std::time::Duration;

use caretaker_api::RunAlerts;
use caretaker_config::AlertSettings;
use caretaker_model::alert::Notice;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How long one delivery (the mail server, the command) may take.
const DELIVERY: Duration = Duration::from_secs(30);

/// The subject line and the body of the email for one run's notices.
pub fn words(school: &str, ra: &RunAlerts) -> (String, String) {
    let mut new = Vec::new();
    let mut still = Vec::new();
    let mut resolved = Vec::new();
    // The same sentence once (a changed SSH key fails every check of its machine).
    let mut said = BTreeSet::new();
    for n in &ra.notices {
        match n {
            Notice::New { problem } if said.insert(problem.summary.clone()) => {
                new.push(format!(
                    "  * {}\n    ({} on {})",
                    problem.summary, problem.check, problem.target
                ));
            }
            Notice::Reminder { problem, since } if said.insert(problem.summary.clone()) => {
                still.push(format!(
                    "  * {}\n    (first told {}; {} on {})",
                    problem.summary,
                    day(*since),
                    problem.check,
                    problem.target
                ));
            }
            Notice::Resolved { summary, since, .. } if said.insert(summary.clone()) => {
                resolved.push(format!("  * {summary}\n    (first told {})", day(*since)));
            }
            _ => {}
        }
    }
    let first = |v: &[String]| {
        v.first()
            .map(|s| {
                s.trim_start_matches("  * ")
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .unwrap_or_default()
    };
    let more = |v: &[String]| {
        if v.len() > 1 {
            format!(" (and {} more)", v.len() - 1)
        } else {
            String::new()
        }
    };
    let subject = if !new.is_empty() {
        format!("caretaker ALERT at {school}: {}{}", first(&new), more(&new))
    } else if !still.is_empty() {
        format!(
            "caretaker: still failing at {school}: {}{}",
            first(&still),
            more(&still)
        )
    } else {
        format!(
            "caretaker: resolved at {school}: {}{}",
            first(&resolved),
            more(&resolved)
        )
    };
    let mut body = format!("caretaker's checks of {school} (run {}) found:\n", ra.run);
    for (title, list) in [
        ("\nNEW - to act on now:\n", &new),
        ("\nSTILL FAILING:\n", &still),
        (
            "\nRESOLVED - checked again and no longer failing:\n",
            &resolved,
        ),
    ] {
        if !list.is_empty() {
            body.push_str(title);
            for l in list {
                body.push_str(l);
                body.push('\n');
            }
        }
    }
    body.push_str(&format!(
        "\nThe evidence: `caretaker show {}`, or the console. The school's online safety policy \
         asks that the filter blocks the IWF and CTIRU lists (7.2) and that systems are kept \
         secure (7.4).\n\n{}\n{}\n",
        ra.run,
        ra.log_head,
        caretaker_model::records::HEAD_ADVICE
    ));
    (subject, body)
}

fn day(t: time::OffsetDateTime) -> String {
    caretaker_model::finding::format_rfc3339(t)
}

/// The first wait before a failed delivery is tried again; it doubles each time, up to
/// [`RETRY_AT_MOST`].
const RETRY_FIRST: Duration = Duration::from_secs(10);
const RETRY_AT_MOST: Duration = Duration::from_secs(30 * 60);
/// A delivery still failing after this long is given up (said in the log).
const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// One run's notices to deliver, as the configuration said when they were worked out.
#[derive(Debug)]
pub struct Letter {
    pub settings: AlertSettings,
    pub school: String,
    pub alerts: RunAlerts,
}

/// A letter not yet delivered everywhere it goes.
struct Pending {
    letter: Letter,
    email: bool,
    command: bool,
    tries: u32,
    since: tokio::time::Instant,
    next: tokio::time::Instant,
}

/// Delivers letters as they come, off the daemon's loop: the email and the command each, and
/// each again (after 10 s, 20 s, … up to every 30 minutes, for a day) while it fails, so that a
/// mail server down for a while delays an alert without losing it. Ends when the sender is gone
/// and nothing is left to deliver.
pub async fn outbox(mut letters: tokio::sync::mpsc::UnboundedReceiver<Letter>) {
    let mut pending: Vec<Pending> = Vec::new();
    let mut open = true;
    loop {
        let next = pending.iter().map(|p| p.next).min();
        tokio::select! {
            l = letters.recv(), if open => match l {
                Some(letter) => {
                    let now = tokio::time::Instant::now();
                    pending.push(Pending {
                        email: !letter.settings.email_to.is_empty(),
                        command: !letter.settings.command.is_empty(),
                        letter,
                        tries: 0,
                        since: now,
                        next: now,
                    });
                }
                None => open = false,
            },
            _ = async { match next { Some(at) => tokio::time::sleep_until(at).await, None => std::future::pending().await } } => {}
        }
        if !open && pending.is_empty() {
            return;
        }
        let now = tokio::time::Instant::now();
        for p in pending.iter_mut().filter(|p| p.next <= now) {
            attempt(p).await;
        }
        pending.retain(|p| {
            if !p.email && !p.command {
                return false;
            }
            if p.since.elapsed() > GIVE_UP_AFTER {
                tracing::error!(
                    "the alert for run {} could not be delivered for a day and is given up",
                    p.letter.alerts.run
                );
                return false;
            }
            true
        });
    }
}

/// Tries what is still to be delivered of `p`; sets when to try again.
async fn attempt(p: &mut Pending) {
    let l = &p.letter;
    let ra = &l.alerts;
    let (subject, body) = words(&l.school, ra);
    let again = |tries: u32| {
        let wait = RETRY_FIRST.saturating_mul(1u32 << tries.min(12));
        wait.min(RETRY_AT_MOST)
    };
    if p.email {
        match tokio::time::timeout(DELIVERY, email(&l.settings, &subject, &body)).await {
            Ok(Ok(())) => {
                p.email = false;
                tracing::info!(
                    "alert for run {} emailed to {}: {subject}",
                    ra.run,
                    l.settings.email_to.join(", ")
                );
            }
            Ok(Err(e)) => tracing::error!(
                "the alert email for run {} was not sent: {e}; trying again in {} s",
                ra.run,
                again(p.tries).as_secs()
            ),
            Err(_) => tracing::error!(
                "the alert email for run {} was not sent: the mail server did not answer within {} s; trying again in {} s",
                ra.run,
                DELIVERY.as_secs(),
                again(p.tries).as_secs()
            ),
        }
    }
    if p.command {
        match command(&l.settings, &l.school, ra, &subject).await {
            Ok(()) => {
                p.command = false;
                tracing::info!("alert for run {} given to the command: {subject}", ra.run);
            }
            Err(e) => tracing::error!(
                "the alert command for run {} failed: {e}; trying again in {} s",
                ra.run,
                again(p.tries).as_secs()
            ),
        }
    }
    p.next = tokio::time::Instant::now() + again(p.tries);
    p.tries += 1;
}

async fn email(settings: &AlertSettings, subject: &str, body: &str) -> Result<(), String> {
    let message = message(settings, &settings.email_to, subject)?
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_string())
        .map_err(|e| e.to_string())?;
    send(settings, message).await
}

/// A message from `[alert] email_from` to `to`, with `subject`, its body still to give.
pub(crate) fn message(
    settings: &AlertSettings,
    to: &[String],
    subject: &str,
) -> Result<lettre::message::MessageBuilder, String> {
    let from: Mailbox = settings
        .email_from
        .clone()
        .unwrap_or_else(|| format!("caretaker@{}", caretaker_core::store::host_name()))
        .parse()
        .map_err(|e| format!("email_from: {e}"))?;
    let mut message = Message::builder().from(from).subject(subject);
    for t in to {
        message = message.to(t.parse().map_err(|e| format!("{t}: {e}"))?);
    }
    Ok(message)
}

/// Sends `message` through `[alert]`'s mail server: STARTTLS (unless the configuration allows
/// plain), the login if one is set, within [`DELIVERY`].
pub(crate) async fn send(settings: &AlertSettings, message: Message) -> Result<(), String> {
    let server = settings
        .smtp_server
        .as_deref()
        .ok_or("no smtp_server is set")?;
    let (host, port) = match server.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("{server:?}: the port is not a number"))?,
        ),
        None => (server, 587),
    };
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .timeout(Some(DELIVERY));
    transport = if settings.smtp_allow_insecure {
        transport.tls(Tls::None)
    } else {
        let mut tls = TlsParameters::builder(host.to_string());
        if let Some(ca) = &settings.smtp_ca_file {
            let pem =
                std::fs::read(ca).map_err(|e| format!("cannot read {}: {e}", ca.display()))?;
            let cert = Certificate::from_pem(&pem).map_err(|e| format!("{}: {e}", ca.display()))?;
            tls = tls.add_root_certificate(cert);
        }
        transport.tls(Tls::Required(
            tls.build_rustls().map_err(|e| e.to_string())?,
        ))
    };
    if let (Some(user), Some(password)) = (&settings.smtp_user, &settings.smtp_password) {
        transport = transport.credentials(Credentials::new(
            user.clone(),
            password.expose().to_string(),
        ));
    }
    match tokio::time::timeout(DELIVERY, transport.build().send(message)).await {
        Ok(r) => r.map(drop).map_err(|e| e.to_string()),
        Err(_) => Err(format!(
            "the mail server did not answer within {} s",
            DELIVERY.as_secs()
        )),
    }
}

async fn command(
    settings: &AlertSettings,
    school: &str,
    ra: &RunAlerts,
    subject: &str,
) -> Result<(), String> {
    use tokio::io::AsyncWriteExt as _;
    let doc = serde_json::json!({
        "kind": "caretaker.alert",
        "version": 1,
        "school": school,
        "run": ra.run,
        "subject": subject,
        "notices": ra.notices,
        "log_head": ra.log_head,
    });
    let (program, args) = settings
        .command
        .split_first()
        .ok_or("the command is empty")?;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{program}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(doc.to_string().as_bytes())
            .await
            .map_err(|e| format!("{program}: {e}"))?;
    }
    match tokio::time::timeout(DELIVERY, child.wait_with_output()).await {
        Err(_) => Err(format!(
            "{program} did not finish within {} s",
            DELIVERY.as_secs()
        )),
        Ok(Err(e)) => Err(format!("{program}: {e}")),
        Ok(Ok(out)) if out.status.success() => Ok(()),
        Ok(Ok(out)) => Err(format!(
            "{program} exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )),
    }
}
