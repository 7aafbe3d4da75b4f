//! `caretaker trust`: a multi-academy trust's database — adding schools and readers, forwarding
//! this school's store, and every school's picture. The rules are the core's
//! (`caretaker_core::trust`); this parses, calls and prints.

use std::path::Path;

use caretaker::cli::{Format, TrustCommand, TrustDbArgs};
use caretaker_api::trust::TrustView;
use caretaker_api::{EXIT_CONFIG, EXIT_INCOMPLETE, EXIT_USAGE};
use caretaker_core::trust::TrustError;
use caretaker_model::compliance::ClauseStatus;

use super::{fail, load_config, load_map, write_stdout, Fail};

pub fn trust(config: Option<&Path>, args: TrustDbArgs) -> Result<u8, Fail> {
    // Read while this is the only thread (the time crate refuses later).
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let loaded = load_config(config)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    match args.command {
        Some(TrustCommand::InitSchool(a)) => {
            let password = password(&a.password_file)?;
            let role = runtime
                .block_on(caretaker_core::trust::init_school_configured(
                    &loaded, &a.id, &a.name, &password,
                ))
                .map_err(trust_fail)?;
            println!(
                "School {} ({}) is in the trust's database; it signs in as {role}. In its caretaker.toml: [school] id = \"{}\", [store] url = \"postgres://{role}@HOST:PORT/DATABASE\", with ca_file and password_file.",
                a.id, a.name, a.id
            );
            Ok(0)
        }
        Some(TrustCommand::InitReader(a)) => {
            let password = password(&a.password_file)?;
            runtime
                .block_on(caretaker_core::trust::init_reader_configured(
                    &loaded, &a.role, &password,
                ))
                .map_err(trust_fail)?;
            println!(
                "{} reads every school's rows in the trust's database, and writes none.",
                a.role
            );
            Ok(0)
        }
        Some(TrustCommand::Forward) => {
            let words = runtime
                .block_on(caretaker_core::trust::forward_configured(&loaded))
                .map_err(trust_fail)?;
            println!("{words}");
            Ok(0)
        }
        Some(TrustCommand::Show(a)) => {
            let map = load_map(&loaded)?;
            let today = time::OffsetDateTime::now_utc().date();
            // The words name each school's clauses, not what was observed: the JSON holds all.
            let evidence = matches!(a.format, Format::Json);
            let view = runtime
                .block_on(caretaker_core::trust::view_configured(
                    &loaded, &map, today, None, evidence,
                ))
                .map_err(trust_fail)?;
            let text = match a.format {
                Format::Text => show_text(&view),
                Format::Json => {
                    let mut s = serde_json::to_string_pretty(&view)
                        .map_err(|e| fail(EXIT_INCOMPLETE, e))?;
                    s.push('\n');
                    s
                }
            };
            write_stdout(&text)?;
            // Given back with the process as it exits, not one small allocation at a time.
            std::mem::forget(view);
            Ok(0)
        }
        Some(TrustCommand::Verify) => {
            let logs = runtime
                .block_on(caretaker_core::trust::verify_configured(&loaded))
                .map_err(trust_fail)?;
            let mut broken = 0;
            let mut text = String::new();
            for log in &logs {
                text.push_str(&verify_text(log));
                broken +=
                    usize::from(!log.report.problems.is_empty() || !log.kept.problems.is_empty());
            }
            write_stdout(&text)?;
            Ok(u8::from(broken > 0))
        }
        None => {
            let map = load_map(&loaded)?;
            let load: std::sync::Arc<dyn Fn() -> Result<TrustView, String> + Send + Sync> =
                std::sync::Arc::new(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| e.to_string())?;
                    let today = time::OffsetDateTime::now_utc().date();
                    runtime
                        // The console shows each finding's evidence when asked.
                        .block_on(caretaker_core::trust::view_configured(
                            &loaded, &map, today, None, true,
                        ))
                        .map_err(|e| e.to_string())
                });
            caretaker_tui::run_trust(load, caretaker_core::local::catalogue(), offset).map_err(
                |e| {
                    let code = match e {
                        caretaker_tui::TuiError::NotATerminal => EXIT_USAGE,
                        _ => EXIT_INCOMPLETE,
                    };
                    fail(code, e)
                },
            )
        }
    }
}

/// A password file's secret (mode 0600, as every secret caretaker reads).
fn password(path: &Path) -> Result<String, Fail> {
    caretaker_config::secret::read_secret_file(path)
        .map(|s| s.expose().to_string())
        .map_err(|e| fail(EXIT_USAGE, anyhow::anyhow!("{}: {}", path.display(), e.0)))
}

/// A trust error as an exit: settings are the configuration's (78), the rest incomplete (2).
pub fn trust_fail(e: TrustError) -> Fail {
    let code = match e {
        TrustError::NotConfigured(_) | TrustError::Settings(_) => EXIT_CONFIG,
        _ => EXIT_INCOMPLETE,
    };
    fail(code, e)
}

/// The schools, each with the policy's clauses in words.
pub fn show_text(view: &TrustView) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let judged: Vec<_> = caretaker_model::cores::map(&view.schools, |s| (s, s.lines()));
    let meeting = judged.iter().filter(|(s, l)| s.meets(l)).count();
    let _ = writeln!(
        out,
        "{meeting} of {} school{} meet{} the policy.",
        judged.len(),
        if judged.len() == 1 { "" } else { "s" },
        if judged.len() == 1 { "s" } else { "" }
    );
    for (school, lines) in &judged {
        let _ = writeln!(out);
        let state = match &school.overview.latest {
            None => "no audit forwarded yet".to_string(),
            Some(run) => format!(
                "last audit run {} at {}{}",
                run.id,
                caretaker_model::finding::format_rfc3339(run.started_at),
                match &school.forwarded_at {
                    Some(at) => format!(", forwarded {at}"),
                    None => String::new(),
                }
            ),
        };
        let verdict = if school.overview.latest.is_none() {
            "not checked"
        } else if school.meets(lines) {
            "meets the policy"
        } else {
            "does not meet the policy"
        };
        let _ = writeln!(out, "{} ({}): {verdict}; {state}", school.name, school.id);
        let unassessed = lines
            .iter()
            .filter(|l| l.status == ClauseStatus::Grey)
            .count();
        for l in lines {
            if l.status == ClauseStatus::Grey {
                continue;
            }
            let _ = writeln!(
                out,
                "  {:<6} {:<6} {}{}",
                l.status.word(),
                l.id,
                l.title,
                if l.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", l.reason)
                }
            );
        }
        if unassessed > 0 && school.overview.latest.is_some() {
            let _ = writeln!(
                out,
                "  GREY   {unassessed} clause{} not assessed by its latest audits",
                if unassessed == 1 { "" } else { "s" }
            );
        }
    }
    out
}

/// One school's log, as checked, in words.
fn verify_text(log: &caretaker_core::trust::SchoolLog) -> String {
    use std::fmt::Write as _;
    let r = &log.report;
    let mut out = String::new();
    let state = if r.problems.is_empty() {
        "intact"
    } else {
        "NOT intact"
    };
    let _ = write!(
        out,
        "{} ({}): {} record{}, {state}",
        log.name,
        log.id,
        r.records,
        if r.records == 1 { "" } else { "s" }
    );
    if let (Some(id), Some(hash)) = (r.last_id, &r.last_hash) {
        let _ = write!(out, "; head {id}:{hash}");
    }
    if let Some(key) = &r.signed_with {
        let _ = write!(out, "; signed with the school's key {key}");
    }
    out.push('\n');
    for p in &r.problems {
        match p.id {
            Some(id) => {
                let _ = writeln!(out, "  record {id}: {}", p.why);
            }
            None => {
                let _ = writeln!(out, "  {}", p.why);
            }
        }
    }
    for u in &r.unproven {
        let _ = writeln!(out, "  not proven: {u}");
    }
    let k = &log.kept;
    if k.runs > 0 {
        let _ = writeln!(
            out,
            "  its current picture: the findings kept for {} run{} {} their rows",
            k.runs,
            if k.runs == 1 { "" } else { "s" },
            if k.problems.is_empty() {
                "agree with"
            } else {
                "checked against"
            }
        );
    }
    if k.not_kept > 0 {
        let _ = writeln!(
            out,
            "  its current picture: {} run{} kept only as rows (read from them)",
            k.not_kept,
            if k.not_kept == 1 { "" } else { "s" }
        );
    }
    for p in &k.problems {
        let _ = writeln!(out, "  {p}");
    }
    out
}

/// `caretaker report --trust`: the trustees' report, from the trust's database.
pub fn report(config: Option<&Path>, args: &caretaker::cli::ReportArgs) -> Result<u8, Fail> {
    let loaded = load_config(config)?;
    let map = load_map(&loaded)?;
    let today = time::OffsetDateTime::now_utc().date();
    let period =
        super::report::period(args, today).map_err(|e| fail(EXIT_USAGE, anyhow::anyhow!(e)))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    let report = runtime
        .block_on(caretaker_core::trust::report_configured(
            &loaded, &map, period,
        ))
        .map_err(trust_fail)?;
    super::report::write_report(
        args,
        &report,
        caretaker_leadership::trust::html::html,
        caretaker_leadership::trust::markdown::markdown,
        caretaker_leadership::trust::pdf::pdf,
    )
}
