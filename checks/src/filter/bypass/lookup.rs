//! What a vantage point's resolver answered for one name: raw facts, judged by [`super::judge`].
//!
//! On this machine caretaker asks the vantage point's resolver itself ([`look_up_all`]); over SSH
//! the probe asks the machine's own (`getent ahosts`, see [`crate::filter::curl`]).

use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::ResolverOpts;
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::TokioResolver;
use serde::{Deserialize, Serialize};

/// How a lookup ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Answer {
    /// The name has addresses (`addresses`).
    Addresses,
    /// The resolver said the name does not exist (NXDOMAIN).
    NxDomain,
    /// The name exists but has no address (NODATA).
    NoAddress,
    /// No address, for a reason the tool cannot tell apart (`getent` says "not found" for
    /// NXDOMAIN, NODATA and a resolver's refusal alike).
    NotFound,
    /// The resolver did not answer in time.
    Timeout,
    /// The lookup failed otherwise (`detail` says how).
    Failed,
}

impl Answer {
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Addresses => "addresses",
            Answer::NxDomain => "nxdomain",
            Answer::NoAddress => "no-address",
            Answer::NotFound => "not-found",
            Answer::Timeout => "timeout",
            Answer::Failed => "failed",
        }
    }

    /// True when the resolver answered that the name has no address (any of the three ways).
    pub fn no_address(self) -> bool {
        matches!(
            self,
            Answer::NxDomain | Answer::NoAddress | Answer::NotFound
        )
    }
}

/// The answer for one name from one vantage point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookup {
    /// The name asked for.
    pub name: String,
    pub answer: Answer,
    /// Its addresses (IPv4 and IPv6, at most 16), when `answer` is `addresses`.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// The name the answer was for after CNAMEs (`forcesafesearch.google.com` for
    /// `www.google.com`), when the resolver said; the name itself when there was no CNAME.
    #[serde(default)]
    pub canonical: Option<String>,
    /// What asked: "getent ahosts on pupil-pc", "the resolver 10.0.0.1:53".
    #[serde(default)]
    pub by: String,
    /// The technical reason for anything but addresses.
    #[serde(default)]
    pub detail: Option<String>,
}

impl Lookup {
    /// A lookup of `name` that ended without addresses.
    pub fn without(name: &str, answer: Answer, by: &str, detail: impl Into<String>) -> Lookup {
        Lookup {
            name: name.to_string(),
            answer,
            addresses: Vec::new(),
            canonical: None,
            by: by.to_string(),
            detail: Some(detail.into()),
        }
    }
}

/// A name as the answers compare it: lower case, no trailing dot.
pub fn plain_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// A resolver for lookups from this machine: `resolver` (`10.0.0.1` or `10.0.0.1:53`), else
/// /etc/resolv.conf's; and how the evidence names it.
pub fn resolver_for(
    resolver: Option<&str>,
    timeout: Duration,
) -> Result<(Arc<TokioResolver>, String), String> {
    let mut opts = ResolverOpts::default();
    opts.timeout = timeout.max(Duration::from_millis(200));
    opts.attempts = 1;
    opts.cache_size = 0;
    let (config, servers) = crate::resolver::config_for(resolver)?;
    let by = match servers {
        crate::resolver::Servers::Given(addr) => format!("the resolver {addr}"),
        crate::resolver::Servers::System(system) => {
            opts.ndots = system.ndots;
            "this machine's resolver (/etc/resolv.conf)".to_string()
        }
    };
    let resolver = TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
        .with_options(opts)
        .build();
    Ok((Arc::new(resolver), by))
}

/// Looks `name` up (A and AAAA, following CNAMEs) within `timeout`.
pub async fn look_up(resolver: &TokioResolver, by: &str, name: &str, timeout: Duration) -> Lookup {
    let fqdn = format!("{}.", name.trim_end_matches('.'));
    let got = tokio::time::timeout(
        timeout + Duration::from_millis(500),
        resolver.lookup_ip(fqdn),
    )
    .await;
    match got {
        Err(_) => Lookup::without(
            name,
            Answer::Timeout,
            by,
            format!("no answer within {} s", timeout.as_secs()),
        ),
        Ok(Err(e)) if e.is_nx_domain() => {
            Lookup::without(name, Answer::NxDomain, by, e.to_string())
        }
        Ok(Err(e)) if e.is_no_records_found() => {
            Lookup::without(name, Answer::NoAddress, by, e.to_string())
        }
        Ok(Err(e)) => {
            let text = e.to_string();
            let answer = if text.to_ascii_lowercase().contains("timed out")
                || text.to_ascii_lowercase().contains("timeout")
            {
                Answer::Timeout
            } else {
                Answer::Failed
            };
            Lookup::without(name, answer, by, text)
        }
        Ok(Ok(ips)) => {
            let addresses: Vec<String> = ips.iter().take(16).map(|ip| ip.to_string()).collect();
            // The last CNAME's target is the name the addresses belong to.
            let canonical = ips
                .as_lookup()
                .records()
                .iter()
                .rev()
                .filter(|r| r.record_type() == RecordType::CNAME)
                .find_map(|r| match r.data() {
                    RData::CNAME(c) => Some(plain_name(&c.0.to_utf8())),
                    _ => None,
                })
                .or_else(|| Some(plain_name(name)));
            if addresses.is_empty() {
                Lookup::without(name, Answer::NoAddress, by, "an answer without addresses")
            } else {
                Lookup {
                    name: name.to_string(),
                    answer: Answer::Addresses,
                    addresses,
                    canonical,
                    by: by.to_string(),
                    detail: None,
                }
            }
        }
    }
}

/// Looks every name up from this machine, all at once, in the order given.
pub async fn look_up_all(
    resolver: Option<&str>,
    names: &[String],
    timeout: Duration,
) -> Result<Vec<Lookup>, String> {
    let (resolver, by) = resolver_for(resolver, timeout)?;
    let mut set = tokio::task::JoinSet::new();
    for (i, name) in names.iter().enumerate() {
        let (resolver, by, name) = (resolver.clone(), by.clone(), name.clone());
        set.spawn(async move { (i, look_up(&resolver, &by, &name, timeout).await) });
    }
    let mut out: Vec<(usize, Lookup)> = Vec::with_capacity(names.len());
    while let Some(joined) = set.join_next().await {
        if let Ok(done) = joined {
            out.push(done);
        }
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(out.into_iter().map(|(_, l)| l).collect())
}
