//! `caretaker init`, `caretaker config check`, `caretaker checks` and `caretaker completions`:
//! setting up, and what this version checks.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use caretaker::cli::{CompletionsArgs, InitArgs};
use caretaker::render;
use caretaker_api::{Api as _, EXIT_CONFIG, EXIT_INCOMPLETE, EXIT_USAGE};

use super::{fail, load_map, write_stdout, Fail};

pub fn completions(args: &CompletionsArgs) -> Result<u8, Fail> {
    std::io::stdout()
        .write_all(&args.shell.script())
        .context("writing the completion script")
        .map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    Ok(0)
}

/// The file as it is now, in this process (not the daemon's configuration in use: the point is
/// to check an edit before the daemon reads it again).
pub fn config_check(config: Option<&Path>) -> Result<u8, Fail> {
    let loaded = super::load_config(config)?;
    let map = super::load_map(&loaded)?;
    let api = caretaker_core::Local::lazy(loaded.clone(), map.clone());
    let loaded = &loaded;
    let problems = api.setting_problems();
    if !problems.is_empty() {
        for p in &problems {
            eprintln!(
                "caretaker: {}: {}: {}",
                loaded.path.display(),
                p.setting,
                p.reason
            );
        }
        return Err(fail(
            EXIT_CONFIG,
            anyhow::anyhow!(
                "{}: not usable: the audit would refuse {} of its settings before connecting (above)",
                loaded.path.display(),
                problems.len()
            ),
        ));
    }
    println!(
        "{}: usable. {} director{}, {} clauses in the policy map, store at {}.",
        loaded.path.display(),
        loaded.config.directories.len(),
        if loaded.config.directories.len() == 1 {
            "y"
        } else {
            "ies"
        },
        map.clauses.len(),
        loaded.store_path.display()
    );
    Ok(0)
}

/// Every check, with the clauses it evidences in the configuration's map (the built-in map when
/// no configuration is found).
pub fn checks(config: Option<&Path>) -> Result<u8, Fail> {
    let map = match caretaker_config::find_and_load(config) {
        Ok(loaded) => load_map(&loaded)?,
        Err(_) => caretaker_checks::clauses::builtin(),
    };
    write_stdout(&render::checks_list(&map))?;
    Ok(0)
}

pub fn init(args: &InitArgs) -> Result<u8, Fail> {
    if !args.log_key_only {
        write_new(&args.path, &caretaker_config::docs::sample(), args.force)?;
        eprintln!(
            "wrote {}: edit it, then run `caretaker config check --config {}`",
            args.path.display(),
            args.path.display()
        );
    }
    // The key that signs the filter-change log, beside the configuration (its default place).
    // On a system install, root makes it for the daemon's user.
    let seal = caretaker_core::store::Seal::new(
        args.path
            .parent()
            .map(|d| d.join("log.key"))
            .unwrap_or_else(|| "log.key".into()),
    );
    match seal.create_files(caretaker_core::store::Seal::system_owner(&args.path)) {
        Ok(true) => eprintln!(
            "wrote {}: the key that signs the filter-change log (keep a copy with your backups, apart from the store)",
            seal.key_path().display()
        ),
        Ok(false) => eprintln!("kept {}: a log key is there already", seal.key_path().display()),
        Err(e) => return Err(fail(EXIT_CONFIG, anyhow::anyhow!("{e}"))),
    }
    if let Some(p) = &args.policy_map {
        write_new(p, caretaker_checks::clauses::BUILTIN_MAP_TOML, args.force)?;
        eprintln!("wrote {}: point `policy.map` at it", p.display());
    }
    Ok(0)
}

fn write_new(path: &Path, text: &str, force: bool) -> Result<(), Fail> {
    use std::os::unix::fs::OpenOptionsExt;
    if path.exists() && !force {
        return Err(fail(
            EXIT_USAGE,
            anyhow::anyhow!("{} exists; pass --force to overwrite it", path.display()),
        ));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))
            .map_err(|e| fail(EXIT_CONFIG, e))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))
        .map_err(|e| fail(EXIT_CONFIG, e))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
        .map_err(|e| fail(EXIT_CONFIG, e))
}
