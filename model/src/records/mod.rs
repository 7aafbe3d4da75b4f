//! The records of the filter-change log: risk assessments, site-log entries, verifications,
//! waivers and attestations, their hash chain, and the rules they are written by.
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
//! one. Each record carries the hash of the one before it ([`entry_hash`]), so [`check_chain`]
//! finds a record edited, removed or inserted behind the program's back.

pub use caretaker_ledger::{canonical_json, entry_hash, GENESIS};

mod chain;
pub mod day;
mod draft;
mod entries;
mod kinds;
mod log;
mod recheck;
mod waivers;

pub use chain::*;
pub use day::parse_date;
pub use draft::*;
pub use entries::*;
pub use kinds::*;
pub use log::*;
pub use recheck::*;
pub use waivers::*;
