//! End-to-end tests of the `caretaker` binary: one test binary (to save link time), one module per
//! subject. Tests that need servers start the sample school's real slapd and Samba AD DC.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod alerts;
mod assess;
mod completions;
mod config_errors;
mod console;
mod daemon;
mod directory_failures;
mod discovery;
mod filter;
mod filter_changes;
mod hostile;
mod hosts;
mod interrupted;
mod man;
mod report;
mod report_schema;
mod sample_school;
mod scripts;
mod socket;
mod standards;
mod store_damage;
mod store_migration;
mod tamper;
mod trust;
mod util;
mod waivers;
mod whole_school;
