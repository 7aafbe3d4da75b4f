//! `caretaker daemon`: the configuration and the core opened (again on SIGHUP), then the
//! daemon's loop; `caretaker status`: whether it runs, what runs next, what ran last.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use caretaker_api::{Api, EXIT_CONFIG};
use caretaker_core::schedule::Timetable;
use caretaker_daemon::Opened;

use super::{fail, load_config, load_map, Fail};

/// Opens the configuration at `path` (or the one found), its clause map, the core over its store
/// and its timetable.
fn open(path: Option<&Path>) -> Result<Opened, String> {
    let loaded = load_config(path).map_err(|f| format!("{:#}", f.error))?;
    let map = load_map(&loaded).map_err(|f| format!("{:#}", f.error))?;
    let timetable = Timetable::from_config(&loaded)
        .map_err(|e| format!("{}: key `school.timezone`: {e}", loaded.path.display()))?;
    let store = loaded.store_path.clone();
    let alert = loaded.config.alert.clone();
    let school = loaded.config.school.name.clone();
    let socket = loaded.socket.clone();
    let daemon = loaded.config.daemon.clone();
    let config = loaded.path.clone();
    let context = caretaker_api::Context::of(&loaded, &map);
    let report = loaded.config.report.clone();
    let report_folder = report.folder.clone().unwrap_or_else(|| {
        loaded
            .store_path
            .parent()
            .map_or_else(|| PathBuf::from("reports"), |p| p.join("reports"))
    });
    let local = caretaker_core::Local::open(loaded, map).map_err(|e| e.to_string())?;
    let base = local.clone();
    let for_user: caretaker_daemon::socket::ForUser =
        Arc::new(move |user: &str| -> Arc<dyn Api> { Arc::new(base.acting_for(user)) });
    let api: Arc<dyn Api> = Arc::new(local);
    Ok(Opened {
        api,
        timetable,
        store,
        alert,
        school,
        for_user,
        socket,
        daemon,
        config,
        context,
        report,
        report_folder,
    })
}

pub fn daemon(config: Option<&Path>) -> Result<u8, Fail> {
    let path: Option<PathBuf> = config.map(Path::to_path_buf);
    caretaker_daemon::run(Box::new(move || open(path.as_deref())))
        .map_err(|e| fail(EXIT_CONFIG, e))?;
    Ok(0)
}

/// Exit status of `caretaker status` when no daemon runs on the store (as LSB's "not running").
const EXIT_NOT_RUNNING: u8 = 3;

pub fn status(config: Option<&Path>, args: &caretaker::cli::StatusArgs) -> Result<u8, Fail> {
    use caretaker::cli::Format;

    let api = super::local(config)?;
    let status = api.status().map_err(super::api_fail)?;
    let code = if status.daemon.is_some() {
        0
    } else {
        EXIT_NOT_RUNNING
    };
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "kind": "caretaker.status",
                "version": 1,
                "daemon": status.daemon,
                "time_zone": status.time_zone,
                "jitter_secs": status.jitter_secs,
                "next": status.next.iter().map(|n| serde_json::json!({
                    "runs": n.runs,
                    "only": n.only,
                    "schedule": n.schedule,
                    "at": n.at,
                })).collect::<Vec<_>>(),
                "last": status.last.iter().map(|l| {
                    let r = l.run.as_ref();
                    serde_json::json!({
                        "area": l.area,
                        "run": r.map(|r| r.id),
                        "started_at": r.map(|r| caretaker_model::finding::format_rfc3339(r.started_at)),
                        "state": r.map(|r| r.state.as_str()),
                        "verdict": r.and_then(|r| r.verdict).map(|v| v.as_str()),
                    })
                }).collect::<Vec<_>>(),
            });
            super::json_out(&doc)?;
        }
        Format::Text => {
            let mut out = String::new();
            match &status.daemon {
                Some(d) => out.push_str(&format!(
                    "caretaker daemon: running (pid {}, version {}, since {})\n",
                    d.pid, d.version, d.started_at
                )),
                None => out.push_str(
                    "caretaker daemon: not running on this store (nothing runs by itself; `caretaker daemon` or cron runs the checks)\n",
                ),
            }
            out.push_str(&format!(
                "\nNext runs (time zone {}, put back {} s):\n",
                status.time_zone.as_deref().unwrap_or("of this machine"),
                status.jitter_secs
            ));
            if status.next.is_empty() {
                out.push_str("  nothing is scheduled ([schedule] in caretaker.toml)\n");
            }
            for n in &status.next {
                out.push_str(&format!(
                    "  {:<22} {:<32} {}\n",
                    n.runs,
                    n.schedule,
                    n.at_local.as_deref().unwrap_or("never")
                ));
            }
            out.push_str("\nLast run of each area:\n");
            for l in &status.last {
                let what = match &l.run {
                    None => "never checked".to_string(),
                    Some(r) => format!(
                        "run {} at {}: {}",
                        r.id,
                        caretaker_model::finding::format_rfc3339(r.started_at),
                        match r.state {
                            caretaker_model::run::RunState::Complete => r
                                .verdict
                                .map_or("complete".to_string(), |v| v.as_str().to_string()),
                            other => other.as_str().to_string(),
                        }
                    ),
                };
                out.push_str(&format!("  {:<10} {what}\n", l.area));
            }
            super::write_stdout(&out)?;
        }
    }
    Ok(code)
}
