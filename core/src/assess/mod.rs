//! Filter changes: appending to the risk-assessment log, the site log and the filter checks after
//! a change, in the store. The records themselves, and their rules, are the model's
//! ([`caretaker_model::records`]).

pub use caretaker_model::records::*;

/// The triggers that make the table append-only, as created by migration 3 (name, SQL).
pub const TRIGGERS: &[(&str, &str)] = &[
    ("records_no_update", crate::store::RECORDS_NO_UPDATE),
    ("records_no_delete", crate::store::RECORDS_NO_DELETE),
];

mod append;
mod verify;
mod waivers;

pub use append::*;
pub use verify::*;
pub use waivers::*;

#[cfg(test)]
mod tests;
