//! A multi-academy trust's PostgreSQL database: every school's runs, findings and filter-change
//! log in one place, each row carrying its school.
//!
//! A school's caretaker keeps auditing into its own SQLite store, which is also its spool: after
//! each run, what the trust's database does not yet hold is forwarded ([`forward`]), in order and
//! exactly once (the database's own rows say where forwarding stopped, read in the transaction
//! that adds the next). The database keeps the store's shape (schema 7) with the school beside
//! every row; row-level security lets a school's role read and add only its own rows, and the
//! trust's readers read all ([`schema`]).
//!
//! Always TLS, the server's name and certificate verified against the configured CA
//! (`sslmode=verify-full`); the password from a file or the environment; every step bounded in
//! time.

use std::time::Duration;

use caretaker_config::{parse_trust_url, Loaded, Secret};
use tokio_postgres::Client;

pub mod forward;
pub mod kept;
pub mod schema;
pub mod verify;
pub mod view;

pub use caretaker_api::trust::{TrustSchool, TrustView};
pub use forward::{forward, forward_after_run, Forwarded};
pub use schema::{init_reader, init_school, migrate, school_role, TRUST_SCHEMA};
pub use verify::{verify, verify_logs, KeptReport, SchoolLog};
pub use view::{read_view, read_view_from_rows, read_view_on, read_view_without_evidence};

/// How long connecting (TCP and TLS and sign-in) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one statement may run on the server.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(120);

/// What went wrong with the trust's database, in words.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// `[store] url` is not set.
    #[error("no trust database is configured ([store] url in {0})")]
    NotConfigured(String),
    #[error("{0}")]
    Settings(String),
    #[error("cannot reach the trust's database at {at}: {why}")]
    Connect { at: String, why: String },
    #[error("the trust's database refused: {0}")]
    Server(String),
    #[error("the trust's database did not answer within {0} seconds")]
    Timeout(u64),
    #[error("the school's store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Refused(String),
}

impl From<tokio_postgres::Error> for TrustError {
    fn from(e: tokio_postgres::Error) -> Self {
        TrustError::Server(pg_words(&e))
    }
}

/// A server error in its own words (with its detail), else the client's.
pub fn pg_words(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(d) => format!("{} ({d})", db.message()),
            None => db.message().to_string(),
        },
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(inner) = src {
                s.push_str(": ");
                s.push_str(&inner.to_string());
                src = inner.source();
            }
            s
        }
    }
}

/// Where the trust's database is and how to sign in to it.
#[derive(Clone)]
pub struct Settings {
    pub url: String,
    pub user: String,
    pub host: String,
    pub port: u16,
    pub database: String,
    pub ca_file: std::path::PathBuf,
    pub password: Secret,
    /// The school this caretaker is (`[school] id`), when it is one.
    pub school: Option<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("url", &self.url)
            .field("ca_file", &self.ca_file)
            .field("school", &self.school)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// The configuration's `[store] url`, its CA and password (None: no trust database).
    pub fn of(loaded: &Loaded) -> Result<Option<Settings>, TrustError> {
        let s = &loaded.config.store;
        let Some(url) = &s.url else { return Ok(None) };
        let file = loaded.path.display();
        let parsed = parse_trust_url(url)
            .map_err(|e| TrustError::Settings(format!("{file}: [store] url: {e}")))?;
        let ca_file = s.ca_file.clone().ok_or_else(|| {
            TrustError::Settings(format!("{file}: [store] ca_file is needed with url"))
        })?;
        let password = s.password.clone().ok_or_else(|| {
            TrustError::Settings(format!(
                "{file}: [store] password_file or password_env is needed with url"
            ))
        })?;
        Ok(Some(Settings {
            url: url.clone(),
            user: parsed.user,
            host: parsed.host,
            port: parsed.port,
            database: parsed.database,
            ca_file,
            password,
            school: loaded.config.school.id.clone(),
        }))
    }

    /// `host:port/database`, for messages.
    pub fn at(&self) -> String {
        format!("{}:{}/{}", self.host, self.port, self.database)
    }
}

/// Connects over TLS (the server's certificate verified against the CA file, and its name
/// against the URL's host), signs in, and drives the connection on the current runtime.
pub async fn connect(settings: &Settings) -> Result<Client, TrustError> {
    let at = settings.at();
    let fail = |why: String| TrustError::Connect {
        at: at.clone(),
        why,
    };
    let roots = caretaker_transports::tls::roots_from_pem_file(&settings.ca_file)
        .map_err(|why| fail(format!("the CA file {}: {why}", settings.ca_file.display())))?;
    let tls = caretaker_transports::tls::client_config(roots).map_err(fail)?;
    let connector = tokio_postgres_rustls::MakeRustlsConnect::new((*tls).clone());
    let mut config = tokio_postgres::Config::new();
    config
        .user(&settings.user)
        .password(settings.password.expose())
        .host(&settings.host)
        .port(settings.port)
        .dbname(&settings.database)
        .application_name("caretaker")
        // TLS or nothing; the connector verifies the chain and the name (verify-full).
        .ssl_mode(tokio_postgres::config::SslMode::Require)
        .connect_timeout(CONNECT_TIMEOUT)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30))
        .options(format!(
            "-c statement_timeout={} -c idle_in_transaction_session_timeout={}",
            STATEMENT_TIMEOUT.as_millis(),
            STATEMENT_TIMEOUT.as_millis()
        ));
    let connecting = config.connect(connector);
    let (client, connection) = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .map_err(|_| {
            fail(format!(
                "no answer within {} seconds",
                CONNECT_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|e| fail(pg_words(&e)))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!("trust database connection ended: {}", pg_words(&e));
        }
    });
    Ok(client)
}

/// Runs `step` with the statement timeout as a bound on the client side too (a server that stops
/// answering mid-way).
pub(crate) async fn bounded<T>(
    step: impl std::future::Future<Output = Result<T, TrustError>>,
) -> Result<T, TrustError> {
    let limit = STATEMENT_TIMEOUT + Duration::from_secs(10);
    tokio::time::timeout(limit, step)
        .await
        .map_err(|_| TrustError::Timeout(limit.as_secs()))?
}

/// The configuration's trust database, or why there is none.
pub fn settings_of(loaded: &Loaded) -> Result<Settings, TrustError> {
    Settings::of(loaded)?
        .ok_or_else(|| TrustError::NotConfigured(loaded.path.display().to_string()))
}

/// `caretaker trust forward`: this school's store (the configuration's, its log sealed by its
/// key) forwarded to the trust's database; what was forwarded, in words.
pub async fn forward_configured(loaded: &Loaded) -> Result<String, TrustError> {
    let settings = settings_of(loaded)?;
    let store = crate::store::Store::open_sealed(
        &loaded.store_path,
        crate::store::Seal::new(&loaded.log_key),
    )?;
    let done = forward(&settings, &store).await?;
    Ok(done.sentence(&settings.at()))
}

/// `caretaker trust init-school`: as the database's owner (the configuration's role), the
/// schema brought up to date and the school added; its role's name.
pub async fn init_school_configured(
    loaded: &Loaded,
    id: &str,
    name: &str,
    password: &str,
) -> Result<String, TrustError> {
    let mut client = connect(&settings_of(loaded)?).await?;
    init_school(&mut client, id, name, password).await
}

/// `caretaker trust init-reader`: as the database's owner, a role that reads every school.
pub async fn init_reader_configured(
    loaded: &Loaded,
    role: &str,
    password: &str,
) -> Result<(), TrustError> {
    let mut client = connect(&settings_of(loaded)?).await?;
    init_reader(&mut client, role, password).await
}

/// The trust's view, as the configuration's role may see it (a reader: every school), judged by
/// `map` on `today`; with `before`, as it was made of the runs started before then; without
/// the findings' evidence unless `evidence` (what is shown of a finding, not of a school).
pub async fn view_configured(
    loaded: &Loaded,
    map: &caretaker_model::clauses::ClauseMap,
    today: time::Date,
    before: Option<time::OffsetDateTime>,
    evidence: bool,
) -> Result<TrustView, TrustError> {
    let clients = connect_readers(&settings_of(loaded)?).await?;
    if evidence {
        read_view_on(&clients, map, today, before).await
    } else {
        read_view_without_evidence(&clients, map, today, before).await
    }
}

/// How many connections the trust's view is read on at once.
pub const READERS: usize = 4;

/// [`READERS`] connections as the settings' role, made at once.
pub async fn connect_readers(settings: &Settings) -> Result<Vec<Client>, TrustError> {
    futures_util::future::try_join_all((0..READERS).map(|_| connect(settings))).await
}

/// `caretaker trust verify`: every school's filter-change log the configuration's role may read,
/// checked, and what is kept of its current picture checked against the rows.
pub async fn verify_configured(loaded: &Loaded) -> Result<Vec<SchoolLog>, TrustError> {
    let clients = connect_readers(&settings_of(loaded)?).await?;
    verify(&clients).await
}

/// `caretaker report --trust`: the trustees' report of `period`, each school's picture at its end
/// compared with its picture at its start, judged by `map`.
pub async fn report_configured(
    loaded: &Loaded,
    map: &caretaker_model::clauses::ClauseMap,
    period: caretaker_model::leadership::Period,
) -> Result<caretaker_model::trust_report::TrustReport, TrustError> {
    let clients = connect_readers(&settings_of(loaded)?).await?;
    read_report(&clients, &loaded.config.school.name, map, period).await
}

/// The trustees' report of `period` titled `trust`, read on `clients`: each school's picture at
/// the period's end compared with its picture at its start, judged by `map`.
pub async fn read_report(
    clients: &[Client],
    trust: &str,
    map: &caretaker_model::clauses::ClauseMap,
    period: caretaker_model::leadership::Period,
) -> Result<caretaker_model::trust_report::TrustReport, TrustError> {
    let midnight = |d: time::Date| d.midnight().assume_utc();
    let end = period.to.next_day().map(midnight);
    // The two pictures read at once (the server reads one while the other is put together),
    // without the findings' evidence, which the report does not show.
    let (now, start) = futures_util::future::try_join(
        read_view_without_evidence(clients, map, period.to, end),
        read_view_without_evidence(clients, map, period.from, Some(midnight(period.from))),
    )
    .await?;
    let report = caretaker_api::trust_report::build(
        trust,
        period,
        &now,
        &start,
        &crate::leadership::report_views(),
        time::OffsetDateTime::now_utc(),
    );
    // Every school's findings twice over are a great many small allocations to give back:
    // given back on a thread of their own, the report is not kept waiting for it.
    std::thread::spawn(move || drop((now, start)));
    Ok(report)
}
