//! caretaker's transports: how the checks reach the school's systems, every step bounded in time.
//!
//! - [`ssh`]: one session and one read-only command per machine, the host key checked strictly
//!   first; [`ssh::session`] opens one on tokio's blocking pool and [`ssh::sessions`] fans many
//!   out under one limit, for the host checks and the filter's vantage machines alike;
//! - [`ldap`]: the one LDAP client, for the directory checks and the discovery of machines.

pub mod ldap;
pub mod ssh;
pub mod tls;
