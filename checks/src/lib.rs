//! caretaker's checks.
//!
//! Every check is split in three: a *probe* that talks to the world under a timeout, a *parse*
//! step of pure functions from raw output to facts, and a *judge* step of pure functions from facts
//! and thresholds to [`Finding`]s. Only probes touch the network. The vocabulary the checks speak
//! (findings, clauses, check declarations) is `caretaker-model`'s.

pub mod clauses;
pub mod directory;
pub mod filter;
pub mod host;
pub mod mail;
pub mod model;
pub mod registry;
mod resolver;
pub mod standards;

pub use clauses::{Clause, ClauseMap, ClauseMapError};
pub use model::{CheckId, Evidence, Finding, Severity, Status, Target, TargetKind};
pub use registry::{Area, AreaId, CheckSpec};
