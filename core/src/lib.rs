//! caretaker's core: the API's implementation in this process ([`Local`]), the engine (runs the
//! checks concurrently under timeouts), the store (runs, findings and the hash-chained records in
//! SQLite) and reports. Every front end (the command line, the console, the daemon) calls it
//! through [`caretaker_api::Api`].

pub mod alert;
pub mod assess;
pub mod engine;
pub mod filter;
pub mod filter_changes;
pub mod filterlog;
pub mod hosts;
pub mod leadership;
pub mod local;
pub mod preflight;
pub mod presence;
pub mod report;
pub mod schedule;
pub mod standards;
pub mod store;
pub mod trust;

pub use engine::{run_audit, units_from_config, AuditOutcome, AuditRequest, Unit};
pub use local::Local;
pub use store::{RunRecord, RunState, Store, StoreError, Trigger, Verdict};
