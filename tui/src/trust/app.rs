//! The trust console's event loop: terminal events and ticks become actions; reads of the
//! trust's database run on blocking threads and come back as actions over a channel. The UI task
//! never waits for the database.

use std::sync::Arc;
use std::time::Duration;

use caretaker_api::trust::TrustView;
use caretaker_api::Catalogue;
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt as _;
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::keys::Key;
use crate::TuiError;

use super::keys;
use super::state::TrustState;
use super::update::{read, update, TrustAction, TrustEffect};
use super::view;

/// How the trust's database is read: blocking, called off the UI task.
pub type Load = Arc<dyn Fn() -> Result<TrustView, String> + Send + Sync>;

/// Starts `effect` on a blocking thread; its answer comes back on `tx`. A read that ends without
/// an answer (it panicked) is answered in words.
fn start(
    effect: TrustEffect,
    load: &Load,
    catalogue: &Catalogue,
    tx: &mpsc::UnboundedSender<TrustAction>,
) {
    let TrustEffect::Load { request } = effect;
    let (load, catalogue, tx) = (Arc::clone(load), catalogue.clone(), tx.clone());
    tokio::spawn(async move {
        let answer = tokio::task::spawn_blocking(move || read(load.as_ref(), catalogue, request))
            .await
            .unwrap_or_else(|_| TrustAction::Loaded {
                request,
                result: Err(
                    "the read of the trust's database stopped without an answer".to_string()
                ),
            });
        let _ = tx.send(answer);
    });
}

/// Runs the trust console until it quits; returns the final state.
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    load: Load,
    catalogue: Catalogue,
    mut state: TrustState,
) -> Result<TrustState, TuiError>
where
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let backend_err = |e: B::Error| TuiError::Terminal(std::io::Error::other(e));

    let size = terminal.size().map_err(backend_err)?;
    let mut pending = vec![
        TrustAction::Resize(size.width, size.height),
        TrustAction::Refresh,
    ];
    loop {
        for action in pending.drain(..) {
            for effect in update(&mut state, action) {
                start(effect, &load, &catalogue, &tx);
            }
        }
        while let Ok(action) = rx.try_recv() {
            for effect in update(&mut state, action) {
                start(effect, &load, &catalogue, &tx);
            }
        }
        if state.quit {
            break;
        }
        terminal
            .draw(|frame| view::draw(frame, &state))
            .map_err(backend_err)?;
        let action = tokio::select! {
            Some(action) = rx.recv() => action,
            event = events.next() => match event {
                Some(Ok(Event::Key(k))) => {
                    match Key::from_event(&k).and_then(|key| keys::action_for(key, &state)) {
                        Some(a) => a,
                        None => continue,
                    }
                }
                Some(Ok(Event::Resize(w, h))) => TrustAction::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(TuiError::Terminal(e)),
                None => TrustAction::Quit,
            },
            _ = ticker.tick() => TrustAction::Tick(time::OffsetDateTime::now_utc()),
            Some(()) = async { match term.as_mut() { Some(s) => s.recv().await, None => std::future::pending().await } } => TrustAction::Quit,
            Some(()) = async { match hangup.as_mut() { Some(s) => s.recv().await, None => std::future::pending().await } } => TrustAction::Quit,
        };
        pending.push(action);
    }
    Ok(state)
}
