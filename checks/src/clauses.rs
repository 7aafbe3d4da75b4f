//! The policy clause map: which clauses a school's policy has and which checks evidence each.
//!
//! Clauses are data, not code. The built-in map follows section 7.4 (with 7.4.1 and the filtering
//! duties of 7.2) of the St. Joseph's policy; a school whose policy numbers them differently edits
//! a copy of the map, not the code.

use serde::{Deserialize, Serialize};

use crate::model::CheckId;

/// The built-in map's TOML text (also written out by `caretaker init --policy-map`).
pub const BUILTIN_MAP_TOML: &str = include_str!("policy-7.4.toml");

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
    /// The built-in map for section 7.4 / 7.4.1 / 7.2.
    pub fn builtin() -> ClauseMap {
        // The built-in text is tested to parse; fall back to an empty map rather than panic.
        ClauseMap::from_toml(BUILTIN_MAP_TOML, "built-in clause map").unwrap_or(ClauseMap {
            version: 1,
            policy: String::new(),
            sections: Vec::new(),
            clauses: Vec::new(),
        })
    }

    /// Parses and validates a map; `origin` names the file in errors. Each check evidences the
    /// clauses its declaration names (see [`crate::registry`]) that the map has, besides those
    /// whose `checks` name it; a `checks` entry that names no check, or a check that evidences
    /// no clause, is an error.
    pub fn from_toml(text: &str, origin: &str) -> Result<ClauseMap, ClauseMapError> {
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
            let known: Vec<CheckId> = crate::registry::ids()
                .into_iter()
                .map(CheckId::new)
                .collect();
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
        for spec in crate::registry::all() {
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
        let uncovered: Vec<String> = crate::registry::all()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_map_parses_and_covers_the_directory_checks() {
        let map = ClauseMap::from_toml(BUILTIN_MAP_TOML, "built-in").expect("built-in map parses");
        assert_eq!(map.sections.len(), 3);
        assert!(map.clauses.len() >= 14);
        let c = map.clauses_for(&CheckId::new("directory.password-policy"));
        assert_eq!(c, vec!["7.4/logins", "7.4.1/strong-passwords"]);
        let c = map.clauses_for(&CheckId::new("directory.own-logins"));
        assert_eq!(c, vec!["7.4/own-logins", "7.4.1/pupils-unique"]);
        assert!(map.clauses_for(&CheckId::new("nothing.here")).is_empty());
    }

    /// The built-in map, with its clause ids renumbered the way the KCC template numbers them
    /// (7.4 → 7.2), so the declarations' clause ids no longer match.
    fn renumbered(checks: &str) -> String {
        let mut text = String::from(
            "version = 1\npolicy = \"KCC\"\n[[section]]\nid = \"7.2\"\ntitle = \"Security\"\n",
        );
        text.push_str(&format!(
            "[[clause]]\nid = \"7.2/all\"\nsection = \"7.2\"\ntitle = \"All\"\ntext = \"all\"\nchecks = [{checks}]\n"
        ));
        text
    }

    #[test]
    fn a_map_naming_an_unknown_check_is_refused() {
        let err = ClauseMap::from_toml(
            &renumbered("\"directory\", \"host\", \"filter\", \"host.antivirs\""),
            "kcc.toml",
        )
        .expect_err("refused");
        assert!(
            matches!(&err, ClauseMapError::UnknownCheck { check, clause, .. } if check == "host.antivirs" && clause == "7.2/all"),
            "{err}"
        );
        assert!(err.to_string().contains("kcc.toml"), "{err}");
    }

    #[test]
    fn a_check_with_no_clause_is_refused() {
        let err = ClauseMap::from_toml(&renumbered("\"directory\", \"filter\""), "kcc.toml")
            .expect_err("refused");
        let ClauseMapError::Uncovered { checks, .. } = &err else {
            panic!("{err}");
        };
        assert_eq!(checks, &crate::host::CHECK_IDS.to_vec(), "{err}");
        // Every check named, by family: accepted.
        let ok = ClauseMap::from_toml(
            &renumbered("\"directory\", \"host\", \"filter\""),
            "kcc.toml",
        )
        .expect("accepted");
        assert_eq!(
            ok.clauses_for(&CheckId::new(crate::host::ANTIVIRUS.id)),
            vec!["7.2/all"]
        );
    }

    #[test]
    fn every_declared_clause_is_in_the_builtin_map_and_covers_its_check() {
        let map = ClauseMap::builtin();
        for spec in crate::registry::all() {
            let got = map.clauses_for(&CheckId::new(spec.id));
            for c in spec.clauses {
                assert!(map.clause(c).is_some(), "{}: no clause {c}", spec.id);
                assert!(
                    got.iter().any(|g| g == c),
                    "{}: {c} not in {got:?}",
                    spec.id
                );
            }
            assert_eq!(got.len(), spec.clauses.len(), "{}: {got:?}", spec.id);
        }
    }

    #[test]
    fn a_map_naming_an_unknown_section_is_refused() {
        let text = r#"
version = 1
policy = "x"
[[section]]
id = "7.2"
title = "Security"
[[clause]]
id = "7.4/a"
section = "7.4"
title = "A"
text = "a"
"#;
        let err = ClauseMap::from_toml(text, "kcc.toml").expect_err("refused");
        assert!(err.to_string().contains("section \"7.4\""), "{err}");
    }
}
