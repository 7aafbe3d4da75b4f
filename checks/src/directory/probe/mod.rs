//! Reads the directory through the LDAP client of `caretaker_transports`: a few paged searches that
//! fetch only the attributes the checks need, every network step under the directory's
//! `timeout_secs`. A failure ([`ProbeError`]) is explained in plain words, with how to fix it,
//! by [`Explain`].

mod explain;
mod read;
mod searches;

use caretaker_config::Directory;
use time::OffsetDateTime;

use super::parse::{Entry, Raw};
use caretaker_transports::ldap::{connect, paged};
use read::read_all;

pub use caretaker_transports::ldap::{preflight, Failure, Plan, ProbeError, Sink};
pub use explain::Explain;
pub use searches::{
    planned_searches, PlannedSearch, AD_ACCOUNTS_ATTRS, AD_ACCOUNTS_FILTER, AD_DOMAIN_ATTRS,
    AD_PSO_ATTRS, AD_PSO_FILTER, OL_GROUP_ATTRS, OL_GROUP_FILTER, OL_MAIN_ATTRS, OL_MAIN_FILTER,
    OL_USER_FILTER,
};

/// Reads the directory and keeps every entry of the main search in `Raw::entries` (for
/// recording and debugging; [`super::audit`] streams them instead, see [`probe_with`]).
pub async fn probe(dir: &Directory) -> Result<Raw, ProbeError> {
    let mut entries = Vec::new();
    let mut raw = probe_with(dir, &mut |e| entries.push(e)).await?;
    raw.entries = entries;
    Ok(raw)
}

/// Reads the directory, handing each entry of the main search (AD: users and groups; OpenLDAP:
/// groups, then users and ppolicy entries) to `sink` as it arrives; the rest is in the returned `Raw`
/// (whose `entries` stay empty). Never panics; every network step is under `dir.timeout_secs`.
pub async fn probe_with(dir: &Directory, sink: Sink<'_>) -> Result<Raw, ProbeError> {
    let observed_at = OffsetDateTime::now_utc();
    let mut conn = connect(dir).await?;
    let (t, secs) = (conn.t, conn.secs);
    let result = read_all(dir, &mut conn.ldap, t, secs, observed_at, sink).await;
    conn.close().await;
    result
}

/// The attributes read from a computer object for discovery.
pub const COMPUTER_ATTRS: &[&str] = &[
    "cn",
    "dNSHostName",
    "operatingSystem",
    "operatingSystemVersion",
    "userAccountControl",
];

/// Active Directory computer objects (`objectCategory=computer`) under `base_dn`, paged, for
/// discovering the machines to check. Every step is under `dir.timeout_secs`.
pub async fn search_computers(dir: &Directory, base_dn: &str) -> Result<Vec<Entry>, ProbeError> {
    let conn = connect(dir).await?;
    let (t, secs) = (conn.t, conn.secs);
    let mut found = Vec::new();
    let result = paged(
        &conn.ldap,
        t,
        secs,
        dir.page_size,
        base_dn,
        "(objectCategory=computer)",
        COMPUTER_ATTRS,
        "search computers",
        &mut |e| {
            // A bound on what one OU can hold in memory; far above any school's.
            if found.len() < 100_000 {
                found.push(e)
            }
        },
    )
    .await;
    conn.close().await;
    result.map(|_| found)
}
