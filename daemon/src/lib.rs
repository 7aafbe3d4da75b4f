//! `caretaker daemon`: the checks on the school's schedule, all day, in the foreground (for
//! systemd; it never daemonises itself).
//!
//! It is a front end of the core like the command line and the console: what is due comes from
//! the core's [`Timetable`], and every run is started through the core's API
//! ([`caretaker_api::Api::start_audit`], recorded with the trigger `schedule`). One log line per
//! run start and end, with the counts. SIGHUP reads the configuration again (a broken one is
//! reported and the one in use kept); SIGTERM or SIGINT stop the runs going (recorded as
//! interrupted) and end the daemon within 10 seconds.

mod alert;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use caretaker_api::{Api, AuditEvent, AuditScope, Trigger};
use caretaker_core::presence::{DaemonInfo, Presence};
use caretaker_core::schedule::{Scope, Timetable};
use caretaker_model::run::RunState;
use jiff::Timestamp;
use sd_notify::NotifyState;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{mpsc, oneshot};

/// What the daemon works with: the core, the timetable, and the store they keep runs in.
pub struct Opened {
    pub api: Arc<dyn Api>,
    pub timetable: Timetable,
    pub store: PathBuf,
    /// Who is told of new critical failures, and how.
    pub alert: caretaker_config::AlertSettings,
    /// The school's name, for the alerts.
    pub school: String,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("timetable", &self.timetable)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// How the daemon gets (again, on SIGHUP) what it works with.
pub type Open = Box<dyn Fn() -> Result<Opened, String> + Send>;

/// Why the daemon could not run.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("{0}")]
    Start(String),
}

/// The longest the daemon sleeps before looking at the store again: a run started by cron or a
/// person moves the timetable on too, and its critical failures are told within this.
const LOOK_AGAIN: Duration = Duration::from_secs(5);

/// How long running audits get to stop after SIGTERM.
const STOP_WITHIN: Duration = Duration::from_secs(9);

/// A run the daemon started, going.
struct Going {
    run_id: Option<i64>,
    cancel: Option<oneshot::Sender<()>>,
}

/// What a run's watcher tells the loop.
enum News {
    Started(Scope, i64),
    Ended(Scope, String),
}

/// Runs until SIGTERM or SIGINT. `open` gives the core and the timetable (at start, and on
/// SIGHUP).
pub fn run(open: Open) -> Result<(), DaemonError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DaemonError::Start(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(main_loop(open))
}

async fn main_loop(open: Open) -> Result<(), DaemonError> {
    let Opened {
        mut api,
        mut timetable,
        store,
        mut alert,
        mut school,
    } = open().map_err(DaemonError::Start)?;
    // One daemon per store, for as long as this one runs.
    let _presence = Presence::claim(
        &store,
        &DaemonInfo {
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            started_at: Timestamp::now()
                .round(jiff::Unit::Second)
                .unwrap_or(Timestamp::now())
                .to_string(),
        },
    )
    .map_err(DaemonError::Start)?;
    let mut term =
        signal(SignalKind::terminate()).map_err(|e| DaemonError::Start(e.to_string()))?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| DaemonError::Start(e.to_string()))?;
    let mut hup = signal(SignalKind::hangup()).map_err(|e| DaemonError::Start(e.to_string()))?;
    let since = Timestamp::now();
    let (news_tx, mut news) = mpsc::unbounded_channel::<News>();
    let mut going: BTreeMap<Scope, Going> = BTreeMap::new();
    tracing::info!(
        entries = timetable.entries.len(),
        "caretaker daemon started: {}",
        describe(&timetable)
    );
    // systemd (Type=notify): ready, and alive while the loop turns (WatchdogSec=).
    let status = format!("scheduled: {}", describe(&timetable));
    let _ = sd_notify::notify(&[NotifyState::Ready, NotifyState::Status(&status)]);
    let beat = sd_notify::watchdog_enabled().map(|d| d / 2);
    let mut heartbeat = tokio::time::interval(beat.unwrap_or(LOOK_AGAIN));
    loop {
        let now = Timestamp::now();
        let runs = match api.runs(200) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!("cannot read the runs from the store: {e}");
                Vec::new()
            }
        };
        let busy: Vec<Scope> = going.keys().copied().collect();
        for scope in timetable.due(now, since, &runs, &busy) {
            start(&*api, scope, &news_tx, &mut going);
        }
        // Runs finished since (the daemon's, cron's, a person's): tell what must be told.
        match api.alerts() {
            Ok(all) => {
                for ra in all {
                    for problem in alert::deliver(&alert, &school, &ra).await {
                        tracing::error!("{problem}");
                    }
                }
            }
            Err(e) => tracing::error!("the alerts could not be worked out: {e}"),
        }
        let wake = timetable
            .next_due(Timestamp::now(), since, &runs)
            .map(|at| at.duration_since(Timestamp::now()))
            .and_then(|d| Duration::try_from(d).ok())
            .unwrap_or(LOOK_AGAIN)
            .min(LOOK_AGAIN);
        tokio::select! {
            _ = tokio::time::sleep(wake) => {}
            _ = heartbeat.tick(), if beat.is_some() => {
                let _ = sd_notify::notify(&[NotifyState::Watchdog]);
            }
            Some(n) = news.recv() => match n {
                News::Started(scope, id) => {
                    if let Some(g) = going.get_mut(&scope) {
                        g.run_id = Some(id);
                    }
                }
                News::Ended(scope, line) => {
                    going.remove(&scope);
                    let _ = sd_notify::notify(&[NotifyState::Status(&line)]);
                    tracing::info!("{line}");
                }
            },
            _ = hup.recv() => {
                let _ = sd_notify::notify(&[NotifyState::Reloading]);
                match open() {
                    Ok(o) if o.store != store => tracing::error!(
                        "the configuration now names the store {}; this daemon keeps {} and the configuration in use until it is restarted",
                        o.store.display(),
                        store.display()
                    ),
                    Ok(o) => {
                        api = o.api;
                        timetable = o.timetable;
                        alert = o.alert;
                        school = o.school;
                        tracing::info!("configuration read again: {}", describe(&timetable));
                    }
                    Err(e) => tracing::error!(
                        "the configuration was not read again, the one in use is kept: {e}"
                    ),
                }
                let _ = sd_notify::notify(&[NotifyState::Ready]);
            }
            _ = term.recv() => return stop(going, &mut news).await,
            _ = int.recv() => return stop(going, &mut news).await,
        }
    }
}

/// The timetable in words, for the log.
fn describe(t: &Timetable) -> String {
    if t.entries.is_empty() {
        return "nothing is scheduled".to_string();
    }
    let parts: Vec<String> = t
        .entries
        .iter()
        .map(|e| format!("{} {}", e.scope.words(), e.schedule))
        .collect();
    format!(
        "{} (time zone {}, put back {} s)",
        parts.join("; "),
        t.tz.iana_name().unwrap_or("of this machine"),
        t.jitter.as_secs()
    )
}

/// Starts `scope`'s run through the API and watches it.
fn start(
    api: &dyn Api,
    scope: Scope,
    news: &mpsc::UnboundedSender<News>,
    going: &mut BTreeMap<Scope, Going>,
) {
    let request = match scope {
        Scope::Everything => AuditScope::everything(),
        Scope::Area(_) => AuditScope::checks(scope.selectors()),
    };
    let handle = match api.start_audit(request, Trigger::Schedule) {
        Ok(h) => h,
        Err(e) => {
            tracing::error!("{} could not start: {e}", scope.words());
            return;
        }
    };
    going.insert(
        scope,
        Going {
            run_id: None,
            cancel: Some(handle.cancel),
        },
    );
    let news = news.clone();
    let mut events = handle.events;
    tokio::spawn(async move {
        while let Some(ev) = events.recv().await {
            match ev {
                AuditEvent::Started { run_id, units } => {
                    tracing::info!(
                        "run {run_id} started: {} ({units} pieces of work)",
                        scope.words()
                    );
                    let _ = news.send(News::Started(scope, run_id));
                }
                AuditEvent::UnitDone { .. } => {}
                AuditEvent::Finished {
                    run_id,
                    state,
                    verdict,
                    counts,
                    ..
                } => {
                    let how = match state {
                        RunState::Complete => verdict.as_str().to_string(),
                        other => other.as_str().to_string(),
                    };
                    let _ = news.send(News::Ended(
                        scope,
                        format!(
                            "run {run_id} ended: {} {how}: {} pass, {} fail, {} warn, {} error, {} waived",
                            scope.words(),
                            counts.pass,
                            counts.fail,
                            counts.warn,
                            counts.error,
                            counts.waived
                        ),
                    ));
                    return;
                }
                AuditEvent::Failed(why) => {
                    let _ = news.send(News::Ended(
                        scope,
                        format!("{} could not run: {why}", scope.words()),
                    ));
                    return;
                }
            }
        }
        let _ = news.send(News::Ended(
            scope,
            format!("{} stopped without a verdict", scope.words()),
        ));
    });
}

/// Stops every run going (each is recorded as interrupted) and waits for them, a while.
async fn stop(
    mut going: BTreeMap<Scope, Going>,
    news: &mut mpsc::UnboundedReceiver<News>,
) -> Result<(), DaemonError> {
    let _ = sd_notify::notify(&[NotifyState::Stopping]);
    tracing::info!("stopping: {} run(s) going", going.len());
    for g in going.values_mut() {
        if let Some(cancel) = g.cancel.take() {
            let _ = cancel.send(());
        }
    }
    let deadline = tokio::time::Instant::now() + STOP_WITHIN;
    while !going.is_empty() {
        match tokio::time::timeout_at(deadline, news.recv()).await {
            Ok(Some(News::Ended(scope, line))) => {
                going.remove(&scope);
                tracing::info!("{line}");
            }
            Ok(Some(News::Started(..))) => {}
            Ok(None) | Err(_) => break,
        }
    }
    for (scope, g) in &going {
        tracing::warn!(
            "{} (run {}) did not stop in time; the store marks it interrupted",
            scope.words(),
            g.run_id.map_or("?".to_string(), |id| id.to_string())
        );
    }
    tracing::info!("caretaker daemon stopped");
    Ok(())
}
