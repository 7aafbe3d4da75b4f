//! The console's one way to its data: the core's [`Api`]. `caretaker_core::Local` reads the
//! store and runs the engine in this process; a client of the daemon's socket will be another.
//!
//! Every method but [`Api::start_audit`] may block (SQLite, later a socket): the console calls
//! them on blocking threads, never on its UI task, and gets the answers back as actions.

pub use caretaker_api::{Api, ApiError, AuditEvent, AuditHandle, AuditScope, Catalogue};
