//! caretaker's transports: how the checks reach the school's machines. [`ssh`]: one session and
//! one read-only command per machine, the host key checked strictly first, every step bounded in
//! time; [`ssh::session`] opens one on tokio's blocking pool and [`ssh::sessions`] fans many out
//! under one limit, for the host checks and the filter's vantage machines alike.

pub mod ssh;
