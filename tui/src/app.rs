//! The event loop: terminal events, ticks and the source's answers become actions; `update`
//! applies them; effects run on blocking threads (store queries) or the audit's own thread, and
//! come back as actions over a channel. The UI task never waits for the store or an audit.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures_util::StreamExt as _;
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::{mpsc, oneshot};

use crate::action::{Action, Effect};
use crate::keys::{self, Key};
use caretaker_api::Trigger;

use crate::model::{diff, CellHistory, Picture, Seen};
use crate::source::{Api, AuditEvent};
use crate::state::State;
use crate::update::update;
use crate::view;
use crate::TuiError;

/// Carries out effects and sends their results back as actions.
pub struct Executor {
    source: Arc<dyn Api>,
    tx: mpsc::UnboundedSender<Action>,
    cancel: Option<oneshot::Sender<()>>,
    audit: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("auditing", &self.audit.is_some())
            .finish_non_exhaustive()
    }
}

impl Executor {
    pub fn new(source: Arc<dyn Api>, tx: mpsc::UnboundedSender<Action>) -> Executor {
        Executor {
            source,
            tx,
            cancel: None,
            audit: None,
        }
    }

    /// Starts `effect`; must be called on the runtime.
    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::StartAudit(scope) => match self.source.start_audit(scope, Trigger::Console) {
                Ok(handle) => {
                    self.cancel = Some(handle.cancel);
                    let tx = self.tx.clone();
                    let mut events = handle.events;
                    self.audit = Some(tokio::spawn(async move {
                        while let Some(ev) = events.recv().await {
                            let last =
                                matches!(ev, AuditEvent::Finished { .. } | AuditEvent::Failed(_));
                            let _ = tx.send(Action::Audit(ev));
                            if last {
                                return;
                            }
                        }
                        let _ = tx.send(Action::Audit(AuditEvent::Failed(
                            "the audit stopped without a verdict".into(),
                        )));
                    }));
                }
                Err(e) => {
                    let _ = self
                        .tx
                        .send(Action::Audit(AuditEvent::Failed(e.to_string())));
                }
            },
            Effect::CancelAudit => {
                if let Some(cancel) = self.cancel.take() {
                    let _ = cancel.send(());
                }
            }
            load => {
                // Store queries block: on a blocking thread, never the UI task.
                let source = self.source.clone();
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    if let Some(action) = answer(source.as_ref(), load) {
                        let _ = tx.send(action);
                    }
                });
            }
        }
    }

    /// Waits (at most `limit`) for a cancelled audit to record its run as interrupted.
    pub async fn finish(&mut self, limit: Duration) {
        if let Some(task) = self.audit.take() {
            if !task.is_finished() {
                let _ = tokio::time::timeout(limit, task).await;
            }
        }
    }
}

/// The answer to a loading effect, from the source (blocking). `None` for the effects that are
/// not loads (audits).
pub fn answer(source: &dyn Api, effect: Effect) -> Option<Action> {
    Some(match effect {
        Effect::LoadPicture { request } => Action::PictureLoaded {
            request,
            result: source
                .overview()
                .map(|o| Box::new(Picture::from_overview(o, source.catalogue())))
                .map_err(|e| e.to_string()),
        },
        Effect::LoadRuns { limit } => {
            Action::RunsLoaded(source.runs(limit).map_err(|e| e.to_string()))
        }
        Effect::LoadSeen { key, finding } => Action::SeenLoaded {
            key,
            result: source
                .seen(&finding)
                .map(|s| s.map(Seen::from))
                .map_err(|e| e.to_string()),
        },
        Effect::LoadFilterLog { url, vantage, runs } => Action::FilterLogLoaded {
            result: source
                .filter_history(&url, &vantage, runs)
                .map(|h| h.into_iter().map(CellHistory::from).collect())
                .map_err(|e| e.to_string()),
            url,
            vantage,
        },
        Effect::LoadDiff {
            older,
            newer,
            older_only,
            newer_only,
        } => {
            let result = source.findings(older).and_then(|a| {
                source
                    .findings(newer)
                    .map(|b| Box::new(diff((older, &older_only), &a, (newer, &newer_only), &b)))
            });
            Action::DiffLoaded(result.map_err(|e| e.to_string()))
        }
        Effect::LoadChanges => {
            Action::ChangesLoaded(source.change_log().map(Box::new).map_err(|e| e.to_string()))
        }
        Effect::SaveAssessment(a) => Action::AssessmentSaved(
            source
                .add_assessment(&a)
                .map(Box::new)
                .map_err(|e| e.to_string()),
        ),
        Effect::SaveWaiver(w) => Action::RecordSaved(
            source
                .add_waiver(&w)
                .map(Box::new)
                .map_err(|e| e.to_string()),
        ),
        Effect::SaveAttestation(a) => Action::RecordSaved(
            source
                .add_attestation(&a)
                .map(Box::new)
                .map_err(|e| e.to_string()),
        ),
        Effect::SaveSite(s) => {
            Action::SiteSaved(source.add_site(&s).map(Box::new).map_err(|e| e.to_string()))
        }
        Effect::SaveVerification { assessment, run } => Action::VerificationSaved(
            source
                .add_verification(assessment, run)
                .map(|(stored, _)| Box::new(stored))
                .map_err(|e| e.to_string()),
        ),
        Effect::Withdraw { id, reason } => Action::RecordSaved(
            source
                .withdraw(id, &reason)
                .map(Box::new)
                .map_err(|e| e.to_string()),
        ),
        Effect::StartAudit(_) | Effect::CancelAudit => return None,
    })
}

/// How the tests see the terminal restored after a panic: debug builds panic after drawing
/// when `CARETAKER_CONSOLE_PANIC_AFTER_FIRST_FRAME` is set.
#[cfg(debug_assertions)]
#[allow(
    clippy::panic,
    reason = "a panic on purpose, asked for by the environment"
)]
fn panic_if_asked() {
    if std::env::var_os("CARETAKER_CONSOLE_PANIC_AFTER_FIRST_FRAME").is_some() {
        panic!("caretaker console: panic after the first frame, as asked");
    }
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Runs the console until it quits; returns the final state.
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    source: Arc<dyn Api>,
    mut state: State,
) -> Result<State, TuiError>
where
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let (tx, mut rx) = mpsc::unbounded_channel();
    // News from the daemon (a run started or ended, a record added, by anyone): shown at once.
    let news_from = Arc::clone(&source);
    let subscribe = || {
        let source = Arc::clone(&news_from);
        async move {
            tokio::task::spawn_blocking(move || source.changes())
                .await
                .ok()
                .flatten()
        }
    };
    let mut changes = subscribe().await;
    // A daemon that restarts ends the subscription: it is asked again every few seconds, and
    // the screen reloaded once it answers.
    let mut resubscribe = tokio::time::interval(Duration::from_secs(5));
    resubscribe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let live = changes.is_some();
    let mut exec = Executor::new(source, tx);
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let backend_err = |e: B::Error| TuiError::Terminal(std::io::Error::other(e));

    let size = terminal.size().map_err(backend_err)?;
    let mut pending = vec![Action::Resize(size.width, size.height), Action::Reload];
    loop {
        for action in pending.drain(..) {
            for effect in update(&mut state, action) {
                exec.run(effect);
            }
        }
        // Take every answer already waiting before drawing once.
        while let Ok(action) = rx.try_recv() {
            for effect in update(&mut state, action) {
                exec.run(effect);
            }
        }
        if state.quit {
            break;
        }
        terminal
            .draw(|frame| view::draw(frame, &state))
            .map_err(backend_err)?;
        #[cfg(debug_assertions)]
        panic_if_asked();
        let action = tokio::select! {
            Some(action) = rx.recv() => action,
            event = events.next() => match event {
                Some(Ok(Event::Key(k))) => {
                    match Key::from_event(&k).and_then(|key| keys::action_for(key, &state)) {
                        Some(a) => a,
                        None => continue,
                    }
                }
                Some(Ok(Event::Resize(w, h))) => Action::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(TuiError::Terminal(e)),
                None => Action::Quit,
            },
            _ = ticker.tick() => Action::Tick(now()),
            change = async { match changes.as_mut() { Some(c) => c.recv().await, None => std::future::pending().await } } => match change {
                Some(_) => {
                    // A burst of news is one reload.
                    if let Some(c) = changes.as_mut() {
                        while c.try_recv().is_ok() {}
                    }
                    Action::Reload
                }
                None => {
                    changes = None;
                    continue;
                }
            },
            _ = resubscribe.tick(), if live && changes.is_none() => {
                changes = subscribe().await;
                if changes.is_none() {
                    continue;
                }
                Action::Reload
            },
            Some(()) = async { match term.as_mut() { Some(s) => s.recv().await, None => std::future::pending().await } } => Action::Quit,
            Some(()) = async { match hangup.as_mut() { Some(s) => s.recv().await, None => std::future::pending().await } } => Action::Quit,
        };
        pending.push(action);
    }
    exec.finish(Duration::from_secs(5)).await;
    Ok(state)
}
