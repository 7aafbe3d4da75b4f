#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::judge::{check_of_site, judge_bypass, judge_bypass_not_run, BypassFacts};
use super::lookup::{Answer, Lookup};
use super::*;
use crate::filter::classify::{builtin_block_pages, Rules, VantagePoint};
use crate::filter::model::{Fetch, Outcome};
use crate::model::{Finding, Status};

fn vp(group: &str) -> VantagePoint {
    VantagePoint {
        name: "pc".into(),
        group: group.into(),
        site: None,
        how: "pc over SSH, direct (no proxy)".into(),
    }
}

fn rules() -> Rules {
    Rules {
        block_pages: builtin_block_pages(),
        own_block_pages: vec![("Our filter".into(), "Blocked by Our filter".into())],
        ..Rules::default()
    }
}

fn found(name: &str, addrs: &[&str], canonical: &str) -> Lookup {
    Lookup {
        name: name.into(),
        answer: Answer::Addresses,
        addresses: addrs.iter().map(|a| a.to_string()).collect(),
        canonical: Some(canonical.into()),
        by: "test".into(),
        detail: None,
    }
}

fn none(name: &str, answer: Answer) -> Lookup {
    Lookup::without(name, answer, "test", "no")
}

/// A resolver that locks safe search on for every engine (CNAMEs for Google and Bing, only
/// addresses for YouTube and DuckDuckGo) and answers none of the canaries.
fn compliant() -> Vec<Lookup> {
    vec![
        found(
            "www.google.com",
            &["216.239.38.120"],
            "forcesafesearch.google.com",
        ),
        found(
            "forcesafesearch.google.com",
            &["216.239.38.120"],
            "forcesafesearch.google.com",
        ),
        found("www.bing.com", &["204.79.197.220"], "strict.bing.com"),
        found("strict.bing.com", &["204.79.197.220"], "strict.bing.com"),
        found("www.youtube.com", &["216.239.38.120"], "www.youtube.com"),
        found(
            "restrict.youtube.com",
            &["216.239.38.120"],
            "restrict.youtube.com",
        ),
        found(
            "restrictmoderate.youtube.com",
            &["216.239.38.119"],
            "restrictmoderate.youtube.com",
        ),
        found("duckduckgo.com", &["52.142.124.215"], "duckduckgo.com"),
        found(
            "safe.duckduckgo.com",
            &["52.142.124.215"],
            "safe.duckduckgo.com",
        ),
        none(DOH_CANARY, Answer::NxDomain),
        none("mask.icloud.com", Answer::NotFound),
        none("mask-h2.icloud.com", Answer::NoAddress),
    ]
}

fn facts(lookups: Vec<Lookup>) -> BypassFacts {
    BypassFacts {
        lookups: Ok(lookups),
        probes: None,
        sites: Vec::new(),
    }
}

fn by_target<'a>(fs: &'a [Finding], name: &str) -> &'a Finding {
    fs.iter()
        .find(|f| f.target.name == name)
        .unwrap_or_else(|| panic!("nothing about {name}: {fs:#?}"))
}

fn value<'a>(f: &'a Finding, key: &str) -> &'a str {
    f.evidence
        .values
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

#[test]
fn a_compliant_resolver_passes_everything_and_says_how() {
    let fs = judge_bypass(&vp("pupil"), &facts(compliant()), &rules());
    assert_eq!(fs.len(), ENGINES.len() + 1 + RELAY_CANARIES.len());
    for f in &fs {
        assert_eq!(f.status, Status::Pass, "{f:#?}");
    }
    let g = by_target(&fs, "www.google.com");
    assert_eq!(g.check.as_str(), SAFE_SEARCH.id);
    assert_eq!(
        g.summary,
        "Pupils on pc cannot turn off safe search on Google: www.google.com is answered as \
         forcesafesearch.google.com (a CNAME)."
    );
    assert_eq!(value(g, "canonical_name"), "forcesafesearch.google.com");
    assert_eq!(value(g, "safe_forcesafesearch_resolved"), "216.239.38.120");
    let y = by_target(&fs, "www.youtube.com");
    assert!(
        y.summary
            .ends_with("is answered with the addresses of restrict.youtube.com."),
        "{}",
        y.summary
    );
    let c = by_target(&fs, DOH_CANARY);
    assert_eq!(c.check.as_str(), ENCRYPTED_DNS.id);
    assert!(c.summary.contains("(NXDOMAIN)"), "{}", c.summary);
    let r = by_target(&fs, "mask-h2.icloud.com");
    assert_eq!(r.check.as_str(), PRIVATE_RELAY.id);
}

#[test]
fn a_search_engine_answered_as_itself_fails_and_an_ipv6_leak_is_caught() {
    let mut l = compliant();
    l[0] = found("www.google.com", &["142.250.187.196"], "www.google.com");
    // Bing's IPv4 answer is the safe one, but its IPv6 answer is Bing's own.
    l[2] = found(
        "www.bing.com",
        &["204.79.197.220", "2620:1ec:c11::200"],
        "www.bing.com",
    );
    let fs = judge_bypass(&vp("guest"), &facts(l), &rules());
    let g = by_target(&fs, "www.google.com");
    assert_eq!(g.status, Status::Fail);
    assert_eq!(
        g.summary,
        "Guests on pc can turn off safe search on Google: www.google.com is not answered as \
         forcesafesearch.google.com."
    );
    assert_eq!(value(g, "not_safe_search_addresses"), "142.250.187.196");
    assert!(g.remediation.as_deref().unwrap().contains("CNAME"));
    let b = by_target(&fs, "www.bing.com");
    assert_eq!(b.status, Status::Fail, "{b:#?}");
    assert_eq!(value(b, "not_safe_search_addresses"), "2620:1ec:c11::200");
}

#[test]
fn no_answer_for_the_safe_name_is_an_error_never_a_pass() {
    let mut l = compliant();
    l[1] = none("forcesafesearch.google.com", Answer::NxDomain);
    l[0] = found("www.google.com", &["10.0.0.1"], "www.google.com");
    let fs = judge_bypass(&vp("pupil"), &facts(l.clone()), &rules());
    let g = by_target(&fs, "www.google.com");
    assert_eq!(g.status, Status::Error, "{g:#?}");
    assert!(
        g.summary
            .contains("forcesafesearch.google.com itself did not resolve"),
        "{}",
        g.summary
    );
    // Both unanswered: still not a pass (nothing to compare).
    l[0] = none("www.google.com", Answer::Timeout);
    let fs = judge_bypass(&vp("pupil"), &facts(l), &rules());
    assert_eq!(by_target(&fs, "www.google.com").status, Status::Error);
}

#[test]
fn a_canary_that_resolves_fails_and_silence_from_a_dead_resolver_is_an_error() {
    let mut l = compliant();
    l[9] = found(DOH_CANARY, &["10.0.0.9"], DOH_CANARY);
    let fs = judge_bypass(&vp("byod"), &facts(l), &rules());
    let c = by_target(&fs, DOH_CANARY);
    assert_eq!(c.status, Status::Fail);
    assert_eq!(
        c.summary,
        "Users in the byod group on pc can have encrypted DNS turned on by Firefox, which gets \
         round the school's filter: use-application-dns.net resolves there."
    );
    assert_eq!(value(c, "resolved"), "10.0.0.9");
    assert_eq!(
        by_target(&fs, "mask.icloud.com").status,
        Status::Pass,
        "the look-alike canary"
    );
    // A resolver that answers nothing at all: no canary passes.
    let dead: Vec<Lookup> = compliant()
        .into_iter()
        .map(|l| none(&l.name, Answer::NotFound))
        .collect();
    let fs = judge_bypass(&vp("pupil"), &facts(dead), &rules());
    for f in &fs {
        assert_eq!(f.status, Status::Error, "{f:#?}");
    }
    let timeouts: Vec<Lookup> = compliant()
        .into_iter()
        .map(|l| none(&l.name, Answer::Timeout))
        .collect();
    let fs = judge_bypass(&vp("pupil"), &facts(timeouts), &rules());
    assert!(fs.iter().all(|f| f.status == Status::Error));
}

#[test]
fn lookups_that_could_not_be_made_are_errors_with_the_reason() {
    let f = BypassFacts {
        lookups: Err("the Windows probe does not look names up".into()),
        probes: None,
        sites: Vec::new(),
    };
    let fs = judge_bypass(&vp("pupil"), &f, &rules());
    assert_eq!(fs.len(), 7);
    for x in &fs {
        assert_eq!(x.status, Status::Error);
        assert!(x.summary.contains("the Windows probe"), "{}", x.summary);
    }
}

fn response(url: &str, status: u16, body: &str) -> Fetch {
    let mut f = Fetch::failed(url, Outcome::Response, "");
    f.detail = None;
    f.status = Some(status);
    f.body = body.as_bytes().to_vec();
    f.proxy = Some("http://10.0.0.1:3128".into());
    f
}

#[test]
fn through_a_proxy_only_a_rewrite_seen_passes() {
    let mut google = response("http://www.google.com/", 200, "Google");
    google.redirects = vec!["http://forcesafesearch.google.com/".into()];
    let mut bing = response("http://www.bing.com/", 200, "Bing");
    bing.redirects = vec!["https://www.bing.com/?adlt=strict".into()];
    let youtube = response("http://www.youtube.com/", 200, "YouTube");
    let mut ddg = Fetch::failed(
        "http://duckduckgo.com/",
        Outcome::ProxyUnreachable,
        "refused",
    );
    ddg.proxy = Some("http://10.0.0.1:3128".into());
    let f = BypassFacts {
        lookups: Ok(compliant()),
        probes: Some(vec![google, bing, youtube, ddg]),
        sites: Vec::new(),
    };
    let fs = judge_bypass(&vp("pupil"), &f, &rules());
    let g = by_target(&fs, "www.google.com");
    assert_eq!(g.status, Status::Pass);
    assert!(
        g.summary
            .ends_with("the proxy sends www.google.com to forcesafesearch.google.com."),
        "{}",
        g.summary
    );
    let b = by_target(&fs, "www.bing.com");
    assert_eq!(b.status, Status::Pass);
    assert!(b.summary.contains("(adlt=strict)"), "{}", b.summary);
    // Nothing seen: unclear, never a pass; the proxy down: an error.
    let y = by_target(&fs, "www.youtube.com");
    assert_eq!(y.status, Status::Warn);
    assert!(
        y.summary.contains("the proxy's own DNS cannot be seen"),
        "{}",
        y.summary
    );
    assert_eq!(by_target(&fs, "duckduckgo.com").status, Status::Error);
    // A search engine the proxy blocks outright cannot be used without safe search.
    let mut blocked = response("http://www.youtube.com/", 403, "Blocked by Our filter");
    blocked.status = Some(403);
    let f = BypassFacts {
        lookups: Ok(compliant()),
        probes: Some(vec![
            blocked.clone(),
            blocked.clone(),
            blocked.clone(),
            blocked,
        ]),
        sites: Vec::new(),
    };
    let fs = judge_bypass(&vp("pupil"), &f, &rules());
    assert!(fs
        .iter()
        .filter(|f| f.check.as_str() == SAFE_SEARCH.id)
        .all(|f| f.status == Status::Pass && f.summary.contains("the filter blocks")));
}

#[test]
fn bypass_sites_load_or_are_blocked_under_their_own_checks() {
    let sites = default_bypass_sites();
    let doh = sites[0].clone();
    let vpn = sites.iter().find(|t| t.category == "vpn").cloned().unwrap();
    assert_eq!(check_of_site(&doh), ENCRYPTED_DNS.id);
    assert_eq!(check_of_site(&vpn), VPN_PROXY.id);
    let doh_answer = response(&doh.url, 200, "\u{0}\u{13}caretaker-doh-check\u{7}example");
    let vpn_blocked = response(&vpn.url, 200, "<p>Blocked by Our filter: Proton VPN</p>");
    let f = BypassFacts {
        lookups: Ok(compliant()),
        probes: None,
        sites: vec![(doh.clone(), doh_answer), (vpn.clone(), vpn_blocked)],
    };
    let fs = judge_bypass(&vp("pupil"), &f, &rules());
    let d = by_target(&fs, &doh.url);
    assert_eq!(d.status, Status::Fail);
    assert_eq!(
        d.summary,
        "Pupils on pc can reach the encrypted-DNS service at dns.google, which browsers and apps \
         can use to look names up past the school's filter."
    );
    let v = by_target(&fs, &vpn.url);
    assert_eq!(v.status, Status::Pass, "{v:#?}");
    assert!(
        v.summary
            .starts_with("Pupils on pc cannot reach the VPN site protonvpn.com"),
        "{}",
        v.summary
    );
    let not_run = judge_bypass_not_run(&vp("pupil"), &[doh, vpn], "no internet from there");
    assert_eq!(not_run.len(), 9);
    assert!(not_run
        .iter()
        .all(|f| f.status == Status::Error && f.summary.ends_with("no internet from there.")));
}

#[test]
fn the_doh_question_is_a_real_rfc_8484_query() {
    // The sample school's stand-ins answer exactly this address (caretaker-lab's sites.rs).
    assert_eq!(
        doh_query(),
        "AAABAAABAAAAAAAAE2NhcmV0YWtlci1kb2gtY2hlY2sHZXhhbXBsZQAAAQAB"
    );
    let q = URL_SAFE_NO_PAD.decode(doh_query()).unwrap();
    assert_eq!(&q[..12], &[0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(q[12] as usize, "caretaker-doh-check".len());
    let text = String::from_utf8_lossy(&q);
    assert!(text.contains(DOH_TOKEN));
    // The address never holds the token: a block page quoting it does not look like an answer.
    for t in default_bypass_sites() {
        assert!(!t.url.contains(DOH_TOKEN), "{}", t.url);
        assert!(is_bypass_category(&t.category));
        assert_eq!(t.clause, NO_BYPASS_CLAUSE);
    }
    assert_eq!(names_to_look_up().len(), 12);
    assert!(is_pupil_group("Pupil", &["pupil".to_string()]));
    assert!(!is_pupil_group("staff", &["pupil".to_string()]));
}
