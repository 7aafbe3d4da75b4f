//! The store's tables, as versioned migrations (`PRAGMA user_version` says how many have been
//! applied), and the append-only triggers of the filter-change log.

/// The trigger that refuses every change to a stored record (migration 3).
macro_rules! records_no_update {
    () => {
        "CREATE TRIGGER records_no_update BEFORE UPDATE ON records
    BEGIN
        SELECT RAISE(ABORT, 'records are append-only: a correction is a new record that supersedes the old one');
    END"
    };
}

/// The trigger that refuses every deletion of a stored record (migration 3).
macro_rules! records_no_delete {
    () => {
        "CREATE TRIGGER records_no_delete BEFORE DELETE ON records
    BEGIN
        SELECT RAISE(ABORT, 'records are append-only: nothing is ever deleted');
    END"
    };
}

/// The SQL of the trigger `records_no_update`, as migration 3 created it.
pub const RECORDS_NO_UPDATE: &str = records_no_update!();
/// The SQL of the trigger `records_no_delete`, as migration 3 created it.
pub const RECORDS_NO_DELETE: &str = records_no_delete!();

/// The migrations, in order; `PRAGMA user_version` says how many have been applied.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: runs and findings.
    "CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        trigger TEXT NOT NULL,
        who TEXT NOT NULL,
        config_digest TEXT NOT NULL,
        school TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'interrupted')),
        verdict TEXT CHECK (verdict IN ('compliant', 'non-compliant', 'incomplete')),
        only_checks TEXT NOT NULL DEFAULT '[]',
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        pid_start TEXT NOT NULL
    );
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        check_id TEXT NOT NULL,
        target_kind TEXT NOT NULL,
        target_name TEXT NOT NULL,
        target_scope TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'warn', 'error', 'waived')),
        severity TEXT NOT NULL,
        summary TEXT NOT NULL,
        evidence TEXT NOT NULL,
        remediation TEXT,
        clauses TEXT NOT NULL,
        fingerprint TEXT NOT NULL
    );
    CREATE INDEX findings_by_run ON findings(run_id);
    CREATE INDEX findings_by_fingerprint ON findings(fingerprint, run_id);",
    // 2: the action taken after a filter check (appended; the latest counts).
    "CREATE TABLE filter_actions (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        vantage TEXT NOT NULL,
        action TEXT NOT NULL,
        who TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX filter_actions_by_run ON filter_actions(run_id, vantage);
    CREATE INDEX findings_by_check ON findings(check_id, run_id);",
    // 3: the filter-change log (risk assessments, the site log, filter checks after a change):
    // append-only, each record chained to the one before by its hash (see crate::assess).
    concat!(
        "CREATE TABLE records (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        entered_by TEXT NOT NULL,
        entered_at TEXT NOT NULL,
        supersedes INTEGER REFERENCES records(id),
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE
    );
    CREATE INDEX records_by_supersedes ON records(supersedes);
    ",
        records_no_update!(),
        ";\n    ",
        records_no_delete!(),
        ";"
    ),
    // 4: the alerts told (one row per problem, resolved when a later run finds it fixed) and the
    // last run they were worked out for.
    "CREATE TABLE alerts (
        fingerprint TEXT PRIMARY KEY,
        summary TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        last_sent_at TEXT NOT NULL,
        resolved_at TEXT
    );
    CREATE TABLE alert_watermark (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_run INTEGER NOT NULL
    );",
    // 5: each record's Ed25519 signature of its hash, by the log key kept outside the store
    // (see caretaker_ledger::seal); append-only as the records are.
    "CREATE TABLE record_seals (
        id INTEGER PRIMARY KEY REFERENCES records(id),
        signature TEXT NOT NULL
    );
    CREATE TRIGGER record_seals_no_update BEFORE UPDATE ON record_seals
    BEGIN
        SELECT RAISE(ABORT, 'record signatures are append-only');
    END;
    CREATE TRIGGER record_seals_no_delete BEFORE DELETE ON record_seals
    BEGIN
        SELECT RAISE(ABORT, 'record signatures are append-only');
    END;",
    // 6: each run's findings counted by status, written when the run ends (NULL while it runs),
    // so that a list of runs is read from the runs table alone; counted here for the runs
    // already stored. A run's findings of one family are found by (run, check), and a filter
    // cell's results (a page from a vantage point) by the small index of filter findings alone.
    "ALTER TABLE runs ADD COLUMN n_pass INTEGER;
    ALTER TABLE runs ADD COLUMN n_fail INTEGER;
    ALTER TABLE runs ADD COLUMN n_warn INTEGER;
    ALTER TABLE runs ADD COLUMN n_error INTEGER;
    ALTER TABLE runs ADD COLUMN n_waived INTEGER;
    UPDATE runs SET (n_pass, n_fail, n_warn, n_error, n_waived) = (
        SELECT COALESCE(SUM(status = 'pass'), 0), COALESCE(SUM(status = 'fail'), 0),
               COALESCE(SUM(status = 'warn'), 0), COALESCE(SUM(status = 'error'), 0),
               COALESCE(SUM(status = 'waived'), 0)
        FROM findings WHERE run_id = runs.id)
    WHERE state != 'running';
    CREATE INDEX findings_by_run_check ON findings(run_id, check_id);
    DROP INDEX findings_by_run;
    CREATE INDEX filter_findings_by_target ON findings(target_scope, target_name, run_id)
        WHERE check_id >= 'filter.' AND check_id < 'filter/';",
    // 7: what changed, kept once. A finding's subject (check, target, clauses) is stored once in
    // `subjects`; its words (severity, summary, evidence without what changes every night,
    // remediation) once in `texts`, found by their hash; each run's `results` point at both and
    // keep only what is the run's own: the status (0 pass, 1 fail, 2 warn, 3 error, 4 waived:
    // `findings::STATUS_CODES`), when the evidence was read (`observed`: Unix
    // seconds when they give back the same text, else the text; no type, so SQLite converts
    // neither), the sentence's numbers when only they moved (`said`), and the values that differ
    // from the text's (`varying`: timings, a moved date, by position). Kept in the order of
    // (run, id): a run's findings are read together without an index of their own; `id` is the
    // finding's place in its run. The old table's rows are carried over by
    // `migrate::carry_findings` (ids kept) between this and migration 7's second half,
    // [`AFTER_7`], which drops the old table and puts the view `findings` in its place.
    "ALTER TABLE findings RENAME TO findings_6;
    CREATE TABLE subjects (
        id INTEGER PRIMARY KEY,
        check_id TEXT NOT NULL,
        target_kind TEXT NOT NULL,
        target_name TEXT NOT NULL,
        target_scope TEXT NOT NULL,
        clauses TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        UNIQUE (check_id, target_kind, target_name, target_scope, clauses)
    );
    CREATE INDEX subjects_by_fingerprint ON subjects(fingerprint);
    CREATE INDEX filter_subjects_by_target ON subjects(target_scope, target_name)
        WHERE check_id >= 'filter.' AND check_id < 'filter/';
    CREATE TABLE texts (
        id INTEGER PRIMARY KEY,
        hash BLOB NOT NULL UNIQUE,
        severity TEXT NOT NULL,
        summary TEXT NOT NULL,
        evidence TEXT NOT NULL,
        remediation TEXT
    );
    CREATE TABLE results (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        id INTEGER NOT NULL,
        subject INTEGER NOT NULL REFERENCES subjects(id),
        status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 4),
        text INTEGER NOT NULL REFERENCES texts(id),
        observed,
        said TEXT,
        varying TEXT,
        PRIMARY KEY (run_id, id)
    ) WITHOUT ROWID;",
];

/// Migration 7's second half, after the old findings are carried over: the old table goes, the
/// indexes are made once the rows are in, and the view `findings` reads the three tables as the
/// one table it replaces (`observed` and `varying` beside `evidence`, `said` beside `summary`, to
/// be put back into them: `findings::to_finding`).
pub(super) const AFTER_7: &str = "DROP TABLE findings_6;
    CREATE INDEX results_by_subject ON results(subject, run_id);
    CREATE VIEW findings AS
        SELECT r.id AS id, r.run_id AS run_id, s.check_id AS check_id,
               s.target_kind AS target_kind, s.target_name AS target_name,
               s.target_scope AS target_scope,
               CASE r.status WHEN 0 THEN 'pass' WHEN 1 THEN 'fail' WHEN 2 THEN 'warn'
                             WHEN 3 THEN 'error' WHEN 4 THEN 'waived' END AS status,
               t.severity AS severity, t.summary AS summary, t.evidence AS evidence,
               t.remediation AS remediation, s.clauses AS clauses,
               s.fingerprint AS fingerprint, r.observed AS observed, r.varying AS varying,
               r.said AS said
        FROM results r JOIN subjects s ON s.id = r.subject JOIN texts t ON t.id = r.text;";
