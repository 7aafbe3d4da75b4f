//! The JSON report validates against docs/audit-report.schema.json.

use std::path::PathBuf;

/// Validates one document, returning every error in words.
pub fn schema_errors(doc: &serde_json::Value) -> Vec<String> {
    errors_against("docs/audit-report.schema.json", doc)
}

/// Validates one document against a schema in docs/.
pub fn errors_against(schema: &str, doc: &serde_json::Value) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(schema);
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_schema_rejects_what_it_should() {
    let good = serde_json::json!({
        "format": "caretaker.audit-report", "version": 1, "school": "s", "policy": "p",
        "run": {"id": 1, "trigger": "cron", "who": "root", "config_digest": "0".repeat(64),
                "started_at": "2026-11-23T02:00:00Z", "ended_at": null, "state": "running",
                "verdict": null, "exit_code": 2, "only": []},
        "counts": {"pass": 0, "fail": 0, "warn": 0, "error": 0, "waived": 0},
        "clauses": [], "findings": []
    });
    assert!(
        schema_errors(&good).is_empty(),
        "{:?}",
        schema_errors(&good)
    );
    let mut bad = good.clone();
    bad["run"]["state"] = serde_json::json!("finished");
    assert!(!schema_errors(&bad).is_empty());
    let mut bad = good.clone();
    bad["extra"] = serde_json::json!(1);
    assert!(!schema_errors(&bad).is_empty());
}
