//! The trust's data as its screens show it: each school's clause lines and whether it meets the
//! policy (by the API's own rule: [`TrustSchool::lines`], [`TrustSchool::meets`]), and its filter
//! tests by user group (the single-school matrix, [`filter_matrix`], folded by group).

use caretaker_api::trust::{TrustSchool, TrustView};
use caretaker_api::Catalogue;
use caretaker_model::compliance::{ClauseLine, ClauseStatus};
use caretaker_model::{Clause, Status};

use crate::model::{filter_matrix, FilterMatrix};

/// One school as the Schools and Filter screens list it.
#[derive(Debug, Clone)]
pub struct SchoolRow {
    /// Every clause of the school's map, judged by the same rule as its own console.
    pub lines: Vec<ClauseLine>,
    /// It meets the policy: checked at all, and no clause RED.
    pub meets: bool,
    /// Its latest filter tests, page by vantage point.
    pub filter: FilterMatrix,
}

impl SchoolRow {
    /// The line of clause `id`, if the school's map has it.
    pub fn line(&self, id: &str) -> Option<&ClauseLine> {
        self.lines.iter().find(|l| l.id == id)
    }

    /// How many clauses are `status`.
    pub fn count(&self, status: ClauseStatus) -> usize {
        self.lines.iter().filter(|l| l.status == status).count()
    }
}

/// What one school's filter does for one user group, over every vantage point of that group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupResult {
    /// Pages not as expected: a page that must be blocked loaded, or one that must load was
    /// blocked.
    Fail(usize),
    /// The internet could not be reached from a vantage point of the group, so its results
    /// mean nothing.
    NoInternet,
    /// Results that could not be judged (errors, unclear answers).
    Unclear(usize),
    /// Results waived by the school (and nothing worse).
    Waived(usize),
    /// Every page as expected.
    Ok,
    /// No vantage point of the group in the school's latest filter tests.
    NotTested,
}

impl GroupResult {
    /// The cell's words: "2 fail", "no internet", "1 unclear", "OK", "not tested".
    pub fn words(self) -> String {
        match self {
            GroupResult::Fail(n) => format!("{n} fail"),
            GroupResult::NoInternet => "no internet".to_string(),
            GroupResult::Unclear(n) => format!("{n} unclear"),
            GroupResult::Waived(n) => format!("{n} waived"),
            GroupResult::Ok => "OK".to_string(),
            GroupResult::NotTested => "not tested".to_string(),
        }
    }

    /// The status its colour is taken from (none: not tested).
    pub fn status(self) -> Option<Status> {
        match self {
            GroupResult::Fail(_) => Some(Status::Fail),
            GroupResult::NoInternet => Some(Status::Error),
            GroupResult::Unclear(_) => Some(Status::Warn),
            GroupResult::Waived(_) => Some(Status::Waived),
            GroupResult::Ok => Some(Status::Pass),
            GroupResult::NotTested => None,
        }
    }

    /// Something is wrong or could not be judged.
    pub fn problem(self) -> bool {
        matches!(
            self,
            GroupResult::Fail(_) | GroupResult::NoInternet | GroupResult::Unclear(_)
        )
    }
}

/// The vantage point's group as a column of the trust's filter screen (its name when the
/// findings do not say its group).
pub fn group_of(v: &crate::model::VantageCol) -> &str {
    if v.group.is_empty() {
        &v.name
    } else {
        &v.group
    }
}

/// What one school's filter does for `group`, from its filter matrix.
pub fn group_result(m: &FilterMatrix, group: &str) -> GroupResult {
    let cols: Vec<usize> = m
        .vantages
        .iter()
        .enumerate()
        .filter(|(_, v)| group_of(v) == group)
        .map(|(c, _)| c)
        .collect();
    if cols.is_empty() {
        return GroupResult::NotTested;
    }
    let statuses: Vec<Status> = m
        .cells
        .iter()
        .flat_map(|row| {
            cols.iter()
                .filter_map(|c| row.get(*c).and_then(Option::as_ref))
                .map(|cell| cell.status)
        })
        .collect();
    let count = |f: fn(&Status) -> bool| statuses.iter().filter(|s| f(s)).count();
    let fail = count(|s| *s == Status::Fail);
    let unclear = count(|s| matches!(s, Status::Warn | Status::Error));
    let waived = count(|s| *s == Status::Waived);
    let no_internet = cols
        .iter()
        .any(|c| m.vantages[*c].control.is_some_and(|s| s != Status::Pass));
    if fail > 0 {
        GroupResult::Fail(fail)
    } else if no_internet {
        GroupResult::NoInternet
    } else if unclear > 0 {
        GroupResult::Unclear(unclear)
    } else if waived > 0 {
        GroupResult::Waived(waived)
    } else if statuses.is_empty() {
        GroupResult::NotTested
    } else {
        GroupResult::Ok
    }
}

/// Everything the trust's screens show, worked out once per read of the trust's database (off
/// the UI task).
#[derive(Debug, Clone)]
pub struct Trust {
    pub view: TrustView,
    /// One per school of `view`, in its order.
    pub rows: Vec<SchoolRow>,
    /// What a school's own screens need of the checks: the caller's, from the checks this
    /// version has.
    pub catalogue: Catalogue,
    /// The user groups the schools' filters were tested for: those with a problem at some school
    /// first, then by name.
    pub groups: Vec<String>,
}

impl Trust {
    pub fn new(view: TrustView, catalogue: Catalogue) -> Trust {
        // Each school on its own, on every core.
        let rows: Vec<SchoolRow> =
            caretaker_model::cores::map(&view.schools, |s| school_row(s, &catalogue));
        let mut groups: Vec<String> = Vec::new();
        for r in &rows {
            for v in &r.filter.vantages {
                let g = group_of(v);
                if !groups.iter().any(|x| x == g) {
                    groups.push(g.to_string());
                }
            }
        }
        let problems = |g: &str| rows.iter().any(|r| group_result(&r.filter, g).problem());
        groups.sort_by(|a, b| problems(b).cmp(&problems(a)).then_with(|| a.cmp(b)));
        Trust {
            view,
            rows,
            catalogue,
            groups,
        }
    }

    /// How many schools meet the policy.
    pub fn meeting(&self) -> usize {
        self.rows.iter().filter(|r| r.meets).count()
    }

    /// The clauses of the columns: the first school's map.
    pub fn clauses(&self) -> &[Clause] {
        self.view
            .schools
            .first()
            .map(|s| s.overview.map.clauses.as_slice())
            .unwrap_or_default()
    }

    /// The policy's name, from the first school's map.
    pub fn policy(&self) -> &str {
        self.view
            .schools
            .first()
            .map(|s| s.overview.map.policy.as_str())
            .unwrap_or_default()
    }

    /// The school at `i` and its row.
    pub fn school(&self, i: usize) -> Option<(&TrustSchool, &SchoolRow)> {
        Some((self.view.schools.get(i)?, self.rows.get(i)?))
    }

    /// "2 of 3 schools meet the policy".
    pub fn meeting_words(&self) -> String {
        let n = self.view.schools.len();
        if n == 0 {
            return "no school in the trust's database".to_string();
        }
        let k = self.meeting();
        format!(
            "{k} of {n} school{} {} the policy",
            if n == 1 { "" } else { "s" },
            if k == 1 { "meets" } else { "meet" }
        )
    }
}

/// Whether the school has forwarded an audit at all.
pub fn audited(s: &TrustSchool) -> bool {
    s.overview.latest.is_some()
}

fn school_row(s: &TrustSchool, catalogue: &Catalogue) -> SchoolRow {
    let (_, findings, from_run) = caretaker_model::picture::current_of(&s.overview.runs);
    let lines = s.lines_of(&findings);
    let meets = s.meets(&lines);
    SchoolRow {
        lines,
        meets,
        filter: filter_matrix(catalogue, &findings, &from_run),
    }
}

/// The two lines of a clause's column head: its section and the first word of its name
/// (`7.4/virus-protection` → `7.4`, `virus`).
pub fn clause_head(id: &str, width: usize) -> (String, String) {
    let (section, slug) = id.split_once('/').unwrap_or(("", id));
    let word = slug.split(['-', '_', ' ']).next().unwrap_or(slug);
    (
        section.chars().take(width).collect(),
        word.chars().take(width).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clause_heads_are_short() {
        assert_eq!(
            clause_head("7.4/virus-protection", 5),
            ("7.4".to_string(), "virus".to_string())
        );
        assert_eq!(
            clause_head("7.2/categories-blocked", 5),
            ("7.2".to_string(), "categ".to_string())
        );
        assert_eq!(clause_head("own", 5), (String::new(), "own".to_string()));
    }

    #[test]
    fn no_school_is_said_in_words() {
        let t = Trust::new(
            TrustView {
                schools: Vec::new(),
                as_of: None,
            },
            Catalogue {
                checks: Vec::new(),
                filter_control: "",
                filter_must_load: "",
                views: Vec::new(),
            },
        );
        assert_eq!(t.meeting_words(), "no school in the trust's database");
        assert!(t.clauses().is_empty());
        assert!(t.school(0).is_none());
    }
}
