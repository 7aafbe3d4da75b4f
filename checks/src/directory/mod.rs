//! The directory checks (policy 7.4 and 7.4.1: logins and passwords), for Active Directory
//! (including Samba AD DCs) and OpenLDAP with the ppolicy overlay.
//!
//! [`probe`] reads the directory over LDAPS or StartTLS with a few paged searches, [`parse`] turns
//! entries into facts, and [`judge`] turns facts, the configuration and the time into findings.

pub mod dn;
pub mod judge;
pub mod ldif;
pub mod parse;
pub mod people;
pub mod probe;
#[cfg(test)]
mod tests;

use caretaker_config::Directory;
use time::OffsetDateTime;

use crate::model::{Evidence, Finding, Target, TargetKind};

pub use judge::judge;
pub use ldif::{parse_ldif, LdifError};
pub use parse::{facts, Collector, Entry, Facts, Raw};
pub use probe::{planned_searches, probe, probe_with, Failure, PlannedSearch, ProbeError};

/// Every directory check id, in report order.
pub const CHECK_IDS: &[&str] = &[
    judge::CONNECT,
    judge::PASSWORD_POLICY,
    judge::LOCKOUT,
    judge::PASSWORD_NOT_REQUIRED,
    judge::PASSWORD_NEVER_EXPIRES,
    judge::STALE_ACCOUNTS,
    judge::GUEST,
    judge::PRIVILEGED,
    judge::SHARED_LOGINS,
    judge::OWN_LOGINS,
];

/// Audits one directory. Never panics; every network step is under `dir.timeout_secs`. If the
/// directory cannot be reached/bound/searched, returns one `error` finding *per check id* (target
/// kind Directory, name = dir.name), each starting with a plain sentence ("Could not check staff
/// password rules: the directory \"ad\" did not answer at ldaps://…") and the technical reason in
/// evidence ("reason" key).
pub async fn audit(dir: &Directory, now: OffsetDateTime) -> Vec<Finding> {
    // The reading runs in a task of its own, so that even a panic deep in the LDAP library
    // becomes an error finding; the task is stopped if this future is dropped (engine timeout).
    let d = dir.clone();
    let mut task = AbortOnDrop(tokio::spawn(async move {
        // Entries are parsed as they arrive, so a large directory is never held twice in memory.
        let mut collector = parse::Collector::new(d.kind);
        let raw = probe::probe_with(&d, &mut |e| collector.add(e)).await?;
        Ok::<_, ProbeError>(collector.finish(&raw))
    }));
    let joined = (&mut task.0).await;
    match joined {
        Ok(Ok(facts)) => judge::judge(&facts, dir, now),
        Ok(Err(e)) => unreachable_findings(dir, &e),
        Err(e) => unreachable_findings(
            dir,
            &ProbeError {
                failure: Failure::Other,
                step: "read".into(),
                detail: format!("the directory reader stopped unexpectedly: {e}"),
            },
        ),
    }
}

/// Aborts the reading task when the audit is dropped before it finishes.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What each check could not do, as the start of a sentence.
fn could_not(check: &str) -> &'static str {
    match check {
        judge::CONNECT => "Could not read the directory",
        judge::PASSWORD_POLICY => "Could not check staff and pupil password rules",
        judge::LOCKOUT => "Could not check that accounts lock after repeated wrong passwords",
        judge::PASSWORD_NOT_REQUIRED => "Could not check for accounts that need no password",
        judge::PASSWORD_NEVER_EXPIRES => "Could not check for passwords that never expire",
        judge::STALE_ACCOUNTS => "Could not check for accounts that are no longer used",
        judge::GUEST => "Could not check that the guest account is switched off",
        judge::PRIVILEGED => "Could not check who has admin rights",
        judge::SHARED_LOGINS => "Could not check for shared logins",
        judge::OWN_LOGINS => "Could not check that pupils from Year 1 have their own logins",
        _ => "Could not check the directory",
    }
}

/// One `error` finding per check id, for a directory that could not be read.
pub fn unreachable_findings(dir: &Directory, e: &ProbeError) -> Vec<Finding> {
    let reason = e.reason(dir);
    let fix = e.fix(dir);
    CHECK_IDS
        .iter()
        .map(|check| {
            let ev = Evidence::new(dir.url.clone())
                .with("reason", &e.detail)
                .with("step", &e.step)
                .with("url", &dir.url)
                .with("bind_dn", &dir.bind_dn)
                .with("timeout_secs", dir.timeout_secs);
            Finding::error(
                *check,
                Target::new(TargetKind::Directory, dir.name.clone(), ""),
                format!("{}: {reason}", could_not(check)),
                ev,
            )
            .fix(fix.clone())
        })
        .collect()
}
