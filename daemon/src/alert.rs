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
         secure (7.4).\n",
        ra.run
    ));
    (subject, body)
}

fn day(t: time::OffsetDateTime) -> String {
    caretaker_model::finding::format_rfc3339(t)
}

/// Delivers one run's notices: the email and the command. Returns what went wrong, in words for
/// the log (a failed delivery does not stop the other).
pub async fn deliver(settings: &AlertSettings, school: &str, ra: &RunAlerts) -> Vec<String> {
    let mut problems = Vec::new();
    let (subject, body) = words(school, ra);
    if !settings.email_to.is_empty() {
        match tokio::time::timeout(DELIVERY, email(settings, &subject, &body)).await {
            Ok(Ok(())) => tracing::info!(
                "alert for run {} emailed to {}: {subject}",
                ra.run,
                settings.email_to.join(", ")
            ),
            Ok(Err(e)) => problems.push(format!("the alert email for run {} was not sent: {e}", ra.run)),
            Err(_) => problems.push(format!(
                "the alert email for run {} was not sent: the mail server did not answer within {} s",
                ra.run,
                DELIVERY.as_secs()
            )),
        }
    }
    if !settings.command.is_empty() {
        if let Err(e) = command(settings, school, ra, &subject).await {
            problems.push(format!("the alert command for run {} failed: {e}", ra.run));
        }
    }
    problems
}

async fn email(settings: &AlertSettings, subject: &str, body: &str) -> Result<(), String> {
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
    let from: Mailbox = settings
        .email_from
        .clone()
        .unwrap_or_else(|| format!("caretaker@{}", caretaker_core::store::host_name()))
        .parse()
        .map_err(|e| format!("email_from: {e}"))?;
    let mut message = Message::builder().from(from).subject(subject);
    for to in &settings.email_to {
        message = message.to(to.parse().map_err(|e| format!("{to}: {e}"))?);
    }
    let message = message
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_string())
        .map_err(|e| e.to_string())?;
    transport
        .build()
        .send(message)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
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
