//! Filter changes: the risk-assessment log, the site log and the filter checks after a change.
//!
//! The policy says "Changes to the school filtering policy will be risk assessed by staff with
//! educational and technical experience prior to any changes and where appropriate with consent
//! from the Leadership Team ... All changes to the school filtering policy will be logged and
//! recorded". Three kinds of record serve it, all in one append-only table of the store:
//!
//! - a [`RiskAssessment`] of one change (block or unblock a site or a category, for some user
//!   groups), assessed by two different people, one with educational and one with technical
//!   experience, with leadership consent from a configurable risk level (`[assess] consent_from`);
//! - a [`SiteLogEntry`], the paper "Internet Site Log Sheet" (who reported which site, where and
//!   when, and whether it should be blocked or unblocked);
//! - a [`Verification`]: a filter test run after the change, linked to its assessment, saying
//!   whether every must-block test still passed.
//!
//! Records are never changed or deleted: a correction is a new record that `supersedes` the old
//! one. Each record carries the hash of the one before it ([`record_hash`]), so [`check_chain`]
//! finds a record edited, removed or inserted behind the program's back.

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The triggers that make the table append-only, as created by migration 3 (name, SQL).
pub const TRIGGERS: &[(&str, &str)] = &[
    ("records_no_update", crate::store::RECORDS_NO_UPDATE),
    ("records_no_delete", crate::store::RECORDS_NO_DELETE),
];

mod append;
mod chain;
mod draft;
mod kinds;
mod log;
mod records;
mod verify;
mod waivers;

pub use append::*;
pub use chain::*;
pub use draft::*;
pub use kinds::*;
pub use log::*;
pub use records::*;
pub use verify::*;
pub use waivers::*;

#[cfg(test)]
mod tests;
