//! The one LDAP client: connect (LDAPS or StartTLS unless plain is explicitly allowed), simple
//! bind, and searches (paged, plain, by DN, size-limited), every step under the directory's
//! `timeout_secs`. Failures come back classified ([`ProbeError`]); entries come back without
//! trusting their shape ([`Entry`]). The bind password is sent once and never logged.

mod connect;
mod entry;
mod error;
mod search;
#[cfg(test)]
mod tests;

pub use connect::{connect, preflight, Connection, Plan};
pub use entry::Entry;
pub use error::{host_of, search_failure, Failure, ProbeError};
pub use ldap3::{Ldap, Scope};
pub use search::{limited, paged, plain, read_one, search_scoped, Sink};
