//! caretaker's engine and store: runs the checks concurrently under timeouts, keeps runs and
//! findings in SQLite, and shapes reports. The scheduler, the local API (Unix socket) and the
//! risk-assessment log will live here too.

pub mod assess;
pub mod engine;
pub mod filter;
pub mod filterlog;
pub mod hosts;
pub mod local;
pub mod preflight;
pub mod report;
pub mod store;

pub use engine::{run_audit, units_from_config, AuditOutcome, AuditRequest, Unit};
pub use local::Local;
pub use store::{RunRecord, RunState, Store, StoreError, Trigger, Verdict};
