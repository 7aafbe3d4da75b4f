//! caretaker's model: the words every part speaks, with no I/O.
//!
//! - [`clock`]: where "now" comes from;
//! - [`finding`]: findings, statuses, targets and evidence;
//! - [`spec`]: a check's declaration ([`CheckSpec`]);
//! - [`clauses`]: the policy clause map;
//! - [`compliance`]: a clause's RAG status from its findings and attestations;
//! - [`run`]: runs, their verdicts and counts;
//! - [`picture`]: the current picture made of several runs, and what changed between two runs;
//! - [`filterlog`]: the filter check log's entries;
//! - [`records`]: the filter-change log's records and the rules they are written by;
//! - [`standards`]: the standards (DfE, Cyber Essentials) as views of the same findings;
//! - [`leadership`]: the report leadership reads, built from all of the above;
//! - [`trust_report`]: the report a trust's trustees read, every school's picture side by side.

pub mod alert;
pub mod clauses;
pub mod clock;
pub mod compliance;
pub mod cores;
pub mod filterlog;
pub mod finding;
pub mod leadership;
pub mod picture;
pub mod records;
pub mod run;
pub mod spec;
pub mod standards;
pub mod text;
pub mod trust_report;

pub use clauses::{Clause, ClauseMap, ClauseMapError};
pub use clock::Clock;
pub use finding::{CheckId, Evidence, Finding, Severity, Status, Target, TargetKind};
pub use spec::{AreaId, CheckSpec};
