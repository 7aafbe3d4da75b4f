//! `caretaker assess` and `caretaker sites`: the filter-change log (risk assessments, the site
//! log, and filter checks after a change), append-only and chained by hash in the store.

use std::path::Path;

use super::Front;
use anyhow::anyhow;
use caretaker::cli::{
    AssessAddArgs, AssessCheckFilterArgs, AssessCommand, AssessExportArgs, AssessListArgs,
    AssessShowArgs, AssessVerifyArgs, ExportFormat, Format, SitesAddArgs, SitesCommand,
    SitesListArgs,
};
use caretaker::render_assess;
use caretaker_api::{AuditScope, PublishedHead, Trigger, EXIT_INCOMPLETE, EXIT_USAGE};
use caretaker_model::records::{
    AssessmentDraft, Decision, FieldError, Log, RecordKind, SiteDraft, StoredRecord,
};
use caretaker_model::run::RunState;

use super::audit::run_audit;
use super::{api_fail, fail, local, write_stdout, Fail};

/// The largest record file read.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

pub(crate) fn assess(config: Option<&Path>, cmd: AssessCommand) -> Result<u8, Fail> {
    match cmd {
        AssessCommand::Add(args) => add(config, &args),
        AssessCommand::List(args) => list(config, &args),
        AssessCommand::Show(args) => show(config, &args),
        AssessCommand::Verify(args) => verify(config, &args),
        AssessCommand::Export(args) => export(config, &args),
        AssessCommand::CheckFilter(args) => check_filter(config, &args),
    }
}

pub(crate) fn sites(config: Option<&Path>, cmd: SitesCommand) -> Result<u8, Fail> {
    match cmd {
        SitesCommand::Add(args) => sites_add(config, &args),
        SitesCommand::List(args) => sites_list(config, &args),
    }
}

fn read_record_file(path: &Path) -> Result<String, Fail> {
    let cannot = |e: &dyn std::fmt::Display| {
        fail(
            EXIT_USAGE,
            anyhow!("cannot read {}: {e}; nothing was recorded", path.display()),
        )
    };
    let meta = std::fs::metadata(path).map_err(|e| cannot(&e))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(cannot(&format!(
            "it is {} bytes, and a record file may be at most {MAX_FILE_BYTES}",
            meta.len()
        )));
    }
    std::fs::read_to_string(path).map_err(|e| cannot(&e))
}

/// Exit 64 listing every field that is wrong.
fn invalid(path: &Path, what: &str, errors: &[FieldError]) -> Fail {
    let mut msg = format!(
        "{} is not a valid {what}, so nothing was recorded ({} problem{}):",
        path.display(),
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for e in errors {
        msg.push_str(&format!("\n  {e}"));
    }
    fail(EXIT_USAGE, anyhow!(msg))
}

fn json_out(v: &serde_json::Value) -> Result<(), Fail> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    s.push('\n');
    write_stdout(&s)
}

fn read_log(api: &Front) -> Result<Log, Fail> {
    Ok(api.change_log().map_err(api_fail)?.into_log())
}

fn add(config: Option<&Path>, args: &AssessAddArgs) -> Result<u8, Fail> {
    let api = local(config)?;
    let text = read_record_file(&args.file)?;
    let mut draft = AssessmentDraft::from_toml(&text)
        .map_err(|e| invalid(&args.file, "risk assessment", &[e]))?;
    if let Some(site_id) = args.from_site {
        if let Some(other) = draft.from_site.filter(|s| *s != site_id) {
            return Err(invalid(
                &args.file,
                "risk assessment",
                &[FieldError {
                    field: "from_site".into(),
                    problem: format!(
                        "the file says #{other} but --from-site says #{site_id}: give one"
                    ),
                }],
            ));
        }
        let log = read_log(&api)?;
        let entry = match log.get(site_id) {
            Some(r) if r.kind == RecordKind::Site => r.site(),
            Some(r) => {
                return Err(fail(
                    EXIT_USAGE,
                    anyhow!(
                        "--from-site {site_id}: #{site_id} is a {}, not a site-log entry (see `caretaker sites list`)",
                        r.record_kind().map(RecordKind::noun).unwrap_or("record")
                    ),
                ))
            }
            None => None,
        };
        let Some(entry) = entry else {
            return Err(fail(
                EXIT_USAGE,
                anyhow!(
                    "--from-site {site_id}: there is no site-log entry #{site_id} (see `caretaker sites list`)"
                ),
            ));
        };
        if let Some(by) = log.superseded_by.get(&site_id) {
            return Err(fail(
                EXIT_USAGE,
                anyhow!(
                    "--from-site {site_id}: that entry was corrected by #{by}; use --from-site {}",
                    log.latest(site_id)
                ),
            ));
        }
        draft.prefill_from_site(site_id, &entry);
    }
    let rule = api.context().consent_from;
    let record = draft
        .validate(rule)
        .map_err(|e| invalid(&args.file, "risk assessment", &e))?;
    let stored = api.add_assessment(&record).map_err(api_fail)?;
    write_stdout(&format!("{}\n", stored.id))?;
    eprintln!(
        "Recorded risk assessment #{}{} as {}: {}.",
        stored.id,
        record
            .supersedes
            .map(|s| format!(" (corrects #{s})"))
            .unwrap_or_default(),
        stored.entered_by,
        record.summary()
    );
    if record.decision == Decision::Approve {
        eprintln!(
            "Once the change is made in the filter, run `caretaker assess check-filter {}`.",
            stored.id
        );
    }
    Ok(0)
}

/// An assessment for listings in JSON: the record, and its filter checks.
fn assessment_json(log: &Log, r: &StoredRecord) -> serde_json::Value {
    let mut v = log.json(r);
    v["verifications"] = log
        .verifications_of(r.id)
        .iter()
        .map(|(rec, _)| log.json(rec))
        .collect();
    v
}

fn list(config: Option<&Path>, args: &AssessListArgs) -> Result<u8, Fail> {
    let api = local(config)?;
    let log = read_log(&api)?;
    let rows = log.of_kind(RecordKind::Assessment, args.all);
    match args.format {
        Format::Text => write_stdout(&render_assess::assessments_table(&log, &rows))?,
        Format::Json => json_out(&serde_json::Value::Array(
            rows.iter().map(|r| assessment_json(&log, r)).collect(),
        ))?,
    }
    Ok(0)
}

fn show(config: Option<&Path>, args: &AssessShowArgs) -> Result<u8, Fail> {
    let api = local(config)?;
    let log = read_log(&api)?;
    let Some(r) = log.get(args.id) else {
        return Err(fail(
            EXIT_USAGE,
            anyhow!(
                "there is no record #{} (see `caretaker assess list` and `caretaker sites list`)",
                args.id
            ),
        ));
    };
    match args.format {
        Format::Text => write_stdout(&render_assess::record_detail(&log, r))?,
        Format::Json => {
            let mut v = if r.kind == RecordKind::Assessment {
                assessment_json(&log, r)
            } else {
                log.json(r)
            };
            v["history"] = log
                .history(r.id)
                .iter()
                .map(|h| {
                    serde_json::json!({
                        "id": h.id,
                        "entered_by": h.entered_by,
                        "entered_at": h.entered_at,
                        "supersedes": h.supersedes,
                        "current": !log.superseded_by.contains_key(&h.id),
                    })
                })
                .collect();
            if let Some(site) = r.assessment().and_then(|a| a.from_site) {
                v["from_site_entry"] = log
                    .get(site)
                    .map(|s| log.json(s))
                    .unwrap_or(serde_json::Value::Null);
            }
            json_out(&v)?;
        }
    }
    Ok(0)
}

fn verify(config: Option<&Path>, args: &AssessVerifyArgs) -> Result<u8, Fail> {
    let published = match (&args.head, &args.report) {
        (Some(head), _) => {
            caretaker_ledger::Head::parse(head)
                .map_err(|e| fail(EXIT_USAGE, anyhow!("--head: {e}")))?;
            Some(PublishedHead {
                head: head.clone(),
                source: "the head given".to_string(),
            })
        }
        (None, Some(file)) => Some(head_in_report(file)?),
        (None, None) => None,
    };
    let api = local(config)?;
    let report = api.verify_records(published.as_ref()).map_err(api_fail)?;
    write_stdout(&render_assess::chain_report(&report))?;
    Ok(if report.intact() { 0 } else { 1 })
}

/// The log head printed in a report made earlier.
fn head_in_report(file: &Path) -> Result<PublishedHead, Fail> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(64 << 20).read_to_end(&mut bytes))
        .map_err(|e| fail(EXIT_USAGE, anyhow!("--report {}: {e}", file.display())))?;
    // HTML and Markdown are text; a PDF report carries the head in its XMP metadata, which is
    // not compressed.
    let text = String::from_utf8_lossy(&bytes);
    let heads = caretaker_ledger::Head::find_in(&text);
    let Some(head) = heads.last() else {
        return Err(fail(
            EXIT_USAGE,
            anyhow!(
                "--report {}: no filter-change log head (\"log head: COUNT:HASH\") is printed in it; give the head with --head",
                file.display()
            ),
        ));
    };
    Ok(PublishedHead {
        head: head.to_string(),
        source: format!("the head in {}", file.display()),
    })
}

fn export(config: Option<&Path>, args: &AssessExportArgs) -> Result<u8, Fail> {
    let api = local(config)?;
    let changes = api.change_log().map_err(api_fail)?;
    let exported_by = changes.user.clone();
    let log = changes.into_log();
    let report = api.verify_records(None).map_err(api_fail)?;
    if !report.intact() {
        eprint!(
            "caretaker: warning: {}",
            render_assess::chain_report(&report)
        );
    }
    match args.format {
        ExportFormat::Csv => write_stdout(&render_assess::csv(&log))?,
        ExportFormat::Json => json_out(&serde_json::json!({
            "school": api.context().school,
            "exported_at": caretaker_model::finding::now_rfc3339(),
            "exported_by": exported_by,
            "hash": "lowercase hex SHA-256 over netstrings (<byte length>:<bytes>,) of prev_hash, id, kind, body, entered_by, entered_at, supersedes (empty when none); body is canonical JSON: keys sorted, no spaces",
            "chain": {
                "records": report.records,
                "intact": report.intact(),
                "last_hash": report.last_hash,
                "problems": report.problems,
            },
            "records": log.records.iter().map(|r| log.json(r)).collect::<Vec<_>>(),
        }))?,
    }
    Ok(0)
}

fn check_filter(config: Option<&Path>, args: &AssessCheckFilterArgs) -> Result<u8, Fail> {
    let api = local(config)?;
    let log = read_log(&api)?;
    // The rule (an approved change, made by today, and somewhere to test from) is the core's:
    // the audit is refused before anything runs, as the console's `v` is.
    let scope = AuditScope {
        verifies: Some(args.id),
        ..AuditScope::checks(vec!["filter".to_string()])
    };
    api.may_recheck(args.id).map_err(api_fail)?;
    if let Some(by) = log.superseded_by.get(&args.id) {
        eprintln!(
            "caretaker: note: #{} was corrected by #{by}; the check is recorded against #{} as asked.",
            args.id, args.id
        );
    }
    eprintln!("Running the web-filter tests now (as `caretaker audit --only filter`)…");
    let (ended, _) = run_audit(&*api, scope, Trigger::Manual)?;
    if ended.state == RunState::Interrupted {
        return Err(fail(
            EXIT_INCOMPLETE,
            anyhow!(
                "the filter tests (run {}) were interrupted; no filter check was recorded against #{}",
                ended.run_id,
                args.id
            ),
        ));
    }
    let (stored, v) = api
        .add_verification(args.id, ended.run_id)
        .map_err(api_fail)?;
    let mut out = String::new();
    if v.must_block_passed {
        out.push_str(&format!(
            "The must-block list is still blocked: all {} must-block tests passed in run {}.\n",
            v.must_block_tests, v.run
        ));
    } else if v.must_block_tests == 0 {
        out.push_str(&format!(
            "Run {} holds no must-block tests, so it does NOT show that the must-block list is blocked.\n",
            v.run
        ));
    } else {
        out.push_str(&format!(
            "The must-block list is NOT all blocked: {} of {} must-block tests did not pass in run {}:\n",
            v.must_block_tests - v.passed,
            v.must_block_tests,
            v.run
        ));
        for m in &v.not_blocked {
            out.push_str(&format!(
                "  {:<5} {} ({}) {}\n        {}\n",
                m.status.to_uppercase(),
                m.vantage,
                m.group,
                m.url,
                m.summary
            ));
        }
    }
    out.push_str(&format!(
        "Recorded as #{}: filter check of run {} after risk assessment #{}, by {}. The whole run: `caretaker show {}`.\n",
        stored.id, v.run, args.id, stored.entered_by, v.run
    ));
    write_stdout(&out)?;
    Ok(if v.must_block_passed {
        0
    } else if v.not_blocked.iter().any(|m| m.status == "fail") {
        1
    } else {
        2
    })
}

fn sites_add(config: Option<&Path>, args: &SitesAddArgs) -> Result<u8, Fail> {
    let api = local(config)?;
    let text = read_record_file(&args.file)?;
    let draft =
        SiteDraft::from_toml(&text).map_err(|e| invalid(&args.file, "site-log entry", &[e]))?;
    let entry = draft
        .validate()
        .map_err(|e| invalid(&args.file, "site-log entry", &e))?;
    let stored = api.add_site(&entry).map_err(api_fail)?;
    write_stdout(&format!("{}\n", stored.id))?;
    eprintln!(
        "Recorded site-log entry #{}{} as {}: {}.",
        stored.id,
        entry
            .supersedes
            .map(|s| format!(" (corrects #{s})"))
            .unwrap_or_default(),
        stored.entered_by,
        entry.summary()
    );
    eprintln!(
        "To assess the change: `caretaker assess add --from-site {} --file RECORD.toml`.",
        stored.id
    );
    Ok(0)
}

fn sites_list(config: Option<&Path>, args: &SitesListArgs) -> Result<u8, Fail> {
    let api = local(config)?;
    let log = read_log(&api)?;
    let rows = log.of_kind(RecordKind::Site, args.all);
    match args.format {
        Format::Text => write_stdout(&render_assess::sites_table(&log, &rows))?,
        Format::Json => json_out(&serde_json::Value::Array(
            rows.iter()
                .map(|r| {
                    let mut v = log.json(r);
                    v["assessed_in"] = serde_json::json!(log.assessments_from_site(r.id));
                    v
                })
                .collect(),
        ))?,
    }
    Ok(0)
}
