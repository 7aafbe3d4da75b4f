//! Terminal set-up and restore, in one place: raw mode, the alternate screen and the cursor are
//! restored when the console ends, returns an error or panics (a panic hook restores the terminal
//! before the panic message is printed).

use std::io::{stdout, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

type PanicHook = Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// The console's terminal. Dropping it restores the terminal and the previous panic hook.
pub struct Tui {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
    previous_hook: Option<PanicHook>,
}

impl std::fmt::Debug for Tui {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tui").finish_non_exhaustive()
    }
}

/// Whether the console has the terminal (raw mode, alternate screen) and has not given it back.
static ENTERED: AtomicBool = AtomicBool::new(false);

/// Leaves raw mode and the alternate screen and shows the cursor, once: called again (the panic
/// hook, then the drop) it does nothing, since leaving the alternate screen a second time moves
/// the cursor back to where it was on entering, and what was printed since (the panic message)
/// would be written over.
pub fn restore() -> std::io::Result<()> {
    if !ENTERED.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let raw = disable_raw_mode();
    let screen = execute!(stdout(), LeaveAlternateScreen, Show);
    raw.and(screen)
}

impl Tui {
    /// Raw mode, the alternate screen, no cursor; and a panic hook that undoes them first.
    pub fn enter() -> std::io::Result<Tui> {
        let previous: PanicHook = Arc::from(std::panic::take_hook());
        let chained = previous.clone();
        std::panic::set_hook(Box::new(move |info| {
            let _ = restore();
            chained(info);
        }));
        let mut tui = Tui {
            terminal: Terminal::new(CrosstermBackend::new(stdout()))?,
            previous_hook: Some(previous),
        };
        ENTERED.store(true, Ordering::SeqCst);
        enable_raw_mode()?;
        execute!(stdout(), EnterAlternateScreen, Hide)?;
        tui.terminal.clear()?;
        Ok(tui)
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = restore();
        // The hook cannot be changed while panicking (ours has already restored the terminal).
        if std::thread::panicking() {
            return;
        }
        if let Some(previous) = self.previous_hook.take() {
            std::panic::set_hook(Box::new(move |info| previous(info)));
        }
    }
}
