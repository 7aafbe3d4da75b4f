//! The store: runs and their findings in SQLite (WAL, versioned migrations, file mode 0600).
//!
//! Every write is a transaction. A run is written as `running` before any check starts and its
//! findings are added as each check finishes, so a crash leaves a run that the next process to
//! open the store marks `interrupted`, never a corrupt store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use caretaker_checks::Finding;
pub use caretaker_model::run::{
    fingerprint, NewRun, RunRecord, RunState, Sightings, StatusCounts, Trigger, Verdict,
};
use caretaker_model::Clock;
use rusqlite::{params, Connection, OptionalExtension};

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the store's folder {path}: {error}")]
    Folder {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot create the store file {path} (mode 0600): {error}")]
    Create {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "the store {path} is readable by other users (mode {mode:04o}); run `chmod 600 {path}`"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error("store {path}: {error}")]
    Sqlite {
        path: PathBuf,
        error: rusqlite::Error,
    },
    #[error("the store {path} was written by a newer caretaker (schema {found}, this one knows up to {known})")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("no run {0} in the store")]
    NoSuchRun(i64),
    #[error("the store holds a value it cannot read: {0}")]
    Corrupt(String),
    /// SQLite's own check of the file found damage: nothing is written to it.
    #[error("the store {path} is damaged ({detail}); nothing was written to it. Stop caretaker, restore the store from a backup (or move it aside to start a new one), and start again")]
    Damaged { path: PathBuf, detail: String },
    /// A record the filter-change log will not take (what it corrects or points at is wrong).
    #[error("{0}")]
    Refused(String),
    /// The log key or the heads file beside it cannot be used.
    #[error("the filter-change log's key: {0}")]
    Seal(String),
    /// The store is missing or empty where the heads file says one existed.
    #[error("the store {path} is {what}, but its filter-change log had {head} on {at} (recorded in {heads}); nothing was created in its place. Restore the store from a backup; to start a new, empty log on purpose, delete the store's line from {heads}")]
    Vanished {
        path: PathBuf,
        what: &'static str,
        head: String,
        at: String,
        heads: PathBuf,
    },
}

/// SQLite's error as the store's: a damaged or foreign file is said so, with what to do.
fn sql_error(path: &Path, error: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::Damaged {
            path: path.to_path_buf(),
            detail: error.to_string(),
        },
        _ => StoreError::Sqlite {
            path: path.to_path_buf(),
            error,
        },
    }
}

/// An action recorded after a filter check: (run, vantage, action, who, at).
pub type ActionRow = (i64, String, String, String, String);

/// The store. Cheap to clone; one connection behind a mutex.
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
    clock: Clock,
    /// SQLite's `quick_check` of the file, made before the first write (shared by clones).
    checked: Arc<std::sync::OnceLock<Result<(), String>>>,
    /// The log key and heads file that seal the filter-change log (None: records are chained
    /// but not signed).
    seal: Option<Arc<Seal>>,
}

impl Store {
    /// Opens (creating, mode 0600, in a 0700 folder) and migrates the store, then marks as
    /// interrupted every run left `running` by a process that is gone.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.exists() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(parent)
                    .map_err(|error| StoreError::Folder {
                        path: parent.to_path_buf(),
                        error,
                    })?;
            }
        }
        // Created private from the first byte. Another process may create it at the same moment:
        // then it exists, which is all that is needed.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => {
                return Err(StoreError::Create {
                    path: path.to_path_buf(),
                    error,
                })
            }
        }
        let mode = std::fs::metadata(path)
            .map_err(|error| StoreError::Create {
                path: path.to_path_buf(),
                error,
            })?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(StoreError::Permissions {
                path: path.to_path_buf(),
                mode,
            });
        }
        // SQLite does not wait on its busy handler for every lock (switching to WAL is one), so
        // a store being opened by another process at the same moment can answer "locked": try
        // again for up to ten seconds.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut pause = std::time::Duration::from_millis(20);
        let store = loop {
            match Store::connect(path) {
                Err(StoreError::Sqlite { error, .. })
                    if is_busy(&error) && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(std::time::Duration::from_millis(500));
                }
                other => break other?,
            }
        };
        // The WAL and shared-memory files hold data too: keep them private.
        for suffix in ["-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let p = PathBuf::from(p);
            if p.exists() {
                let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
            }
        }
        store.mark_abandoned_runs()?;
        Ok(store)
    }

    /// One connection, set up (WAL, busy timeout, foreign keys) and migrated.
    fn connect(path: &Path) -> Result<Store, StoreError> {
        let sql = |error| sql_error(path, error);
        let conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sql)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sql)?;
        let store = Store {
            path: path.to_path_buf(),
            conn: Arc::new(Mutex::new(conn)),
            clock: Clock::system(),
            checked: Arc::new(std::sync::OnceLock::new()),
            seal: None,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Opens the store whose filter-change log `seal` signs: refused when the store is missing
    /// or empty where the heads file says one existed.
    pub fn open_sealed(path: &Path, seal: Seal) -> Result<Store, StoreError> {
        seal.check_present(path)?;
        Ok(Store::open(path)?.with_seal(seal))
    }

    /// The same store, its filter-change log signed with `seal`'s key.
    pub fn with_seal(mut self, seal: Seal) -> Store {
        self.seal = Some(Arc::new(seal));
        self
    }

    /// The log key and heads file, when the log is signed.
    pub fn seal(&self) -> Option<&Seal> {
        self.seal.as_deref()
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The same store, stamping what it writes (runs' start and end, records, filter actions)
    /// with `clock`'s time.
    pub fn with_clock(mut self, clock: Clock) -> Store {
        self.clock = clock;
        self
    }

    /// The clock the store stamps what it writes with.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// What SQLite's `quick_check` says of the file: `Ok` when sound, else the first problems.
    pub fn quick_check(&self) -> Result<(), String> {
        self.quick_check_of("5")
    }

    /// [`Store::quick_check`] of the tables that hold the filter-change log alone (and their
    /// indexes): what a verification of the log needs, in time that does not grow with the years
    /// of findings beside it.
    pub fn quick_check_of_the_log(&self) -> Result<(), String> {
        for table in ["records", "record_seals", "sqlite_sequence"] {
            self.quick_check_of(table)?;
        }
        Ok(())
    }

    /// `PRAGMA quick_check(arg)`: a number of problems to stop at, or a table's name.
    fn quick_check_of(&self, arg: &str) -> Result<(), String> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&format!("PRAGMA quick_check({arg})"))
            .map_err(|e| e.to_string())?;
        let lines: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| e.to_string())?
            .take(5)
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        if lines.len() == 1 && lines[0] == "ok" {
            Ok(())
        } else {
            Err(lines.join("; "))
        }
    }

    /// Refuses to write to a damaged file: SQLite's check, once before the first write.
    fn writable(&self) -> Result<(), StoreError> {
        match self.checked.get_or_init(|| self.quick_check()) {
            Ok(()) => Ok(()),
            Err(detail) => Err(StoreError::Damaged {
                path: self.path.clone(),
                detail: detail.clone(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A poisoned lock only means another thread panicked mid-call; SQLite's own transaction
        // rollback keeps the data sound, so carry on with the connection.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sql(&self, error: rusqlite::Error) -> StoreError {
        sql_error(&self.path, error)
    }

    /// Marks `running` runs whose process is gone (or from another boot of another host) as
    /// interrupted, their findings so far counted. Returns how many.
    pub fn mark_abandoned_runs(&self) -> Result<usize, StoreError> {
        let conn = self.lock();
        let host = host_name();
        let mut stmt = conn
            .prepare("SELECT id, host, pid, pid_start FROM runs WHERE state = 'running'")
            .map_err(|e| self.sql(e))?;
        let rows: Vec<(i64, String, i64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(|e| self.sql(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.sql(e))?;
        drop(stmt);
        if rows.is_empty() {
            return Ok(0);
        }
        drop(conn);
        self.writable()?;
        let conn = self.lock();
        let now = self.clock.now_rfc3339();
        let mut n = 0;
        for (id, run_host, pid, pid_start) in rows {
            let alive = run_host == host
                && process_start(pid as u32).as_deref() == Some(pid_start.as_str());
            if !alive {
                n += conn
                    .execute(
                        &format!(
                            "UPDATE runs SET state = 'interrupted', ended_at = COALESCE(ended_at, ?2), {}
                             WHERE id = ?1 AND state = 'running'",
                            runs::SET_COUNTS
                        ),
                        params![id, now],
                    )
                    .map_err(|e| self.sql(e))?;
            }
        }
        Ok(n)
    }

    /// Records a new run as `running` and returns its id.
    pub fn begin_run(&self, run: &NewRun) -> Result<i64, StoreError> {
        self.writable()?;
        let conn = self.lock();
        let pid = std::process::id();
        let only = serde_json::to_string(&run.only).unwrap_or_else(|_| "[]".into());
        conn.execute(
            "INSERT INTO runs (trigger, who, config_digest, school, started_at, state, only_checks, host, pid, pid_start)
             VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9)",
            params![
                run.trigger.as_str(),
                run.who,
                run.config_digest,
                run.school,
                self.clock.now_rfc3339(),
                only,
                host_name(),
                pid as i64,
                process_start(pid).unwrap_or_default(),
            ],
        )
        .map_err(|e| self.sql(e))?;
        Ok(conn.last_insert_rowid())
    }

    /// Up to `limit` runs older than run `before` (the latest when `None`), newest first, without
    /// their counts (zero): what a timetable reads, at the cost of the runs table alone.
    pub fn runs_before(
        &self,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, trigger, who, config_digest, school, started_at, ended_at, state, verdict, only_checks
                 FROM runs WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
            )
            .map_err(|e| self.sql(e))?;
        let runs = stmt
            .query_map(
                params![before.unwrap_or(i64::MAX), limit as i64],
                row_to_run,
            )
            .map_err(|e| self.sql(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(runs)
    }

    /// Per run from `first` to `last` (ids, both included): each clause its findings evidence, and
    /// how many of them fail (status code 1: `findings::STATUS_CODES`). One pass over those runs'
    /// results and their subjects; their words are left unread.
    pub fn failing_by_clause(
        &self,
        first: i64,
        last: i64,
    ) -> Result<BTreeMap<i64, BTreeMap<String, u64>>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT r.run_id, s.clauses, SUM(r.status = 1) FROM results r
                   JOIN subjects s ON s.id = r.subject
                 WHERE r.run_id >= ?1 AND r.run_id <= ?2 GROUP BY r.run_id, s.clauses",
            )
            .map_err(|e| self.sql(e))?;
        let rows: Vec<(i64, String, i64)> = stmt
            .query_map(params![first, last], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| self.sql(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.sql(e))?;
        let mut out: BTreeMap<i64, BTreeMap<String, u64>> = BTreeMap::new();
        for (run, clauses, failing) in rows {
            let clauses: Vec<String> = serde_json::from_str(&clauses).unwrap_or_default();
            let per = out.entry(run).or_default();
            for c in clauses {
                *per.entry(c).or_default() += u64::try_from(failing).unwrap_or(0);
            }
        }
        Ok(out)
    }

    /// Records what was done after run `run_id`'s filter check from `vantage`, in the
    /// hash-chained log (a `filter-action` record), entered by `who`.
    pub fn add_filter_action(
        &self,
        run_id: i64,
        vantage: &str,
        action: &str,
        who: &str,
    ) -> Result<(), StoreError> {
        let body = serde_json::to_value(caretaker_model::records::FilterAction {
            run: run_id,
            vantage: vantage.to_string(),
            action: action.to_string(),
        })
        .map_err(|e| StoreError::Refused(e.to_string()))?;
        self.append_record(
            caretaker_model::records::RecordKind::FilterAction,
            &body,
            None,
            who,
        )?;
        Ok(())
    }

    /// Every action recorded after a filter check, oldest first: (run, vantage, action, who, at)
    /// — those in the log, and those a store made before they were kept there.
    pub fn all_filter_actions(&self) -> Result<Vec<ActionRow>, StoreError> {
        let mut out: Vec<ActionRow> = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare_cached(
                    "SELECT run_id, vantage, action, who, at FROM filter_actions ORDER BY id",
                )
                .map_err(|e| self.sql(e))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .map_err(|e| self.sql(e))?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.sql(e))?
        };
        for r in self.records()? {
            if let Some(a) = r.filter_action() {
                out.push((a.run, a.vantage, a.action, r.entered_by, r.entered_at));
            }
        }
        Ok(out)
    }
}

fn row_to_run(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    let text = RunText {
        trigger: r.get(1)?,
        state: r.get(7)?,
        verdict: r.get(8)?,
        only: r.get(9)?,
    };
    let conversion = |i: usize, why: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, why.into())
    };
    let mut run = text.to_run().map_err(|why| conversion(1, why))?;
    run.id = r.get(0)?;
    run.who = r.get(2)?;
    run.config_digest = r.get(3)?;
    run.school = r.get(4)?;
    run.started_at = stamp(r, 5)?;
    run.ended_at = r
        .get::<_, Option<String>>(6)?
        .map(|_| stamp(r, 6))
        .transpose()?;
    Ok(run)
}

/// A run's words as stored (trigger, state, verdict, `--only` as JSON), read the one way for
/// this store and a trust's database.
pub(crate) struct RunText {
    pub trigger: String,
    pub state: String,
    pub verdict: Option<String>,
    pub only: String,
}

impl RunText {
    /// A run with these words (its id, people and times left for the caller to fill).
    pub(crate) fn to_run(&self) -> Result<RunRecord, String> {
        let trigger = Trigger::parse(&self.trigger).ok_or_else(|| {
            format!(
                "run trigger {:?} is not one this version knows",
                self.trigger
            )
        })?;
        Ok(RunRecord {
            id: 0,
            trigger,
            who: String::new(),
            config_digest: String::new(),
            school: String::new(),
            started_at: time::OffsetDateTime::UNIX_EPOCH,
            ended_at: None,
            state: RunState::parse(&self.state).unwrap_or(RunState::Interrupted),
            verdict: self.verdict.as_deref().and_then(Verdict::parse),
            only: serde_json::from_str(&self.only).unwrap_or_default(),
            counts: StatusCounts::default(),
        })
    }
}

/// An RFC 3339 time as the store writes it.
pub(crate) fn parse_stamp(text: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("{text:?} is not an RFC 3339 time: {e}"))
}

/// Column `i` of a row, a time the store wrote as RFC 3339; anything else (a row edited outside
/// caretaker) is an error that says so, never a time made up.
fn stamp(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<time::OffsetDateTime> {
    let text: String = r.get(i)?;
    parse_stamp(&text).map_err(|why| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, why.into())
    })
}

/// SQLite's "busy" and "locked": another connection holds the lock for now.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// This machine's name (`gethostname(2)`).
pub fn host_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|n| n.into_string().ok())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// A process's start time in clock ticks since boot (field 22 of /proc/PID/stat), with the boot id,
/// so that a reused pid is not mistaken for the process that started a run.
pub fn process_start(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let start = rest.split_whitespace().nth(19)?;
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap_or_default();
    Some(format!("{}:{start}", boot.trim()))
}

/// The name of the OS user running this process, looked up by its real uid through NSS (so a
/// directory user served by sssd or winbind has their name too). Never taken from the
/// environment: `$USER` is whatever the caller says, and this name goes into the evidence log.
/// A uid with no name is recorded as `uid N`.
pub fn os_user() -> String {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => user.name,
        _ => format!("uid {uid}"),
    }
}

mod alerts;
mod findings;
mod history;
mod migrate;
mod records;
mod runs;
mod schema;
mod seal;
mod spool;
pub use history::PastResult;
pub use seal::{RecordedHead, Seal};
pub use spool::{
    spool_finding, Observed, SpoolAction, SpoolBatch, SpoolCursor, SpoolRecord, SpoolResult,
    SpoolRun, SpoolSubject, SpoolText,
};

use findings::{read_finding, to_finding, RawFinding, FINDING_COLUMNS, FINDING_COLUMN_COUNT};
pub use schema::{RECORDS_NO_DELETE, RECORDS_NO_UPDATE};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_counts;
