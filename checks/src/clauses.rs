//! The policy clause map, validated against this version's checks: the built-in map and a
//! school's own. The map itself ([`ClauseMap`]) is data, in the model.

pub use caretaker_model::clauses::*;

/// The built-in map's TOML text (also written out by `caretaker init --policy-map`).
pub const BUILTIN_MAP_TOML: &str = include_str!("policy-7.4.toml");

/// The built-in map for section 7.4 / 7.4.1 / 7.2.
pub fn builtin() -> ClauseMap {
    // The built-in text is tested to parse; fall back to an empty map rather than panic.
    from_toml(BUILTIN_MAP_TOML, "built-in clause map").unwrap_or(ClauseMap {
        version: 1,
        policy: String::new(),
        sections: Vec::new(),
        clauses: Vec::new(),
    })
}

/// Parses a map and validates it against every declared check (see [`ClauseMap::parse`]);
/// `origin` names the file in errors.
pub fn from_toml(text: &str, origin: &str) -> Result<ClauseMap, ClauseMapError> {
    let specs: Vec<&crate::CheckSpec> = crate::registry::all().collect();
    ClauseMap::parse(text, origin, &specs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CheckId;

    #[test]
    fn builtin_map_parses_and_covers_the_directory_checks() {
        let map = from_toml(BUILTIN_MAP_TOML, "built-in").expect("built-in map parses");
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
        let err = from_toml(
            &renumbered("\"directory\", \"host\", \"filter\", \"mail\", \"host.antivirs\""),
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
        let err = from_toml(
            &renumbered("\"directory\", \"filter\", \"mail\""),
            "kcc.toml",
        )
        .expect_err("refused");
        let ClauseMapError::Uncovered { checks, .. } = &err else {
            panic!("{err}");
        };
        assert_eq!(checks, &crate::host::CHECK_IDS.to_vec(), "{err}");
        // Every check named, by family: accepted.
        let ok = from_toml(
            &renumbered("\"directory\", \"host\", \"filter\", \"mail\""),
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
        let map = builtin();
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
        let err = from_toml(text, "kcc.toml").expect_err("refused");
        assert!(err.to_string().contains("section \"7.4\""), "{err}");
    }
}
