//! The runs the daemon has going, whoever asked for them (its schedule, or a client of its
//! socket): one run per scope at a time. A request for a scope already running follows that run
//! (its events so far, then the rest) instead of starting a second one, so two overlapping
//! triggers give one run.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use caretaker_api::{Api, ApiError, AuditEvent, AuditScope, Change, Trigger};
use caretaker_model::run::RunState;
use tokio::sync::{broadcast, mpsc, oneshot};

/// The runs going, and where their news goes.
#[derive(Debug)]
pub struct Registry {
    inner: Mutex<Inner>,
    changes: broadcast::Sender<Change>,
}

#[derive(Debug, Default)]
struct Inner {
    next: u64,
    active: BTreeMap<u64, Active>,
}

#[derive(Debug)]
struct Active {
    scope: AuditScope,
    /// Every event so far, for a follower who joins late.
    log: Vec<AuditEvent>,
    followers: BTreeMap<u64, mpsc::UnboundedSender<AuditEvent>>,
    next_follower: u64,
    /// Started by the schedule: it runs on when no client follows it.
    held: bool,
    cancel: Option<oneshot::Sender<()>>,
}

/// A run being followed: its events (from the first), and how to stop following it.
#[derive(Debug)]
pub struct Following {
    pub key: u64,
    pub follower: u64,
    pub events: mpsc::UnboundedReceiver<AuditEvent>,
    /// Whether it was already going (started by someone else).
    pub joined: bool,
}

/// Whether two requests ask for the same run: the same checks and machine, and neither
/// re-checks a risk assessment (that run is its own).
fn same(a: &AuditScope, b: &AuditScope) -> bool {
    let sorted = |s: &AuditScope| {
        let mut v = s.selectors.clone();
        v.sort();
        v.dedup();
        v
    };
    a.verifies.is_none() && b.verifies.is_none() && a.host == b.host && sorted(a) == sorted(b)
}

impl Registry {
    pub fn new(changes: broadcast::Sender<Change>) -> Arc<Registry> {
        Arc::new(Registry {
            inner: Mutex::new(Inner::default()),
            changes,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Follows the run of `scope` going, or starts one through `api` (recorded with `trigger`)
    /// and follows it. `label` names it in the log. `held`: the run goes on when nobody follows
    /// it (the schedule's); otherwise it stops when its last follower leaves.
    pub fn follow_or_start(
        self: &Arc<Self>,
        api: &dyn Api,
        scope: AuditScope,
        trigger: Trigger,
        label: String,
        held: bool,
    ) -> Result<Following, ApiError> {
        let mut inner = self.lock();
        if let Some((&key, active)) = inner
            .active
            .iter_mut()
            .find(|(_, a)| same(&a.scope, &scope))
        {
            let (tx, events) = mpsc::unbounded_channel();
            for ev in &active.log {
                let _ = tx.send(ev.clone());
            }
            let follower = active.next_follower;
            active.next_follower += 1;
            active.followers.insert(follower, tx);
            active.held |= held;
            tracing::info!(
                "{label} follows the run of {} already going",
                scope.describe()
            );
            return Ok(Following {
                key,
                follower,
                events,
                joined: true,
            });
        }
        let handle = api.start_audit(scope.clone(), trigger)?;
        let key = inner.next;
        inner.next += 1;
        let (tx, events) = mpsc::unbounded_channel();
        inner.active.insert(
            key,
            Active {
                scope,
                log: Vec::new(),
                followers: BTreeMap::from([(0, tx)]),
                next_follower: 1,
                held,
                cancel: Some(handle.cancel),
            },
        );
        drop(inner);
        let me = Arc::clone(self);
        tokio::spawn(me.pump(key, handle.events, label));
        Ok(Following {
            key,
            follower: 0,
            events,
            joined: false,
        })
    }

    /// Passes run `key`'s events to its followers, says its start and end in the log and to
    /// subscribers, and forgets it when it ends.
    async fn pump(
        self: Arc<Self>,
        key: u64,
        mut events: mpsc::UnboundedReceiver<AuditEvent>,
        label: String,
    ) {
        let mut last = None;
        loop {
            let ev = match events.recv().await {
                Some(ev) => ev,
                None => AuditEvent::Failed(format!("{label} stopped without a verdict")),
            };
            let end = matches!(ev, AuditEvent::Finished { .. } | AuditEvent::Failed(_));
            match &ev {
                AuditEvent::Started { run_id, units } => {
                    last = Some(*run_id);
                    tracing::info!("run {run_id} started: {label} ({units} pieces of work)");
                    let _ = self.changes.send(Change::RunStarted { run: *run_id });
                }
                AuditEvent::UnitDone { .. } => {}
                AuditEvent::Forwarded { ok: true, words } => tracing::info!("{label}: {words}"),
                AuditEvent::Forwarded { ok: false, words } => tracing::warn!("{label}: {words}"),
                AuditEvent::Finished {
                    run_id,
                    state,
                    verdict,
                    counts,
                    ..
                } => {
                    let how = match state {
                        RunState::Complete => verdict.as_str(),
                        other => other.as_str(),
                    };
                    tracing::info!(
                        "run {run_id} ended: {label} {how}: {} pass, {} fail, {} warn, {} error, {} waived",
                        counts.pass,
                        counts.fail,
                        counts.warn,
                        counts.error,
                        counts.waived
                    );
                    let _ = self.changes.send(Change::RunEnded { run: *run_id });
                }
                AuditEvent::Failed(why) => {
                    tracing::error!("{label} could not run: {why}");
                    if let Some(run) = last {
                        let _ = self.changes.send(Change::RunEnded { run });
                    }
                }
            }
            let mut inner = self.lock();
            if let Some(active) = inner.active.get_mut(&key) {
                active.followers.retain(|_, tx| tx.send(ev.clone()).is_ok());
                active.log.push(ev);
            }
            if end {
                inner.active.remove(&key);
                return;
            }
        }
    }

    /// Follower `follower` of run `key` has gone: the run stops when nobody else follows it and
    /// the schedule does not hold it.
    pub fn leave(&self, key: u64, follower: u64) {
        let mut inner = self.lock();
        if let Some(active) = inner.active.get_mut(&key) {
            active.followers.remove(&follower);
            if active.followers.is_empty() && !active.held {
                if let Some(cancel) = active.cancel.take() {
                    tracing::warn!(
                        "the run of {} is stopped: whoever asked for it has gone",
                        active.scope.describe()
                    );
                    let _ = cancel.send(());
                }
            }
        }
    }

    /// Stops every run going (each is recorded as interrupted); how many there were.
    pub fn stop_all(&self) -> usize {
        let mut inner = self.lock();
        for active in inner.active.values_mut() {
            if let Some(cancel) = active.cancel.take() {
                let _ = cancel.send(());
            }
        }
        inner.active.len()
    }

    /// How many runs are going.
    pub fn going(&self) -> usize {
        self.lock().active.len()
    }
}
