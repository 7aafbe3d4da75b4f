//! Tests for loading: `[assess]` read and a bad value named.

use super::*;
use crate::ConsentFrom;

#[test]
fn assess_consent_from_defaults_to_medium_and_names_a_bad_value() {
    let path = Path::new("caretaker.toml");
    let cfg = parse_str("version = 1\n", path).unwrap();
    assert_eq!(cfg.assess.consent_from, ConsentFrom::Medium);
    let cfg = parse_str("version = 1\n[assess]\nconsent_from = \"never\"\n", path).unwrap();
    assert_eq!(cfg.assess.consent_from, ConsentFrom::Never);
    let err = parse_str(
        "version = 1\n[assess]\nconsent_from = \"sometimes\"\n",
        path,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("caretaker.toml:3:"), "{err}");
    assert!(err.contains("assess.consent_from"), "{err}");
    assert!(err.contains("`low`, `medium`, `high`, `never`"), "{err}");
    let err = parse_str("version = 1\n[assess]\nconsent = \"low\"\n", path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("assess.consent"), "{err}");
}
