//! `caretaker report`: the period asked for, the core's report of it, rendered.

use std::io::Write as _;
use std::path::Path;

use caretaker::cli::{ReportArgs, ReportFormat};
use caretaker_api::{EXIT_INCOMPLETE, EXIT_USAGE};
use caretaker_model::leadership::Period;

use super::{api_fail, fail, local, write_stdout, Fail};

/// The period the flags name: --term, --last, --from [--to], or the current term up to today.
pub fn period(args: &ReportArgs, today: time::Date) -> Result<Period, String> {
    let day = |flag: &str, s: &str| {
        caretaker_model::records::parse_date(s.trim())
            .ok_or_else(|| format!("{flag} {s:?}: expected a date as YYYY-MM-DD"))
    };
    if let Some(t) = &args.term {
        return Period::term(t).map_err(|e| format!("--term: {e}"));
    }
    if let Some(n) = &args.last {
        let days: u32 = n
            .trim()
            .trim_end_matches('d')
            .parse()
            .map_err(|_| format!("--last {n:?}: expected a number of days, e.g. 90d"))?;
        return Period::last(days, today).map_err(|e| format!("--last: {e}"));
    }
    if let Some(f) = &args.from {
        let from = day("--from", f)?;
        let to = match &args.to {
            Some(t) => day("--to", t)?,
            None => today,
        };
        return Period::between(from, to).map_err(|e| format!("--from/--to: {e}"));
    }
    let mut term = Period::term_of(today);
    if term.to > today {
        term.to = today;
        term.label = format!("{} so far", term.label);
    }
    Ok(term)
}

pub fn report(config: Option<&Path>, args: &ReportArgs) -> Result<u8, Fail> {
    let api = local(config)?;
    let today = time::OffsetDateTime::now_utc().date();
    let period = period(args, today).map_err(|e| fail(EXIT_USAGE, anyhow::anyhow!(e)))?;
    let report = api.report(period).map_err(api_fail)?;
    write_report(
        args,
        &report,
        caretaker_leadership::html,
        caretaker_leadership::markdown,
        caretaker_leadership::pdf,
    )
}

/// A report rendered as `args` ask (HTML, Markdown, PDF or JSON) and written to standard output
/// or `-o FILE` (mode 0600).
pub fn write_report<R: serde::Serialize>(
    args: &ReportArgs,
    report: &R,
    html: impl Fn(&R) -> String,
    markdown: impl Fn(&R) -> String,
    pdf: impl Fn(&R) -> Result<Vec<u8>, String>,
) -> Result<u8, Fail> {
    let bytes: Vec<u8> = match args.format {
        ReportFormat::Html => html(report).into_bytes(),
        ReportFormat::Md => markdown(report).into_bytes(),
        ReportFormat::Pdf => {
            use std::io::IsTerminal as _;
            if args.output.is_none() && std::io::stdout().is_terminal() {
                return Err(fail(
                    EXIT_USAGE,
                    anyhow::anyhow!(
                        "a PDF is not for a terminal: write it with -o FILE, or to a pipe"
                    ),
                ));
            }
            pdf(report).map_err(|e| fail(EXIT_INCOMPLETE, anyhow::anyhow!(e)))?
        }
        ReportFormat::Json => {
            let mut s =
                serde_json::to_string_pretty(report).map_err(|e| fail(EXIT_INCOMPLETE, e))?;
            s.push('\n');
            s.into_bytes()
        }
    };
    match &args.output {
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&bytes).and_then(|_| out.flush()) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(fail(EXIT_INCOMPLETE, e)),
            }
        }
        Some(path) => {
            use std::os::unix::fs::OpenOptionsExt as _;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(path)
                .and_then(|mut f| f.write_all(&bytes).map(|_| f))
                .map_err(|e| fail(EXIT_INCOMPLETE, anyhow::anyhow!("{}: {e}", path.display())))?;
            f.flush().map_err(|e| fail(EXIT_INCOMPLETE, e))?;
        }
    }
    Ok(0)
}

/// The review file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewFile {
    held_on: toml::value::Datetime,
    findings: String,
    actions: String,
    #[serde(rename = "participant")]
    participants: Vec<caretaker_model::records::Participant>,
    clause: Option<String>,
    next_review_by: Option<toml::value::Datetime>,
}

fn toml_day(flag: &str, d: &toml::value::Datetime) -> Result<time::Date, String> {
    caretaker_model::records::parse_date(&d.to_string())
        .ok_or_else(|| format!("`{flag}` = {d}: expected a date as YYYY-MM-DD"))
}

/// `caretaker review --file FILE`: the yearly review, recorded as an attestation with the people
/// who took part.
pub fn review(config: Option<&Path>, args: &caretaker::cli::ReviewArgs) -> Result<u8, Fail> {
    use caretaker_model::records::{Attestation, ReviewDetails, ReviewRole, MAX_DAYS_AHEAD};
    let path = args.file.display().to_string();
    let usage = |why: String| {
        fail(
            EXIT_USAGE,
            anyhow::anyhow!("{path}: {why}; nothing was recorded"),
        )
    };
    let text = std::fs::read_to_string(&args.file).map_err(|e| usage(e.to_string()))?;
    let file: ReviewFile = toml::from_str(&text).map_err(|e| usage(e.to_string()))?;
    let held_on = toml_day("held_on", &file.held_on).map_err(usage)?;
    let today = time::OffsetDateTime::now_utc().date();
    if held_on > today {
        return Err(usage(format!("`held_on` = {held_on} is after today")));
    }
    let latest = today + time::Duration::days(MAX_DAYS_AHEAD);
    let until = match &file.next_review_by {
        Some(d) => toml_day("next_review_by", d).map_err(usage)?,
        None => held_on.replace_year(held_on.year() + 1).unwrap_or(held_on),
    };
    if until < today {
        return Err(usage(format!(
            "the next review was due by {until}, before today: record this review's `next_review_by`, or hold the review again"
        )));
    }
    let until = until.min(latest);
    let details = ReviewDetails {
        held_on,
        participants: file.participants,
        findings: file.findings.trim().to_string(),
        actions: file.actions.trim().to_string(),
    };
    let problems = details.problems();
    if !problems.is_empty() {
        return Err(usage(problems.join("; ")));
    }
    let api = local(config)?;
    let map = &api.context().map;
    let views = api.catalogue().views;
    let id = file
        .clause
        .as_deref()
        .unwrap_or("7.2/regular-checks")
        .trim();
    // The school's clause, or a built-in standard's (`dfe-filtering/review`).
    let clause = caretaker_checks::standards::find_clause(map, &views, id).ok_or_else(|| {
        usage(format!(
            "`clause` = {id:?} is not a clause of the clause map nor of a built-in standard; set `clause` to the clause the review is of"
        ))
    })?;
    let slt = details
        .participants
        .iter()
        .find(|p| p.role == ReviewRole::SltLead)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let a = Attestation {
        clause: clause.id.clone(),
        clause_title: clause.title.clone(),
        statement: format!(
            "Yearly review of filtering and monitoring held on {held_on}: {}",
            details.findings
        ),
        attested_by: slt,
        until,
        withdrawn: false,
        withdrawn_reason: None,
        supersedes: None,
        review: Some(details),
    };
    let rec = api.add_attestation(&a).map_err(api_fail)?;
    write_stdout(&format!("{}\n", rec.id))?;
    eprintln!(
        "The yearly review of {held_on} is recorded as attestation #{}; the next is due by {until}.",
        rec.id
    );
    Ok(0)
}
