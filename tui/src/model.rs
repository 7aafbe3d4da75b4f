//! The console's data: what a [`Source`](crate::source::Source) answers, and the views every
//! screen derives from it. Pure functions, no I/O: the source builds a [`Picture`] off the UI
//! task, and the screens read it.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use caretaker_api::{Catalogue, Overview};
use caretaker_model::compliance::{clause_lines, clause_lines_attested, ClauseLine, ClauseStatus};
use caretaker_model::run::{fingerprint, RunRecord, RunState, StatusCounts, Verdict};
use caretaker_model::{AreaId, ClauseMap, Finding, Status, TargetKind};

/// One clause of the policy as the Compliance screen shows it.
#[derive(Debug, Clone)]
pub struct ClauseRow {
    pub line: ClauseLine,
    /// The policy's own words.
    pub text: String,
    /// The run that last produced findings for this clause, and when it started.
    pub verified: Option<(i64, String)>,
    pub counts: StatusCounts,
}

impl PartialEq for ClauseRow {
    fn eq(&self, o: &ClauseRow) -> bool {
        let (a, b) = (&self.line, &o.line);
        (&a.id, &a.section, &a.title, a.status, a.findings, &a.reason)
            == (&b.id, &b.section, &b.title, b.status, b.findings, &b.reason)
            && (&self.text, &self.verified, self.counts) == (&o.text, &o.verified, o.counts)
    }
}

/// What the school looks like now: for each check, the findings of the newest run that ran it.
///
/// Nightly runs check everything; a run started from the console may check one check or one
/// machine. The picture takes the latest complete full run and lays every later run over it, so
/// that re-checking one machine does not make the rest of the school look unassessed.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    pub school: String,
    pub map: ClauseMap,
    /// The newest run of any kind (it may still be running).
    pub latest: Option<RunRecord>,
    /// The runs the picture is made of, newest first.
    pub runs: Vec<RunRecord>,
    /// The current findings.
    pub findings: Vec<Finding>,
    /// For each finding, the run it comes from.
    pub from_run: Vec<i64>,
    /// Every clause, in the map's order.
    pub clauses: Vec<ClauseRow>,
    /// Every check this version has (the Hosts and Directory columns, the filter's roles).
    pub catalogue: Catalogue,
}

impl Picture {
    /// Builds the picture from runs, newest first, each with its findings (see [`current`]).
    pub fn build(
        catalogue: Catalogue,
        school: &str,
        map: &ClauseMap,
        latest: Option<RunRecord>,
        runs: Vec<(RunRecord, Vec<Finding>)>,
    ) -> Picture {
        let (used, findings, from_run) = current(runs);
        let lines = clause_lines(map, &findings);
        let started: BTreeMap<i64, &str> =
            used.iter().map(|r| (r.id, r.started_at.as_str())).collect();
        let clauses = lines
            .into_iter()
            .map(|line| {
                let mut counts = StatusCounts::default();
                let mut verified: Option<i64> = None;
                for (f, run) in findings.iter().zip(&from_run) {
                    if f.clauses.contains(&line.id) {
                        counts.add(f.status, 1);
                        verified = Some(verified.map_or(*run, |v| v.max(*run)));
                    }
                }
                ClauseRow {
                    text: map
                        .clause(&line.id)
                        .map(|c| c.text.clone())
                        .unwrap_or_default(),
                    verified: verified.map(|id| {
                        (
                            id,
                            started.get(&id).map(|s| s.to_string()).unwrap_or_default(),
                        )
                    }),
                    counts,
                    line,
                }
            })
            .collect();
        Picture {
            school: school.to_string(),
            map: map.clone(),
            latest,
            runs: used,
            findings,
            from_run,
            clauses,
            catalogue,
        }
    }

    /// The picture the core's overview describes, judged with its attestations.
    pub fn from_overview(o: Overview, catalogue: Catalogue) -> Picture {
        Picture::build(catalogue, &o.school, &o.map, o.latest, o.runs)
            .with_attestations(&o.attestations, o.today)
    }

    /// The picture with the clauses judged with people's attestations (the current ones, with
    /// their record ids) on `today`: a clause no finding evidences is GREEN while attested,
    /// AMBER once its attestation has expired (see [`clause_lines_attested`]).
    pub fn with_attestations(
        mut self,
        attestations: &[(i64, caretaker_model::records::Attestation)],
        today: time::Date,
    ) -> Picture {
        let lines = clause_lines_attested(&self.map, &self.findings, attestations, today);
        for (row, line) in self.clauses.iter_mut().zip(lines) {
            if row.line.id == line.id {
                row.line = line;
            }
        }
        self
    }

    /// The run a finding comes from.
    pub fn run_of(&self, finding: usize) -> Option<&RunRecord> {
        let id = self.from_run.get(finding)?;
        self.runs.iter().find(|r| r.id == *id)
    }

    /// When the data is from: the newest run of the picture.
    pub fn as_of(&self) -> Option<&RunRecord> {
        self.runs.first()
    }

    pub fn counts(&self) -> StatusCounts {
        StatusCounts::of(&self.findings)
    }
}

/// True if `run` (complete, with these `only` selectors) re-checked `f`'s check. Host checks give
/// one finding per machine and check, and a run from the console may check one machine only: a
/// machine's findings are replaced only by a run that reported on that machine.
fn covers(only: &[String], hosts: &BTreeSet<String>, f: &Finding) -> bool {
    let selected = only.is_empty() || only.iter().any(|s| f.check.matches(s));
    selected && (f.check.family() != "host" || hosts.contains(&f.target.name))
}

/// The current findings from runs given newest first: every finding of the newest runs, and an
/// older finding only if no newer complete run re-checked it (nor reported the same check and
/// target). Runs still running are left out; the walk stops at the first complete full run.
/// Returns the runs used, the findings, and for each finding its run.
pub fn current(runs: Vec<(RunRecord, Vec<Finding>)>) -> (Vec<RunRecord>, Vec<Finding>, Vec<i64>) {
    let mut used = Vec::new();
    let mut findings = Vec::new();
    let mut from_run = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    // (only, machines reported on) of each newer complete run.
    let mut newer: Vec<(Vec<String>, BTreeSet<String>)> = Vec::new();
    for (run, fs) in runs {
        if run.state == RunState::Running {
            continue;
        }
        let mut took = false;
        let hosts: BTreeSet<String> = fs
            .iter()
            .filter(|f| f.target.kind == TargetKind::Host)
            .map(|f| f.target.name.clone())
            .collect();
        for f in fs {
            if newer.iter().any(|(only, hosts)| covers(only, hosts, &f)) {
                continue;
            }
            if !seen.insert(fingerprint(&f)) {
                continue;
            }
            took = true;
            from_run.push(run.id);
            findings.push(f);
        }
        let full = run.only.is_empty() && run.state == RunState::Complete;
        if took || full {
            used.push(run.clone());
        }
        if run.state == RunState::Complete {
            newer.push((run.only.clone(), hosts));
        }
        if full {
            break;
        }
    }
    (used, findings, from_run)
}

/// The status words of the console, always shown as words (colour only adds to them).
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Warn => "WARN",
        Status::Error => "ERROR",
        Status::Waived => "WAIVED",
    }
}

/// A clause status word (RED, AMBER, GREEN, GREY).
pub fn clause_word(s: ClauseStatus) -> &'static str {
    s.word()
}

/// "2 FAIL, 1 ERROR, 9 PASS" (statuses with none left out).
pub fn counts_words(c: &StatusCounts) -> String {
    [
        (c.fail, "FAIL"),
        (c.error, "ERROR"),
        (c.warn, "WARN"),
        (c.waived, "WAIVED"),
        (c.pass, "PASS"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, w)| format!("{n} {w}"))
    .collect::<Vec<_>>()
    .join(", ")
}

/// The worst of two statuses.
pub fn worse(a: Option<Status>, b: Status) -> Status {
    match a {
        Some(a) if a.rank() <= b.rank() => a,
        _ => b,
    }
}

/// A run's verdict as one word.
pub fn verdict_word(run: &RunRecord) -> &'static str {
    match run.state {
        RunState::Running => "RUNNING",
        RunState::Interrupted => "INTERRUPTED",
        RunState::Complete => match run.verdict {
            Some(Verdict::Compliant) => "COMPLIANT",
            Some(Verdict::NonCompliant) => "NOT COMPLIANT",
            Some(Verdict::Incomplete) | None => "INCOMPLETE",
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Findings: filtering and sorting.

/// Which findings the Findings screen lists, by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    All,
    /// Everything but passes.
    Problems,
    Only(Status),
}

impl StatusFilter {
    /// The next one in the `f` cycle.
    pub fn next(self) -> StatusFilter {
        match self {
            StatusFilter::All => StatusFilter::Problems,
            StatusFilter::Problems => StatusFilter::Only(Status::Fail),
            StatusFilter::Only(Status::Fail) => StatusFilter::Only(Status::Error),
            StatusFilter::Only(Status::Error) => StatusFilter::Only(Status::Warn),
            StatusFilter::Only(Status::Warn) => StatusFilter::Only(Status::Waived),
            StatusFilter::Only(Status::Waived) => StatusFilter::Only(Status::Pass),
            StatusFilter::Only(Status::Pass) => StatusFilter::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Problems => "problems",
            StatusFilter::Only(s) => s.as_str(),
        }
    }

    pub fn keeps(self, s: Status) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Problems => s != Status::Pass,
            StatusFilter::Only(want) => s == want,
        }
    }
}

/// How the Findings screen is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Worst status first, then the most severe, then as recorded.
    #[default]
    Worst,
    Check,
    Target,
    Severity,
}

impl Sort {
    pub fn next(self) -> Sort {
        match self {
            Sort::Worst => Sort::Check,
            Sort::Check => Sort::Target,
            Sort::Target => Sort::Severity,
            Sort::Severity => Sort::Worst,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Worst => "worst first",
            Sort::Check => "check",
            Sort::Target => "target",
            Sort::Severity => "severity",
        }
    }
}

/// A parsed search: `key:value` qualifiers and free words, all to match (case-insensitive).
///
/// Qualifiers: `status:` (pass, fail, warn, error, waived, problem), `clause:` (a clause id or a
/// prefix: `7.4/logins`, `7.2`), `check:` (an id or prefix), `host:`, `account:`, `dir:` (a
/// directory), `vantage:`, `target:`. Anything else matches the summary, check or target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<(Option<String>, String)>,
}

/// The qualifiers a query understands.
pub const QUALIFIERS: &[&str] = &[
    "status", "clause", "check", "host", "account", "dir", "vantage", "target",
];

impl Query {
    pub fn parse(text: &str) -> Query {
        let terms = text
            .split_whitespace()
            .map(|w| {
                let w = w.to_lowercase();
                match w.split_once(':') {
                    Some((k, v)) if QUALIFIERS.contains(&k) => (Some(k.to_string()), v.to_string()),
                    _ => (None, w),
                }
            })
            .collect();
        Query { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// True if every term matches `f`.
    pub fn matches(&self, f: &Finding) -> bool {
        self.terms
            .iter()
            .all(|(k, v)| term_matches(k.as_deref(), v, f))
    }

    /// True if every free word is found in one of `texts` (qualifiers are ignored).
    pub fn matches_text(&self, texts: &[&str]) -> bool {
        self.terms
            .iter()
            .all(|(_, v)| texts.iter().any(|t| t.to_lowercase().contains(v.as_str())))
    }
}

fn directory_of(f: &Finding) -> &str {
    if f.target.kind == TargetKind::Directory {
        &f.target.name
    } else {
        &f.target.scope
    }
}

fn term_matches(key: Option<&str>, v: &str, f: &Finding) -> bool {
    let eq = |s: &str| s.to_lowercase() == v;
    let has = |s: &str| s.to_lowercase().contains(v);
    match key {
        Some("status") => match v {
            "problem" | "problems" => f.status != Status::Pass,
            _ => f.status.as_str() == v,
        },
        Some("clause") => f
            .clauses
            .iter()
            .any(|c| c.to_lowercase() == v || c.to_lowercase().starts_with(&format!("{v}/"))),
        Some("check") => f.check.matches(v) || has(f.check.as_str()),
        Some("host") => f.target.kind == TargetKind::Host && eq(&f.target.name),
        Some("account") => f.target.kind == TargetKind::Account && eq(&f.target.name),
        Some("dir") => f.check.family() == "directory" && eq(directory_of(f)),
        Some("vantage") => f.target.kind == TargetKind::Url && eq(&f.target.scope),
        Some("target") => has(&f.target.name) || has(&f.target.scope),
        _ => {
            has(&f.summary) || has(f.check.as_str()) || has(&f.target.name) || has(&f.target.scope)
        }
    }
}

/// The indices of `findings` that `query` and `status` keep, in `sort` order.
pub fn select_findings(
    findings: &[Finding],
    query: &Query,
    status: StatusFilter,
    sort: Sort,
) -> Vec<usize> {
    let mut rows: Vec<usize> = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| status.keeps(f.status) && query.matches(f))
        .map(|(i, _)| i)
        .collect();
    let key = |i: &usize| &findings[*i];
    match sort {
        Sort::Worst => rows.sort_by(|a, b| {
            let (x, y) = (key(a), key(b));
            (x.status.rank(), std::cmp::Reverse(x.severity), a).cmp(&(
                y.status.rank(),
                std::cmp::Reverse(y.severity),
                b,
            ))
        }),
        Sort::Check => rows.sort_by(|a, b| {
            let (x, y) = (key(a), key(b));
            (x.check.as_str(), x.status.rank(), a).cmp(&(y.check.as_str(), y.status.rank(), b))
        }),
        Sort::Target => rows.sort_by(|a, b| {
            let (x, y) = (key(a), key(b));
            (&x.target.scope, &x.target.name, x.status.rank(), a).cmp(&(
                &y.target.scope,
                &y.target.name,
                y.status.rank(),
                b,
            ))
        }),
        Sort::Severity => rows.sort_by(|a, b| {
            let (x, y) = (key(a), key(b));
            (std::cmp::Reverse(x.severity), x.status.rank(), a).cmp(&(
                std::cmp::Reverse(y.severity),
                y.status.rank(),
                b,
            ))
        }),
    }
    rows
}

/// `j.smith (ad)`, `library-pc`, `https://… (pupil-wifi)`.
pub fn target_label(f: &Finding) -> String {
    match f.target.kind {
        TargetKind::Url => format!(
            "{} ({})",
            page_label(
                &f.target.name,
                f.evidence.get("category").unwrap_or_default()
            ),
            f.target.scope
        ),
        TargetKind::Host | TargetKind::Directory | TargetKind::System => f.target.name.clone(),
        _ => f.target.display_name(),
    }
}

// ---------------------------------------------------------------------------------------------
// Hosts.

/// One machine and the status of each host check on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRow {
    pub name: String,
    pub address: String,
    /// Per host check (the catalogue's order): the worst status, if the check reported on this machine.
    pub statuses: Vec<Option<Status>>,
    pub worst: Status,
    /// The machine's findings (indices into the picture's findings), worst first.
    pub findings: Vec<usize>,
}

/// One row per machine, machines with problems first, then by name.
pub fn host_rows(catalogue: &Catalogue, findings: &[Finding]) -> Vec<HostRow> {
    let host_checks: Vec<_> = catalogue.area(AreaId::Hosts).collect();
    let mut by_host: BTreeMap<&str, HostRow> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if f.target.kind != TargetKind::Host {
            continue;
        }
        let row = by_host.entry(&f.target.name).or_insert_with(|| HostRow {
            name: f.target.name.clone(),
            address: f.target.scope.clone(),
            statuses: vec![None; host_checks.len()],
            worst: Status::Pass,
            findings: Vec::new(),
        });
        if let Some(col) = host_checks
            .iter()
            .position(|spec| spec.id == f.check.as_str())
        {
            row.statuses[col] = Some(worse(row.statuses[col], f.status));
        }
        row.worst = worse(Some(row.worst), f.status);
        row.findings.push(i);
    }
    let mut rows: Vec<HostRow> = by_host.into_values().collect();
    for r in &mut rows {
        r.findings.sort_by_key(|i| (findings[*i].status.rank(), *i));
    }
    // Worst first: by the worst status, then by how many problems, then by name.
    let problems = |r: &HostRow| {
        r.findings
            .iter()
            .filter(|i| findings[**i].status != Status::Pass)
            .count()
    };
    rows.sort_by(|a, b| {
        (a.worst.rank(), std::cmp::Reverse(problems(a)), &a.name).cmp(&(
            b.worst.rank(),
            std::cmp::Reverse(problems(b)),
            &b.name,
        ))
    });
    rows
}

// ---------------------------------------------------------------------------------------------
// Directory.

/// One check of one directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirCheck {
    pub check: String,
    /// The console's label for it (its declaration's `column`).
    pub column: &'static str,
    /// The worst status, `None` when the check said nothing about this directory.
    pub status: Option<Status>,
    pub counts: StatusCounts,
    /// The accounts, groups and policies behind the findings that are not passes.
    pub who: Vec<String>,
    /// The worst finding's summary.
    pub summary: String,
}

/// One directory and its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirBlock {
    pub name: String,
    /// Where it was read (the evidence's source of its connect check).
    pub source: String,
    pub checks: Vec<DirCheck>,
}

/// Per directory (in the order first seen), every directory check with its status and the
/// accounts behind its problems.
pub fn directory_blocks(catalogue: &Catalogue, findings: &[Finding]) -> Vec<DirBlock> {
    let mut order: Vec<String> = Vec::new();
    for f in findings {
        if f.check.family() == "directory" && !order.iter().any(|d| d == directory_of(f)) {
            order.push(directory_of(f).to_string());
        }
    }
    order
        .into_iter()
        .map(|dir| {
            let mine: Vec<&Finding> = findings
                .iter()
                .filter(|f| f.check.family() == "directory" && directory_of(f) == dir)
                .collect();
            let source = mine
                .iter()
                .find(|f| !f.evidence.source.is_empty())
                .map(|f| f.evidence.source.clone())
                .unwrap_or_default();
            let checks = catalogue
                .area(AreaId::Directory)
                .map(|spec| {
                    let id = &spec.id;
                    let of: Vec<&&Finding> =
                        mine.iter().filter(|f| f.check.as_str() == *id).collect();
                    let mut counts = StatusCounts::default();
                    let mut status = None;
                    let mut who = Vec::new();
                    for f in &of {
                        counts.add(f.status, 1);
                        status = Some(worse(status, f.status));
                        if f.status != Status::Pass && f.target.kind != TargetKind::Directory {
                            who.push(f.target.name.clone());
                        }
                    }
                    let summary = of
                        .iter()
                        .min_by_key(|f| (f.status.rank(), std::cmp::Reverse(f.severity)))
                        .map(|f| f.summary.clone())
                        .unwrap_or_default();
                    DirCheck {
                        check: id.to_string(),
                        column: spec.column,
                        status,
                        counts,
                        who,
                        summary,
                    }
                })
                .collect();
            DirBlock {
                name: dir,
                source,
                checks,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Filter.

/// One vantage point: a column of the filter matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VantageCol {
    pub name: String,
    pub group: String,
    /// The control page's status: not `pass` means nothing from there was judged.
    pub control: Option<Status>,
    /// The run its results come from.
    pub run: i64,
    /// Some result from there is not as expected or unclear (its control included).
    pub problems: bool,
}

/// One tested page: a row of the filter matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterRow {
    pub url: String,
    pub category: String,
    /// True for pages that must be blocked, false for those that must load.
    pub must_block: bool,
    pub label: String,
    /// `http` or `https`: one site is often tested both ways, with the same label.
    pub scheme: String,
}

/// One cell: a page from a vantage point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterCell {
    pub status: Status,
    /// The finding (index into the picture's findings).
    pub finding: usize,
}

/// The latest filter test results as a page × vantage point matrix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterMatrix {
    pub vantages: Vec<VantageCol>,
    pub rows: Vec<FilterRow>,
    /// `cells[row][col]`.
    pub cells: Vec<Vec<Option<FilterCell>>>,
}

/// "IWF (child abuse content)", "childline.org.uk".
pub fn page_label(url: &str, category: &str) -> String {
    match category.to_ascii_lowercase().as_str() {
        "iwf" => "IWF (child abuse content)".into(),
        "ctiru" => "CTIRU (terrorist content)".into(),
        "adult" => "Adult content".into(),
        "offensive-language" => "Offensive language".into(),
        _ => {
            let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
            let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            host.strip_prefix("www.").unwrap_or(host).to_string()
        }
    }
}

/// What a cell says: blocked, loads, LOADED ✗, BLOCKED ✗, unclear, error.
pub fn cell_word(must_block: bool, status: Status) -> &'static str {
    match (must_block, status) {
        (true, Status::Pass) => "blocked",
        (false, Status::Pass) => "loads",
        (true, Status::Fail) => "LOADED ✗",
        (false, Status::Fail) => "BLOCKED ✗",
        (_, Status::Warn) => "unclear",
        (_, Status::Error) => "error",
        (_, Status::Waived) => "waived",
    }
}

/// The filter matrix of the current findings: must-block pages first, in the order tested.
pub fn filter_matrix(
    catalogue: &Catalogue,
    findings: &[Finding],
    from_run: &[i64],
) -> FilterMatrix {
    let control = catalogue.filter_control;
    let mut m = FilterMatrix::default();
    for (i, f) in findings.iter().enumerate() {
        if f.check.family() != "filter" {
            continue;
        }
        let vantage = &f.target.scope;
        let col = match m.vantages.iter().position(|v| &v.name == vantage) {
            Some(c) => c,
            None => {
                m.vantages.push(VantageCol {
                    name: vantage.clone(),
                    group: f.evidence.get("group").unwrap_or_default().to_string(),
                    control: None,
                    run: from_run.get(i).copied().unwrap_or_default(),
                    problems: false,
                });
                m.vantages.len() - 1
            }
        };
        if matches!(f.status, Status::Fail | Status::Warn | Status::Error) {
            m.vantages[col].problems = true;
        }
        if f.check.as_str() == control {
            m.vantages[col].control = Some(f.status);
            continue;
        }
        let category = f.evidence.get("category").unwrap_or_default();
        let must_block = match f.evidence.get("expect") {
            Some(e) => e == "block",
            None => f.check.as_str() != catalogue.filter_must_load,
        };
        if !m.rows.iter().any(|r| r.url == f.target.name) {
            m.rows.push(FilterRow {
                url: f.target.name.clone(),
                category: category.to_string(),
                must_block,
                label: page_label(&f.target.name, category),
                scheme: f
                    .target
                    .name
                    .split_once("://")
                    .map(|(s, _)| s.to_ascii_lowercase())
                    .unwrap_or_default(),
            });
        }
    }
    // Must-block first, keeping the tested order within each group.
    let mut rows = std::mem::take(&mut m.rows);
    rows.sort_by_key(|r| !r.must_block);
    m.rows = rows;
    // The vantage points in an order that does not depend on which finished first: those with
    // something wrong first (so that they are on screen however narrow it is), then by name.
    m.vantages.sort_by(|a, b| {
        b.problems
            .cmp(&a.problems)
            .then_with(|| a.name.cmp(&b.name))
    });
    m.cells = vec![vec![None; m.vantages.len()]; m.rows.len()];
    for (i, f) in findings.iter().enumerate() {
        if f.check.family() != "filter" || f.check.as_str() == control {
            continue;
        }
        let row = m.rows.iter().position(|r| r.url == f.target.name);
        let col = m.vantages.iter().position(|v| v.name == f.target.scope);
        if let (Some(r), Some(c)) = (row, col) {
            m.cells[r][c] = Some(FilterCell {
                status: f.status,
                finding: i,
            });
        }
    }
    m
}

/// One stored result of a page from a vantage point (the history of a filter cell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellHistory {
    pub run: i64,
    pub started_at: String,
    pub trigger: String,
    pub who: String,
    pub status: Status,
    pub summary: String,
    /// The action recorded after that check, if any.
    pub action: Option<String>,
}

/// The history of one filter cell from the filter log, newest first.
pub fn cell_history(
    log: &[caretaker_model::filterlog::FilterCheck],
    url: &str,
    vantage: &str,
) -> Vec<CellHistory> {
    let mut out: Vec<CellHistory> = log
        .iter()
        .filter(|c| c.vantage == vantage)
        .filter_map(|c| {
            let r = c.results.iter().find(|r| r.url == url)?;
            Some(CellHistory {
                run: c.run,
                started_at: c.started_at.clone(),
                trigger: c.trigger.clone(),
                who: c.who.clone(),
                status: Status::parse(&r.status).unwrap_or(Status::Error),
                summary: r.summary.clone(),
                action: c
                    .action
                    .as_ref()
                    .map(|a| format!("{} ({})", a.action, a.who)),
            })
        })
        .collect();
    out.sort_by_key(|e| std::cmp::Reverse(e.run));
    out
}

// ---------------------------------------------------------------------------------------------
// Runs.

/// When a finding (its check and target, with the same status) was seen across stored runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub first_run: i64,
    pub first_at: String,
    pub last_run: i64,
    pub last_at: String,
    /// In how many runs.
    pub runs: u64,
}

impl From<caretaker_model::run::Sightings> for Seen {
    fn from(s: caretaker_model::run::Sightings) -> Seen {
        Seen {
            first_run: s.first_run,
            first_at: s.first_started_at,
            last_run: s.last_run,
            last_at: s.last_started_at,
            runs: s.runs,
        }
    }
}

/// What changed between two runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub older: i64,
    pub newer: i64,
    /// Problems in the newer run that the older one did not have (or had with another status).
    pub new: Vec<Finding>,
    /// Problems of the older run that the newer one does not have.
    pub resolved: Vec<Finding>,
    /// Problems in both.
    pub still: usize,
    /// Problems left out because only one of the two runs checked them (a filter-only run
    /// against a full one, a run of one machine): not new, not resolved, just not compared.
    pub not_compared: usize,
}

/// What a run covered: its `--only` selectors (empty: everything) and the machines it reported on.
fn coverage(only: &[String], fs: &[Finding]) -> (Vec<String>, BTreeSet<String>) {
    let hosts = fs
        .iter()
        .filter(|f| f.target.kind == TargetKind::Host)
        .map(|f| f.target.name.clone())
        .collect();
    (only.to_vec(), hosts)
}

/// Compares two runs' findings by check and target, like with like: only what both runs
/// checked (`older_only` and `newer_only` are the runs' `--only` selectors).
pub fn diff(
    older: (i64, &[String]),
    older_f: &[Finding],
    newer: (i64, &[String]),
    newer_f: &[Finding],
) -> Diff {
    let (oa, oh) = coverage(older.1, older_f);
    let (na, nh) = coverage(newer.1, newer_f);
    let both = |f: &&Finding| covers(&oa, &oh, f) && covers(&na, &nh, f);
    let not_compared = older_f
        .iter()
        .chain(newer_f)
        .filter(|f| f.status != Status::Pass && !both(f))
        .count();
    let older_f: Vec<&Finding> = older_f.iter().filter(both).collect();
    let newer_f: Vec<&Finding> = newer_f.iter().filter(both).collect();
    let problems = |fs: &[&Finding]| -> BTreeMap<String, Status> {
        fs.iter()
            .filter(|f| f.status != Status::Pass)
            .map(|f| (fingerprint(f), f.status))
            .collect()
    };
    let (a, b) = (problems(&older_f), problems(&newer_f));
    let mut new: Vec<Finding> = newer_f
        .iter()
        .filter(|f| f.status != Status::Pass && a.get(&fingerprint(f)) != Some(&f.status))
        .map(|f| (*f).clone())
        .collect();
    let mut resolved: Vec<Finding> = older_f
        .iter()
        .filter(|f| f.status != Status::Pass && !b.contains_key(&fingerprint(f)))
        .map(|f| (*f).clone())
        .collect();
    let still = newer_f
        .iter()
        .filter(|f| f.status != Status::Pass && a.get(&fingerprint(f)) == Some(&f.status))
        .count();
    new.sort_by_key(|f| f.status.rank());
    resolved.sort_by_key(|f| f.status.rank());
    Diff {
        older: older.0,
        newer: newer.0,
        new,
        resolved,
        still,
        not_compared,
    }
}

/// The runs the trend is drawn from, oldest first: full audits that finished. A run of some
/// checks only (the filter after a change, one machine) would dip the line without anything
/// having got better.
pub fn trend_runs(runs: &[RunRecord]) -> Vec<&RunRecord> {
    runs.iter()
        .rev()
        .filter(|r| r.only.is_empty() && r.state == RunState::Complete)
        .collect()
}

pub use caretaker_api::ChangeLog;
