//! The built-in standards, as views of the findings: the DfE cyber security standards, the DfE
//! filtering and monitoring standards, and Cyber Essentials' requirements. Each is a data file
//! beside this one (`standards/*.toml`, the policy map's format), validated against this version's
//! checks. `caretaker show --policy NAME`, the console's view key and the leadership report read
//! them from here.

pub use caretaker_model::standards::{
    judge, retag, standard_lines, Coverage, StandardLine, View, SCHOOL,
};

use crate::ClauseMap;

/// The DfE "Cyber security standards for schools and colleges".
pub const DFE_CYBER_TOML: &str = include_str!("standards/dfe-cyber.toml");
/// The DfE "Filtering and monitoring standards for schools and colleges".
pub const DFE_FILTERING_TOML: &str = include_str!("standards/dfe-filtering.toml");
/// Cyber Essentials' requirements for IT infrastructure.
pub const CYBER_ESSENTIALS_TOML: &str = include_str!("standards/cyber-essentials.toml");

/// Both DfE documents in one view.
pub const DFE: &str = "dfe";
/// The DfE cyber security standards alone.
pub const DFE_CYBER: &str = "dfe-cyber";
/// The DfE filtering and monitoring standards alone.
pub const FILTERING: &str = "filtering";
/// Cyber Essentials.
pub const CYBER_ESSENTIALS: &str = "cyber-essentials";

/// The built-in views' names, in the order the console cycles through them (after the school's
/// own policy), with what each shows.
pub const NAMES: [(&str, &str); 4] = [
    (
        DFE,
        "the DfE cyber security standards and the DfE filtering and monitoring standards",
    ),
    (DFE_CYBER, "the DfE cyber security standards alone"),
    (
        FILTERING,
        "the DfE filtering and monitoring standards alone",
    ),
    (
        CYBER_ESSENTIALS,
        "Cyber Essentials' five technical controls",
    ),
];

/// A built-in map parsed as a view; `origin` names it in errors. The built-in texts are tested
/// to parse; one that did not would be an empty map rather than a panic.
fn parse(text: &str, origin: &str) -> ClauseMap {
    let specs: Vec<&crate::CheckSpec> = crate::registry::all().collect();
    ClauseMap::parse_view(text, origin, &specs).unwrap_or(ClauseMap {
        version: 1,
        policy: origin.to_string(),
        sections: Vec::new(),
        clauses: Vec::new(),
    })
}

/// The built-in view called `name` (see [`NAMES`]); `None` for a name it does not know (the
/// school's own policy is not built in: its map is the configuration's).
pub fn view(name: &str) -> Option<View> {
    let map = match name {
        DFE => {
            let mut cyber = parse(DFE_CYBER_TOML, "dfe-cyber.toml");
            let filtering = parse(DFE_FILTERING_TOML, "dfe-filtering.toml");
            cyber.policy = "DfE standards for schools and colleges".to_string();
            cyber.sections.extend(filtering.sections);
            cyber.clauses.extend(filtering.clauses);
            cyber
        }
        DFE_CYBER => parse(DFE_CYBER_TOML, "dfe-cyber.toml"),
        FILTERING => parse(DFE_FILTERING_TOML, "dfe-filtering.toml"),
        CYBER_ESSENTIALS => parse(CYBER_ESSENTIALS_TOML, "cyber-essentials.toml"),
        _ => return None,
    };
    Some(View {
        name: name.to_string(),
        map,
    })
}

/// Every built-in view, in [`NAMES`] order.
pub fn views() -> Vec<View> {
    NAMES.iter().filter_map(|(n, _)| view(n)).collect()
}

/// The clause `id` a person may attest to in the school's `map` or in a built-in view: the
/// school's own first. `None` when neither has it.
pub fn find_clause<'a>(
    map: &'a ClauseMap,
    views: &'a [View],
    id: &str,
) -> Option<&'a crate::Clause> {
    map.clause(id)
        .or_else(|| views.iter().find_map(|v| v.map.clause(id)))
}

/// The table of `docs/standards.md`: for each standard of both DfE documents (and Cyber
/// Essentials), whether caretaker checks it by machine (and with which checks), by a person's
/// attestation, or not at all. Generated from the maps, so the document cannot drift from them.
pub fn standards_markdown() -> String {
    let mut out = String::from(
        "# The standards caretaker reports against\n\n\
         Generated from the built-in maps in `checks/src/standards/` by\n\
         `CARETAKER_UPDATE_DOCS=1 cargo test -p caretaker-checks standards_doc`; do not edit by hand.\n\n\
         Every finding shows against the school's own policy (`caretaker show`) and against each\n\
         standard below (`caretaker show --policy dfe`, `--policy filtering`,\n\
         `--policy cyber-essentials`; the console's `v` key; the leadership report). A standard is\n\
         checked **by machine** when checks evidence it (their findings decide its colour), **by\n\
         attestation** when no machine can check it and a person attests to it\n\
         (`caretaker attest ID`), and **not covered** when caretaker does neither.\n",
    );
    for (name, file) in [
        (DFE_CYBER, "dfe-cyber.toml"),
        (FILTERING, "dfe-filtering.toml"),
        (CYBER_ESSENTIALS, "cyber-essentials.toml"),
    ] {
        let Some(v) = view(name) else { continue };
        let source = source_of(match name {
            DFE_CYBER => DFE_CYBER_TOML,
            FILTERING => DFE_FILTERING_TOML,
            _ => CYBER_ESSENTIALS_TOML,
        });
        out.push_str(&format!(
            "\n## {}\n\n`--policy {name}` · map `checks/src/standards/{file}` · source: {source}\n\n",
            v.map.policy
        ));
        out.push_str("| standard | id | checked | evidence | not checked by machine |\n");
        out.push_str("| --- | --- | --- | --- | --- |\n");
        for c in &v.map.clauses {
            let coverage = Coverage::of(c);
            let evidence = match coverage {
                Coverage::Machine => c
                    .checks
                    .iter()
                    .map(|s| {
                        // A family or prefix is written as such: the table stays true when a
                        // check of the family is added.
                        if crate::registry::spec(s).is_some() {
                            format!("`{s}`")
                        } else {
                            format!("every `{s}.*` check")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                Coverage::Attestation => "a person attests".to_string(),
                Coverage::NotCovered => "—".to_string(),
            };
            // The DfE's standards are sentences of their own; Cyber Essentials' themes are named,
            // with their objective.
            let standard = if name == CYBER_ESSENTIALS {
                format!("{}: {}", c.title, c.text.trim_end_matches('.'))
            } else {
                c.text.trim_end_matches('.').to_string()
            };
            out.push_str(&format!(
                "| {} | `{}` | {} | {} | {} |\n",
                standard,
                c.id,
                coverage.words(),
                evidence,
                if c.not_checked.is_empty() {
                    "—"
                } else {
                    &c.not_checked
                }
            ));
        }
    }
    out
}

/// The `# Source: URL` line at the top of a built-in map.
fn source_of(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("# Source: "))
        .unwrap_or("")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CheckId;

    #[test]
    fn the_built_in_maps_parse_against_this_versions_checks() {
        for (text, origin) in [
            (DFE_CYBER_TOML, "dfe-cyber"),
            (DFE_FILTERING_TOML, "dfe-filtering"),
            (CYBER_ESSENTIALS_TOML, "cyber-essentials"),
        ] {
            let specs: Vec<&crate::CheckSpec> = crate::registry::all().collect();
            let map = ClauseMap::parse_view(text, origin, &specs)
                .unwrap_or_else(|e| panic!("{origin}: {e}"));
            assert!(!map.clauses.is_empty(), "{origin}");
            assert!(!source_of(text).is_empty(), "{origin}: no # Source line");
            // Every standard is one of the three kinds, and says plainly what it is.
            for c in &map.clauses {
                assert!(c.text.ends_with('.'), "{}: {}", c.id, c.text);
                // A title fits the column the text view and the console give it.
                assert!(c.title.chars().count() <= 36, "{}: {}", c.id, c.title);
                if c.attestation {
                    assert!(c.checks.is_empty(), "{}: attested and checked", c.id);
                }
                if c.checks.is_empty() {
                    assert!(c.not_checked.is_empty(), "{}", c.id);
                }
            }
        }
        assert_eq!(views().len(), NAMES.len());
        assert!(view("school").is_none() && view("dfee").is_none());
    }

    /// Every check in every area's SPECS evidences at least one DfE standard (cyber, or filtering
    /// and monitoring). A check added without a mapping fails here: add it to the `checks` of the
    /// standard it evidences in `standards/dfe-cyber.toml` or `standards/dfe-filtering.toml`.
    #[test]
    fn every_check_evidences_a_dfe_standard() {
        let dfe = view(DFE).expect("dfe");
        let unmapped: Vec<&str> = crate::registry::all()
            .filter(|s| dfe.map.clauses_for(&CheckId::new(s.id)).is_empty())
            .map(|s| s.id)
            .collect();
        assert!(
            unmapped.is_empty(),
            "checks that evidence no DfE standard: {unmapped:?}"
        );
        // The two documents together, each with its own section.
        assert_eq!(
            dfe.map
                .sections
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>(),
            vec!["dfe-cyber", "dfe-filtering"]
        );
        // Every filter check, and any added later, evidences blocking harmful content.
        for s in crate::filter::SPECS {
            assert_eq!(
                dfe.map.clauses_for(&CheckId::new(s.id)),
                vec!["dfe-filtering/block-harmful"],
                "{}",
                s.id
            );
        }
        assert_eq!(
            dfe.map.clauses_for(&CheckId::new("filter.safe-search")),
            vec!["dfe-filtering/block-harmful"]
        );
    }

    #[test]
    fn what_no_machine_can_check_is_attested_and_monitoring_is_not_covered() {
        let dfe = view(DFE).expect("dfe");
        let kind = |id: &str| dfe.map.clause(id).map(Coverage::of);
        for id in [
            "dfe-cyber/risk-assessment",
            "dfe-cyber/awareness",
            "dfe-cyber/backups",
            "dfe-cyber/report-attacks",
            "dfe-filtering/roles",
            "dfe-filtering/review",
        ] {
            assert_eq!(kind(id), Some(Coverage::Attestation), "{id}");
        }
        assert_eq!(kind("dfe-filtering/monitoring"), Some(Coverage::NotCovered));
        assert_eq!(
            kind("dfe-cyber/anti-malware-firewall"),
            Some(Coverage::Machine)
        );
    }

    #[test]
    fn a_clause_is_found_in_the_school_map_first_then_the_views() {
        let school = crate::clauses::builtin();
        let views = views();
        assert_eq!(
            find_clause(&school, &views, "7.4/network-files").map(|c| c.attestation),
            Some(true)
        );
        assert_eq!(
            find_clause(&school, &views, "dfe-cyber/backups").map(|c| c.title.as_str()),
            Some("Backups planned, tested, reviewed")
        );
        assert!(find_clause(&school, &views, "dfe-cyber/nothing").is_none());
    }

    /// `docs/standards.md` is the table the maps make (`CARETAKER_UPDATE_DOCS=1` rewrites it).
    #[test]
    fn standards_doc_matches_the_maps() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/standards.md");
        let want = standards_markdown();
        if std::env::var_os("CARETAKER_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).expect("write docs/standards.md");
        }
        let got = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            got == want,
            "docs/standards.md is not what the maps say; run \
             CARETAKER_UPDATE_DOCS=1 cargo test -p caretaker-checks standards_doc"
        );
        assert!(
            got.contains("| Report cyber attacks | `dfe-cyber/report-attacks` | by attestation |")
        );
        assert!(got.contains("not covered"));
        assert!(got.contains("every `filter.*` check"));
    }
}
