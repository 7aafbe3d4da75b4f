//! The registry of checks: every check is declared once, as a [`CheckSpec`], in its area
//! (`directory`, `host`, `filter`, `mail`), and everything that lists checks reads the declarations: the
//! engine (which ids a unit reports on, `--only`), the clause map (which clauses each check
//! evidences, and its validation), `caretaker checks`, the console's columns and caretaker.toml(5).
//!
//! See `docs/ADDING-A-CHECK.md` for how a check is added.

use caretaker_config::Config;
pub use caretaker_model::spec::{ids_of, AreaId, CheckSpec};

/// One area of checks: its declarations, and the units of work the loaded configuration asks for
/// (one per directory, per machine, per filter vantage point).
pub trait Area {
    /// What one unit of work is configured by.
    type Unit;
    /// The area.
    const ID: AreaId;
    /// The area's checks, in report order (the order of its findings).
    fn specs() -> &'static [CheckSpec];
    /// The units the configuration asks for.
    fn units(config: &Config) -> Vec<Self::Unit>;

    /// The area's check ids, in report order.
    fn ids() -> Vec<&'static str> {
        Self::specs().iter().map(|s| s.id).collect()
    }

    /// What the check `id` could not do, as the start of a sentence; the area's own words for an
    /// id it does not declare.
    fn could_not(id: &str) -> &'static str {
        Self::specs()
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.could_not)
            .unwrap_or(match Self::ID {
                AreaId::Directory => "Could not check the directory",
                AreaId::Hosts => "Could not check the machine",
                AreaId::Filter => "Could not test the web filter",
                AreaId::Mail => "Could not check the mail domain",
            })
    }
}

/// The checks of `area`, in report order.
pub fn specs(area: AreaId) -> &'static [CheckSpec] {
    match area {
        AreaId::Directory => <crate::directory::DirectoryArea as Area>::specs(),
        AreaId::Hosts => <crate::host::HostArea as Area>::specs(),
        AreaId::Filter => <crate::filter::FilterArea as Area>::specs(),
        AreaId::Mail => <crate::mail::MailArea as Area>::specs(),
    }
}

/// Every check, area by area, in report order.
pub fn all() -> impl Iterator<Item = &'static CheckSpec> {
    AreaId::ALL.into_iter().flat_map(|a| specs(a).iter())
}

/// The check declared with this id.
pub fn spec(id: &str) -> Option<&'static CheckSpec> {
    all().find(|s| s.id == id)
}

/// Every check id, in report order.
pub fn ids() -> Vec<&'static str> {
    all().map(|s| s.id).collect()
}

/// The checks' own settings, as caretaker.toml(5) lists them.
pub fn check_docs() -> Vec<caretaker_config::docs::CheckDoc> {
    all()
        .map(|s| caretaker_config::docs::CheckDoc {
            id: s.id,
            title: s.title,
            clauses: s.clauses.to_vec(),
            settings: s.settings.to_vec(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_in_their_area() {
        let mut seen = std::collections::BTreeSet::new();
        for s in all() {
            assert!(seen.insert(s.id), "{} declared twice", s.id);
            assert_eq!(s.id.split('.').next(), Some(s.area.family()), "{}", s.id);
            assert!(!s.title.is_empty() && !s.column.is_empty(), "{}", s.id);
            assert!(s.could_not.starts_with("Could not"), "{}", s.id);
            assert!(!s.clauses.is_empty(), "{} evidences no clause", s.id);
            for k in s.settings {
                assert!(
                    k.key.starts_with(match s.area {
                        AreaId::Directory => "directory[].",
                        AreaId::Hosts => "hosts.",
                        AreaId::Filter => "filter.",
                        AreaId::Mail => "mail.",
                    }),
                    "{}: {}",
                    s.id,
                    k.key
                );
            }
        }
        assert!(spec("host.antivirus").is_some());
        assert!(spec("host.nothing").is_none());
    }

    #[test]
    fn console_columns_are_unique_per_area() {
        for a in AreaId::ALL {
            let mut seen = std::collections::BTreeSet::new();
            for s in specs(a) {
                assert!(seen.insert(s.column), "{} column {} twice", s.id, s.column);
            }
        }
    }

    /// No check id is written as a string outside its declaration: code names checks through the
    /// registry. Test modules and test files are exempt (they name what they expect).
    #[test]
    fn check_ids_are_written_only_in_their_declarations() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut offenders = Vec::new();
        for dir in [
            "checks/src",
            "core/src",
            "transports/src",
            "sample/src",
            "tui/src",
            "examples",
            "model/src",
            "api/src",
            "config/src",
            "src",
        ] {
            scan(&root.join(dir), &mut offenders);
        }
        assert!(
            offenders.is_empty(),
            "check ids written outside their declarations (use the area's specs):\n{}",
            offenders.join("\n")
        );
    }

    fn scan(dir: &std::path::Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                scan(&p, out);
                continue;
            }
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let test_file = name == "tests.rs" || name.starts_with("tests_");
            if !name.ends_with(".rs") || test_file || name == "registry.rs" {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            // Only the code before the file's test module.
            let code = text
                .split("#[cfg(test)]\nmod tests {")
                .next()
                .unwrap_or_default();
            // Inside a declaration (`const X: CheckSpec = …;`) the id is written once, as it should.
            let mut in_declaration = false;
            for (n, line) in code.lines().enumerate() {
                let t = line.trim_start();
                if t.contains(": CheckSpec = ") {
                    in_declaration = true;
                }
                let declared = in_declaration;
                if in_declaration && (t.ends_with(");") || t.ends_with("};")) {
                    in_declaration = false;
                }
                if t.starts_with("//") || declared {
                    continue;
                }
                for family in ["\"host.", "\"directory.", "\"filter.", "\"mail."] {
                    if let Some(at) = line.find(family) {
                        let rest = &line[at + 1..];
                        let word: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                            .collect();
                        // Configuration keys (`filter.timeout_secs`) are not check ids.
                        if spec(&word).is_some() {
                            out.push(format!("{}:{}: {}", p.display(), n + 1, line.trim()));
                        }
                    }
                }
            }
        }
    }
}
