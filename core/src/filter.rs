//! Web-filter tests in the engine: one unit per `[[filter.vantage]]`. From this machine the
//! fetcher runs here (direct or through the proxy); from a `[[host]]` one SSH session runs the
//! curl probe there. Either way the control page is fetched first and judged before anything
//! else, and every result is judged here.

use std::sync::Arc;
use std::time::Duration;

use caretaker_checks::filter::bypass::{self, BypassFacts, Lookup};
use caretaker_checks::filter::classify::{self, Rules, VantagePoint};
use caretaker_checks::filter::curl::{self, ProbeRequest};
use caretaker_checks::filter::fetch::{Fetcher, FetcherSettings, ProxyAuth};
use caretaker_checks::filter::{
    default_clause, default_tests, Expect, Fetch, FilterArea, FilterTest,
};
use caretaker_checks::host::transport::{session, Choose, SshError, SshOutcome};
use caretaker_checks::host::{banner_says_windows, probe_command, OsFamily};
use caretaker_checks::{Area, CheckId, Finding, Status, Target, TargetKind};
use caretaker_config::{FilterExpect, Loaded, Vantage};
use tokio::sync::Semaphore;

use crate::engine::Unit;

/// The control test of `[filter.control]`.
pub fn control(loaded: &Loaded) -> FilterTest {
    let c = &loaded.config.filter.control;
    FilterTest {
        url: c.url.clone(),
        category: "control".into(),
        expect: Expect::Load,
        token: c.token.clone(),
        clause: "7.2/regular-checks".into(),
    }
}

/// The tests: the built-in ones (unless `default_tests = false`) and the school's own.
pub fn tests(loaded: &Loaded) -> Vec<FilterTest> {
    let f = &loaded.config.filter;
    let mut out = if f.default_tests {
        default_tests()
    } else {
        Vec::new()
    };
    for t in &f.tests {
        let expect = match t.expect {
            FilterExpect::Block => Expect::Block,
            FilterExpect::Load => Expect::Load,
        };
        out.push(FilterTest {
            url: t.url.clone(),
            category: t.category.clone(),
            expect,
            token: t.token.clone(),
            clause: t
                .clause
                .clone()
                .unwrap_or_else(|| default_clause(expect, &t.category).to_string()),
        });
    }
    out
}

/// The bypass sites that must not load for pupils: the built-in ones (unless
/// `default_bypass_sites = false`) and the school's own `[[filter.bypass_site]]`.
pub fn bypass_sites(loaded: &Loaded) -> Vec<FilterTest> {
    let f = &loaded.config.filter;
    let mut out = if f.default_bypass_sites {
        bypass::default_bypass_sites()
    } else {
        Vec::new()
    };
    for b in &f.bypass_sites {
        out.push(FilterTest {
            url: b.url.clone(),
            category: b.category.clone(),
            expect: Expect::Block,
            token: b.token.clone(),
            clause: bypass::NO_BYPASS_CLAUSE.to_string(),
        });
    }
    out
}

/// What a vantage point tests of the ways round the filter: the bypass sites (a pupils' group
/// only), and through a proxy each search engine's probe URL (safe search is then judged from
/// what the proxy does with it, never from this side's DNS).
#[derive(Debug, Clone)]
struct BypassPlan {
    sites: Vec<FilterTest>,
    probes: Option<Vec<FilterTest>>,
}

impl BypassPlan {
    fn of(v: &Vantage, loaded: &Loaded) -> BypassPlan {
        let pupils = bypass::is_pupil_group(&v.group, &loaded.config.filter.pupil_groups);
        BypassPlan {
            sites: if pupils {
                bypass_sites(loaded)
            } else {
                Vec::new()
            },
            probes: v.proxy.as_ref().map(|_| {
                bypass::ENGINES
                    .iter()
                    .map(|e| FilterTest {
                        url: e.probe_url.to_string(),
                        category: "safe-search".into(),
                        expect: Expect::Block,
                        token: String::new(),
                        clause: bypass::NO_BYPASS_CLAUSE.into(),
                    })
                    .collect()
            }),
        }
    }

    /// Every URL fetched for it, after the tests: the sites, then the probes.
    fn fetched(&self) -> Vec<FilterTest> {
        let mut out = self.sites.clone();
        out.extend(self.probes.iter().flatten().cloned());
        out
    }

    /// The facts, from the fetches of [`BypassPlan::fetched`] (in order) and the lookups.
    fn facts(
        &self,
        fetched: Vec<(FilterTest, Fetch)>,
        lookups: Result<Vec<Lookup>, String>,
    ) -> BypassFacts {
        let mut fetched = fetched.into_iter();
        let sites: Vec<(FilterTest, Fetch)> = fetched.by_ref().take(self.sites.len()).collect();
        let probes = self
            .probes
            .as_ref()
            .map(|_| fetched.map(|(_, f)| f).collect());
        BypassFacts {
            lookups,
            probes,
            sites,
        }
    }
}

/// The findings of a vantage point whose tests ran: the filter tests', then the ways round it
/// (judged only when the control page loaded, like every test).
fn judged(
    vp: &VantagePoint,
    control: &FilterTest,
    control_fetch: &Fetch,
    results: &[(FilterTest, Fetch)],
    plan: &BypassPlan,
    facts: &BypassFacts,
    rules: &Rules,
) -> Vec<Finding> {
    let mut out = classify::judge_vantage(vp, control, control_fetch, results, rules);
    if out.first().is_some_and(|c| c.status == Status::Pass) {
        out.extend(bypass::judge_bypass(vp, facts, rules));
    } else {
        out.extend(bypass::judge_bypass_not_run(
            vp,
            &plan.sites,
            "no internet from there (the control page did not load)",
        ));
    }
    out
}

/// Why a vantage point on this machine that goes through a proxy looks no names up (unless its
/// resolver is named): this machine's own resolver is not the group's.
const NO_LOCAL_DNS: &str = "through a proxy from this machine, this machine's own resolver is not      the one the group's machines use, so names are not looked up (set the vantage point's      resolver to theirs, or test from one of their machines over SSH)";

/// What tells a block from a page, from `[filter]`.
pub fn rules(loaded: &Loaded) -> Rules {
    let f = &loaded.config.filter;
    let own_block_pages = f
        .block_pages
        .iter()
        .map(|b| (b.name.clone(), b.text.clone()))
        .collect();
    Rules {
        sinkholes: f
            .sinkhole_addresses
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect(),
        block_hosts: f.block_hosts.clone(),
        block_pages: classify::builtin_block_pages(),
        own_block_pages,
        interception_issuers: f.interception_issuers.clone(),
    }
}

fn point(v: &Vantage) -> VantagePoint {
    let route = match &v.proxy {
        Some(p) => format!("through the proxy {p}"),
        None => "direct (no proxy)".to_string(),
    };
    let how = match &v.host {
        Some(h) => format!("on {h} over SSH, {route}"),
        None => format!("this machine, {route}"),
    };
    VantagePoint {
        name: v.name.clone(),
        group: v.group.clone(),
        site: v.site.clone(),
        how,
    }
}

/// One unit per vantage point.
pub fn units(loaded: &Loaded) -> Vec<Unit> {
    let f = &loaded.config.filter;
    let tests = Arc::new(tests(loaded));
    let control = Arc::new(control(loaded));
    let rules = Arc::new(rules(loaded));
    let most_bypass = bypass_sites(loaded).len() + bypass::ENGINES.len();
    let n = tests.len() + 1 + most_bypass;
    // Every URL in waves of `concurrency`, each within its limit, plus room for SSH.
    let waves = n.div_ceil(f.concurrency.max(1)) as u64;
    let remote_waves = n.div_ceil(f.concurrency.clamp(1, 32)) as u64;
    let timeout = Duration::from_secs(
        (f.timeout_secs + f.connect_timeout_secs)
            .saturating_mul(waves + 1)
            .max((2 * f.timeout_secs + f.connect_timeout_secs).saturating_mul(remote_waves) + 10)
            + loaded.config.hosts.connect_timeout_secs
            + f.connect_timeout_secs
            + 30,
    );
    let names = bypass::names_to_look_up();
    let machines = crate::hosts::configured(loaded);
    FilterArea::units(&loaded.config)
        .iter()
        .map(|v| {
            let vp = point(v);
            let (tests, control, rules) = (tests.clone(), control.clone(), rules.clone());
            let plan = BypassPlan::of(v, loaded);
            let names = names.clone();
            let what = format!("the web filter from {} ({})", v.name, v.group);
            let work: crate::engine::CheckFuture = match &v.host {
                None => {
                    let settings = FetcherSettings {
                        timeout: Duration::from_secs(f.timeout_secs),
                        connect_timeout: Duration::from_secs(f.connect_timeout_secs),
                        max_body: usize::try_from(f.max_body_bytes).unwrap_or(usize::MAX),
                        max_redirects: f.max_redirects,
                        proxy: v.proxy.clone(),
                        proxy_auth: match (&v.proxy_user, &v.proxy_password) {
                            (Some(user), Some(password)) => Some(ProxyAuth {
                                user: user.clone(),
                                password: password.clone(),
                            }),
                            _ => None,
                        },
                        resolver: v.resolver.clone(),
                        ca_files: f.ca_file.iter().cloned().collect(),
                    };
                    let concurrency = f.concurrency;
                    // Names are looked up as the group's machines would: with the vantage
                    // point's resolver; through a proxy, only when that resolver is named.
                    let resolver = match (&v.proxy, &v.resolver) {
                        (Some(_), None) => Err(NO_LOCAL_DNS.to_string()),
                        (_, r) => Ok(r.clone()),
                    };
                    let lookup_timeout = Duration::from_secs(f.connect_timeout_secs);
                    Box::pin(async move {
                        match Fetcher::new(&settings) {
                            Err(e) => unreachable(&vp, &control, &tests, &plan, &e.to_string()),
                            Ok(fetcher) => {
                                let mut all = (*tests).clone();
                                all.extend(plan.fetched());
                                let (c, mut results) =
                                    run_local(&fetcher, &control, &all, concurrency).await;
                                let fetched = results.split_off(tests.len().min(results.len()));
                                let lookups = match resolver {
                                    Ok(r) => {
                                        bypass::lookup::look_up_all(
                                            r.as_deref(),
                                            &names,
                                            lookup_timeout,
                                        )
                                        .await
                                    }
                                    Err(why) => Err(why),
                                };
                                let facts = plan.facts(fetched, lookups);
                                judged(&vp, &control, &c, &results, &plan, &facts, &rules)
                            }
                        }
                    })
                }
                Some(host) => {
                    let machine = machines.iter().find(|m| &m.info.name == host).cloned();
                    let req = ProbeRequest {
                        urls: std::iter::once(control.url.clone())
                            .chain(tests.iter().map(|t| t.url.clone()))
                            .chain(plan.fetched().into_iter().map(|t| t.url))
                            .collect(),
                        proxy: v.proxy.clone(),
                        proxy_credentials: match (&v.proxy_user, &v.proxy_password) {
                            (Some(user), Some(password)) => {
                                Some((user.clone(), password.expose().to_string()))
                            }
                            _ => None,
                        },
                        timeout_secs: f.timeout_secs,
                        connect_timeout_secs: f.connect_timeout_secs,
                        // The probe's own bounds (it keeps its output under 80 MB).
                        max_body_bytes: usize::try_from(f.max_body_bytes)
                            .unwrap_or(usize::MAX)
                            .min(256 * 1024),
                        max_redirects: f.max_redirects,
                        concurrency: f.concurrency.min(32),
                        lookups: names.clone(),
                    };
                    // Each URL may take its limit twice on the machine (curl, then openssl for
                    // the issuer of a refused certificate), in waves of `concurrency`.
                    let remote_waves = n.div_ceil(f.concurrency.clamp(1, 32)) as u64;
                    let waves_secs = (2 * f.timeout_secs + f.connect_timeout_secs)
                        .saturating_mul(remote_waves)
                        + f.connect_timeout_secs
                        + 10;
                    Box::pin(async move {
                        let Some(machine) = machine else {
                            return unreachable(
                                &vp,
                                &control,
                                &tests,
                                &plan,
                                "its [[host]] is not configured",
                            );
                        };
                        match run_remote(machine, req, waves_secs).await {
                            Err(reason) => unreachable(&vp, &control, &tests, &plan, &reason),
                            Ok((mut fetches, lookups)) => {
                                if fetches.is_empty() {
                                    return unreachable(
                                        &vp,
                                        &control,
                                        &tests,
                                        &plan,
                                        "the probe returned nothing",
                                    );
                                }
                                let c = fetches.remove(0);
                                let fetched = fetches.split_off(tests.len().min(fetches.len()));
                                let results: Vec<(FilterTest, Fetch)> =
                                    tests.iter().cloned().zip(fetches).collect();
                                let fetched: Vec<(FilterTest, Fetch)> =
                                    plan.fetched().into_iter().zip(fetched).collect();
                                let facts = plan.facts(fetched, lookups);
                                judged(&vp, &control, &c, &results, &plan, &facts, &rules)
                            }
                        }
                    })
                }
            };
            Unit {
                name: format!("filter:{}", v.name),
                check_ids: FilterArea::specs()
                    .iter()
                    .map(|s| CheckId::new(s.id))
                    .collect(),
                target: Target::new(TargetKind::System, format!("filter:{}", v.name), ""),
                what,
                timeout: Some(timeout),
                work,
            }
        })
        .collect()
}

/// Every test of a vantage point as `error`, when it could not be used at all.
fn unreachable(
    vp: &VantagePoint,
    control: &FilterTest,
    tests: &[FilterTest],
    plan: &BypassPlan,
    reason: &str,
) -> Vec<Finding> {
    let mut out = classify::judge_unreachable(vp, control, tests, reason);
    out.extend(bypass::judge_bypass_not_run(vp, &plan.sites, reason));
    out
}

/// The control, then every test at most `concurrency` at once, from this machine.
pub async fn run_local(
    fetcher: &Fetcher,
    control: &FilterTest,
    tests: &[FilterTest],
    concurrency: usize,
) -> (Fetch, Vec<(FilterTest, Fetch)>) {
    let c = fetcher.fetch(&control.url).await;
    let sem = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for (i, t) in tests.iter().enumerate() {
        let sem = sem.clone();
        let fetcher = fetcher.clone();
        let t = t.clone();
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            let got = fetcher.fetch(&t.url).await;
            (i, t, got)
        });
    }
    let mut out = Vec::with_capacity(tests.len());
    while let Some(joined) = set.join_next().await {
        if let Ok(done) = joined {
            out.push(done);
        }
    }
    out.sort_by_key(|(i, _, _)| *i);
    (c, out.into_iter().map(|(_, t, f)| (t, f)).collect())
}

/// One SSH session on the vantage machine running the curl probe (or Invoke-WebRequest on
/// Windows); the fetches it reports, in request order, and what the names it was asked to look
/// up resolved to there.
async fn run_remote(
    machine: crate::hosts::Machine,
    req: ProbeRequest,
    command_secs: u64,
) -> Result<(Vec<Fetch>, Result<Vec<Lookup>, String>), String> {
    let sh = curl::sh_script(&req).map_err(|e| e.reason)?;
    let ps1 = curl::ps1_script(&req).map_err(|e| e.reason)?;
    let urls = req.urls.clone();
    let names = req.lookups.clone();
    let mut target = machine.target.clone();
    // The probe waits on every URL: its limit is the filter's, not the host checks'.
    target.command_timeout = target
        .command_timeout
        .max(Duration::from_secs(command_secs));
    let info = machine.info.clone();
    let choose: Choose = Box::new(move |banner| {
        let windows = if info.detect_os {
            banner.is_some_and(banner_says_windows)
        } else {
            info.os == OsFamily::Windows
        };
        if windows {
            (
                probe_command(OsFamily::Windows).to_string(),
                Some(ps1.as_bytes().to_vec()),
            )
        } else {
            (
                probe_command(OsFamily::Linux).to_string(),
                Some(sh.as_bytes().to_vec()),
            )
        }
    });
    let result = session(target, choose).await;
    match result {
        Ok(SshOutcome::Output { stdout, stderr_tail, exit, .. }) => {
            if stdout.is_empty() && exit != Some(0) {
                return Err(format!(
                    "the probe failed on {} (exit {exit:?}: {})",
                    machine.info.name,
                    stderr_tail.trim()
                ));
            }
            let report = curl::parse_with_lookups(&stdout, &urls, &names)
                .map_err(|e| format!("the probe's answer could not be read: {}", e.reason))?;
            let by = format!("getent ahosts on {}", machine.info.name);
            let lookups = report.lookups.map(|ls| {
                ls.into_iter()
                    .map(|mut l| {
                        if l.by == curl::BY_GETENT {
                            l.by.clone_from(&by);
                        }
                        l
                    })
                    .collect()
            });
            Ok((report.fetches, lookups))
        }
        Err(SshError::ChangedHostKey { .. }) => Err(format!(
            "{}'s SSH key has changed since it was trusted (possible interception); nothing was sent to it",
            machine.info.name
        )),
        Err(SshError::UnknownHostKey { .. }) => Err(format!(
            "{}'s SSH key has not been trusted yet (`caretaker hosts trust {}`)",
            machine.info.name, machine.info.name
        )),
        Err(e) => Err(format!("{} could not be reached over SSH: {e}", machine.info.name)),
    }
}

/// One test as `caretaker filter tests` lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ListedTest {
    pub url: String,
    pub category: String,
    /// `must-block` or `must-load`.
    pub expect: &'static str,
    /// Text only the real page contains: found means the page loaded.
    pub token: String,
    pub clause: String,
    /// `built-in` or `caretaker.toml`.
    pub source: &'static str,
    /// False for a built-in test turned off by `filter.default_tests = false`.
    pub runs: bool,
}

fn expect_words(e: Expect) -> &'static str {
    match e {
        Expect::Block => "must-block",
        Expect::Load => "must-load",
    }
}

/// Every built-in test (from [`default_tests`], the one list the checks run), then the school's
/// own `[[filter.test]]` when a configuration is given.
pub fn listing(loaded: Option<&Loaded>) -> Vec<ListedTest> {
    let builtin_on = loaded.is_none_or(|l| l.config.filter.default_tests);
    let mut out: Vec<ListedTest> = default_tests()
        .into_iter()
        .map(|t| ListedTest {
            expect: expect_words(t.expect),
            url: t.url,
            category: t.category,
            token: t.token,
            clause: t.clause,
            source: "built-in",
            runs: builtin_on,
        })
        .collect();
    if let Some(loaded) = loaded {
        let own = tests(loaded);
        let skip = if builtin_on { default_tests().len() } else { 0 };
        out.extend(own.into_iter().skip(skip).map(|t| ListedTest {
            expect: expect_words(t.expect),
            url: t.url,
            category: t.category,
            token: t.token,
            clause: t.clause,
            source: "caretaker.toml",
            runs: true,
        }));
    }
    out
}

/// The listing as one versioned JSON document.
pub fn listing_json(tests: &[ListedTest]) -> serde_json::Value {
    serde_json::json!({
        "kind": "caretaker.filter-tests",
        "version": 1,
        "tests": tests,
    })
}

/// The listing as text: must-block tests, then must-load, one line each.
pub fn listing_text(tests: &[ListedTest]) -> String {
    use std::fmt::Write as _;
    let builtin = tests.iter().filter(|t| t.source == "built-in").count();
    let own = tests.len() - builtin;
    let off = tests.iter().any(|t| !t.runs);
    let mut s = format!(
        "The web-filter tests run from every vantage point: {builtin} built-in{}, {own} from caretaker.toml.\n\
         A must-block page has loaded when its text is found; a must-load page has been blocked when it is not.\n",
        if off { " (off: filter.default_tests = false)" } else { "" }
    );
    let url_w = tests.iter().map(|t| t.url.len()).max().unwrap_or(0);
    let cat_w = tests.iter().map(|t| t.category.len()).max().unwrap_or(0);
    let tok_w = tests
        .iter()
        .map(|t| t.token.len() + 2)
        .max()
        .unwrap_or(0)
        .max("PAGE TEXT".len());
    let cl_w = tests.iter().map(|t| t.clause.len()).max().unwrap_or(0);
    let _ = writeln!(
        s,
        "\n  {:<url_w$}  {:<cat_w$}  {:<tok_w$}  {:<cl_w$}  FROM",
        "URL", "CATEGORY", "PAGE TEXT", "CLAUSE"
    );
    for expect in ["must-block", "must-load"] {
        let mine: Vec<&ListedTest> = tests.iter().filter(|t| t.expect == expect).collect();
        if mine.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{}:", expect.to_uppercase().replace('-', " "));
        for t in mine {
            let token = format!("\"{}\"", t.token);
            let _ = writeln!(
                s,
                "  {:<url_w$}  {:<cat_w$}  {:<tok_w$}  {:<cl_w$}  {}{}",
                t.url,
                t.category,
                token,
                t.clause,
                t.source,
                if t.runs { "" } else { " (off)" }
            );
        }
    }
    s
}
