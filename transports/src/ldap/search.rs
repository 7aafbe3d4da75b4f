//! LDAP searches under the timeout: paged, plain, by DN and size-limited, with each result entry
//! converted without trusting its shape.

use std::time::Duration;

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{Ldap, ResultEntry, Scope, SearchOptions};

use super::error::{classify, search_failure};
use super::{Entry, Failure, ProbeError};

/// Where the entries of a paged search go, one at a time, as they arrive.
pub type Sink<'s> = &'s mut (dyn FnMut(Entry) + Send);

/// Converts a search result entry without trusting its shape (ldap3's own conversion panics on
/// malformed BER). `None` for a malformed entry.
fn entry_from(re: ResultEntry) -> Option<Entry> {
    let mut parts = re.0.match_id(4)?.expect_constructed()?.into_iter();
    let dn = String::from_utf8(parts.next()?.expect_primitive()?).ok()?;
    let mut entry = Entry::new(dn);
    for a in parts.next()?.expect_constructed()? {
        let mut pa = a.expect_constructed()?.into_iter();
        let mut name = String::from_utf8(pa.next()?.expect_primitive()?).ok()?;
        name.make_ascii_lowercase();
        let values = pa
            .next()
            .and_then(|v| v.expect_constructed())
            .unwrap_or_default();
        let mut text = Vec::with_capacity(values.len());
        let mut bin = Vec::new();
        for v in values {
            match String::from_utf8(v.expect_primitive()?) {
                Ok(s) => text.push(s),
                Err(e) => bin.push(e.into_bytes()),
            }
        }
        if !bin.is_empty() {
            entry.bin.entry(name.clone()).or_default().extend(bin);
            if text.is_empty() {
                continue;
            }
        }
        match entry.attrs.entry(name) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(text);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => slot.get_mut().extend(text),
        }
    }
    Some(entry)
}

/// A paged subtree search (simple paged results control), each page under the timeout.
#[allow(clippy::too_many_arguments)]
pub async fn paged(
    ldap: &Ldap,
    t: Duration,
    secs: u64,
    page_size: u32,
    base: &str,
    filter: &str,
    attrs: &[&str],
    step: &str,
    sink: Sink<'_>,
) -> Result<usize, ProbeError> {
    let mut l = ldap.clone();
    let page = i32::try_from(page_size.max(1)).unwrap_or(500);
    let adapters: Vec<Box<dyn Adapter<'_, String, Vec<String>>>> = vec![
        Box::new(EntriesOnly::new()),
        Box::new(PagedResults::new(page)),
    ];
    let attrs: Vec<String> = attrs.iter().map(|s| s.to_string()).collect();
    let mut stream = match tokio::time::timeout(
        t,
        l.streaming_search_with(adapters, base, Scope::Subtree, filter, attrs),
    )
    .await
    {
        Err(_) => {
            return Err(ProbeError::new(
                Failure::NoAnswer(secs),
                step,
                format!("no answer within {secs} s"),
            ))
        }
        Ok(Err(e)) => return Err(classify(&e, step, secs, true)),
        Ok(Ok(s)) => s,
    };
    let mut count = 0usize;
    let mut malformed = 0usize;
    loop {
        match tokio::time::timeout(t, stream.next()).await {
            Err(_) => {
                let _ = tokio::time::timeout(Duration::from_millis(200), stream.finish()).await;
                return Err(ProbeError::new(
                    Failure::NoAnswer(secs),
                    step,
                    format!("no answer within {secs} s after {count} entries"),
                ));
            }
            Ok(Err(e)) => {
                let res = stream.finish().await;
                if res.rc != 0 && res.rc != 80 && res.rc != 88 {
                    return Err(search_failure(res.rc, &res.text, step));
                }
                return Err(classify(&e, step, secs, true));
            }
            Ok(Ok(None)) => break,
            // Continuation references (AD's DomainDnsZones, …) and intermediate messages are not
            // entries.
            Ok(Ok(Some(re))) if re.is_ref() || re.is_intermediate() => {}
            Ok(Ok(Some(re))) => match entry_from(re) {
                Some(e) => {
                    count += 1;
                    sink(e);
                }
                None => malformed += 1,
            },
        }
    }
    let res = stream.finish().await;
    if res.rc != 0 {
        return Err(search_failure(res.rc, &res.text, step));
    }
    // An entry that cannot be read could be the one account that breaks the policy: the search
    // is incomplete, never quietly shorter.
    if malformed > 0 {
        return Err(ProbeError::new(
            Failure::Other,
            step,
            format!(
                "{malformed} of {} entries sent by the directory could not be read (malformed)",
                count + malformed
            ),
        ));
    }
    Ok(count)
}

/// A plain search (no paging), for small answers.
#[allow(clippy::too_many_arguments)]
pub async fn plain(
    ldap: &Ldap,
    t: Duration,
    secs: u64,
    base: &str,
    scope: Scope,
    filter: &str,
    attrs: &[&str],
    size_limit: i32,
    step: &str,
) -> Result<(u32, String, Vec<Entry>), ProbeError> {
    let mut l = ldap.clone();
    if size_limit > 0 {
        l.with_search_options(SearchOptions::new().sizelimit(size_limit));
    }
    let attrs: Vec<String> = attrs.iter().map(|s| s.to_string()).collect();
    match tokio::time::timeout(t, l.search(base, scope, filter, attrs)).await {
        Err(_) => Err(ProbeError::new(
            Failure::NoAnswer(secs),
            step,
            format!("no answer within {secs} s"),
        )),
        Ok(Err(e)) => Err(classify(&e, step, secs, true)),
        Ok(Ok(ldap3::SearchResult(list, res))) => {
            let entries = list
                .into_iter()
                .filter(|re| !re.is_ref() && !re.is_intermediate())
                .filter_map(entry_from)
                .collect();
            Ok((res.rc, res.text, entries))
        }
    }
}

/// Reads one entry by DN; `None` if it does not exist.
pub async fn read_one(
    ldap: &Ldap,
    t: Duration,
    secs: u64,
    base: &str,
    attrs: &[&str],
    step: &str,
) -> Result<Option<Entry>, ProbeError> {
    let (rc, text, entries) = plain(
        ldap,
        t,
        secs,
        base,
        Scope::Base,
        "(objectClass=*)",
        attrs,
        0,
        step,
    )
    .await?;
    match rc {
        0 => Ok(entries.into_iter().next()),
        32 => Ok(None),
        rc => Err(search_failure(rc, &text, step)),
    }
}

#[allow(clippy::too_many_arguments)]
pub async fn search_scoped(
    ldap: &Ldap,
    t: Duration,
    secs: u64,
    base: &str,
    scope: Scope,
    filter: &str,
    attrs: &[&str],
    step: &str,
) -> Result<Vec<Entry>, ProbeError> {
    let (rc, text, entries) = plain(ldap, t, secs, base, scope, filter, attrs, 0, step).await?;
    match rc {
        0 => Ok(entries),
        rc => Err(search_failure(rc, &text, step)),
    }
}

/// A search that stops after `limit` entries (size limit exceeded is expected), returning DNs.
pub async fn limited(
    ldap: &Ldap,
    t: Duration,
    secs: u64,
    base: &str,
    filter: &str,
    limit: i32,
    step: &str,
) -> Result<Vec<String>, ProbeError> {
    let (rc, text, entries) = plain(
        ldap,
        t,
        secs,
        base,
        Scope::Subtree,
        filter,
        &["1.1"],
        limit,
        step,
    )
    .await?;
    match rc {
        0 | 4 => Ok(entries.into_iter().map(|e| e.dn).collect()),
        rc => Err(search_failure(rc, &text, step)),
    }
}
