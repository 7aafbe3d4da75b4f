//! The commands: each parses what was asked (clap has done most of it), calls the core's API and
//! renders the answer. No command opens the store or runs the engine itself.

pub mod assess;
pub mod audit;
pub mod daemon;
pub mod filter;
pub mod hosts;
pub mod report;
pub mod setup;
pub mod trust;
pub mod waive;

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use caretaker_api::remote::{Reach, Remote};
use caretaker_api::{Api, ApiError, Context, EXIT_CONFIG, EXIT_INCOMPLETE, EXIT_USAGE};
use caretaker_checks::ClauseMap;
use caretaker_config::Loaded;
use caretaker_core::Local;

/// An outcome with its documented exit code.
#[derive(Debug)]
pub struct Fail {
    pub code: u8,
    pub error: anyhow::Error,
}

pub fn fail(code: u8, error: impl Into<anyhow::Error>) -> Fail {
    Fail {
        code,
        error: error.into(),
    }
}

/// The core's answer as an exit: its own exit status, its own words.
pub fn api_fail(e: ApiError) -> Fail {
    fail(e.exit_code(), e)
}

pub fn load_config(path: Option<&Path>) -> Result<Loaded, Fail> {
    caretaker_config::find_and_load(path).map_err(|e| fail(EXIT_CONFIG, e))
}

/// The clause map `[policy] map` names, or the built-in one.
pub fn load_map(loaded: &Loaded) -> Result<ClauseMap, Fail> {
    match &loaded.policy_map {
        None => Ok(caretaker_checks::clauses::builtin()),
        Some(p) => {
            let text = caretaker_config::read_bounded(p)
                .and_then(|b| String::from_utf8(b).map_err(|_| "it is not UTF-8 text".to_string()))
                .map_err(|e| {
                    fail(
                        EXIT_CONFIG,
                        anyhow::anyhow!(
                            "{}: key `policy.map`: cannot read {}: {e}",
                            loaded.path.display(),
                            p.display()
                        ),
                    )
                })?;
            caretaker_checks::clauses::from_toml(&text, &p.display().to_string())
                .map_err(|e| fail(EXIT_CONFIG, e))
        }
    }
}

/// The core a command talks to: the running daemon's, through its socket, or (when no daemon
/// runs) the core in this process. The same calls, the same answers, the same exit codes.
pub struct Front {
    api: Arc<dyn Api>,
    context: Context,
}

impl std::fmt::Debug for Front {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Front")
            .field("config", &self.context.config)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for Front {
    type Target = dyn Api;
    fn deref(&self) -> &(dyn Api + 'static) {
        &*self.api
    }
}

impl Front {
    /// The configuration in use (the daemon's, when it answers).
    pub fn context(&self) -> &Context {
        &self.context
    }
}

/// The core for the configuration found from `config`: the daemon when one listens on its
/// socket, otherwise this process's own (the store opened when a command first needs it). When
/// no configuration can be read here, the daemon on the system's socket, if one listens.
pub fn local(config: Option<&Path>) -> Result<Front, Fail> {
    match load_config(config) {
        Ok(loaded) => {
            let map = load_map(&loaded)?;
            let api = connect(&loaded, &map, false)?;
            Ok(Front {
                api,
                context: Context::of(&loaded, &map),
            })
        }
        Err(unreadable) => match system_daemon(config)? {
            Some(remote) => {
                let context = remote.context().map_err(api_fail)?;
                Ok(Front {
                    api: Arc::new(remote),
                    context,
                })
            }
            None => Err(unreadable),
        },
    }
}

/// The core for the console: as [`local`], with the store opened at once when it is this
/// process's own (its problems are shown before the screen is taken).
pub fn console_api(config: Option<&Path>) -> Result<Arc<dyn Api>, Fail> {
    match load_config(config) {
        Ok(loaded) => {
            let map = load_map(&loaded)?;
            connect(&loaded, &map, true)
        }
        Err(unreadable) => match system_daemon(config)? {
            Some(remote) => Ok(Arc::new(remote)),
            None => Err(unreadable),
        },
    }
}

/// The running daemon's core when one listens on the configured socket, else this process's
/// own (its store opened now when `open_now`, to report its problems at once).
fn connect(loaded: &Loaded, map: &ClauseMap, open_now: bool) -> Result<Arc<dyn Api>, Fail> {
    match Remote::reach(&loaded.socket, caretaker_core::local::catalogue()).map_err(api_fail)? {
        Reach::Listening(remote) => {
            tracing::info!(
                "through the caretaker daemon at {}",
                remote.socket().display()
            );
            Ok(Arc::new(remote))
        }
        Reach::Nobody if open_now => Ok(Arc::new(
            Local::open(loaded.clone(), map.clone()).map_err(api_fail)?,
        )),
        Reach::Nobody => Ok(Arc::new(Local::lazy(loaded.clone(), map.clone()))),
    }
}

/// When no configuration can be read by this user (none found, or its folder closed to them, as
/// `/etc/caretaker` is to all but root and the daemon), the daemon listening on
/// `$CARETAKER_SOCKET` or the system's socket: members of `[daemon]`'s groups use it without
/// reading the configuration themselves.
fn system_daemon(config: Option<&Path>) -> Result<Option<Remote>, Fail> {
    use std::io::ErrorKind;
    // Opened only when it is a regular file: opening a FIFO would wait for a writer.
    let unreadable = caretaker_config::search_path(config).iter().all(|p| {
        let gone = |e: &std::io::Error| {
            matches!(e.kind(), ErrorKind::NotFound | ErrorKind::PermissionDenied)
        };
        match std::fs::metadata(p) {
            Err(e) => gone(&e),
            Ok(m) if m.file_type().is_file() => {
                matches!(std::fs::File::open(p), Err(e) if gone(&e))
            }
            Ok(_) => false,
        }
    });
    if !unreadable {
        return Ok(None);
    }
    let socket = std::env::var_os("CARETAKER_SOCKET")
        .filter(|s| !s.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(caretaker_config::SYSTEM_SOCKET));
    match Remote::reach(&socket, caretaker_core::local::catalogue()).map_err(api_fail)? {
        Reach::Listening(remote) => {
            tracing::info!(
                "no configuration readable here: through the caretaker daemon at {}",
                socket.display()
            );
            Ok(Some(remote))
        }
        Reach::Nobody => Ok(None),
    }
}

/// Writes `text` to standard output, every escape sequence or control character in it (from a
/// machine, the directory or the web) made harmless first (JSON has them escaped already).
pub fn write_stdout(text: &str) -> Result<(), Fail> {
    let text = caretaker_model::text::for_terminal(text);
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`caretaker show | head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(fail(EXIT_INCOMPLETE, e)),
    }
}

pub fn json_out(v: &impl serde::Serialize) -> Result<(), Fail> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    s.push('\n');
    write_stdout(&s)
}

/// Run `id` (the latest when `None`), or why there is none, in the words `show` uses.
pub fn stored_run(api: &Front, id: Option<i64>) -> Result<caretaker_model::run::RunRecord, Fail> {
    let what = match api.run(id) {
        Ok(run) => return Ok(run),
        Err(ApiError::NoSuchRun(id)) => format!("no run {id} in the store"),
        Err(ApiError::NoRuns) => "no runs stored yet".to_string(),
        Err(e) => return Err(api_fail(e)),
    };
    Err(fail(
        EXIT_USAGE,
        anyhow::anyhow!(
            "{what} ({}); see `caretaker runs`",
            api.context().store.display()
        ),
    ))
}
