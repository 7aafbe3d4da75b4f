//! What a trust sees: each of its schools' current picture, judged by the same rules as the
//! school's own console (the picture of its latest runs, the clause map's lines).

use caretaker_model::compliance::{clause_lines_attested, ClauseLine, ClauseStatus};
use caretaker_model::finding::Finding;

use crate::Overview;

/// One school as the trust sees it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TrustSchool {
    /// Its `[school] id`.
    pub id: String,
    pub name: String,
    /// When its caretaker last forwarded to the trust's database (RFC 3339, UTC), if ever.
    pub forwarded_at: Option<String>,
    /// The school's picture, as its own console has it (judged by the trust's clause map).
    pub overview: Overview,
}

impl TrustSchool {
    /// The findings of the school's current picture.
    pub fn findings(&self) -> Vec<Finding> {
        caretaker_model::picture::current(self.overview.runs.clone()).1
    }

    /// [`TrustSchool::findings`] lent by the runs they are in, not copied.
    pub fn findings_lent(&self) -> Vec<&Finding> {
        caretaker_model::picture::current_of(&self.overview.runs).1
    }

    /// Each clause of the map, with its colour and reason for this school.
    pub fn lines(&self) -> Vec<ClauseLine> {
        self.lines_of(&self.findings_lent())
    }

    /// [`TrustSchool::lines`] of its picture's findings already worked out
    /// ([`TrustSchool::findings_lent`]).
    pub fn lines_of(&self, findings: &[&Finding]) -> Vec<ClauseLine> {
        clause_lines_attested(
            &self.overview.map,
            findings,
            &self.overview.attestations,
            self.overview.today,
        )
    }

    /// Whether the school meets the map: no clause RED, and it has been checked at all.
    pub fn meets(&self, lines: &[ClauseLine]) -> bool {
        self.overview.latest.is_some() && !lines.iter().any(|l| l.status == ClauseStatus::Red)
    }
}

/// Every school in the trust's database (that the reader may see), by name.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TrustView {
    pub schools: Vec<TrustSchool>,
    /// The picture is of the runs started before this time (RFC 3339), when not the latest.
    pub as_of: Option<String>,
}
