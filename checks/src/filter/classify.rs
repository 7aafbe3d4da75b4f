//! Judging fetches: what a fetch shows (the page loaded, or how it was blocked, or that nothing
//! can be said), then findings per test and vantage point. Pure: no network, no clock.

use std::net::IpAddr;

use super::model::{Expect, Fetch, FilterTest, Outcome};
use crate::model::{Evidence, Finding, Severity, Status, Target, TargetKind};

/// The check ids of the filter tests (declared in [`super::SPECS`]).
pub const CONTROL: &str = super::CONTROL.id;
pub const MUST_BLOCK: &str = super::MUST_BLOCK.id;
pub const CATEGORIES: &str = super::CATEGORIES.id;
pub const MUST_LOAD: &str = super::MUST_LOAD.id;
/// Every filter check id, in report order.
pub const CHECK_IDS: &[&str] = &crate::registry::ids_of::<{ super::SPECS.len() }>(super::SPECS);

/// The check id a test reports under: the IWF list apart (its own clause), other must-block
/// categories together, and over-blocking.
pub fn check_of(test: &FilterTest) -> &'static str {
    match test.expect {
        Expect::Load => MUST_LOAD,
        Expect::Block if test.category.eq_ignore_ascii_case("iwf") => MUST_BLOCK,
        Expect::Block => CATEGORIES,
    }
}

/// What the school's filter looks like, for telling a block from a page.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Addresses a filtering resolver answers blocked names with.
    pub sinkholes: Vec<IpAddr>,
    /// Host names of block pages (a redirect there is a block).
    pub block_hosts: Vec<String>,
    /// Block pages known to every school (the IWF's splash page, Squid's): (name, text only it
    /// contains). A page's own words outweigh them: the IWF's own site names the IWF.
    pub block_pages: Vec<(String, String)>,
    /// The school's own filter's block pages (`[[filter.block_page]]`): decisive, whatever else
    /// the page says (a block page that names the site it blocks is still a block).
    pub own_block_pages: Vec<(String, String)>,
    /// Words in the issuer of the filter's HTTPS-inspection CA.
    pub interception_issuers: Vec<String>,
}

/// The built-in block pages: the IWF's splash page (the sentence UK ISPs and filters show for a
/// URL on the IWF list names the Internet Watch Foundation) and Squid's access-denied page.
pub fn builtin_block_pages() -> Vec<(String, String)> {
    vec![
        (
            "IWF splash page".to_string(),
            "Internet Watch Foundation".to_string(),
        ),
        (
            "Squid access denied".to_string(),
            "ERR_ACCESS_DENIED".to_string(),
        ),
    ]
}

/// How a page was blocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockedBy {
    /// The resolver said the name does not exist, or answered with a sinkhole address.
    Dns(String),
    /// The connection was refused or reset.
    Connection(String),
    /// The proxy refused the request or the tunnel (its status).
    Proxy(u16),
    /// The site's address answered with a refusal status (a transparent filter).
    Status(u16),
    /// A redirect to a block host.
    Redirect(String),
    /// A block page, by name.
    BlockPage(String),
}

impl BlockedBy {
    /// Plain words: "by the proxy (HTTP 403)".
    pub fn words(&self) -> String {
        match self {
            BlockedBy::Dns(why) => format!("by DNS ({why})"),
            BlockedBy::Connection(why) => format!("by refusing the connection ({why})"),
            BlockedBy::Proxy(code) => format!("by the proxy (HTTP {code})"),
            BlockedBy::Status(code) => format!("with HTTP {code}"),
            BlockedBy::Redirect(host) => format!("by a redirect to the block page at {host}"),
            BlockedBy::BlockPage(name) => format!("with a block page ({name})"),
        }
    }
}

/// What one fetch shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// The page's own token was found: it loaded.
    Loaded,
    Blocked(BlockedBy),
    /// Nothing can be said; `error` when the cause is on caretaker's side of the filter (the
    /// proxy or resolver is down), otherwise a warning.
    Unclear {
        reason: String,
        error: bool,
    },
}

/// The host of a URL, lower-case (`None` if it has none).
pub fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url).ok().and_then(|u| {
        u.host_str()
            .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
    })
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    !n.is_empty() && haystack.windows(n.len()).any(|w| w == n)
}

/// The school's own block page whose text the body holds, if any.
fn own_block_page<'r>(body: &[u8], rules: &'r Rules) -> Option<&'r str> {
    rules
        .own_block_pages
        .iter()
        .find(|(_, text)| contains(body, text))
        .map(|(name, _)| name.as_str())
}

/// The block page (the school's own, else a built-in one) whose text the body holds, if any.
fn block_page<'r>(body: &[u8], rules: &'r Rules) -> Option<&'r str> {
    own_block_page(body, rules).or_else(|| {
        rules
            .block_pages
            .iter()
            .find(|(_, text)| contains(body, text))
            .map(|(name, _)| name.as_str())
    })
}

/// True if the certificate was issued by the filter's inspection CA.
pub fn inspected_by_filter(fetch: &Fetch, rules: &Rules) -> bool {
    fetch.tls_issuer.as_deref().is_some_and(|issuer| {
        let issuer = issuer.to_ascii_lowercase();
        rules
            .interception_issuers
            .iter()
            .any(|w| !w.is_empty() && issuer.contains(&w.to_ascii_lowercase()))
    })
}

/// What `fetch` shows about a page whose own content contains `token`.
pub fn classify(token: &str, fetch: &Fetch, rules: &Rules) -> Seen {
    let sinkholed: Vec<&String> = fetch
        .addresses
        .iter()
        .filter(|a| {
            a.parse::<IpAddr>()
                .is_ok_and(|ip| rules.sinkholes.contains(&ip))
        })
        .collect();
    if !fetch.addresses.is_empty() && sinkholed.len() == fetch.addresses.len() {
        return Seen::Blocked(BlockedBy::Dns(format!(
            "the name resolves to the sinkhole address {}",
            sinkholed[0]
        )));
    }
    // The school's own block page is a block, whatever else it says: a filter's page that names
    // the site it blocks ("The site Childline is blocked") holds the page's own words too.
    let block = if fetch.outcome == Outcome::Response {
        own_block_page(&fetch.body, rules)
    } else {
        None
    };
    // The page's own text in a successful answer that is not a block page: it loaded. (A proxy's
    // error page can quote words of anything, so the status counts too.)
    let loaded = block.is_none()
        && fetch.outcome == Outcome::Response
        && fetch.status.is_some_and(|c| (200..300).contains(&c))
        && contains(&fetch.body, token);
    // A redirect to a block host is a block, however the fetch of the block page itself went.
    if !loaded {
        for hop in fetch.redirects.iter().chain(fetch.final_url.iter()) {
            if let Some(h) = host_of(hop) {
                if rules.block_hosts.iter().any(|b| b.eq_ignore_ascii_case(&h)) {
                    return Seen::Blocked(BlockedBy::Redirect(h));
                }
            }
        }
    }
    let unclear = |reason: String| Seen::Unclear {
        reason,
        error: false,
    };
    let broken = |reason: String| Seen::Unclear {
        reason,
        error: true,
    };
    match fetch.outcome {
        Outcome::Response => {
            if let Some(name) = block {
                return Seen::Blocked(BlockedBy::BlockPage(name.to_string()));
            }
            if loaded {
                return Seen::Loaded;
            }
            if let Some(name) = block_page(&fetch.body, rules) {
                return Seen::Blocked(BlockedBy::BlockPage(name.to_string()));
            }
            match fetch.status {
                Some(code @ (403 | 451)) => Seen::Blocked(BlockedBy::Status(code)),
                Some(407) => broken("the proxy asks for a login (HTTP 407)".into()),
                Some(code @ 502..=504) if fetch.proxy.is_some() => broken(format!(
                    "the proxy could not reach the site (HTTP {code})"
                )),
                Some(code) => unclear(format!(
                    "the site answered with HTTP {code}, but neither the page's own text ({token:?}) nor a known block page was in it{}",
                    if fetch.body_truncated { " (as far as it was read)" } else { "" }
                )),
                None => unclear("an answer without a status".into()),
            }
        }
        Outcome::ProxyRefused => match fetch.proxy_status {
            Some(407) => broken("the proxy asks for a login (HTTP 407)".into()),
            Some(code) if code >= 500 => broken(format!(
                "the proxy could not reach the site (HTTP {code})"
            )),
            Some(code) if code >= 400 => {
                if let Some(name) = block_page(&fetch.body, rules) {
                    Seen::Blocked(BlockedBy::BlockPage(name.to_string()))
                } else {
                    Seen::Blocked(BlockedBy::Proxy(code))
                }
            }
            _ => unclear("the proxy did not open the connection".into()),
        },
        Outcome::NxDomain => Seen::Blocked(BlockedBy::Dns(
            "the resolver says the name does not exist (NXDOMAIN)".into(),
        )),
        Outcome::ConnectRefused => {
            Seen::Blocked(BlockedBy::Connection("the connection was refused".into()))
        }
        Outcome::ConnectReset => {
            Seen::Blocked(BlockedBy::Connection("the connection was reset".into()))
        }
        Outcome::TlsUntrusted => unclear(format!(
            "the HTTPS connection was answered with a certificate caretaker does not trust{}: \
             probably HTTPS inspection by a filter whose certificate authority is not in filter.ca_file",
            fetch
                .tls_issuer
                .as_deref()
                .map(|i| format!(" (issued by {i})"))
                .unwrap_or_default()
        )),
        Outcome::TlsFailed => unclear("the secure (TLS) connection failed".into()),
        Outcome::ResolveTimeout => broken("the resolver did not answer in time".into()),
        Outcome::ResolveFailed => broken("the resolver answered with an error".into()),
        Outcome::ProxyUnreachable => broken("the proxy could not be reached".into()),
        Outcome::ConnectTimeout => {
            unclear("the site did not answer the connection in time (a filter may drop it silently)".into())
        }
        Outcome::Unreachable => unclear("the network has no route to the site".into()),
        Outcome::TooManyRedirects => unclear("the site redirected too many times (a redirect loop)".into()),
        Outcome::Timeout => unclear("the page did not finish loading in time".into()),
        Outcome::Other => unclear(
            fetch
                .detail
                .clone()
                .unwrap_or_else(|| "the fetch failed".into()),
        ),
    }
}

/// A vantage point as the findings describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VantagePoint {
    pub name: String,
    /// `pupil`, `staff`, `guest`…
    pub group: String,
    pub site: Option<String>,
    /// How the tests ran: "this machine, through the proxy http://10.0.0.1:3128",
    /// "pupil-pc over SSH, direct".
    pub how: String,
}

impl VantagePoint {
    /// "Pupils", "Staff", "Guests", or "Users in the sixth-form group".
    pub fn who(&self) -> String {
        match self.group.to_ascii_lowercase().as_str() {
            "pupil" | "pupils" | "learner" | "learners" => "Pupils".into(),
            "staff" => "Staff".into(),
            "guest" | "guests" => "Guests".into(),
            _ => format!("Users in the {} group", self.group),
        }
    }

    /// "pupils", "staff", "guests", or "users in the sixth-form group".
    pub fn lower_who(&self) -> String {
        let w = self.who();
        match w.strip_prefix("Users") {
            Some(rest) => format!("users{rest}"),
            None => w.to_lowercase(),
        }
    }

    /// Where the facts come from, as evidence names it: "pupil-pc (pupil, site main): …".
    pub fn source(&self) -> String {
        format!(
            "{} ({}{}): {}",
            self.name,
            self.group,
            self.site
                .as_deref()
                .map(|s| format!(", site {s}"))
                .unwrap_or_default(),
            self.how
        )
    }
}

/// A page described for people: "the IWF test page (child sexual abuse content)".
fn page_words(test: &FilterTest) -> String {
    let host = host_of(&test.url).unwrap_or_else(|| test.url.clone());
    match test.category.to_ascii_lowercase().as_str() {
        "iwf" => {
            "the IWF test page (on the Internet Watch Foundation's child sexual abuse list)".into()
        }
        "ctiru" => "the CTIRU test page (on the police list of unlawful terrorist content)".into(),
        "adult" => "the adult-content test page".into(),
        "offensive-language" => "the offensive-language test page".into(),
        _ => format!("{host} ({})", test.category),
    }
}

fn severity(test: &FilterTest) -> Severity {
    match (test.expect, test.category.to_ascii_lowercase().as_str()) {
        (Expect::Block, "iwf" | "ctiru") => Severity::Critical,
        (Expect::Block, "adult") => Severity::High,
        (Expect::Block, _) => Severity::Medium,
        (Expect::Load, "safeguarding") => Severity::High,
        (Expect::Load, _) => Severity::Medium,
    }
}

/// What to do when a must-block test page of `category` loads for `group`. A test page is only a
/// sample of a list or category: blocking the test site alone makes the test pass and fixes
/// nothing, so the advice names the list or category to turn on, and the other cause, traffic
/// that does not go through the filter at all.
pub fn fix_must_block(category: &str, group: &str) -> String {
    let what = match category.to_ascii_lowercase().as_str() {
        "iwf" => "the IWF list (the Internet Watch Foundation's list of child sexual abuse pages)"
            .to_string(),
        "ctiru" => "the CTIRU list (the police's list of unlawful terrorist content)".to_string(),
        "adult" => "the adult-content (pornography) category".to_string(),
        "offensive-language" => "the offensive-language (swearing) category".to_string(),
        other => format!("the category that covers {other}"),
    };
    format!(
        "Turn on {what} in the filter for the {group} group, and make sure all of that group's \
         traffic goes through the filter (a network, proxy setting or device that bypasses it is \
         not filtered at all). Do not block the test site on its own: that makes this test pass \
         and protects nobody. Then run `caretaker audit --only filter` to confirm."
    )
}

/// What to do when a page that must load (`host`) is blocked for `group`: allow it, once the
/// change is risk assessed.
pub fn fix_must_load(host: &str, group: &str) -> String {
    format!(
        "Allow {host} for the {group} group in the filter after a risk assessment of the change \
         (record it with `caretaker assess add`, or `n` on the console's Assessments screen); \
         then run `caretaker audit --only filter` to confirm."
    )
}

/// The evidence of one fetch.
pub fn evidence(vp: &VantagePoint, test: &FilterTest, fetch: &Fetch, rules: &Rules) -> Evidence {
    let mut ev = Evidence::new(vp.source())
        .with("url", test.url.as_str())
        .with("category", test.category.as_str())
        .with("expect", test.expect.as_str())
        .with("clause", test.clause.as_str())
        .with("group", vp.group.as_str())
        .with("outcome", fetch.outcome.as_str());
    if let Some(p) = &fetch.proxy {
        ev.push("proxy", p.as_str());
    }
    if !fetch.addresses.is_empty() {
        ev.push("resolved", fetch.addresses.join(", "));
    }
    if let Some(s) = fetch.proxy_status {
        ev.push("proxy_status", s.to_string());
    }
    if let Some(s) = fetch.status {
        ev.push("status", s.to_string());
    }
    if !fetch.redirects.is_empty() {
        ev.push("redirects", fetch.redirects.join(" -> "));
    }
    if let Some(u) = &fetch.final_url {
        ev.push("final_url", u.as_str());
    }
    if let Some(i) = &fetch.tls_issuer {
        ev.push("certificate_issuer", i.as_str());
        if inspected_by_filter(fetch, rules) {
            ev.push("https_inspection", "by the filter's certificate authority");
        }
    }
    if let Some(name) = own_block_page(&fetch.body, rules) {
        ev.push("matched", format!("block page: {name}"));
    } else if contains(&fetch.body, &test.token) {
        ev.push("matched", format!("the page's own text {:?}", test.token));
    } else if let Some(name) = block_page(&fetch.body, rules) {
        ev.push("matched", format!("block page: {name}"));
    }
    ev.push("body_bytes_read", fetch.body.len().to_string());
    if fetch.body_truncated {
        ev.push("body_truncated", "true");
    }
    ev.push("elapsed_ms", fetch.elapsed_ms.to_string());
    if let Some(d) = &fetch.detail {
        ev.push("detail", d.as_str());
    }
    ev
}

fn target(vp: &VantagePoint, test: &FilterTest) -> Target {
    Target::new(TargetKind::Url, test.url.clone(), vp.name.clone())
}

/// The finding of one test from one vantage point whose control page loaded.
pub fn judge_test(vp: &VantagePoint, test: &FilterTest, fetch: &Fetch, rules: &Rules) -> Finding {
    let who = vp.who();
    let page = page_words(test);
    let ev = evidence(vp, test, fetch, rules);
    let check = check_of(test);
    let from = format!("on {}", vp.name);
    match (test.expect, classify(&test.token, fetch, rules)) {
        (Expect::Block, Seen::Blocked(by)) => Finding::new(
            check,
            target(vp, test),
            Status::Pass,
            severity(test),
            format!("{who} {from} cannot reach {page}: the filter blocks it {}.", by.words()),
            ev,
        ),
        (Expect::Block, Seen::Loaded) => Finding::new(
            check,
            target(vp, test),
            Status::Fail,
            severity(test),
            format!("{who} {from} can reach {page}: the filter does not block it."),
            ev,
        )
        .fix(fix_must_block(&test.category, &vp.group)),
        (Expect::Load, Seen::Loaded) => Finding::new(
            check,
            target(vp, test),
            Status::Pass,
            severity(test),
            format!("{who} {from} can reach {page}."),
            ev,
        ),
        (Expect::Load, Seen::Blocked(by)) => Finding::new(
            check,
            target(vp, test),
            Status::Fail,
            severity(test),
            format!(
                "{who} {from} cannot reach {page}: the filter blocks it {}, which is over-blocking.",
                by.words()
            ),
            ev,
        )
        .fix(fix_must_load(
            &host_of(&test.url).unwrap_or_else(|| test.url.clone()),
            &vp.group,
        )),
        (_, Seen::Unclear { reason, error }) => {
            let status = if error { Status::Error } else { Status::Warn };
            let verb = match test.expect {
                Expect::Block => "is blocked",
                Expect::Load => "loads",
            };
            Finding::new(
                check,
                target(vp, test),
                status,
                severity(test),
                format!(
                    "Could not tell whether {page} {verb} for {} {from}: {reason}.",
                    vp.lower_who()
                ),
                ev,
            )
            .fix("Look at the evidence (status, address, certificate); fix the proxy or resolver if it is down, or add the filter's block page to [[filter.block_page]].")
        }
    }
}

/// Every finding of one vantage point: the control first; when it did not load, every test is
/// an `error` ("no internet from here") and none is judged, so nothing is ever reported as blocked
/// because the network was down.
pub fn judge_vantage(
    vp: &VantagePoint,
    control: &FilterTest,
    control_fetch: &Fetch,
    results: &[(FilterTest, Fetch)],
    rules: &Rules,
) -> Vec<Finding> {
    let mut out = Vec::with_capacity(results.len() + 1);
    let control_ev = evidence(vp, control, control_fetch, rules);
    let control_target = target(vp, control);
    let loaded = classify(&control.token, control_fetch, rules) == Seen::Loaded;
    if loaded {
        out.push(Finding::new(
            CONTROL,
            control_target,
            Status::Pass,
            Severity::Info,
            format!(
                "The internet can be reached from {}, so its filter tests can be trusted.",
                vp.name
            ),
            control_ev,
        ));
        for (test, fetch) in results {
            out.push(judge_test(vp, test, fetch, rules));
        }
        return out;
    }
    let why = match classify(&control.token, control_fetch, rules) {
        Seen::Unclear { reason, .. } => reason,
        Seen::Blocked(by) => format!("the control page was blocked {}", by.words()),
        Seen::Loaded => "the control page did not load".into(),
    };
    out.push(
        Finding::error(
            CONTROL,
            control_target,
            format!(
                "Could not test the filter from {}: the control page {} did not load ({why}), so there seems to be no internet from there.",
                vp.name, control.url
            ),
            control_ev,
        )
        .fix("Check the vantage point's network, proxy and resolver; then run `caretaker audit --only filter` again."),
    );
    for (test, fetch) in results {
        let ev =
            evidence(vp, test, fetch, rules).with("not_judged", "the control page did not load");
        let verb = match test.expect {
            Expect::Block => "is blocked",
            Expect::Load => "loads",
        };
        out.push(
            Finding::error(
                check_of(test),
                target(vp, test),
                format!(
                    "Could not tell whether {} {verb} for {} on {}: no internet from there (the control page did not load).",
                    page_words(test),
                    vp.lower_who(),
                    vp.name
                ),
                ev,
            )
            .fix("Check the vantage point's network, proxy and resolver; then run `caretaker audit --only filter` again."),
        );
    }
    out
}

/// Every finding of a vantage point that could not be used at all (its machine unreachable over
/// SSH, its settings unusable): all `error`, with the reason, and nothing judged.
pub fn judge_unreachable(
    vp: &VantagePoint,
    control: &FilterTest,
    tests: &[FilterTest],
    reason: &str,
) -> Vec<Finding> {
    let fix = "Check the vantage point (its machine, SSH access, proxy settings); then run `caretaker audit --only filter` again.";
    let ev = |t: &FilterTest| {
        Evidence::new(vp.source())
            .with("url", t.url.as_str())
            .with("category", t.category.as_str())
            .with("expect", t.expect.as_str())
            .with("clause", t.clause.as_str())
            .with("group", vp.group.as_str())
            .with("not_tested", reason)
    };
    let mut out = vec![Finding::error(
        CONTROL,
        target(vp, control),
        format!("Could not test the filter from {}: {reason}.", vp.name),
        ev(control),
    )
    .fix(fix)];
    for t in tests {
        let verb = match t.expect {
            Expect::Block => "is blocked",
            Expect::Load => "loads",
        };
        out.push(
            Finding::error(
                check_of(t),
                target(vp, t),
                format!(
                    "Could not tell whether {} {verb} for {} on {}: {reason}.",
                    page_words(t),
                    vp.lower_who(),
                    vp.name
                ),
                ev(t),
            )
            .fix(fix),
        );
    }
    out
}
