//! The trust database's tables, roles and row-level security.
//!
//! The tables are the school store's (schema 7: runs; subjects, texts and results; filter actions;
//! the filter-change log with each record's signature), each with `school` first in its key. Its
//! migrations are numbered by the store schema they bring the database to, so a trust's database
//! and a school's store say the same version; a store newer than the database is not forwarded
//! until the trust's caretaker has brought the database up to it.
//!
//! Roles: `caretaker_school` (no login) is every school's role's group; a school's own role
//! (`school_<id>`, made by [`init_school`]) reads and adds only rows carrying its school, by row-
//! level security (a row for another school is refused by the server, and reading one returns
//! nothing). `caretaker_trust` (no login) is the readers' group: they read every row and write
//! none. Nobody but the database's owner may change or delete a row; records and their
//! signatures not even the owner (triggers).

use tokio_postgres::Client;

use super::{bounded, TrustError};

/// The store schema the newest migration brings the trust's database to.
pub const TRUST_SCHEMA: i64 = 7;

/// The group of every school's role.
pub const SCHOOL_GROUP: &str = "caretaker_school";
/// The group of the trust's readers.
pub const TRUST_GROUP: &str = "caretaker_trust";

/// The tables a school's rows are in (all carry `school`).
const SCHOOL_TABLES: &[&str] = &[
    "runs",
    "subjects",
    "texts",
    "results",
    "filter_actions",
    "records",
];

/// The trust's own steps within a store schema (tables only the trust's database has).
pub const TRUST_STEP: i64 = 1;

/// The migrations, in order: (store schema, the trust's step within it, SQL). Each is applied in
/// the one transaction with the version it brings the database to.
fn migrations() -> Vec<(i64, i64, String)> {
    vec![
        (7, 0, format!("{BASE_7}\n{}", security())),
        (
            7,
            1,
            format!("{RUN_FINDINGS}\n{}", table_security("run_findings")),
        ),
    ]
}

/// Step 1 of schema 7: each run's findings put together as the store reads them, kept beside
/// the rows they are made of, so the trust's view reads one value per run and not every row
/// (written by the forwarder in the transaction that adds the run; `caretaker trust verify`
/// checks them against the rows).
const RUN_FINDINGS: &str = "
    ALTER TABLE caretaker_schema ADD COLUMN trust_step BIGINT NOT NULL DEFAULT 0;
    CREATE TABLE run_findings (
        school TEXT NOT NULL,
        run_id BIGINT NOT NULL,
        store_schema BIGINT NOT NULL,
        findings BIGINT NOT NULL,
        packed BYTEA NOT NULL,
        PRIMARY KEY (school, run_id),
        FOREIGN KEY (school, run_id) REFERENCES runs(school, id)
    );
    ALTER TABLE run_findings ALTER COLUMN packed SET STORAGE EXTERNAL;";

/// Schema 7 as the school's store has it, every row carrying its school.
const BASE_7: &str = "CREATE TABLE schools (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL UNIQUE,
        store_schema BIGINT,
        log_key TEXT,
        forwarded_at TIMESTAMPTZ
    );
    CREATE FUNCTION caretaker_school() RETURNS TEXT
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
        AS $$ SELECT id FROM public.schools WHERE role = session_user $$;
    REVOKE ALL ON FUNCTION caretaker_school() FROM PUBLIC;
    CREATE TABLE runs (
        school TEXT NOT NULL REFERENCES schools(id),
        id BIGINT NOT NULL,
        trigger TEXT NOT NULL,
        who TEXT NOT NULL,
        config_digest TEXT NOT NULL,
        school_name TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        state TEXT NOT NULL CHECK (state IN ('complete', 'interrupted')),
        verdict TEXT CHECK (verdict IN ('compliant', 'non-compliant', 'incomplete')),
        only_checks TEXT NOT NULL,
        host TEXT NOT NULL,
        pid BIGINT NOT NULL,
        pid_start TEXT NOT NULL,
        n_pass BIGINT NOT NULL,
        n_fail BIGINT NOT NULL,
        n_warn BIGINT NOT NULL,
        n_error BIGINT NOT NULL,
        n_waived BIGINT NOT NULL,
        PRIMARY KEY (school, id)
    );
    CREATE TABLE subjects (
        school TEXT NOT NULL REFERENCES schools(id),
        id BIGINT NOT NULL,
        check_id TEXT NOT NULL,
        target_kind TEXT NOT NULL,
        target_name TEXT NOT NULL,
        target_scope TEXT NOT NULL,
        clauses TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        PRIMARY KEY (school, id)
    );
    CREATE TABLE texts (
        school TEXT NOT NULL REFERENCES schools(id),
        id BIGINT NOT NULL,
        hash BYTEA NOT NULL,
        severity TEXT NOT NULL,
        summary TEXT NOT NULL,
        evidence TEXT NOT NULL,
        remediation TEXT,
        PRIMARY KEY (school, id)
    );
    CREATE TABLE results (
        school TEXT NOT NULL,
        run_id BIGINT NOT NULL,
        id BIGINT NOT NULL,
        subject BIGINT NOT NULL,
        status SMALLINT NOT NULL CHECK (status BETWEEN 0 AND 4),
        text BIGINT NOT NULL,
        observed_secs BIGINT,
        observed_text TEXT,
        said TEXT,
        varying TEXT,
        PRIMARY KEY (school, run_id, id),
        FOREIGN KEY (school, run_id) REFERENCES runs(school, id),
        FOREIGN KEY (school, subject) REFERENCES subjects(school, id),
        FOREIGN KEY (school, text) REFERENCES texts(school, id)
    );
    CREATE TABLE filter_actions (
        school TEXT NOT NULL,
        id BIGINT NOT NULL,
        run_id BIGINT NOT NULL,
        vantage TEXT NOT NULL,
        action TEXT NOT NULL,
        who TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (school, id),
        FOREIGN KEY (school, run_id) REFERENCES runs(school, id)
    );
    CREATE TABLE records (
        school TEXT NOT NULL REFERENCES schools(id),
        id BIGINT NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        entered_by TEXT NOT NULL,
        entered_at TEXT NOT NULL,
        supersedes BIGINT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        signature TEXT,
        PRIMARY KEY (school, id)
    );
    CREATE FUNCTION caretaker_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'records are append-only: a correction is a new record that supersedes the old one';
    END $$;
    CREATE TRIGGER records_no_change BEFORE UPDATE OR DELETE ON records
        FOR EACH ROW EXECUTE FUNCTION caretaker_append_only();
    CREATE TABLE caretaker_schema (store_schema BIGINT NOT NULL);";

/// The role a school signs in as: `school_` and its id, hyphens as underscores.
pub fn school_role(id: &str) -> String {
    format!("school_{}", id.replace('-', "_"))
}

/// Brings the database to [`TRUST_SCHEMA`] (as its owner), with the groups and the row-level
/// security every table needs; returns the store schema it was at before (0: empty).
pub async fn migrate(client: &mut Client) -> Result<i64, TrustError> {
    bounded(async {
        let tx = client.transaction().await?;
        // One migration at a time, whoever else is starting up.
        tx.execute("SELECT pg_advisory_xact_lock(7420001)", &[])
            .await?;
        let exists: bool = tx
            .query_one("SELECT to_regclass('public.caretaker_schema') IS NOT NULL", &[])
            .await?
            .get(0);
        // The step's column is added by step 1, so it is read whether or not it is there yet.
        let (was, was_step): (i64, i64) = if exists {
            tx.query_opt(
                "SELECT store_schema, COALESCE((to_jsonb(c) ->> 'trust_step')::bigint, 0)
                 FROM caretaker_schema c",
                &[],
            )
            .await?
            .map_or((0, 0), |r| (r.get(0), r.get(1)))
        } else {
            (0, 0)
        };
        if was > TRUST_SCHEMA {
            return Err(TrustError::Refused(format!(
                "the trust's database holds store schema {was}, newer than this caretaker's ({TRUST_SCHEMA}): upgrade caretaker"
            )));
        }
        for (version, step, sql) in migrations()
            .into_iter()
            .filter(|(v, s, _)| (*v, *s) > (was, was_step))
        {
            tx.batch_execute(&sql).await?;
            tx.execute("DELETE FROM caretaker_schema", &[]).await?;
            if step == 0 {
                tx.execute(
                    "INSERT INTO caretaker_schema (store_schema) VALUES ($1)",
                    &[&version],
                )
                .await?;
            } else {
                tx.execute(
                    "INSERT INTO caretaker_schema (store_schema, trust_step) VALUES ($1, $2)",
                    &[&version, &step],
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(was)
    })
    .await
}

/// The groups, their grants and the row-level security policies (after the tables exist).
fn security() -> String {
    let mut sql = String::new();
    for group in [SCHOOL_GROUP, TRUST_GROUP] {
        sql.push_str(&format!(
            "DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{group}') THEN
                    CREATE ROLE {group} NOLOGIN;
                END IF;
            END $$;\n"
        ));
    }
    sql.push_str(&format!(
        "GRANT EXECUTE ON FUNCTION caretaker_school() TO {SCHOOL_GROUP};
        ALTER TABLE schools ENABLE ROW LEVEL SECURITY;
        CREATE POLICY school_own ON schools TO {SCHOOL_GROUP}
            USING (id = caretaker_school()) WITH CHECK (id = caretaker_school());
        CREATE POLICY trust_reads ON schools FOR SELECT TO {TRUST_GROUP} USING (true);
        GRANT SELECT ON schools TO {SCHOOL_GROUP}, {TRUST_GROUP};
        GRANT UPDATE (store_schema, log_key, forwarded_at) ON schools TO {SCHOOL_GROUP};
        GRANT SELECT ON caretaker_schema TO {SCHOOL_GROUP}, {TRUST_GROUP};\n"
    ));
    for t in SCHOOL_TABLES {
        sql.push_str(&table_security(t));
    }
    sql
}

/// A school's table's row-level security: its school's role reads and adds its own rows, the
/// trust's readers read every row.
fn table_security(t: &str) -> String {
    format!(
        "ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;
        CREATE POLICY school_own ON {t} TO {SCHOOL_GROUP}
            USING (school = caretaker_school()) WITH CHECK (school = caretaker_school());
        CREATE POLICY trust_reads ON {t} FOR SELECT TO {TRUST_GROUP} USING (true);
        GRANT SELECT, INSERT ON {t} TO {SCHOOL_GROUP};
        GRANT SELECT ON {t} TO {TRUST_GROUP};\n"
    )
}

/// Adds a school (as the database's owner): its row and its role, which signs in with `password`
/// (sent to the server as a SCRAM verifier, never as the password itself). Again for a school
/// already there: its name and password are updated.
pub async fn init_school(
    client: &mut Client,
    id: &str,
    name: &str,
    password: &str,
) -> Result<String, TrustError> {
    if !caretaker_config::is_school_id(id) {
        return Err(TrustError::Refused(format!(
            "{id:?} is not a school identifier: 1 to 40 lower-case letters, digits and hyphens"
        )));
    }
    migrate(client).await?;
    let role = school_role(id);
    let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
    bounded(async {
        let tx = client.transaction().await?;
        let exists = tx
            .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&role])
            .await?
            .is_some();
        // The role name is made of [a-z0-9_] only (checked above); the verifier is quoted by
        // the server's own quote_literal.
        let verb = if exists { "ALTER" } else { "CREATE" };
        let quoted: String = tx
            .query_one("SELECT quote_literal($1)", &[&verifier])
            .await?
            .get(0);
        let mut ddl = format!("{verb} ROLE {role} LOGIN PASSWORD {quoted}");
        if !exists {
            ddl.push_str(&format!(" IN ROLE {SCHOOL_GROUP}"));
        }
        tx.batch_execute(&ddl).await?;
        tx.execute(
            "INSERT INTO schools (id, name, role) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name",
            &[&id, &name, &role],
        )
        .await?;
        tx.commit().await?;
        Ok(role.clone())
    })
    .await
}

/// Adds a reader for the trust (as the database's owner): a role that reads every school's rows
/// and writes none.
pub async fn init_reader(
    client: &mut Client,
    role: &str,
    password: &str,
) -> Result<(), TrustError> {
    let ok = (1..=63).contains(&role.len())
        && role
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !role.starts_with(|c: char| c.is_ascii_digit())
        && !role.starts_with("school_")
        && !role.starts_with("pg_");
    if !ok {
        return Err(TrustError::Refused(format!(
            "{role:?} is not a reader's role name: lower-case letters, digits and _, not starting with school_ or pg_"
        )));
    }
    migrate(client).await?;
    let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
    bounded(async {
        let tx = client.transaction().await?;
        let exists = tx
            .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&role])
            .await?
            .is_some();
        let quoted: String = tx
            .query_one("SELECT quote_literal($1)", &[&verifier])
            .await?
            .get(0);
        let ddl = if exists {
            format!("ALTER ROLE {role} LOGIN PASSWORD {quoted}; GRANT {TRUST_GROUP} TO {role}")
        } else {
            format!("CREATE ROLE {role} LOGIN PASSWORD {quoted} IN ROLE {TRUST_GROUP}")
        };
        tx.batch_execute(&ddl).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
