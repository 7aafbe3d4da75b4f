//! Text output for the filter-change log: risk assessments, the site log, one record in full, the
//! chain check, and the CSV export.

use std::fmt::Write as _;

use caretaker_model::records::{ChainReport, Log, RecordKind, StoredRecord, Verification};
use tabled::settings::object::Columns;
use tabled::settings::{Style, Width};
use tabled::{Table, Tabled};

#[derive(Tabled)]
struct AssessmentRow {
    #[tabled(rename = "ID")]
    id: String,
    #[tabled(rename = "RECORDED")]
    recorded: String,
    #[tabled(rename = "CHANGE")]
    change: String,
    #[tabled(rename = "RISK")]
    risk: String,
    #[tabled(rename = "DECISION")]
    decision: String,
    #[tabled(rename = "APPLIED")]
    applied: String,
    #[tabled(rename = "REVIEW BY")]
    review: String,
    #[tabled(rename = "FILTER CHECKED AFTER")]
    checked: String,
    #[tabled(rename = "NOTE")]
    note: String,
}

/// "2026-11-23 by root".
fn recorded(r: &StoredRecord) -> String {
    format!(
        "{} by {}",
        r.entered_at.get(..10).unwrap_or(&r.entered_at),
        r.entered_by
    )
}

/// "corrects #1; corrected by #3".
fn note(log: &Log, r: &StoredRecord, extra: Option<String>) -> String {
    let mut parts = Vec::new();
    if let Some(s) = r.supersedes {
        parts.push(format!("corrects #{s}"));
    }
    if let Some(by) = log.superseded_by.get(&r.id) {
        parts.push(format!("corrected by #{by}"));
    }
    parts.extend(extra);
    parts.join("; ")
}

/// The latest filter check of an assessment, in a few words.
fn last_check(log: &Log, id: i64) -> String {
    match log.verifications_of(id).last() {
        None => "not yet".to_string(),
        Some((_, v)) => format!("run {}: {}", v.run, blocked_words(v)),
    }
}

fn blocked_words(v: &Verification) -> String {
    if v.must_block_passed {
        "must-block list still blocked".to_string()
    } else if v.must_block_tests == 0 {
        "no must-block tests ran".to_string()
    } else {
        format!(
            "NOT all blocked ({} of {} not)",
            v.must_block_tests - v.passed,
            v.must_block_tests
        )
    }
}

/// The risk assessments as a table.
pub fn assessments_table(log: &Log, rows: &[&StoredRecord]) -> String {
    if rows.is_empty() {
        return "No risk assessments recorded yet. Record one with `caretaker assess add --file RECORD.toml`.\n"
            .to_string();
    }
    let table_rows: Vec<AssessmentRow> = rows
        .iter()
        .map(|r| match r.assessment() {
            Some(a) => AssessmentRow {
                id: format!("#{}", r.id),
                recorded: recorded(r),
                change: a.change.sentence(),
                risk: a.risk_level.as_str().to_string(),
                decision: a.decision.past().to_string(),
                applied: a.applied_on.map_or_else(|| "-".into(), |d| d.to_string()),
                review: a.review_by.map_or_else(|| "-".into(), |d| d.to_string()),
                checked: last_check(log, r.id),
                note: note(log, r, a.from_site.map(|s| format!("from site log #{s}"))),
            },
            None => AssessmentRow {
                id: format!("#{}", r.id),
                recorded: recorded(r),
                change: "(unreadable: see `caretaker assess verify`)".into(),
                risk: String::new(),
                decision: String::new(),
                applied: String::new(),
                review: String::new(),
                checked: String::new(),
                note: note(log, r, None),
            },
        })
        .collect();
    let mut t = Table::new(table_rows);
    t.with(Style::sharp())
        .modify(Columns::one(2), Width::wrap(36).keep_words(true))
        .modify(Columns::one(7), Width::wrap(24).keep_words(true))
        .modify(Columns::one(8), Width::wrap(20).keep_words(true));
    format!("{t}\n")
}

#[derive(Tabled)]
struct SiteRow {
    #[tabled(rename = "ID")]
    id: String,
    #[tabled(rename = "SEEN")]
    seen: String,
    #[tabled(rename = "REPORTED BY")]
    reported_by: String,
    #[tabled(rename = "WORKSTATION")]
    workstation: String,
    #[tabled(rename = "URL")]
    url: String,
    #[tabled(rename = "RECOMMENDS")]
    recommends: String,
    #[tabled(rename = "RESOLUTION")]
    resolution: String,
    #[tabled(rename = "NOTE")]
    note: String,
}

/// The site log as a table.
pub fn sites_table(log: &Log, rows: &[&StoredRecord]) -> String {
    if rows.is_empty() {
        return "The site log is empty. Record an entry with `caretaker sites add --file ENTRY.toml`.\n"
            .to_string();
    }
    let table_rows: Vec<SiteRow> = rows
        .iter()
        .map(|r| {
            let assessed = log.assessments_from_site(r.id);
            let extra = (!assessed.is_empty()).then(|| {
                format!(
                    "assessed in {}",
                    assessed
                        .iter()
                        .map(|i| format!("#{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
            match r.site() {
                Some(s) => SiteRow {
                    id: format!("#{}", r.id),
                    seen: format!("{} {}", s.date, s.time),
                    reported_by: s.reported_by,
                    workstation: s.workstation,
                    url: s.url,
                    recommends: s.recommendation.as_str().to_string(),
                    resolution: if s.resolution.is_empty() {
                        "(open)".to_string()
                    } else {
                        s.resolution
                    },
                    note: note(log, r, extra),
                },
                None => SiteRow {
                    id: format!("#{}", r.id),
                    seen: String::new(),
                    reported_by: String::new(),
                    workstation: String::new(),
                    url: "(unreadable: see `caretaker assess verify`)".into(),
                    recommends: String::new(),
                    resolution: String::new(),
                    note: note(log, r, extra),
                },
            }
        })
        .collect();
    let mut t = Table::new(table_rows);
    t.with(Style::sharp())
        .modify(Columns::one(4), Width::wrap(40).keep_words(true))
        .modify(Columns::one(6), Width::wrap(30).keep_words(true))
        .modify(Columns::one(7), Width::wrap(24).keep_words(true));
    format!("{t}\n")
}

fn line(out: &mut String, label: &str, value: &str) {
    let mut lines = value.lines();
    let _ = writeln!(out, "  {label:<22} {}", lines.next().unwrap_or(""));
    for more in lines {
        let _ = writeln!(out, "  {:<22} {more}", "");
    }
}

/// One record in full: its fields, its history and (for an assessment) the filter checks after
/// the change.
pub fn record_detail(log: &Log, r: &StoredRecord) -> String {
    let mut out = String::new();
    let kind = r.record_kind();
    let title = kind.map(RecordKind::noun).unwrap_or("record");
    let mut chars = title.chars();
    let title: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    let mut head = format!("{title} #{}", r.id);
    if let Some(s) = r.supersedes {
        head.push_str(&format!(" · corrects #{s}"));
    }
    if let Some(by) = log.superseded_by.get(&r.id) {
        head.push_str(&format!(
            " · corrected by #{by} (this version is no longer current)"
        ));
    }
    let _ = writeln!(
        out,
        "{head}\n  recorded by {} at {}\n",
        r.entered_by, r.entered_at
    );
    if let Some(a) = r.assessment() {
        line(&mut out, "Change", &a.change.sentence());
        line(&mut out, "Requested by", &a.requested_by);
        line(&mut out, "Reason", &a.reason);
        line(&mut out, "Risks: content", &a.risks.content);
        line(&mut out, "       contact", &a.risks.contact);
        line(&mut out, "       conduct", &a.risks.conduct);
        line(&mut out, "Mitigations", &a.mitigations);
        line(&mut out, "Risk level", a.risk_level.as_str());
        line(&mut out, "Educational assessor", &a.educational_assessor);
        line(&mut out, "Technical assessor", &a.technical_assessor);
        let consent = match (&a.consent, a.consent_required()) {
            (Some(c), _) => format!("{} on {}", c.by, c.on),
            (None, false) => format!(
                "not required for a {}-risk change (consent_from = \"{}\")",
                a.risk_level.as_str(),
                a.consent_from
            ),
            (None, true) => "MISSING".to_string(),
        };
        line(&mut out, "Leadership consent", &consent);
        line(&mut out, "Decision", a.decision.as_str());
        line(
            &mut out,
            "Applied",
            &a.applied_on
                .map_or_else(|| "not yet".into(), |d| d.to_string()),
        );
        line(
            &mut out,
            "Review by",
            &a.review_by.map_or_else(|| "-".into(), |d| d.to_string()),
        );
        if let Some(s) = a.from_site {
            let what = log
                .get(s)
                .and_then(StoredRecord::site)
                .map(|e| format!("#{s}: {}", e.summary()))
                .unwrap_or_else(|| format!("#{s}"));
            line(&mut out, "From the site log", &what);
        }
    } else if let Some(s) = r.site() {
        line(&mut out, "Reported by", &s.reported_by);
        line(&mut out, "Seen", &format!("{} {}", s.date, s.time));
        line(&mut out, "Workstation", &s.workstation);
        line(&mut out, "URL", &s.url);
        line(&mut out, "Recommendation", s.recommendation.as_str());
        line(
            &mut out,
            "Resolution",
            if s.resolution.is_empty() {
                "(open)"
            } else {
                &s.resolution
            },
        );
        let assessed = log.assessments_from_site(r.id);
        if !assessed.is_empty() {
            let ids: Vec<String> = assessed.iter().map(|i| format!("#{i}")).collect();
            line(&mut out, "Assessed in", &ids.join(", "));
        }
    } else if let Some(v) = r.verification() {
        verification_lines(&mut out, &v);
    } else {
        line(
            &mut out,
            "Contents",
            "unreadable (see `caretaker assess verify`)",
        );
    }

    let history = log.history(r.id);
    if history.len() > 1 {
        out.push_str("\nHistory (oldest first)\n");
        for h in &history {
            let _ = writeln!(
                out,
                "  #{:<4} recorded by {} at {}{}",
                h.id,
                h.entered_by,
                h.entered_at,
                if h.id == r.id {
                    "  (this one)"
                } else if !log.superseded_by.contains_key(&h.id) {
                    "  (current)"
                } else {
                    ""
                }
            );
        }
    }
    if kind == Some(RecordKind::Assessment) {
        out.push_str("\nFilter checked after the change\n");
        let checks = log.verifications_of(r.id);
        if checks.is_empty() {
            let _ = writeln!(
                out,
                "  not yet: run `caretaker assess check-filter {}` once the change is made",
                log.latest(r.id)
            );
        }
        for (rec, v) in checks {
            let _ = writeln!(
                out,
                "  #{} run {} at {} (recorded by {}): {}",
                rec.id,
                v.run,
                caretaker_model::finding::format_rfc3339(v.run_started_at),
                rec.entered_by,
                blocked_words(&v)
            );
            for miss in &v.not_blocked {
                let _ = writeln!(
                    out,
                    "      {} {} ({}) {}",
                    miss.status.to_uppercase(),
                    miss.vantage,
                    miss.group,
                    miss.url
                );
            }
        }
    }
    let _ = writeln!(out, "\nHash {}\n  after {}", r.hash, r.prev_hash);
    out
}

/// The lines about one filter check after a change.
pub fn verification_lines(out: &mut String, v: &Verification) {
    line(out, "Risk assessment", &format!("#{}", v.assessment));
    line(
        out,
        "Run",
        &format!(
            "{} at {}",
            v.run,
            caretaker_model::finding::format_rfc3339(v.run_started_at)
        ),
    );
    line(
        out,
        "Must-block tests",
        &format!("{} of {} passed", v.passed, v.must_block_tests),
    );
    line(
        out,
        "Result",
        if v.must_block_passed {
            "the must-block list is still blocked from every vantage point"
        } else if v.must_block_tests == 0 {
            "NOT shown: the run holds no must-block tests"
        } else {
            "the must-block list is NOT all blocked"
        },
    );
    for miss in &v.not_blocked {
        line(
            out,
            &format!("  {}", miss.status.to_uppercase()),
            &format!(
                "{} ({}) {}: {}",
                miss.vantage, miss.group, miss.url, miss.summary
            ),
        );
    }
}

/// The chain check in words: one line when intact, else every problem.
pub fn chain_report(report: &ChainReport) -> String {
    let mut out = if report.intact() {
        match (&report.last_id, &report.last_hash) {
            (Some(id), Some(hash)) => format!(
                "{} record{}, chain intact (last #{id}, hash {hash}).\n",
                report.records,
                if report.records == 1 { "" } else { "s" }
            ),
            _ => format!("{} records, chain intact.\n", report.records),
        }
    } else {
        let mut out = format!(
            "The filter-change log was altered outside caretaker: {} problem{} in {} record{}.\n",
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" },
            report.records,
            if report.records == 1 { "" } else { "s" }
        );
        for p in &report.problems {
            let _ = writeln!(out, "  {p}");
        }
        out
    };
    if let Some(key) = &report.signed_with {
        let _ = writeln!(
            out,
            "Signatures checked with the log key {key} (public half)."
        );
    }
    for head in &report.compared_with {
        let _ = writeln!(out, "Compared with {head}.");
    }
    for caveat in &report.unproven {
        let _ = writeln!(out, "Not proven: {caveat}.");
    }
    if report.intact() {
        let _ = writeln!(
            out,
            "{}\n{}",
            report.head_words(),
            caretaker_model::records::HEAD_ADVICE
        );
    } else {
        let _ = writeln!(
            out,
            "{} (as found, after the problems above)",
            report.head_words()
        );
    }
    out
}

/// One CSV field (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Every record as CSV with a header row; `body` is the stored canonical JSON.
pub fn csv(log: &Log) -> String {
    let mut out = String::from(
        "id,kind,entered_by,entered_at,supersedes,superseded_by,prev_hash,hash,summary,body\r\n",
    );
    for r in &log.records {
        let fields = [
            r.id.to_string(),
            r.kind.to_string(),
            r.entered_by.clone(),
            r.entered_at.clone(),
            r.supersedes.map(|s| s.to_string()).unwrap_or_default(),
            log.superseded_by
                .get(&r.id)
                .map(|s| s.to_string())
                .unwrap_or_default(),
            r.prev_hash.clone(),
            r.hash.clone(),
            r.summary(),
            r.body.clone(),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}
