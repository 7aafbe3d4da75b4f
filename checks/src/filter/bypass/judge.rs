//! Judging the bypass facts of one vantage point into findings. Pure: no network, no clock.

use std::collections::BTreeSet;

use super::lookup::{plain_name, Answer, Lookup};
use super::{
    Engine, DOH_CANARY, ENCRYPTED_DNS, ENGINES, PRIVATE_RELAY, RELAY_CANARIES, SAFE_SEARCH,
    VPN_PROXY,
};
use crate::filter::classify::{classify, evidence, host_of, Rules, Seen, VantagePoint};
use crate::filter::model::{Fetch, FilterTest};
use crate::model::{Evidence, Finding, Severity, Status, Target, TargetKind};

/// What one vantage point saw of the ways round the filter.
#[derive(Debug, Clone)]
pub struct BypassFacts {
    /// The answers for [`super::names_to_look_up`] from the vantage point, or why names could not
    /// be looked up from there.
    pub lookups: Result<Vec<Lookup>, String>,
    /// Through a proxy: the fetch of each engine's probe URL, in [`ENGINES`] order. `None`
    /// without a proxy (safe search is judged from the DNS answers).
    pub probes: Option<Vec<Fetch>>,
    /// The bypass sites fetched (for a pupils' group only), with what each fetch saw.
    pub sites: Vec<(FilterTest, Fetch)>,
}

/// The check a bypass site reports under: encrypted-DNS services apart from VPN and web-proxy
/// sites.
pub fn check_of_site(test: &FilterTest) -> &'static str {
    if test.category.eq_ignore_ascii_case("encrypted-dns") {
        ENCRYPTED_DNS.id
    } else {
        VPN_PROXY.id
    }
}

fn severity(vp: &VantagePoint) -> Severity {
    if vp.who() == "Pupils" {
        Severity::High
    } else {
        Severity::Medium
    }
}

fn dns_target(vp: &VantagePoint, name: &str) -> Target {
    Target::new(TargetKind::Url, name, vp.name.clone())
}

fn dns_evidence(vp: &VantagePoint, category: &str, name: &str) -> Evidence {
    Evidence::new(vp.source())
        .with("url", name)
        .with("category", category)
        .with("expect", "block")
        .with("clause", super::NO_BYPASS_CLAUSE)
        .with("group", vp.group.as_str())
}

fn push_lookup(ev: &mut Evidence, prefix: &str, l: &Lookup) {
    // "outcome", as the fetches' evidence says how each fetch ended.
    ev.push(format!("{prefix}outcome"), l.answer.as_str());
    if !l.addresses.is_empty() {
        ev.push(format!("{prefix}resolved"), l.addresses.join(", "));
    }
    if let Some(c) = &l.canonical {
        if plain_name(c) != plain_name(&l.name) {
            ev.push(format!("{prefix}canonical_name"), c.as_str());
        }
    }
    if let Some(d) = &l.detail {
        ev.push(format!("{prefix}detail"), d.as_str());
    }
}

fn find<'a>(lookups: &'a [Lookup], name: &str) -> Option<&'a Lookup> {
    lookups
        .iter()
        .find(|l| plain_name(&l.name) == plain_name(name))
}

/// How a failed lookup is described: "the resolver did not answer in time".
fn failed_words(l: &Lookup) -> String {
    let what = match l.answer {
        Answer::Timeout => "the resolver did not answer in time".to_string(),
        Answer::Failed => "the lookup failed".to_string(),
        Answer::NxDomain => "the resolver says it does not exist (NXDOMAIN)".to_string(),
        Answer::NoAddress => "it has no address there".to_string(),
        Answer::NotFound => "no address was found for it there".to_string(),
        Answer::Addresses => "it resolved".to_string(),
    };
    match &l.detail {
        Some(d) => format!("{what}: {d}"),
        None => what,
    }
}

/// Every finding about the ways round the filter from one vantage point whose control page
/// loaded.
pub fn judge_bypass(vp: &VantagePoint, facts: &BypassFacts, rules: &Rules) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, engine) in ENGINES.iter().enumerate() {
        out.push(match &facts.probes {
            Some(probes) => match probes.get(i) {
                Some(fetch) => safe_search_by_proxy(vp, engine, fetch, rules),
                None => safe_search_error(
                    vp,
                    engine,
                    "the fetch through the proxy reported nothing".into(),
                ),
            },
            None => match &facts.lookups {
                Ok(lookups) => safe_search_by_dns(vp, engine, lookups),
                Err(reason) => safe_search_error(vp, engine, reason.clone()),
            },
        });
    }
    out.push(canary(vp, &ENCRYPTED_DNS, DOH_CANARY, &facts.lookups));
    for name in RELAY_CANARIES {
        out.push(canary(vp, &PRIVATE_RELAY, name, &facts.lookups));
    }
    for (test, fetch) in &facts.sites {
        out.push(site(vp, test, fetch, rules));
    }
    out
}

/// Every bypass finding as `error` when nothing could be judged from the vantage point (no
/// internet from there, the machine unreachable): `reason` says why.
pub fn judge_bypass_not_run(vp: &VantagePoint, sites: &[FilterTest], reason: &str) -> Vec<Finding> {
    let fix = "Check the vantage point (its machine, network, proxy and resolver); then run `caretaker audit --only filter` again.";
    let mut out = Vec::new();
    for e in ENGINES {
        out.push(
            Finding::error(
                SAFE_SEARCH.id,
                dns_target(vp, e.host),
                format!(
                    "Could not tell whether safe search is locked on for {} for {} on {}: {reason}.",
                    e.name,
                    vp.lower_who(),
                    vp.name
                ),
                dns_evidence(vp, "safe-search", e.host).with("not_judged", reason),
            )
            .fix(fix),
        );
    }
    for (spec, name) in std::iter::once((&ENCRYPTED_DNS, DOH_CANARY))
        .chain(RELAY_CANARIES.iter().map(|n| (&PRIVATE_RELAY, *n)))
    {
        out.push(
            Finding::error(
                spec.id,
                dns_target(vp, name),
                format!(
                    "Could not tell whether {name} resolves for {} on {}: {reason}.",
                    vp.lower_who(),
                    vp.name
                ),
                dns_evidence(vp, category_of(spec), name).with("not_judged", reason),
            )
            .fix(fix),
        );
    }
    for t in sites {
        out.push(
            Finding::error(
                check_of_site(t),
                Target::new(TargetKind::Url, t.url.clone(), vp.name.clone()),
                format!(
                    "Could not tell whether {} is blocked for {} on {}: {reason}.",
                    site_words(t),
                    vp.lower_who(),
                    vp.name
                ),
                Evidence::new(vp.source())
                    .with("url", t.url.as_str())
                    .with("category", t.category.as_str())
                    .with("expect", t.expect.as_str())
                    .with("clause", t.clause.as_str())
                    .with("group", vp.group.as_str())
                    .with("not_judged", reason),
            )
            .fix(fix),
        );
    }
    out
}

fn category_of(spec: &crate::registry::CheckSpec) -> &'static str {
    if spec.id == ENCRYPTED_DNS.id {
        "encrypted-dns"
    } else {
        "private-relay"
    }
}

fn safe_words(engine: &Engine) -> String {
    engine.safe_hosts.join(" or ")
}

fn safe_search_fix(engine: &Engine, group: &str) -> String {
    format!(
        "Make the school's DNS (and the proxy's, if there is one) answer {} as {} for the {group} \
         group, as {} documents for schools (a CNAME record, or the filter's safe-search setting); \
         then run `caretaker audit --only filter` to confirm.",
        engine.host,
        engine.safe_hosts.first().copied().unwrap_or_default(),
        engine.name
    )
}

fn safe_search_error(vp: &VantagePoint, engine: &Engine, reason: String) -> Finding {
    Finding::error(
        SAFE_SEARCH.id,
        dns_target(vp, engine.host),
        format!(
            "Could not tell whether safe search is locked on for {} for {} on {}: {reason}.",
            engine.name,
            vp.lower_who(),
            vp.name
        ),
        dns_evidence(vp, "safe-search", engine.host).with("not_tested", reason.as_str()),
    )
    .fix("Check the vantage point and how it looks names up (see the evidence); then run `caretaker audit --only filter` again.")
}

/// True if any name in `lookups` other than the canaries resolved: the resolver works, so a
/// name it does not answer is its choice.
fn resolver_answers(lookups: &[Lookup]) -> bool {
    lookups.iter().any(|l| {
        l.answer == Answer::Addresses
            && plain_name(&l.name) != DOH_CANARY
            && !RELAY_CANARIES.contains(&plain_name(&l.name).as_str())
    })
}

/// Safe search judged from the vantage point's own DNS answers.
fn safe_search_by_dns(vp: &VantagePoint, engine: &Engine, lookups: &[Lookup]) -> Finding {
    let who = vp.who();
    let mut ev =
        dns_evidence(vp, "safe-search", engine.host).with("safe_search_host", safe_words(engine));
    let Some(main) = find(lookups, engine.host) else {
        return safe_search_error(
            vp,
            engine,
            format!("{} was not looked up there", engine.host),
        );
    };
    ev.push("resolved_by", main.by.as_str());
    push_lookup(&mut ev, "", main);
    let safe: Vec<&Lookup> = engine
        .safe_hosts
        .iter()
        .filter_map(|h| find(lookups, h))
        .collect();
    let mut safe_addresses = BTreeSet::new();
    for s in &safe {
        let label = s
            .name
            .split('.')
            .next()
            .unwrap_or_default()
            .replace('-', "_");
        let prefix = format!("safe_{label}_");
        push_lookup(&mut ev, &prefix, s);
        safe_addresses.extend(s.addresses.iter().cloned());
    }
    let target = dns_target(vp, engine.host);
    let error = |ev: Evidence, why: String| {
        Finding::error(
            SAFE_SEARCH.id,
            target.clone(),
            format!(
                "Could not tell whether safe search is locked on for {} for {} on {}: {why}.",
                engine.name,
                vp.lower_who(),
                vp.name
            ),
            ev,
        )
        .fix("Check the vantage point's resolver (see the evidence); then run `caretaker audit --only filter` again.")
    };
    match main.answer {
        Answer::Addresses => {}
        a if a.no_address() => {
            if !resolver_answers(lookups) {
                return error(
                    ev,
                    format!(
                        "{} did not resolve there ({}), and neither did any other name, so the resolver may not be working",
                        engine.host,
                        failed_words(main)
                    ),
                );
            }
            return Finding::new(
                SAFE_SEARCH.id,
                target,
                Status::Pass,
                severity(vp),
                format!(
                    "{who} on {} cannot use {} without safe search: {} does not resolve there, so it is blocked by DNS.",
                    vp.name, engine.name, engine.host
                ),
                ev,
            );
        }
        _ => {
            let why = format!(
                "{} could not be looked up ({})",
                engine.host,
                failed_words(main)
            );
            return error(ev, why);
        }
    }
    // The safe-search name's own answer is what www.google.com must match: without it there is
    // nothing to compare with, which is never a pass.
    if safe_addresses.is_empty() {
        let why = match safe.first() {
            Some(s) => format!(
                "{} itself did not resolve there ({}), so there is nothing to compare {} with",
                s.name,
                failed_words(s),
                engine.host
            ),
            None => format!("{} was not looked up there", safe_words(engine)),
        };
        return error(ev, why);
    }
    let canonical = main.canonical.as_deref().map(plain_name);
    let by_cname = canonical
        .as_deref()
        .and_then(|c| engine.safe_hosts.iter().find(|h| **h == c));
    let same_addresses = main.addresses.iter().all(|a| safe_addresses.contains(a));
    let as_which = |addrs: &[String]| {
        safe.iter()
            .find(|s| addrs.iter().all(|a| s.addresses.contains(a)))
            .map(|s| s.name.clone())
            .unwrap_or_else(|| safe_words(engine))
    };
    if let Some(host) = by_cname {
        return Finding::new(
            SAFE_SEARCH.id,
            target,
            Status::Pass,
            severity(vp),
            format!(
                "{who} on {} cannot turn off safe search on {}: {} is answered as {host} (a CNAME).",
                vp.name, engine.name, engine.host
            ),
            ev,
        );
    }
    if same_addresses {
        let host = as_which(&main.addresses);
        return Finding::new(
            SAFE_SEARCH.id,
            target,
            Status::Pass,
            severity(vp),
            format!(
                "{who} on {} cannot turn off safe search on {}: {} is answered with the addresses of {host}.",
                vp.name, engine.name, engine.host
            ),
            ev,
        );
    }
    let others: Vec<&String> = main
        .addresses
        .iter()
        .filter(|a| !safe_addresses.contains(*a))
        .collect();
    ev.push(
        "not_safe_search_addresses",
        others
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    Finding::new(
        SAFE_SEARCH.id,
        target,
        Status::Fail,
        severity(vp),
        format!(
            "{who} on {} can turn off safe search on {}: {} is not answered as {}.",
            vp.name,
            engine.name,
            engine.host,
            safe_words(engine)
        ),
        ev,
    )
    .fix(safe_search_fix(engine, &vp.group))
}

/// The query settings of `url` (`safe=active`), lower case.
fn query_pairs(url: &str) -> Vec<String> {
    url::Url::parse(url)
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| format!("{}={}", k, v).to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default()
}

/// Safe search judged through a proxy: only a rewrite seen in the answer counts.
fn safe_search_by_proxy(
    vp: &VantagePoint,
    engine: &Engine,
    fetch: &Fetch,
    rules: &Rules,
) -> Finding {
    let who = vp.who();
    let probe = FilterTest {
        url: engine.probe_url.to_string(),
        category: "safe-search".into(),
        expect: crate::filter::model::Expect::Block,
        token: String::new(),
        clause: super::NO_BYPASS_CLAUSE.into(),
    };
    let ev = evidence(vp, &probe, fetch, rules).with("safe_search_host", safe_words(engine));
    let target = dns_target(vp, engine.host);
    let hops: Vec<&String> = fetch
        .redirects
        .iter()
        .chain(fetch.final_url.iter())
        .collect();
    let to_safe = hops.iter().find_map(|h| {
        host_of(h).and_then(|host| engine.safe_hosts.iter().find(|s| **s == host).copied())
    });
    if let Some(host) = to_safe {
        return Finding::new(
            SAFE_SEARCH.id,
            target,
            Status::Pass,
            severity(vp),
            format!(
                "{who} on {} cannot turn off safe search on {}: the proxy sends {} to {host}.",
                vp.name, engine.name, engine.host
            ),
            ev,
        );
    }
    let marker = hops.iter().find_map(|h| {
        let pairs = query_pairs(h);
        engine
            .markers
            .iter()
            .find(|m| pairs.iter().any(|p| p == *m))
            .copied()
    });
    if let Some(m) = marker {
        return Finding::new(
            SAFE_SEARCH.id,
            target,
            Status::Pass,
            severity(vp),
            format!(
                "{who} on {} cannot turn off safe search on {}: the proxy adds its safe-search setting ({m}).",
                vp.name, engine.name
            ),
            ev,
        );
    }
    match classify("", fetch, rules) {
        Seen::Blocked(by) => Finding::new(
            SAFE_SEARCH.id,
            target,
            Status::Pass,
            severity(vp),
            format!(
                "{who} on {} cannot use {} without safe search: the filter blocks {} {}.",
                vp.name,
                engine.name,
                engine.host,
                by.words()
            ),
            ev,
        ),
        Seen::Unclear { reason, error: true } => safe_search_error(vp, engine, reason),
        _ => Finding::new(
            SAFE_SEARCH.id,
            target,
            Status::Warn,
            severity(vp),
            format!(
                "Could not tell whether safe search is locked on for {} for {} on {}: through the proxy, {} was answered without a redirect to {} or a safe-search setting, and the proxy's own DNS cannot be seen from here.",
                engine.name,
                vp.lower_who(),
                vp.name,
                engine.host,
                safe_words(engine)
            ),
            ev,
        )
        .fix(format!(
            "Check that the proxy (or the resolver it uses) answers {} as {}, or redirects to it; a [[filter.vantage]] of the same group without the proxy tests it by DNS.",
            engine.host,
            safe_words(engine)
        )),
    }
}

/// A canary that must not resolve from the vantage point.
fn canary(
    vp: &VantagePoint,
    spec: &crate::registry::CheckSpec,
    name: &str,
    lookups: &Result<Vec<Lookup>, String>,
) -> Finding {
    let who = vp.who();
    let category = category_of(spec);
    let mut ev = dns_evidence(vp, category, name);
    let target = dns_target(vp, name);
    let could_not = |ev: Evidence, why: &str| {
        Finding::error(
            spec.id,
            target.clone(),
            format!(
                "Could not tell whether {name} resolves for {} on {}: {why}.",
                vp.lower_who(),
                vp.name
            ),
            ev,
        )
        .fix("Check the vantage point and how it looks names up (see the evidence); then run `caretaker audit --only filter` again.")
    };
    let lookups = match lookups {
        Ok(l) => l,
        Err(reason) => return could_not(ev.with("not_tested", reason.as_str()), reason),
    };
    let Some(l) = find(lookups, name) else {
        return could_not(ev, "it was not looked up there");
    };
    ev.push("resolved_by", l.by.as_str());
    push_lookup(&mut ev, "", l);
    let relay = spec.id == PRIVATE_RELAY.id;
    match l.answer {
        Answer::Addresses => {
            let (summary, fix) = if relay {
                (
                    format!(
                        "{who} on {} can use Apple's iCloud Private Relay, which hides their browsing from the school's filter: {name} resolves there.",
                        vp.name
                    ),
                    format!(
                        "Make the school's resolver answer mask.icloud.com and mask-h2.icloud.com with NXDOMAIN (no address) for the {} group, as Apple documents for networks that must filter their traffic; then run `caretaker audit --only filter` to confirm.",
                        vp.group
                    ),
                )
            } else {
                (
                    format!(
                        "{who} on {} can have encrypted DNS turned on by Firefox, which gets round the school's filter: {name} resolves there.",
                        vp.name
                    ),
                    format!(
                        "Make the school's resolver answer use-application-dns.net with NXDOMAIN (no address) for the {} group (most filtering DNS services have a setting for it), so that Firefox leaves encrypted DNS off; then run `caretaker audit --only filter` to confirm.",
                        vp.group
                    ),
                )
            };
            Finding::new(spec.id, target, Status::Fail, severity(vp), summary, ev).fix(fix)
        }
        a if a.no_address() => {
            if !resolver_answers(lookups) {
                return could_not(
                    ev,
                    "no name resolved there at all, so its silence proves nothing (the resolver may not be working)",
                );
            }
            let how = match a {
                Answer::NxDomain => "NXDOMAIN",
                Answer::NoAddress => "no address",
                _ => "not found",
            };
            let summary = if relay {
                format!(
                    "Apple's iCloud Private Relay stays off for {} on {}: {name} does not resolve there ({how}).",
                    vp.lower_who(),
                    vp.name
                )
            } else {
                format!(
                    "Firefox leaves encrypted DNS off for {} on {}: {name} does not resolve there ({how}).",
                    vp.lower_who(),
                    vp.name
                )
            };
            Finding::new(spec.id, target, Status::Pass, severity(vp), summary, ev)
        }
        _ => {
            let why = format!("the lookup did not finish ({})", failed_words(l));
            could_not(ev, &why)
        }
    }
}

/// "the encrypted-DNS service at dns.google", "the VPN site protonvpn.com".
pub fn site_words(test: &FilterTest) -> String {
    let host = host_of(&test.url).unwrap_or_else(|| test.url.clone());
    match test.category.to_ascii_lowercase().as_str() {
        "encrypted-dns" => format!("the encrypted-DNS service at {host}"),
        "vpn" => format!("the VPN site {host}"),
        "web-proxy" => format!("the web-proxy site {host}"),
        other => format!("{host} ({other})"),
    }
}

fn site_fix(test: &FilterTest, group: &str) -> String {
    let what = match test.category.to_ascii_lowercase().as_str() {
        "encrypted-dns" => "the filter's category for encrypted DNS (DNS over HTTPS) services",
        "web-proxy" => "the filter's proxy-avoidance (web proxy) category",
        _ => "the filter's VPN and proxy-avoidance category",
    };
    format!(
        "Turn on {what} for the {group} group, and make sure all of that group's traffic goes \
         through the filter. Blocking this one site is not enough: there are many more like it. \
         Then run `caretaker audit --only filter` to confirm."
    )
}

/// A bypass site that must not load.
fn site(vp: &VantagePoint, test: &FilterTest, fetch: &Fetch, rules: &Rules) -> Finding {
    let who = vp.who();
    let what = site_words(test);
    let check = check_of_site(test);
    let ev = evidence(vp, test, fetch, rules);
    let target = Target::new(TargetKind::Url, test.url.clone(), vp.name.clone());
    match classify(&test.token, fetch, rules) {
        Seen::Blocked(by) => Finding::new(
            check,
            target,
            Status::Pass,
            severity(vp),
            format!(
                "{who} on {} cannot reach {what}: the filter blocks it {}.",
                vp.name,
                by.words()
            ),
            ev,
        ),
        Seen::Loaded => {
            let why = if check == ENCRYPTED_DNS.id {
                "which browsers and apps can use to look names up past the school's filter"
            } else {
                "which can be used to get round the school's filter"
            };
            Finding::new(
                check,
                target,
                Status::Fail,
                severity(vp),
                format!("{who} on {} can reach {what}, {why}.", vp.name),
                ev,
            )
            .fix(site_fix(test, &vp.group))
        }
        Seen::Unclear { reason, error } => Finding::new(
            check,
            target,
            if error { Status::Error } else { Status::Warn },
            severity(vp),
            format!(
                "Could not tell whether {what} is blocked for {} on {}: {reason}.",
                vp.lower_who(),
                vp.name
            ),
            ev,
        )
        .fix("Look at the evidence (status, address, certificate); fix the proxy or resolver if it is down, or add the filter's block page to [[filter.block_page]]."),
    }
}
