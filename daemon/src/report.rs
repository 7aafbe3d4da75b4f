//! The leadership report the daemon writes by itself (`[report] schedule`): when a month or a
//! term has ended, its report as HTML and PDF in `[report] folder` (mode 0600 in a 0700 folder),
//! then emailed to `[report] email_to` through `[alert]`'s mail server, the Markdown as the
//! message and both files attached. A report missed while the machine was off is written when
//! the daemon next looks; a file already there is never written again; a failed email is tried
//! again every ten minutes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use caretaker_api::Api;
use caretaker_config::{AlertSettings, ReportSettings};
use caretaker_model::leadership::{LeadershipReport, Period};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};

/// What the report job works with (again on SIGHUP).
#[derive(Debug, Clone)]
pub struct ReportJob {
    pub settings: ReportSettings,
    /// Where the reports go.
    pub folder: PathBuf,
    pub alert: AlertSettings,
    pub school: String,
    /// The school's time zone: when a month or a term has ended.
    pub tz: jiff::tz::TimeZone,
}

/// How often the job looks whether a report is due.
const LOOK_EVERY: Duration = Duration::from_secs(60);

/// Looks at once, then every minute, with the latest core and job the daemon sends.
pub async fn run(mut current: tokio::sync::watch::Receiver<(Arc<dyn Api>, ReportJob)>) {
    let mut reporter = Reporter::default();
    let mut tick = tokio::time::interval(LOOK_EVERY);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            changed = current.changed() => if changed.is_err() { return },
        }
        let (api, job) = current.borrow().clone();
        reporter.look(api, &job).await;
    }
}

/// How long after a failed email it is tried again.
const RETRY: Duration = Duration::from_secs(600);

/// What the job remembers between looks.
#[derive(Debug, Default)]
pub struct Reporter {
    /// A period with nothing checked by its end: not written, said once.
    skipped: Option<Period>,
    retry_at: Option<tokio::time::Instant>,
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))
}

impl Reporter {
    /// Writes and sends what is due now.
    pub async fn look(&mut self, api: Arc<dyn Api>, job: &ReportJob) {
        let today = jiff::Timestamp::now()
            .to_zoned_datetime(job.tz.clone())
            .date();
        let Ok(today) = time::Date::from_calendar_date(
            i32::from(today.year()),
            time::Month::try_from(today.month() as u8).unwrap_or(time::Month::January),
            today.day() as u8,
        ) else {
            return;
        };
        let Some(period) = Period::last_complete(job.settings.schedule, today) else {
            return;
        };
        let stem = period.file_stem();
        let html_path = job.folder.join(format!("{stem}.html"));
        let pdf_path = job.folder.join(format!("{stem}.pdf"));
        let sent = job.folder.join(format!("{stem}.sent"));
        // The report made now, if it is (an email tried again later makes it again).
        let mut made = None;
        if !html_path.exists() {
            if self.skipped.as_ref() == Some(&period) {
                return;
            }
            let p = period.clone();
            let api2 = Arc::clone(&api);
            let report = match tokio::task::spawn_blocking(move || api2.report(p)).await {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => {
                    tracing::error!("the report for {} could not be made: {e}", period.label);
                    self.skipped = Some(period);
                    return;
                }
                Err(e) => {
                    tracing::error!("the report for {} could not be made: {e}", period.label);
                    return;
                }
            };
            if report.summary.latest_run.is_none() {
                tracing::info!(
                    "no report for {}: nothing had been checked by its end",
                    period.label
                );
                self.skipped = Some(period);
                return;
            }
            if let Err(e) = std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&job.folder)
            {
                tracing::error!(
                    "cannot make the report folder {}: {e}",
                    job.folder.display()
                );
                return;
            }
            let r = report.clone();
            let pdf = tokio::task::spawn_blocking(move || caretaker_leadership::pdf(&r))
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
            match pdf {
                Ok(bytes) => {
                    if let Err(e) = write_private(&pdf_path, &bytes) {
                        tracing::error!("the report's PDF was not written: {e}");
                    }
                }
                Err(e) => tracing::error!("the report's PDF was not made: {e}"),
            }
            // The HTML last: its presence says the period is done.
            if let Err(e) =
                write_private(&html_path, caretaker_leadership::html(&report).as_bytes())
            {
                tracing::error!("the report was not written: {e}");
                return;
            }
            tracing::info!(
                "the report for {} is written: {}",
                period.label,
                html_path.display()
            );
            made = Some(report);
        }
        if job.settings.email_to.is_empty() || sent.exists() {
            return;
        }
        if self
            .retry_at
            .is_some_and(|at| tokio::time::Instant::now() < at)
        {
            return;
        }
        match self
            .email(&api, job, &period, &html_path, &pdf_path, made)
            .await
        {
            Ok(()) => {
                self.retry_at = None;
                let _ = write_private(&sent, b"");
                tracing::info!(
                    "the report for {} is emailed to {}",
                    period.label,
                    job.settings.email_to.join(", ")
                );
            }
            Err(e) => {
                self.retry_at = Some(tokio::time::Instant::now() + RETRY);
                tracing::error!(
                    "the report for {} was not emailed: {e}; trying again in {} minutes",
                    period.label,
                    RETRY.as_secs() / 60
                );
            }
        }
    }

    async fn email(
        &self,
        api: &Arc<dyn Api>,
        job: &ReportJob,
        period: &Period,
        html: &Path,
        pdf: &Path,
        made: Option<LeadershipReport>,
    ) -> Result<(), String> {
        let report = match made {
            Some(r) => r,
            None => {
                let p = period.clone();
                let api = Arc::clone(api);
                tokio::task::spawn_blocking(move || api.report(p))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())?
            }
        };
        let subject = format!("Online safety report: {}, {}", job.school, period.label);
        let mut parts = MultiPart::mixed()
            .singlepart(SinglePart::plain(caretaker_leadership::markdown(&report)));
        for (path, kind) in [(html, "text/html; charset=utf-8"), (pdf, "application/pdf")] {
            let Ok(bytes) = std::fs::read(path) else {
                continue;
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let ct = ContentType::parse(kind).map_err(|e| e.to_string())?;
            parts = parts.singlepart(Attachment::new(name).body(bytes, ct));
        }
        let message = crate::alert::message(&job.alert, &job.settings.email_to, &subject)?
            .multipart(parts)
            .map_err(|e| e.to_string())?;
        crate::alert::send(&job.alert, message).await
    }
}

use std::os::unix::fs::DirBuilderExt as _;
