//! `caretaker audit`, `caretaker show` and `caretaker runs`: run the checks, and read runs back.

use std::path::Path;

use super::Front;
use caretaker::cli::{AuditArgs, Format, RunsArgs, ShowArgs, TriggerArg};
use caretaker::render;
use caretaker_api::{Api, AuditEvent, AuditScope, Trigger, EXIT_INCOMPLETE};
use caretaker_core::report;
use caretaker_model::finding::format_rfc3339;
use caretaker_model::run::{RunRecord, RunState, Verdict};
use caretaker_model::Finding;

use super::{api_fail, fail, json_out, local, stored_run, write_stdout, Fail};

/// How an audit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    pub run_id: i64,
    pub state: RunState,
    pub verdict: Verdict,
}

pub fn audit(config: Option<&Path>, args: &AuditArgs) -> Result<u8, Fail> {
    // A selector that names no check is refused before the configuration is read.
    caretaker_core::local::selectors(&args.only).map_err(api_fail)?;
    let api = local(config)?;
    let trigger = match args.trigger {
        TriggerArg::Manual => Trigger::Manual,
        TriggerArg::Cron => Trigger::Cron,
        TriggerArg::Schedule => Trigger::Schedule,
    };
    let (ended, findings) = run_audit(&*api, AuditScope::checks(args.only.clone()), trigger)?;
    let verdict = if ended.state == RunState::Interrupted {
        Verdict::Incomplete
    } else {
        ended.verdict
    };
    if args.quiet && verdict == Verdict::Compliant {
        return Ok(0);
    }
    let run = api.run(Some(ended.run_id)).map_err(api_fail)?;
    if args.quiet && args.format == Format::Text {
        // The last run of the same checks before this one, to print only what changed.
        let earlier = api.runs(200).map_err(api_fail)?;
        let previous = match earlier.into_iter().find(|r| run.comparable(r)) {
            Some(r) => {
                let fs = api.findings(r.id).map_err(api_fail)?;
                Some((r, fs))
            }
            None => None,
        };
        write_stdout(&render::report_quiet(
            &run,
            &findings,
            previous.as_ref().map(|(r, fs)| (r, fs.as_slice())),
            render::width(),
        ))?;
        return Ok(verdict.exit_code() as u8);
    }
    print_run(&api, &run, &findings, args.format, args.all)?;
    Ok(verdict.exit_code() as u8)
}

/// Runs an audit of `scope` through the API until its verdict; SIGTERM or SIGINT stops it, and
/// the run is recorded as interrupted. The run, and its findings in report order.
pub fn run_audit(
    api: &dyn Api,
    scope: AuditScope,
    trigger: Trigger,
) -> Result<(Ended, Vec<Finding>), Fail> {
    let handle = api.start_audit(scope, trigger).map_err(api_fail)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    runtime.block_on(async move {
        let mut events = handle.events;
        let mut cancel = Some(handle.cancel);
        let shutdown = shutdown_signal();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(AuditEvent::Finished { run_id, state, verdict, findings, .. }) => {
                        return Ok((Ended { run_id, state, verdict }, findings));
                    }
                    Some(AuditEvent::Failed(why)) => {
                        return Err(fail(EXIT_INCOMPLETE, anyhow::anyhow!(why)));
                    }
                    Some(AuditEvent::Forwarded { words, .. }) => eprintln!("caretaker: {words}"),
                    Some(_) => {}
                    None => {
                        return Err(fail(
                            EXIT_INCOMPLETE,
                            anyhow::anyhow!("the audit stopped without a verdict"),
                        ));
                    }
                },
                () = &mut shutdown, if cancel.is_some() => {
                    eprintln!("caretaker: stopping; the run is recorded as interrupted");
                    if let Some(c) = cancel.take() {
                        let _ = c.send(());
                    }
                }
            }
        }
    })
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending::<()>().await,
    }
}

fn print_run(
    api: &Front,
    run: &RunRecord,
    findings: &[Finding],
    format: Format,
    all: bool,
) -> Result<(), Fail> {
    let changes = api.change_log().map_err(api_fail)?;
    let today = changes.today;
    let attestations = changes.into_log().attestations();
    let (school, map) = (&api.context().school, &api.context().map);
    match format {
        Format::Text if all => write_stdout(&render::report_attested(
            school,
            map,
            run,
            findings,
            &attestations,
            today,
        )),
        Format::Text => write_stdout(&render::report_summary(
            school,
            map,
            run,
            findings,
            &attestations,
            today,
            render::width(),
        )),
        Format::Json => json_out(&report::document_attested(
            school,
            map,
            run,
            findings,
            &attestations,
            today,
        )),
    }
}

pub fn runs(config: Option<&Path>, args: &RunsArgs) -> Result<u8, Fail> {
    let api = local(config)?;
    let runs = api.runs(args.limit).map_err(api_fail)?;
    match args.format {
        Format::Text => write_stdout(&render::runs_table(&runs))?,
        Format::Json => {
            let v: Vec<serde_json::Value> = runs
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "trigger": r.trigger, "who": r.who, "config_digest": r.config_digest,
                        "started_at": format_rfc3339(r.started_at),
                        "ended_at": r.ended_at.map(format_rfc3339), "state": r.state.as_str(),
                        "verdict": r.verdict.map(Verdict::as_str),
                        "counts": {"pass": r.counts.pass, "fail": r.counts.fail, "warn": r.counts.warn,
                                   "error": r.counts.error, "waived": r.counts.waived},
                    })
                })
                .collect();
            json_out(&v)?;
        }
    }
    Ok(0)
}

pub fn show(config: Option<&Path>, args: &ShowArgs) -> Result<u8, Fail> {
    let api = local(config)?;
    let run = stored_run(&api, args.run)?;
    let findings = api.findings(run.id).map_err(api_fail)?;
    let name = args.policy.name();
    if name == caretaker_checks::standards::SCHOOL {
        print_run(&api, &run, &findings, args.format, args.all)?;
        return Ok(0);
    }
    let view = api
        .catalogue()
        .views
        .into_iter()
        .find(|v| v.name == name)
        .ok_or_else(|| {
            fail(
                caretaker_api::EXIT_USAGE,
                anyhow::anyhow!("this caretaker has no built-in standard called {name:?}"),
            )
        })?;
    print_view(&api, &view, &run, &findings, args.format, args.all)?;
    Ok(0)
}

/// A run read against a built-in standard (`show --policy`).
fn print_view(
    api: &Front,
    view: &caretaker_checks::standards::View,
    run: &RunRecord,
    findings: &[Finding],
    format: Format,
    all: bool,
) -> Result<(), Fail> {
    let changes = api.change_log().map_err(api_fail)?;
    let today = changes.today;
    let attestations = changes.into_log().attestations();
    let school = &api.context().school;
    match format {
        Format::Text => {
            let (tagged, lines) =
                caretaker_checks::standards::judge(&view.map, findings, &attestations, today);
            write_stdout(&caretaker::render_standards::view_report(
                school,
                view,
                run,
                &tagged,
                &lines,
                all,
                if all { usize::MAX } else { render::width() },
            ))
        }
        Format::Json => {
            let mut tagged = Vec::new();
            json_out(&caretaker_core::standards::view_document(
                school,
                view,
                run,
                findings,
                &attestations,
                today,
                &mut tagged,
            ))
        }
    }
}
