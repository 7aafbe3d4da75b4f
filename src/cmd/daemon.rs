//! `caretaker daemon`: the configuration and the core opened (again on SIGHUP), then the
//! daemon's loop.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use caretaker_api::{Api, EXIT_CONFIG};
use caretaker_core::schedule::Timetable;

use super::{fail, load_config, load_map, Fail};

/// Opens the configuration at `path` (or the one found), its clause map, the core over its store
/// and its timetable.
fn open(path: Option<&Path>) -> Result<(Arc<dyn Api>, Timetable), String> {
    let loaded = load_config(path).map_err(|f| format!("{:#}", f.error))?;
    let map = load_map(&loaded).map_err(|f| format!("{:#}", f.error))?;
    let timetable = Timetable::from_config(&loaded)
        .map_err(|e| format!("{}: key `school.timezone`: {e}", loaded.path.display()))?;
    let local = caretaker_core::Local::open(loaded, map).map_err(|e| e.to_string())?;
    Ok((Arc::new(local), timetable))
}

pub fn daemon(config: Option<&Path>) -> Result<u8, Fail> {
    let path: Option<PathBuf> = config.map(Path::to_path_buf);
    caretaker_daemon::run(Box::new(move || open(path.as_deref())))
        .map_err(|e| fail(EXIT_CONFIG, e))?;
    Ok(0)
}
