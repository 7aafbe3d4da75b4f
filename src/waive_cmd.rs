//! `caretaker waive`, `caretaker waivers`, `caretaker attest`, `caretaker attestations` and
//! `caretaker show --fingerprints`: waivers of findings and attestations of clauses no machine can
//! check, kept in the append-only, hash-chained log of the store (see `caretaker_daemon::assess`).

use std::path::Path;

use anyhow::anyhow;
use caretaker::cli::{
    AttestArgs, AttestationsCommand, Format, RecordsListArgs, ShowArgs, WaiveArgs, WaiversCommand,
    WithdrawArgs,
};
use caretaker_checks::Status;
use caretaker_daemon::assess::{self, Attestation, Log, RecordKind, StoredRecord, Waiver};
use caretaker_daemon::store::{fingerprint, os_user, Store, StoreError};
use tabled::settings::object::Columns;
use tabled::settings::{Style, Width};
use tabled::{Table, Tabled};

use crate::{
    fail, load_config, load_map, open_store, write_stdout, Fail, EXIT_INCOMPLETE, EXIT_USAGE,
};

/// A store error as an exit: refused records are the user's to fix (64), the rest are 2.
fn store_fail(e: StoreError) -> Fail {
    match e {
        StoreError::Refused(_) => fail(EXIT_USAGE, anyhow!("{e}; nothing was recorded")),
        other => fail(EXIT_INCOMPLETE, other),
    }
}

/// Exit 64 with every problem, one a line.
fn usage(problems: &[String]) -> Fail {
    fail(
        EXIT_USAGE,
        anyhow!("{}; nothing was recorded", problems.join("\n  ")),
    )
}

fn read_log(store: &Store) -> Result<Log, Fail> {
    Log::read(store).map_err(store_fail)
}

fn json_out(v: &serde_json::Value) -> Result<(), Fail> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    s.push('\n');
    write_stdout(&s)
}

/// The current attestations and today's date, for judging the clauses of a report.
pub(crate) fn attestations_today(
    store: &Store,
) -> Result<(Vec<(i64, Attestation)>, time::Date), Fail> {
    Ok((read_log(store)?.attestations(), assess::today()))
}

/// Checks the typed texts and the date, collecting every problem.
fn check_fields(texts: &[(&str, &str, &str)], until: &str) -> Result<String, Fail> {
    let today = assess::today();
    let mut problems = Vec::new();
    for (flag, value, what) in texts {
        if let Err(e) = assess::validate_text(flag, value, what) {
            problems.push(e);
        }
    }
    let until = assess::validate_until("--until", until, today).map_err(|e| problems.push(e));
    match until {
        Ok(u) if problems.is_empty() => Ok(u),
        _ => Err(usage(&problems)),
    }
}

// ---------------------------------------------------------------------------------------------
// show --fingerprints
// ---------------------------------------------------------------------------------------------

#[derive(Tabled)]
struct FingerprintRow {
    #[tabled(rename = "STATUS")]
    status: String,
    #[tabled(rename = "FINGERPRINT")]
    fingerprint: String,
    #[tabled(rename = "FINDING")]
    summary: String,
}

pub(crate) fn fingerprints(config: Option<&Path>, args: &ShowArgs) -> Result<u8, Fail> {
    let loaded = load_config(config)?;
    let store = open_store(&loaded)?;
    let Some(run) = store.run(args.run).map_err(store_fail)? else {
        return Err(fail(
            EXIT_USAGE,
            anyhow!(
                "{} ({}); see `caretaker runs`",
                args.run
                    .map(|id| format!("no run {id} in the store"))
                    .unwrap_or_else(|| "no runs stored yet".into()),
                loaded.store_path.display()
            ),
        ));
    };
    let findings = store.findings(run.id).map_err(store_fail)?;
    let mut mine: Vec<&caretaker_checks::Finding> = findings
        .iter()
        .filter(|f| f.status != Status::Pass)
        .collect();
    mine.sort_by_key(|f| f.status.rank());
    match args.format {
        Format::Json => json_out(&serde_json::json!({
            "run": run.id,
            "findings": mine.iter().map(|f| serde_json::json!({
                "fingerprint": fingerprint(f),
                "status": f.status.as_str(),
                "check": f.check.as_str(),
                "target": f.target.display_name(),
                "summary": f.summary,
            })).collect::<Vec<_>>(),
        }))?,
        Format::Text => {
            if mine.is_empty() {
                write_stdout(&format!(
                    "Run {}: every finding passes; there is nothing to waive.\n",
                    run.id
                ))?;
                return Ok(0);
            }
            let rows: Vec<FingerprintRow> = mine
                .iter()
                .map(|f| {
                    let waiver = f
                        .evidence
                        .values
                        .iter()
                        .find(|(k, _)| k == "waiver")
                        .map(|(_, v)| v.clone());
                    let until = f
                        .evidence
                        .values
                        .iter()
                        .find(|(k, _)| k == "waiver_until")
                        .map(|(_, v)| v.clone());
                    FingerprintRow {
                        status: f.status.as_str().to_uppercase(),
                        fingerprint: fingerprint(f),
                        summary: match (waiver, until) {
                            (Some(w), Some(u)) => {
                                format!("{} (waiver {w} until {u})", f.summary)
                            }
                            _ => f.summary.clone(),
                        },
                    }
                })
                .collect();
            let mut t = Table::new(rows);
            t.with(Style::sharp())
                .modify(Columns::one(2), Width::wrap(48).keep_words(true));
            write_stdout(&format!(
                "Run {} · findings that do not pass, with the fingerprint `caretaker waive` takes\n{t}\n",
                run.id
            ))?;
        }
    }
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Waivers
// ---------------------------------------------------------------------------------------------

pub(crate) fn waive(config: Option<&Path>, args: &WaiveArgs) -> Result<u8, Fail> {
    let until = check_fields(
        &[
            (
                "--justification",
                &args.justification,
                "why the finding is accepted for now",
            ),
            (
                "--approved-by",
                &args.approved_by,
                "the name of who approved the waiver",
            ),
        ],
        &args.until,
    )?;
    let fp = args.fingerprint.trim();
    let loaded = load_config(config)?;
    let store = open_store(&loaded)?;
    let Some((run, finding)) = store.latest_finding(fp).map_err(store_fail)? else {
        return Err(fail(
            EXIT_USAGE,
            anyhow!(
                "FINGERPRINT {fp:?}: no stored finding has this fingerprint; expected one that \
                 `caretaker show --fingerprints` prints (check|kind|scope|name, quoted in the shell); nothing was recorded"
            ),
        ));
    };
    let w = Waiver {
        fingerprint: fp.to_string(),
        check: finding.check.to_string(),
        target: finding.target.display_name(),
        summary: finding.summary.clone(),
        justification: args.justification.trim().to_string(),
        approved_by: args.approved_by.trim().to_string(),
        until,
        withdrawn: false,
        withdrawn_reason: None,
        supersedes: None,
    };
    let rec = assess::add_waiver(&store, &w, &os_user()).map_err(store_fail)?;
    println!("{}", rec.id);
    eprintln!(
        "Waiver #{} recorded: {} on {} is waived until {} (approved by {}). From the next audit it is stored as waived, not failing{}.",
        rec.id,
        w.check,
        w.target,
        w.until,
        w.approved_by,
        if finding.status == Status::Pass {
            format!("; note that it passed in run {run}")
        } else {
            String::new()
        }
    );
    Ok(0)
}

pub(crate) fn waivers(config: Option<&Path>, cmd: WaiversCommand) -> Result<u8, Fail> {
    match cmd {
        WaiversCommand::List(args) => list(config, RecordKind::Waiver, &args),
        WaiversCommand::Withdraw(args) => withdraw(config, RecordKind::Waiver, &args),
    }
}

pub(crate) fn attestations(config: Option<&Path>, cmd: AttestationsCommand) -> Result<u8, Fail> {
    match cmd {
        AttestationsCommand::List(args) => list(config, RecordKind::Attestation, &args),
        AttestationsCommand::Withdraw(args) => withdraw(config, RecordKind::Attestation, &args),
    }
}

// ---------------------------------------------------------------------------------------------
// Attestations
// ---------------------------------------------------------------------------------------------

pub(crate) fn attest(config: Option<&Path>, args: &AttestArgs) -> Result<u8, Fail> {
    let until = check_fields(
        &[
            (
                "--statement",
                &args.statement,
                "what was done and seen, in a sentence",
            ),
            ("--by", &args.by, "the name of who attests"),
        ],
        &args.until,
    )?;
    let loaded = load_config(config)?;
    let map = load_map(&loaded)?;
    let attestable: Vec<&str> = map
        .clauses
        .iter()
        .filter(|c| c.attestation)
        .map(|c| c.id.as_str())
        .collect();
    let id = args.clause.trim();
    let clause = match map.clauses.iter().find(|c| c.id == id) {
        Some(c) if c.attestation => c,
        found => {
            let why = if found.is_some() {
                "is not one a person can attest to (the clause map does not mark it `attestation = true`)"
            } else {
                "is not a clause of the clause map"
            };
            return Err(fail(
                EXIT_USAGE,
                anyhow!(
                    "CLAUSE {id:?} {why}; expected one of: {}; nothing was recorded",
                    if attestable.is_empty() {
                        "(none)".to_string()
                    } else {
                        attestable.join(", ")
                    }
                ),
            ));
        }
    };
    let store = open_store(&loaded)?;
    let a = Attestation {
        clause: clause.id.clone(),
        clause_title: clause.title.clone(),
        statement: args.statement.trim().to_string(),
        attested_by: args.by.trim().to_string(),
        until,
        withdrawn: false,
        withdrawn_reason: None,
        supersedes: None,
    };
    let rec = assess::add_attestation(&store, &a, &os_user()).map_err(store_fail)?;
    println!("{}", rec.id);
    eprintln!(
        "Attestation #{} recorded: {} ({}) attested by {} until {}. Reports show it GREEN while no finding says otherwise.",
        rec.id, a.clause, a.clause_title, a.attested_by, a.until
    );
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Listing and withdrawing (both kinds)
// ---------------------------------------------------------------------------------------------

/// A record's state in words: "in force", "expired", "withdrawn by #N", "withdraws #N".
fn state(log: &Log, r: &StoredRecord, today: time::Date) -> String {
    let (withdrawn, in_force) = match (r.waiver(), r.attestation()) {
        (Some(w), _) => (w.withdrawn, w.in_force(today)),
        (_, Some(a)) => (a.withdrawn, a.in_force(today)),
        _ => return "unreadable".to_string(),
    };
    if withdrawn {
        return format!("withdraws #{}", r.supersedes.unwrap_or(0));
    }
    if let Some(by) = log.superseded_by.get(&r.id) {
        return format!("withdrawn by #{by}");
    }
    if in_force {
        "in force".to_string()
    } else {
        "expired".to_string()
    }
}

#[derive(Tabled)]
struct WaiverRow {
    #[tabled(rename = "ID")]
    id: i64,
    #[tabled(rename = "STATE")]
    state: String,
    #[tabled(rename = "UNTIL")]
    until: String,
    #[tabled(rename = "APPROVED BY")]
    approved_by: String,
    #[tabled(rename = "FINDING")]
    finding: String,
    #[tabled(rename = "JUSTIFICATION")]
    justification: String,
}

#[derive(Tabled)]
struct AttestationRow {
    #[tabled(rename = "ID")]
    id: i64,
    #[tabled(rename = "STATE")]
    state: String,
    #[tabled(rename = "UNTIL")]
    until: String,
    #[tabled(rename = "BY")]
    by: String,
    #[tabled(rename = "CLAUSE")]
    clause: String,
    #[tabled(rename = "STATEMENT")]
    statement: String,
}

fn list(config: Option<&Path>, kind: RecordKind, args: &RecordsListArgs) -> Result<u8, Fail> {
    let loaded = load_config(config)?;
    let store = open_store(&loaded)?;
    let log = read_log(&store)?;
    let today = assess::today();
    let rows: Vec<&StoredRecord> = log
        .of_kind(kind, args.all)
        .into_iter()
        .filter(|r| {
            args.all
                || !(r.waiver().is_some_and(|w| w.withdrawn)
                    || r.attestation().is_some_and(|a| a.withdrawn))
        })
        .collect();
    match args.format {
        Format::Json => {
            let v: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    let mut j = log.json(r);
                    j["state"] = serde_json::Value::String(state(&log, r, today));
                    j
                })
                .collect();
            json_out(&serde_json::Value::Array(v))?;
        }
        Format::Text if rows.is_empty() => write_stdout(match kind {
            RecordKind::Waiver => "No waivers: `caretaker waive FINGERPRINT …` records one.\n",
            _ => "No attestations: `caretaker attest CLAUSE …` records one.\n",
        })?,
        Format::Text => {
            let mut t = match kind {
                RecordKind::Waiver => Table::new(rows.iter().filter_map(|r| {
                    r.waiver().map(|w| WaiverRow {
                        id: r.id,
                        state: state(&log, r, today),
                        until: w.until.clone(),
                        approved_by: w.approved_by.clone(),
                        finding: format!("{} · {}", w.check, w.target),
                        justification: if w.withdrawn {
                            format!("withdrawn: {}", w.withdrawn_reason.unwrap_or_default())
                        } else {
                            w.justification
                        },
                    })
                })),
                _ => Table::new(rows.iter().filter_map(|r| {
                    r.attestation().map(|a| AttestationRow {
                        id: r.id,
                        state: state(&log, r, today),
                        until: a.until.clone(),
                        by: a.attested_by.clone(),
                        clause: format!("{} {}", a.clause, a.clause_title),
                        statement: if a.withdrawn {
                            format!("withdrawn: {}", a.withdrawn_reason.unwrap_or_default())
                        } else {
                            a.statement
                        },
                    })
                })),
            };
            t.with(Style::sharp())
                .modify(Columns::one(4), Width::wrap(32).keep_words(true))
                .modify(Columns::one(5), Width::wrap(40).keep_words(true));
            write_stdout(&format!("{t}\n"))?;
        }
    }
    Ok(0)
}

fn withdraw(config: Option<&Path>, kind: RecordKind, args: &WithdrawArgs) -> Result<u8, Fail> {
    let reason = assess::validate_text("--reason", &args.reason, "why it is withdrawn")
        .map_err(|e| usage(&[e]))?;
    let loaded = load_config(config)?;
    let store = open_store(&loaded)?;
    let log = read_log(&store)?;
    let noun = match kind {
        RecordKind::Waiver => "a waiver",
        _ => "an attestation",
    };
    let list_cmd = match kind {
        RecordKind::Waiver => "caretaker waivers list",
        _ => "caretaker attestations list",
    };
    let id = args.id;
    let not_one = |what: String| {
        fail(
            EXIT_USAGE,
            anyhow!("ID {id}: {what}; expected the number of {noun} in force or expired (see `{list_cmd}`); nothing was recorded"),
        )
    };
    let Some(r) = log.get(id) else {
        return Err(not_one(format!("there is no record #{id}")));
    };
    if r.kind != kind.as_str() {
        return Err(not_one(format!(
            "#{id} is a {}, not {}",
            r.record_kind().map(RecordKind::noun).unwrap_or("record"),
            match kind {
                RecordKind::Waiver => "a waiver",
                _ => "an attestation",
            }
        )));
    }
    if let Some(by) = log.superseded_by.get(&id) {
        return Err(not_one(format!("#{id} was already withdrawn by #{by}")));
    }
    let rec = match kind {
        RecordKind::Waiver => {
            let Some(mut w) = r.waiver() else {
                return Err(not_one(format!("#{id} cannot be read")));
            };
            if w.withdrawn {
                return Err(not_one(format!("#{id} is itself a withdrawal")));
            }
            w.withdrawn = true;
            w.withdrawn_reason = Some(reason);
            w.supersedes = Some(id);
            assess::add_waiver(&store, &w, &os_user())
        }
        _ => {
            let Some(mut a) = r.attestation() else {
                return Err(not_one(format!("#{id} cannot be read")));
            };
            if a.withdrawn {
                return Err(not_one(format!("#{id} is itself a withdrawal")));
            }
            a.withdrawn = true;
            a.withdrawn_reason = Some(reason);
            a.supersedes = Some(id);
            assess::add_attestation(&store, &a, &os_user())
        }
    }
    .map_err(store_fail)?;
    println!("{}", rec.id);
    eprintln!(
        "{} #{id} withdrawn by #{}{}.",
        match kind {
            RecordKind::Waiver => "Waiver",
            _ => "Attestation",
        },
        rec.id,
        match kind {
            RecordKind::Waiver => "; its finding counts again from the next audit",
            _ => "",
        }
    );
    Ok(0)
}
