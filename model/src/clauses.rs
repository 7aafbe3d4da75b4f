//! The policy clause map: which clauses a school's policy has and which checks evidence each.
//!
//! Clauses are data, not code. The built-in map follows section 7.4 (with 7.4.1 and the filtering
//! duties of 7.2) of the St. Joseph's policy; a school whose policy numbers them differently edits
//! a copy of the map, not the code.

use serde::{Deserialize, Serialize};

use crate::finding::CheckId;
use crate::spec::CheckSpec;

/// A titled group of clauses (`7.4`, `7.4.1`, `7.2`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
}

/// One promise in the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    /// Stable id, `section/slug`: `7.4/virus-protection`.
    pub id: String,
    /// The section id this clause belongs to.
    pub section: String,
    /// Short title for tables and the console.
    pub title: String,
    /// The policy's own words.
    pub text: String,
    /// Check ids, families or dotted prefixes whose findings evidence this clause.
    #[serde(default)]
    pub checks: Vec<String>,
    /// Whether a person may attest to this clause by hand.
    #[serde(default)]
    pub attestation: bool,
    /// What of the clause no check looks at, when checks evidence only part of it ("the boundary
    /// firewall"); for a standard's view, so a report does not claim more than was checked.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub not_checked: String,
}

impl Clause {
    /// True if findings of `check` are evidence for this clause.
    pub fn covers(&self, check: &CheckId) -> bool {
        self.checks.iter().any(|sel| check.matches(sel))
    }
}

/// The whole map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClauseMap {
    pub version: u32,
    /// The policy's name, as printed in reports.
    pub policy: String,
    #[serde(rename = "section", default)]
    pub sections: Vec<Section>,
    #[serde(rename = "clause", default)]
    pub clauses: Vec<Clause>,
}

/// A clause map that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ClauseMapError {
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    #[error(
        "{origin}: clause {clause:?} names section {section:?}, which the map does not define"
    )]
    UnknownSection {
        origin: String,
        clause: String,
        section: String,
    },
    #[error("{origin}: clause id {id:?} is used twice")]
    Duplicate { origin: String, id: String },
    #[error("{origin}: version {version} is not supported (expected 1)")]
    Version { origin: String, version: u32 },
    #[error(
        "{origin}: clause {clause:?} names the check {check:?}, which caretaker does not have (`caretaker checks` lists them)"
    )]
    UnknownCheck {
        origin: String,
        clause: String,
        check: String,
    },
    #[error(
        "{origin}: no clause is evidenced by {}; add them to the `checks` of the clauses they serve (`caretaker checks` lists every check and the built-in map's clauses for it)",
        checks.join(", ")
    )]
    Uncovered { origin: String, checks: Vec<String> },
}

impl ClauseMap {
    /// Parses and validates a map against the declared checks `specs`; `origin` names the file in
    /// errors. Each check evidences the clauses its declaration names that the map has, besides
    /// those whose `checks` name it; a `checks` entry that names no check, or a check that
    /// evidences no clause, is an error.
    pub fn parse(
        text: &str,
        origin: &str,
        specs: &[&CheckSpec],
    ) -> Result<ClauseMap, ClauseMapError> {
        Self::parse_with(text, origin, specs, true)
    }

    /// Parses and validates a standard's map (a view of the findings against a standard the
    /// school did not write, such as the DfE's): as [`ClauseMap::parse`], except that a check may
    /// evidence none of its clauses, and the checks' own clause ids (the school policy's) are not
    /// added to it. Every check a clause names must exist.
    pub fn parse_view(
        text: &str,
        origin: &str,
        specs: &[&CheckSpec],
    ) -> Result<ClauseMap, ClauseMapError> {
        Self::parse_with(text, origin, specs, false)
    }

    fn parse_with(
        text: &str,
        origin: &str,
        specs: &[&CheckSpec],
        policy: bool,
    ) -> Result<ClauseMap, ClauseMapError> {
        let mut map: ClauseMap = toml::from_str(text).map_err(|e| ClauseMapError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        if map.version != 1 {
            return Err(ClauseMapError::Version {
                origin: origin.to_string(),
                version: map.version,
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in &map.clauses {
            if !map.sections.iter().any(|s| s.id == c.section) {
                return Err(ClauseMapError::UnknownSection {
                    origin: origin.to_string(),
                    clause: c.id.clone(),
                    section: c.section.clone(),
                });
            }
            if !seen.insert(c.id.clone()) {
                return Err(ClauseMapError::Duplicate {
                    origin: origin.to_string(),
                    id: c.id.clone(),
                });
            }
            let known: Vec<CheckId> = specs.iter().map(|s| CheckId::new(s.id)).collect();
            if let Some(sel) = c
                .checks
                .iter()
                .find(|sel| !known.iter().any(|id| id.matches(sel)))
            {
                return Err(ClauseMapError::UnknownCheck {
                    origin: origin.to_string(),
                    clause: c.id.clone(),
                    check: sel.clone(),
                });
            }
        }
        if !policy {
            return Ok(map);
        }
        for spec in specs {
            let id = CheckId::new(spec.id);
            for clause in map
                .clauses
                .iter_mut()
                .filter(|c| spec.clauses.contains(&c.id.as_str()))
            {
                if !clause.covers(&id) {
                    clause.checks.push(spec.id.to_string());
                }
            }
        }
        let uncovered: Vec<String> = specs
            .iter()
            .filter(|s| {
                let id = CheckId::new(s.id);
                !map.clauses.iter().any(|c| c.covers(&id))
            })
            .map(|s| s.id.to_string())
            .collect();
        if !uncovered.is_empty() {
            return Err(ClauseMapError::Uncovered {
                origin: origin.to_string(),
                checks: uncovered,
            });
        }
        Ok(map)
    }

    /// The ids of the clauses that findings of `check` are evidence for, in map order.
    pub fn clauses_for(&self, check: &CheckId) -> Vec<String> {
        self.clauses
            .iter()
            .filter(|c| c.covers(check))
            .map(|c| c.id.clone())
            .collect()
    }

    /// Looks a clause up by id.
    pub fn clause(&self, id: &str) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.id == id)
    }

    /// Looks a section up by id.
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }
}
