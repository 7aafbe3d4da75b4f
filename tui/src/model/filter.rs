//! The console's view of the data: filter.

use super::*;

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
pub fn filter_matrix<F: std::borrow::Borrow<Finding>>(
    catalogue: &Catalogue,
    findings: &[F],
    from_run: &[i64],
) -> FilterMatrix {
    let control = catalogue.filter_control;
    let mut m = FilterMatrix::default();
    for (i, f) in findings.iter().map(std::borrow::Borrow::borrow).enumerate() {
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
    for (i, f) in findings.iter().map(std::borrow::Borrow::borrow).enumerate() {
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
    pub started_at: time::OffsetDateTime,
    pub trigger: String,
    pub who: String,
    pub status: Status,
    pub summary: String,
    /// The action recorded after that check, if any.
    pub action: Option<String>,
}

impl From<caretaker_model::filterlog::CellResult> for CellHistory {
    fn from(c: caretaker_model::filterlog::CellResult) -> CellHistory {
        CellHistory {
            run: c.run,
            started_at: c.started_at,
            trigger: c.trigger.to_string(),
            who: c.who,
            status: c.status,
            summary: c.summary,
            action: c.action.map(|a| format!("{} ({})", a.action, a.who)),
        }
    }
}
