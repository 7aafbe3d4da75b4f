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
pub mod report;
pub mod runs;
pub mod socket;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use caretaker_api::{Api, AuditEvent, AuditScope, Change, Trigger};
use caretaker_core::presence::{DaemonInfo, Presence};
use caretaker_core::schedule::{Scope, Timetable};
use caretaker_model::run::RunState;
use jiff::Timestamp;
use sd_notify::NotifyState;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{broadcast, mpsc};

use runs::Registry;
use socket::{Access, Current, ForUser, Shared};

/// What the daemon works with: the core, the timetable, and the store they keep runs in.
pub struct Opened {
    pub api: Arc<dyn Api>,
    pub timetable: Timetable,
    pub store: PathBuf,
    /// Who is told of new critical failures, and how.
    pub alert: caretaker_config::AlertSettings,
    /// The school's name, for the alerts.
    pub school: String,
    /// The core acting for the user at the other end of the socket.
    pub for_user: ForUser,
    /// The socket, and who may use it.
    pub socket: PathBuf,
    pub daemon: caretaker_config::DaemonSettings,
    /// The configuration file (named in refusals).
    pub config: PathBuf,
    /// The configuration, as front ends need it.
    pub context: caretaker_api::Context,
    /// The leadership report written by itself.
    pub report: caretaker_config::ReportSettings,
    pub report_folder: PathBuf,
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

/// What a scheduled run's watcher tells the loop.
enum News {
    Ended(Scope),
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
        for_user,
        socket: socket_path,
        daemon,
        config,
        context,
        report,
        report_folder,
    } = open().map_err(DaemonError::Start)?;
    // The report job looks every minute, off the loop (a slow mail server never holds it up).
    let (report_tx, report_rx) = tokio::sync::watch::channel((
        Arc::clone(&api),
        report::ReportJob {
            settings: report,
            folder: report_folder,
            alert: alert.clone(),
            school: school.clone(),
            tz: timetable.tz.clone(),
        },
    ));
    let _reports = AbortOnDrop(tokio::spawn(report::run(report_rx)));
    let access = Access::resolve(&daemon, &config).map_err(DaemonError::Start)?;
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
    let listener = socket::bind(&socket_path).map_err(DaemonError::Start)?;
    let _socket_file = RemoveOnDrop(socket_path.clone());
    let (changes, _) = broadcast::channel::<Change>(256);
    let registry = Registry::new(changes.clone());
    let shared = Shared::new(
        Current {
            for_user,
            access,
            context,
        },
        Arc::clone(&registry),
        changes.clone(),
    );
    let server = tokio::spawn(socket::serve(listener, Arc::clone(&shared)));
    let _server = AbortOnDrop(server);
    let (outbox, letters) = mpsc::unbounded_channel::<alert::Letter>();
    let _outbox = AbortOnDrop(tokio::spawn(alert::outbox(letters)));
    let since = Timestamp::now();
    let (news_tx, mut news) = mpsc::unbounded_channel::<News>();
    let mut going: BTreeMap<Scope, ()> = BTreeMap::new();
    // The runs as last seen in the store: a run started or ended by another process (cron
    // without the daemon's socket) is news for the subscribers too.
    let mut seen: Option<BTreeMap<i64, RunState>> = None;
    tracing::info!(
        entries = timetable.entries.len(),
        "caretaker daemon started: {}; listening on {}",
        describe(&timetable),
        socket_path.display()
    );
    // systemd (Type=notify): ready, and alive while the loop turns (WatchdogSec=).
    let status = format!("scheduled: {}", describe(&timetable));
    let _ = sd_notify::notify(&[NotifyState::Ready, NotifyState::Status(&status)]);
    let beat = sd_notify::watchdog_enabled().map(|d| d / 2);
    let mut heartbeat = tokio::time::interval(beat.unwrap_or(LOOK_AGAIN));
    loop {
        let now = Timestamp::now();
        let runs = match api.timetable_runs() {
            Ok(r) => r,
            Err(e) => {
                tracing::error!("cannot read the runs from the store: {e}");
                Vec::new()
            }
        };
        tell_changes(&runs, &mut seen, &changes);
        let busy: Vec<Scope> = going.keys().copied().collect();
        for scope in timetable.due(now, since, &runs, &busy) {
            if start(&*api, &registry, scope, &news_tx) {
                going.insert(scope, ());
            }
        }
        // Runs finished since (the daemon's, cron's, a person's): tell what must be told.
        match api.alerts() {
            Ok(all) => {
                for alerts in all {
                    let _ = outbox.send(alert::Letter {
                        settings: alert.clone(),
                        school: school.clone(),
                        alerts,
                    });
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
            Some(News::Ended(scope)) = news.recv() => {
                going.remove(&scope);
                let line = format!("{} ended; {} run(s) going", scope.words(), registry.going());
                let _ = sd_notify::notify(&[NotifyState::Status(&line)]);
            },
            _ = hup.recv() => {
                let _ = sd_notify::notify(&[NotifyState::Reloading]);
                match open() {
                    Ok(o) if o.store != store => tracing::error!(
                        "the configuration now names the store {}; this daemon keeps {} and the configuration in use until it is restarted",
                        o.store.display(),
                        store.display()
                    ),
                    Ok(o) => match Access::resolve(&o.daemon, &o.config) {
                        Err(e) => tracing::error!(
                            "the configuration was not read again, the one in use is kept: {e}"
                        ),
                        Ok(access) => {
                            if o.socket != socket_path {
                                tracing::warn!(
                                    "the configuration now names the socket {}; this daemon listens on {} until it is restarted",
                                    o.socket.display(),
                                    socket_path.display()
                                );
                            }
                            shared.replace(Current {
                                for_user: o.for_user,
                                access,
                                context: o.context,
                            });
                            api = o.api;
                            timetable = o.timetable;
                            alert = o.alert;
                            school = o.school;
                            let _ = report_tx.send((
                                Arc::clone(&api),
                                report::ReportJob {
                                    settings: o.report,
                                    folder: o.report_folder,
                                    alert: alert.clone(),
                                    school: school.clone(),
                                    tz: timetable.tz.clone(),
                                },
                            ));
                            tracing::info!("configuration read again: {}", describe(&timetable));
                        }
                    },
                    Err(e) => tracing::error!(
                        "the configuration was not read again, the one in use is kept: {e}"
                    ),
                }
                let _ = sd_notify::notify(&[NotifyState::Ready]);
            }
            _ = term.recv() => return stop(&registry).await,
            _ = int.recv() => return stop(&registry).await,
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

/// Starts `scope`'s run through the registry (following the run of that scope going, if one
/// is) and tells the loop when it ends; false when it could not start.
fn start(
    api: &dyn Api,
    registry: &Arc<Registry>,
    scope: Scope,
    news: &mpsc::UnboundedSender<News>,
) -> bool {
    let request = match scope {
        Scope::Everything => AuditScope::everything(),
        Scope::Area(_) => AuditScope::checks(scope.selectors()),
    };
    let mut following =
        match registry.follow_or_start(api, request, Trigger::Schedule, scope.words(), true) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!("{} could not start: {e}", scope.words());
                return false;
            }
        };
    let news = news.clone();
    tokio::spawn(async move {
        while let Some(ev) = following.events.recv().await {
            if matches!(ev, AuditEvent::Finished { .. } | AuditEvent::Failed(_)) {
                break;
            }
        }
        let _ = news.send(News::Ended(scope));
    });
    true
}

/// Tells subscribers of runs that started or ended since the store was last looked at.
fn tell_changes(
    runs: &[caretaker_model::run::RunRecord],
    seen: &mut Option<BTreeMap<i64, RunState>>,
    changes: &broadcast::Sender<Change>,
) {
    let now: BTreeMap<i64, RunState> = runs.iter().map(|r| (r.id, r.state)).collect();
    if let Some(before) = seen.as_ref() {
        for (&run, &state) in &now {
            match before.get(&run) {
                None => {
                    let _ = changes.send(Change::RunStarted { run });
                    if state != RunState::Running {
                        let _ = changes.send(Change::RunEnded { run });
                    }
                }
                Some(RunState::Running) if state != RunState::Running => {
                    let _ = changes.send(Change::RunEnded { run });
                }
                Some(_) => {}
            }
        }
    }
    *seen = Some(now);
}

/// Removes the socket file when the daemon stops.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Stops the socket's server when the daemon stops.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Stops every run going (each is recorded as interrupted) and waits for them, a while.
async fn stop(registry: &Registry) -> Result<(), DaemonError> {
    let _ = sd_notify::notify(&[NotifyState::Stopping]);
    let n = registry.stop_all();
    tracing::info!("stopping: {n} run(s) going");
    let deadline = tokio::time::Instant::now() + STOP_WITHIN;
    while registry.going() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if registry.going() > 0 {
        tracing::warn!(
            "{} run(s) did not stop in time; the store marks them interrupted",
            registry.going()
        );
    }
    tracing::info!("caretaker daemon stopped");
    Ok(())
}
