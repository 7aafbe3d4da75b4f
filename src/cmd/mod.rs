//! The commands: each parses what was asked (clap has done most of it), calls the core's API and
//! renders the answer. No command opens the store or runs the engine itself.

pub mod assess;
pub mod audit;
pub mod daemon;
pub mod filter;
pub mod hosts;
pub mod setup;
pub mod waive;

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use caretaker_api::{ApiError, EXIT_CONFIG, EXIT_INCOMPLETE, EXIT_USAGE};
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
            let text = std::fs::read_to_string(p)
                .with_context(|| {
                    format!(
                        "{}: key `policy.map`: cannot read {}",
                        loaded.path.display(),
                        p.display()
                    )
                })
                .map_err(|e| fail(EXIT_CONFIG, e))?;
            caretaker_checks::clauses::from_toml(&text, &p.display().to_string())
                .map_err(|e| fail(EXIT_CONFIG, e))
        }
    }
}

/// The core, in this process, for the configuration found from `config`; the store is opened
/// when a command first needs it.
pub fn local(config: Option<&Path>) -> Result<Local, Fail> {
    let loaded = load_config(config)?;
    let map = load_map(&loaded)?;
    Ok(Local::lazy(loaded, map))
}

pub fn write_stdout(text: &str) -> Result<(), Fail> {
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
pub fn stored_run(api: &Local, id: Option<i64>) -> Result<caretaker_model::run::RunRecord, Fail> {
    use caretaker_api::Api as _;
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
            api.loaded().store_path.display()
        ),
    ))
}
