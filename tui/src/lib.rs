//! caretaker's console: "are we compliant with 7.4, and if not, where and why", in an SSH
//! terminal (80×24 is enough, colour optional).
//!
//! The shape is the Elm architecture:
//! - [`state`]: plain data; [`action::Action`]: everything that can happen (a key's meaning, a
//!   tick, data arriving);
//! - [`update::update`]: a plain function from state and action to new state and
//!   [`action::Effect`]s (no I/O);
//! - [`view::draw`]: drawing only, from the state;
//! - [`source::Api`]: the console's one way to its data (the core's API: in this process, or a
//!   daemon client later), called off the UI task;
//! - [`keys::KEYS`]: every key, once, for the key handler, the footer and the `?` help;
//! - [`app`]: the event loop; [`terminal`]: set-up and restore (also on error and panic).
//!
//! [`run_trust`] is the trust's console over the same screens: every school of a trust, read-only
//! ([`trust`]).

pub mod action;
pub mod app;
pub mod form;
pub mod keys;
pub mod model;
pub mod source;
pub mod state;
pub mod terminal;
pub mod trust;
pub mod update;
pub mod view;

use std::io::IsTerminal as _;
use std::sync::Arc;

pub use source::{Api, ApiError};
pub use state::State;

/// Why the console could not run.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error(
        "the console needs a terminal, and standard output is not one; for text use `caretaker show` (or `caretaker show --format json` for programs)"
    )]
    NotATerminal,
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error("the terminal: {0}")]
    Terminal(std::io::Error),
    #[error("cannot start the console's runtime: {0}")]
    Runtime(std::io::Error),
}

/// True unless NO_COLOR is set to something (<https://no-color.org>).
pub fn color_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Runs the console over `api` until the user quits (times shown at `offset`, which the caller
/// reads while it is the only thread: the time crate refuses later). Exit code 0.
pub fn run_with(api: Arc<dyn Api>, offset: time::UtcOffset) -> Result<u8, TuiError> {
    let state = State::new(time::OffsetDateTime::now_utc(), offset, color_wanted());
    on_terminal(|runtime, tui| {
        runtime
            .block_on(app::run(&mut tui.terminal, api, state))
            .map(|_| ())
    })
}

/// Runs the trust's console until the user quits: every school `load` reads from the trust's
/// database (called off the UI thread, at the start and on `r`), read-only. Times are shown at
/// `offset`, which the caller reads while it is the only thread. Exit code 0.
pub fn run_trust(
    load: Arc<dyn Fn() -> Result<caretaker_api::trust::TrustView, String> + Send + Sync>,
    catalogue: caretaker_api::Catalogue,
    offset: time::UtcOffset,
) -> Result<u8, TuiError> {
    let state = trust::TrustState::new(time::OffsetDateTime::now_utc(), offset, color_wanted());
    on_terminal(|runtime, tui| {
        runtime
            .block_on(trust::app::run(&mut tui.terminal, load, catalogue, state))
            .map(|_| ())
    })
}

/// Runs `console` on a runtime of its own with the terminal set up, and restores the terminal
/// before returning. Exit code 0.
fn on_terminal(
    console: impl FnOnce(&tokio::runtime::Runtime, &mut terminal::Tui) -> Result<(), TuiError>,
) -> Result<u8, TuiError> {
    if !std::io::stdout().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(TuiError::Runtime)?;
    let result = {
        let mut tui = terminal::Tui::enter().map_err(TuiError::Terminal)?;
        console(&runtime, &mut tui)
        // `tui` is dropped here: the terminal is restored before anything is printed.
    };
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    result.map(|_| 0)
}
