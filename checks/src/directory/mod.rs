//! The directory checks (policy 7.4 and 7.4.1: logins and passwords), for Active Directory
//! (including Samba AD DCs) and OpenLDAP with the ppolicy overlay.
//!
//! [`probe`] reads the directory over LDAPS or StartTLS with a few paged searches, [`parse`] turns
//! entries into facts, and [`judge`] turns facts, the configuration and the time into findings.

pub mod admin_count;
pub mod dn;
pub mod judge;
pub mod ldif;
pub mod leavers;
mod memory;
pub mod parse;
pub mod people;
pub mod probe;
pub mod roster;
#[cfg(test)]
mod tests;

use caretaker_config::Directory;
use time::OffsetDateTime;

use crate::model::{Evidence, Finding, Target, TargetKind};
use crate::registry::{Area, AreaId, CheckSpec};

pub use judge::judge;
pub use ldif::{parse_ldif, LdifError};
pub use parse::{facts, Collector, Entry, Facts, Raw};
pub use probe::{planned_searches, probe, probe_with, Explain, Failure, PlannedSearch, ProbeError};

/// How a directory check is judged: from what every check shares (group closures, populations,
/// the configuration), to its findings.
pub(crate) type Judge = fn(&judge::Ctx<'_>, &CheckSpec) -> Vec<Finding>;

/// The directory checks, in report order (the order of their findings), each with its judge.
pub(crate) const CHECKS: &[(CheckSpec, Judge)] = &[
    (CONNECT, judge::builtin),
    (PASSWORD_POLICY, judge::builtin),
    (LOCKOUT, judge::builtin),
    (PASSWORD_NOT_REQUIRED, judge::builtin),
    (PASSWORD_NEVER_EXPIRES, judge::builtin),
    (STALE_ACCOUNTS, judge::builtin),
    (GUEST, judge::builtin),
    (PRIVILEGED, judge::builtin),
    (SHARED_LOGINS, judge::builtin),
    (OWN_LOGINS, judge::builtin),
    (admin_count::ADMIN_COUNT, admin_count::judge),
    (leavers::LEAVERS, leavers::judge),
];

/// The directory checks' declarations, in report order.
pub const SPECS: &[CheckSpec] = &{
    let mut specs = [CONNECT; CHECKS.len()];
    let mut i = 0;
    while i < CHECKS.len() {
        specs[i] = CHECKS[i].0;
        i += 1;
    }
    specs
};

/// Every directory check id, in report order.
pub const CHECK_IDS: &[&str] = &crate::registry::ids_of::<{ SPECS.len() }>(SPECS);

/// The directory area: one unit of work per `[[directory]]`.
#[derive(Debug)]
pub struct DirectoryArea;

impl Area for DirectoryArea {
    type Unit = Directory;
    const ID: AreaId = AreaId::Directory;
    fn specs() -> &'static [CheckSpec] {
        SPECS
    }
    fn units(config: &caretaker_config::Config) -> Vec<Directory> {
        config.directories.clone()
    }
}

const fn spec(
    id: &'static str,
    title: &'static str,
    column: &'static str,
    clauses: &'static [&'static str],
    could_not: &'static str,
) -> CheckSpec {
    CheckSpec::new(AreaId::Directory, id, title, column, clauses, could_not)
}

pub const CONNECT: CheckSpec = spec(
    "directory.connect",
    "The directory can be read",
    "connect",
    &["7.4/logins"],
    "Could not read the directory",
);
pub const PASSWORD_POLICY: CheckSpec = spec(
    "directory.password-policy",
    "Password rules for staff, pupils and admins",
    "password-policy",
    &["7.4/logins", "7.4.1/strong-passwords"],
    "Could not check staff and pupil password rules",
);
pub const LOCKOUT: CheckSpec = spec(
    "directory.lockout",
    "Accounts lock after repeated wrong passwords",
    "lockout",
    &["7.4/logins", "7.4.1/strong-passwords"],
    "Could not check that accounts lock after repeated wrong passwords",
);
pub const PASSWORD_NOT_REQUIRED: CheckSpec = spec(
    "directory.password-not-required",
    "No account without a password",
    "password-not-required",
    &["7.4/logins", "7.4.1/strong-passwords"],
    "Could not check for accounts that need no password",
);
pub const PASSWORD_NEVER_EXPIRES: CheckSpec = spec(
    "directory.password-never-expires",
    "Passwords that never expire",
    "password-never-expires",
    &["7.4/logins"],
    "Could not check for passwords that never expire",
);
pub const STALE_ACCOUNTS: CheckSpec = spec(
    "directory.stale-accounts",
    "No enabled accounts left unused",
    "stale-accounts",
    &["7.4/logins"],
    "Could not check for accounts that are no longer used",
);
pub const GUEST: CheckSpec = spec(
    "directory.guest",
    "The guest account is switched off",
    "guest",
    &["7.4/logins"],
    "Could not check that the guest account is switched off",
);
pub const PRIVILEGED: CheckSpec = spec(
    "directory.privileged",
    "Admins use separate admin accounts",
    "privileged",
    &["7.4/logins"],
    "Could not check who has admin rights",
);
pub const SHARED_LOGINS: CheckSpec = spec(
    "directory.shared-logins",
    "No shared or generic logins",
    "shared-logins",
    &[
        "7.4/own-logins",
        "7.4.1/staff-unique",
        "7.4.1/strong-passwords",
    ],
    "Could not check for shared logins",
);
pub const OWN_LOGINS: CheckSpec = spec(
    "directory.own-logins",
    "Pupils from Year 1 have their own logins",
    "own-logins",
    &["7.4/own-logins", "7.4.1/pupils-unique"],
    "Could not check that pupils from Year 1 have their own logins",
);

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
                format!("{}: {reason}", DirectoryArea::could_not(check)),
                ev,
            )
            .fix(fix.clone())
        })
        .collect()
}
