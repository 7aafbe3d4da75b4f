//! `caretaker waive`, `caretaker waivers`, `caretaker attest`, `caretaker attestations` and
//! `caretaker show --fingerprints`: waivers of findings and attestations of clauses no machine can
//! check, kept in the append-only, hash-chained log of the store (see `caretaker_model::records`).

use std::path::Path;

use super::Front;
use anyhow::anyhow;
use caretaker::cli::{
    AttestArgs, AttestationsCommand, Format, RecordsListArgs, ShowArgs, WaiveArgs, WaiversCommand,
    WithdrawArgs,
};
use caretaker_api::{Api, ApiError, EXIT_USAGE};
use caretaker_model::records::{self as assess, Attestation, Expiring, Log, StoredRecord, Waiver};
use caretaker_model::run::fingerprint;
use caretaker_model::Status;
use tabled::settings::object::Columns;
use tabled::settings::{Style, Width};
use tabled::{Table, Tabled};

use super::{api_fail, fail, json_out, local, stored_run, write_stdout, Fail};

/// Exit 64 with every problem, one a line.
fn usage(problems: &[String]) -> Fail {
    fail(
        EXIT_USAGE,
        anyhow!("{}; nothing was recorded", problems.join("\n  ")),
    )
}

/// The log, and the day the core judges records on.
fn read_log(api: &Front) -> Result<(Log, time::Date), Fail> {
    let changes = api.change_log().map_err(api_fail)?;
    let today = changes.today;
    Ok((changes.into_log(), today))
}

/// Checks the typed texts and the date, collecting every problem.
fn check_fields(texts: &[(&str, &str, &str)], until: &str) -> Result<time::Date, Fail> {
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

/// Records a waiver or an attestation (or the withdrawal of one) and prints its record number.
fn record<T: Listed>(api: &Front, r: &T) -> Result<StoredRecord, Fail> {
    let rec = T::add(&**api, r).map_err(api_fail)?;
    println!("{}", rec.id);
    Ok(rec)
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
    let api = local(config)?;
    let run = stored_run(&api, args.run)?;
    let findings = api.findings(run.id).map_err(api_fail)?;
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
                    let waiver = f.evidence.get("waiver");
                    let until = f.evidence.get("waiver_until");
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
    let api = local(config)?;
    let Some((run, finding)) = api.latest_finding(fp).map_err(api_fail)? else {
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
    let rec = record(&api, &w)?;
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
        WaiversCommand::List(args) => list::<Waiver>(config, &args),
        WaiversCommand::Withdraw(args) => withdraw::<Waiver>(config, &args),
    }
}

pub(crate) fn attestations(config: Option<&Path>, cmd: AttestationsCommand) -> Result<u8, Fail> {
    match cmd {
        AttestationsCommand::List(args) => list::<Attestation>(config, &args),
        AttestationsCommand::Withdraw(args) => withdraw::<Attestation>(config, &args),
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
    let api = local(config)?;
    let map = &api.context().map;
    let views = api.catalogue().views;
    // The school's clauses first, then the built-in standards' (`dfe-cyber/backups`).
    let mut attestable: Vec<&str> = Vec::new();
    for c in map
        .clauses
        .iter()
        .chain(views.iter().flat_map(|v| v.map.clauses.iter()))
        .filter(|c| c.attestation)
    {
        if !attestable.contains(&c.id.as_str()) {
            attestable.push(&c.id);
        }
    }
    let id = args.clause.trim();
    let clause = match caretaker_checks::standards::find_clause(map, &views, id) {
        Some(c) if c.attestation => c,
        found => {
            let why = if found.is_some() {
                "is not one a person can attest to (the clause map does not mark it `attestation = true`)"
            } else {
                "is not a clause of the clause map nor a standard of `caretaker show --policy`"
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
    let a = Attestation {
        clause: clause.id.clone(),
        clause_title: clause.title.clone(),
        statement: args.statement.trim().to_string(),
        attested_by: args.by.trim().to_string(),
        until,
        withdrawn: false,
        withdrawn_reason: None,
        supersedes: None,
        review: None,
    };
    let rec = record(&api, &a)?;
    eprintln!(
        "Attestation #{} recorded: {} ({}) attested by {} until {}. Reports show it GREEN while no finding says otherwise.",
        rec.id, a.clause, a.clause_title, a.attested_by, a.until
    );
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Listing and withdrawing (both kinds)
// ---------------------------------------------------------------------------------------------

/// How the list and withdraw commands speak of one kind of record.
trait Listed: Expiring {
    /// Its row in the table `list` prints.
    type Row: Tabled;
    /// "Waiver", "Attestation".
    const TITLE: &'static str;
    /// "a waiver", "an attestation".
    const NOUN: &'static str;
    /// The command that lists them.
    const LIST_CMD: &'static str;
    /// What `list` prints when there are none.
    const NONE: &'static str;
    /// What withdrawing one changes, as the end of a sentence ("" for nothing to add).
    const AFTER_WITHDRAWAL: &'static str;

    /// Its row, as record `id` in `state`.
    fn row(self, id: i64, state: String) -> Self::Row;

    /// Records it through the API.
    fn add(api: &dyn Api, r: &Self) -> Result<StoredRecord, ApiError>;
}

/// The text of a record in the list: `text`, or why it was withdrawn on a withdrawal.
fn said(withdrawn: bool, withdrawn_reason: Option<String>, text: String) -> String {
    if withdrawn {
        format!("withdrawn: {}", withdrawn_reason.unwrap_or_default())
    } else {
        text
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

impl Listed for Waiver {
    type Row = WaiverRow;
    const TITLE: &'static str = "Waiver";
    const NOUN: &'static str = "a waiver";
    const LIST_CMD: &'static str = "caretaker waivers list";
    const NONE: &'static str = "No waivers: `caretaker waive FINGERPRINT …` records one.\n";
    const AFTER_WITHDRAWAL: &'static str = "; its finding counts again from the next audit";

    fn add(api: &dyn Api, r: &Waiver) -> Result<StoredRecord, ApiError> {
        api.add_waiver(r)
    }

    fn row(self, id: i64, state: String) -> WaiverRow {
        WaiverRow {
            id,
            state,
            finding: format!("{} · {}", self.check, self.target),
            justification: said(self.withdrawn, self.withdrawn_reason, self.justification),
            until: self.until.to_string(),
            approved_by: self.approved_by,
        }
    }
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

impl Listed for Attestation {
    type Row = AttestationRow;
    const TITLE: &'static str = "Attestation";
    const NOUN: &'static str = "an attestation";
    const LIST_CMD: &'static str = "caretaker attestations list";
    const NONE: &'static str = "No attestations: `caretaker attest CLAUSE …` records one.\n";
    const AFTER_WITHDRAWAL: &'static str = "";

    fn add(api: &dyn Api, r: &Attestation) -> Result<StoredRecord, ApiError> {
        api.add_attestation(r)
    }

    fn row(self, id: i64, state: String) -> AttestationRow {
        AttestationRow {
            id,
            state,
            clause: format!("{} {}", self.clause, self.clause_title),
            statement: said(self.withdrawn, self.withdrawn_reason, self.statement),
            until: self.until.to_string(),
            by: self.attested_by,
        }
    }
}

/// A record's state in words: "in force", "expired", "withdrawn by #N", "withdraws #N".
fn state<T: Expiring>(log: &Log, r: &StoredRecord, today: time::Date) -> String {
    let Some(body) = T::from_record(r) else {
        return "unreadable".to_string();
    };
    if body.withdrawn() {
        return format!("withdraws #{}", r.supersedes.unwrap_or(0));
    }
    if let Some(by) = log.superseded_by.get(&r.id) {
        return format!("withdrawn by #{by}");
    }
    if body.in_force(today) {
        "in force".to_string()
    } else {
        "expired".to_string()
    }
}

fn list<T: Listed>(config: Option<&Path>, args: &RecordsListArgs) -> Result<u8, Fail> {
    let api = local(config)?;
    let (log, today) = read_log(&api)?;
    let rows: Vec<&StoredRecord> = log
        .of_kind(T::KIND, args.all)
        .into_iter()
        .filter(|r| args.all || !T::from_record(r).is_some_and(|x| x.withdrawn()))
        .collect();
    match args.format {
        Format::Json => {
            let v: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    let mut j = log.json(r);
                    j["state"] = serde_json::Value::String(state::<T>(&log, r, today));
                    j
                })
                .collect();
            json_out(&serde_json::Value::Array(v))?;
        }
        Format::Text if rows.is_empty() => write_stdout(T::NONE)?,
        Format::Text => {
            let mut t = Table::new(rows.iter().filter_map(|r| {
                T::from_record(r).map(|x| x.row(r.id, state::<T>(&log, r, today)))
            }));
            t.with(Style::sharp())
                .modify(Columns::one(4), Width::wrap(32).keep_words(true))
                .modify(Columns::one(5), Width::wrap(40).keep_words(true));
            write_stdout(&format!("{t}\n"))?;
        }
    }
    Ok(0)
}

fn withdraw<T: Listed>(config: Option<&Path>, args: &WithdrawArgs) -> Result<u8, Fail> {
    let reason = assess::validate_text("--reason", &args.reason, "why it is withdrawn")
        .map_err(|e| usage(&[e]))?;
    let api = local(config)?;
    let (log, _) = read_log(&api)?;
    let (noun, list_cmd) = (T::NOUN, T::LIST_CMD);
    let id = args.id;
    let not_one = |what: String| {
        fail(
            EXIT_USAGE,
            anyhow!("ID {id}: {what}; expected the number of {noun} in force or expired (see `{list_cmd}`); nothing was recorded"),
        )
    };
    let withdrawal = assess::withdrawal_of::<T>(&log, id, reason)
        .map_err(|why| not_one(why.explain(id, noun)))?;
    let rec = record(&api, &withdrawal)?;
    eprintln!(
        "{} #{id} withdrawn by #{}{}.",
        T::TITLE,
        rec.id,
        T::AFTER_WITHDRAWAL
    );
    Ok(0)
}
