//! The console's view of the data: findings: filtering and sorting.

use super::*;

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

pub(crate) fn directory_of(f: &Finding) -> &str {
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
        TargetKind::Host | TargetKind::Directory | TargetKind::System | TargetKind::Domain => {
            f.target.name.clone()
        }
        _ => f.target.display_name(),
    }
}
