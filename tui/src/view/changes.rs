//! Risk assessments and the Site log: the filter-change log's current records, newest first,
//! and the selected one in full, in plain English.

use caretaker_model::records::{Log, RiskAssessment, SiteLogEntry, StoredRecord};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use crate::model::ChangeLog;
use crate::state::{Loadable, Screen, State};
use crate::view::text::{cut, date_text, empty_list, fit, scroll_start, wrap, Theme};

/// Width of the labels of the detail.
const LABEL_W: usize = 14;

/// The log, or a line saying why it is not shown yet.
fn loaded<'a>(
    frame: &mut Frame,
    area: Rect,
    state: &'a State,
    theme: &Theme,
) -> Option<&'a ChangeLog> {
    let line = match &state.changes {
        Loadable::Ready(c) => return Some(c),
        Loadable::Failed(e) => Line::styled(
            format!("  Could not read the filter-change log: {e}"),
            theme.bad(),
        ),
        _ => Line::styled("  Reading the filter-change log…", theme.dim()),
    };
    frame.render_widget(Paragraph::new(line), area);
    None
}

/// Title, column header, list, detail: the list as long as it needs, up to a third of the body.
fn areas(area: Rect, rows: usize) -> [Rect; 4] {
    let body = area.height.saturating_sub(2);
    let list_h = (rows.max(1) as u16).min((body / 3).max(3));
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(list_h),
        Constraint::Min(0),
    ])
    .areas(area)
}

/// The selected record's lines: beside the list (the last line saying there is more, when they
/// do not fit), or in full over the list (`Enter`), from the line scrolled to.
fn show_detail(
    frame: &mut Frame,
    area: Rect,
    detail: Rect,
    mut lines: Vec<Line<'static>>,
    state: &State,
    theme: &Theme,
) {
    match state.record_zoom {
        Some(scroll) => {
            let [_, body, hint] = Layout::vertical([
                Constraint::Length(1),
                Constraint::Min(0),
                Constraint::Length(1),
            ])
            .areas(area);
            let max = lines.len().saturating_sub(usize::from(body.height));
            let first = usize::from(scroll).min(max);
            frame.render_widget(Clear, body);
            frame.render_widget(
                Paragraph::new(lines.split_off(first.min(lines.len()))),
                body,
            );
            let more = if first < max { "↓ more · " } else { "" };
            frame.render_widget(Clear, hint);
            frame.render_widget(
                Paragraph::new(Line::styled(
                    cut(
                        &format!("  {more}↑↓ scroll · Enter or Esc: back to the list"),
                        usize::from(hint.width),
                    ),
                    theme.dim(),
                )),
                hint,
            );
        }
        None => {
            let h = usize::from(detail.height);
            if lines.len() > h && h > 0 {
                lines.truncate(h - 1);
                lines.push(Line::styled("  … Enter: the record in full", theme.dim()));
            }
            frame.render_widget(Paragraph::new(lines), detail);
        }
    }
}

fn title(frame: &mut Frame, area: Rect, state: &State, screen: Screen, t: String, theme: &Theme) {
    let q = state.query(screen);
    let t = if q.is_empty() {
        t
    } else {
        format!("{t} · \"{q}\"")
    };
    frame.render_widget(
        Paragraph::new(Line::styled(
            cut(&t, usize::from(area.width)),
            theme.heading(),
        )),
        area,
    );
}

/// A labelled paragraph of the detail, wrapped under its label.
fn field(out: &mut Vec<Line<'static>>, width: usize, label: &str, value: &str, theme: &Theme) {
    let w = width.saturating_sub(LABEL_W + 2).max(10);
    for (i, l) in wrap(value, w).into_iter().enumerate() {
        let head = if i == 0 {
            fit(label, LABEL_W)
        } else {
            " ".repeat(LABEL_W)
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {head}"), theme.dim()),
            Span::raw(l),
        ]));
    }
}

/// "by r.singh on 21 Nov 08:55 · corrects #5".
fn entered(r: &StoredRecord, state: &State, log: &Log) -> String {
    let mut s = format!(
        "by {} on {}",
        r.entered_by,
        date_text(&r.entered_at, state.now, state.offset).trim_start()
    );
    if let Some(old) = r.supersedes {
        s.push_str(&format!(" · corrects #{old}"));
    }
    if let Some(new) = log.superseded_by.get(&r.id) {
        s.push_str(&format!(" · corrected by #{new}"));
    }
    s
}

/// What the record says about consent, in words.
pub fn consent_words(a: &RiskAssessment) -> String {
    let required = a.consent_required();
    match (&a.consent, required) {
        (Some(c), true) => format!(
            "given by {} on {} (required from \"{}\" risk)",
            c.by, c.on, a.consent_from
        ),
        (Some(c), false) => format!("given by {} on {} (not required)", c.by, c.on),
        (None, true) => format!(
            "NONE, although a {}-risk change needs it (from \"{}\")",
            a.risk_level.as_str(),
            a.consent_from
        ),
        (None, false) if a.consent_from == "never" => {
            "not required (assess.consent_from = \"never\")".to_string()
        }
        (None, false) => format!("not required below \"{}\" risk", a.consent_from),
    }
}

/// The assessment in full, in plain English (as many lines as it needs).
pub fn assessment_lines(
    r: &StoredRecord,
    a: &RiskAssessment,
    log: &Log,
    state: &State,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled(
        cut(
            &format!(
                "─ #{} {} · {} risk · {} ",
                r.id,
                a.change.sentence(),
                a.risk_level.as_str(),
                a.decision.past()
            ),
            width,
        ),
        theme.accent(),
    )];
    let mut f = |label: &str, value: &str| field(&mut out, width, label, value, theme);
    f("Asked by", &a.requested_by);
    f("Why", &a.reason);
    f("Risks", &format!("content: {}", a.risks.content));
    f("", &format!("contact: {}", a.risks.contact));
    f("", &format!("conduct: {}", a.risks.conduct));
    f("Mitigations", &a.mitigations);
    f(
        "Assessed by",
        &format!(
            "{} (educational) and {} (technical)",
            a.educational_assessor, a.technical_assessor
        ),
    );
    f("Consent", &consent_words(a));
    let mut decision = a.decision.past().to_string();
    match &a.applied_on {
        Some(d) => decision.push_str(&format!(" · applied in the filter on {d}")),
        None if a.decision == caretaker_model::records::Decision::Approve => {
            decision.push_str(" · not yet applied in the filter (c records the date)")
        }
        None => {}
    }
    if let Some(d) = &a.review_by {
        decision.push_str(&format!(" · review by {d}"));
    }
    f("Decision", &decision);
    let mut e = entered(r, state, log);
    if let Some(site) = a.from_site {
        e.push_str(&format!(" · from site-log entry #{site}"));
    }
    f("Entered", &e);
    let checks = log.verifications_of(r.id);
    if checks.is_empty() {
        let none = if a.decision == caretaker_model::records::Decision::Approve {
            format!(
                "none yet: once the change is made, v (or `caretaker assess check-filter {}`) re-runs the filter tests and records the run here",
                r.id
            )
        } else {
            "none (not approved)".to_string()
        };
        f("Filter checks", &none);
    }
    // Newest first: the check that says how the filter stands now.
    for (i, (_, v)) in checks.iter().rev().enumerate() {
        f(if i == 0 { "Filter checks" } else { "" }, &v.summary());
    }
    out
}

/// The site-log entry in full.
pub fn site_lines(
    r: &StoredRecord,
    s: &SiteLogEntry,
    log: &Log,
    state: &State,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled(
        cut(
            &format!(
                "─ #{} {} · recommends {} ",
                r.id,
                s.url,
                s.recommendation.as_str()
            ),
            width,
        ),
        theme.accent(),
    )];
    let assessed: Vec<String> = log
        .assessments_from_site(r.id)
        .into_iter()
        .filter_map(|id| {
            log.get(id)
                .and_then(|a| a.assessment())
                .map(|a| format!("#{id} {}", a.summary()))
        })
        .collect();
    let mut f = |label: &str, value: &str| field(&mut out, width, label, value, theme);
    f("Site", &s.url);
    f("Reported by", &s.reported_by);
    f(
        "Where, when",
        &format!("{} on {} at {}", s.workstation, s.date, s.time),
    );
    f("Recommends", s.recommendation.as_str());
    f(
        "Resolution",
        if s.resolution.is_empty() {
            "none recorded"
        } else {
            &s.resolution
        },
    );
    f("Entered", &entered(r, state, log));
    if assessed.is_empty() {
        f(
            "Assessed",
            "not yet: press n to record a risk assessment of it",
        );
    }
    for (i, a) in assessed.iter().enumerate() {
        f(if i == 0 { "Assessed" } else { "" }, a);
    }
    out
}

fn list_lines(
    rows: &[i64],
    selected: usize,
    height: usize,
    theme: &Theme,
    mut line: impl FnMut(i64) -> String,
) -> Vec<Line<'static>> {
    let start = scroll_start(selected, rows.len(), height);
    rows.iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(pos, id)| {
            let sel = pos == selected;
            let l = Line::raw(format!("{}{}", if sel { "› " } else { "  " }, line(*id)));
            if sel {
                l.style(theme.selected())
            } else {
                l
            }
        })
        .collect()
}

pub fn draw_assessments(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(c) = loaded(frame, area, state, theme) else {
        return;
    };
    let log = c.log();
    let rows = state.assessment_rows();
    let width = usize::from(area.width);
    let [t, header, list, detail] = areas(area, rows.len());
    title(
        frame,
        t,
        state,
        Screen::Assessments,
        format!(
            " Risk assessments · {} filter change{} · newest first · consent from \"{}\" risk",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" },
            c.consent_from.as_str()
        ),
        theme,
    );
    let (risk_w, dec_w, check_w) = (7, 10, 15);
    let change_w = width.saturating_sub(2 + 5 + 13 + risk_w + dec_w + check_w);
    let h = format!(
        "  {}{}{}{}{}{}",
        fit("#", 5),
        fit("ENTERED", 13),
        fit("CHANGE", change_w),
        fit("RISK", risk_w),
        fit("DECISION", dec_w),
        "MUST-BLOCK"
    );
    frame.render_widget(
        Paragraph::new(Line::styled(cut(&h, width), theme.dim())),
        header,
    );
    let mut lines = list_lines(
        &rows,
        state.assessments,
        usize::from(list.height),
        theme,
        |id| {
            let Some(r) = log.get(id) else {
                return String::new();
            };
            let Some(a) = r.assessment() else {
                return fit(&format!("#{id}"), 5) + "(unreadable)";
            };
            let check = match log.verifications_of(id).last() {
                // Of the must-block list after the change (whatever the change unblocked).
                Some((_, v)) if v.must_block_passed => "PASS",
                Some(_) => "FAIL",
                None => "—",
            };
            format!(
                "{}{}{}{}{}{}",
                fit(&format!("#{id}"), 5),
                fit(
                    date_text(&r.entered_at, state.now, state.offset).trim_start(),
                    13
                ),
                fit(&a.change.sentence(), change_w),
                fit(a.risk_level.as_str(), risk_w),
                fit(a.decision.past(), dec_w),
                check
            )
        },
    );
    if rows.is_empty() {
        lines.push(empty_list(
            state.query(Screen::Assessments).is_empty(),
            "  No filter change has been assessed yet: press n to record one.",
            "  No risk assessment matches the search (x clears it).",
            theme,
        ));
    }
    frame.render_widget(Paragraph::new(lines), list);
    let Some(r) = rows.get(state.assessments).and_then(|id| log.get(*id)) else {
        return;
    };
    let Some(a) = r.assessment() else { return };
    let out = assessment_lines(r, &a, &log, state, width, theme);
    show_detail(frame, area, detail, out, state, theme);
}

pub fn draw_sites(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(c) = loaded(frame, area, state, theme) else {
        return;
    };
    let log = c.log();
    let rows = state.site_rows();
    let width = usize::from(area.width);
    let [t, header, list, detail] = areas(area, rows.len());
    title(
        frame,
        t,
        state,
        Screen::Sites,
        format!(
            " Site log · {} site{} reported · newest first",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" }
        ),
        theme,
    );
    let wide = width >= 100;
    let (when_w, by_w, rec_w) = (18, if wide { 28 } else { 0 }, 11);
    let url_w = width.saturating_sub(2 + 5 + when_w + by_w + rec_w + 10);
    let mut h = format!(
        "  {}{}{}",
        fit("#", 5),
        fit("REPORTED", when_w),
        fit("SITE", url_w)
    );
    if wide {
        h.push_str(&fit("BY", by_w));
    }
    h.push_str(&fit("RECOMMENDS", rec_w));
    h.push_str("ASSESSED");
    frame.render_widget(
        Paragraph::new(Line::styled(cut(&h, width), theme.dim())),
        header,
    );
    let mut lines = list_lines(&rows, state.sites, usize::from(list.height), theme, |id| {
        let Some(s) = log.get(id).and_then(|r| r.site()) else {
            return fit(&format!("#{id}"), 5) + "(unreadable)";
        };
        let assessed = log
            .assessments_from_site(id)
            .iter()
            .map(|a| format!("#{a}"))
            .collect::<Vec<_>>()
            .join(" ");
        let mut l = format!(
            "{}{}{}",
            fit(&format!("#{id}"), 5),
            fit(&format!("{} {}", s.date, s.time), when_w),
            fit(&s.url, url_w)
        );
        if wide {
            l.push_str(&fit(&s.reported_by, by_w));
        }
        l.push_str(&fit(s.recommendation.as_str(), rec_w));
        l.push_str(if assessed.is_empty() {
            "not yet"
        } else {
            &assessed
        });
        l
    });
    if rows.is_empty() {
        lines.push(empty_list(
            state.query(Screen::Sites).is_empty(),
            "  No site has been logged yet: press e to enter one (or `caretaker sites add FILE`).",
            "  No site-log entry matches the search (x clears it).",
            theme,
        ));
    }
    frame.render_widget(Paragraph::new(lines), list);
    let Some(r) = rows.get(state.sites).and_then(|id| log.get(*id)) else {
        return;
    };
    let Some(s) = r.site() else { return };
    let out = site_lines(r, &s, &log, state, width, theme);
    show_detail(frame, area, detail, out, state, theme);
}

/// A waiver's or an attestation's state on `today`: in force, or expired.
fn in_force(r: &StoredRecord, today: time::Date) -> bool {
    r.waiver()
        .map(|w| w.in_force(today))
        .or_else(|| r.attestation().map(|a| a.in_force(today)))
        .unwrap_or(false)
}

/// The waiver or attestation in full.
pub fn attestation_lines(
    r: &StoredRecord,
    log: &Log,
    state: &State,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let today = state.now.date();
    let live = in_force(r, today);
    let word = if live { "in force" } else { "EXPIRED" };
    let mut out = Vec::new();
    if let Some(w) = r.waiver() {
        out.push(Line::styled(
            cut(
                &format!(
                    "─ #{} waiver of {} on {} · {word} ",
                    r.id, w.check, w.target
                ),
                width,
            ),
            if live { theme.accent() } else { theme.bad() },
        ));
        let mut f = |label: &str, value: &str| field(&mut out, width, label, value, theme);
        f(
            "Waives",
            &format!("{} on {}: {}", w.check, w.target, w.summary),
        );
        f("Justification", &w.justification);
        f("Approved by", &w.approved_by);
        f(
            "Until",
            &if live {
                format!(
                    "{} (the finding is stored as WAIVED, not failing, until then)",
                    w.until
                )
            } else {
                format!("{}: expired, the finding counts as failing again", w.until)
            },
        );
        f("Fingerprint", &w.fingerprint);
    } else if let Some(a) = r.attestation() {
        out.push(Line::styled(
            cut(
                &format!("─ #{} attestation of {} · {word} ", r.id, a.clause),
                width,
            ),
            if live { theme.accent() } else { theme.bad() },
        ));
        let mut f = |label: &str, value: &str| field(&mut out, width, label, value, theme);
        f("Attests", &format!("{} {}", a.clause, a.clause_title));
        f("Statement", &a.statement);
        f("Attested by", &a.attested_by);
        f(
            "Until",
            &if live {
                format!(
                    "{} (the clause is GREEN until then unless a finding says otherwise)",
                    a.until
                )
            } else {
                format!(
                    "{}: expired, the clause is AMBER until it is attested again",
                    a.until
                )
            },
        );
    } else {
        return vec![Line::styled(
            cut(&format!("─ #{} (unreadable) ", r.id), width),
            theme.bad(),
        )];
    }
    field(&mut out, width, "Entered", &entered(r, state, log), theme);
    out
}

pub fn draw_attestations(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(c) = loaded(frame, area, state, theme) else {
        return;
    };
    let log = c.log();
    let today = state.now.date();
    let rows = state.attestation_rows();
    let expired = rows
        .iter()
        .filter_map(|id| log.get(*id))
        .filter(|r| !in_force(r, today))
        .count();
    let width = usize::from(area.width);
    let [t, header, list, detail] = areas(area, rows.len());
    title(
        frame,
        t,
        state,
        Screen::Attestations,
        format!(
            " Attestations and waivers · {} in force, {expired} expired · newest first",
            rows.len() - expired,
        ),
        theme,
    );
    let wide = width >= 100;
    let (state_w, kind_w, until_w, by_w) = (9, 8, 12, if wide { 26 } else { 0 });
    let what_w = width.saturating_sub(2 + 5 + state_w + kind_w + until_w + by_w);
    let mut h = format!(
        "  {}{}{}{}{}",
        fit("#", 5),
        fit("STATE", state_w),
        fit("KIND", kind_w),
        fit("UNTIL", until_w),
        fit("WHAT", what_w)
    );
    if wide {
        h.push_str("BY");
    }
    frame.render_widget(
        Paragraph::new(Line::styled(cut(&h, width), theme.dim())),
        header,
    );
    let mut lines = list_lines(
        &rows,
        state.attestations,
        usize::from(list.height),
        theme,
        |id| {
            let Some(r) = log.get(id) else {
                return String::new();
            };
            let (kind, until, what, by) = if let Some(w) = r.waiver() {
                (
                    "waiver",
                    w.until,
                    format!("{} on {}", w.check, w.target),
                    w.approved_by,
                )
            } else if let Some(a) = r.attestation() {
                (
                    "attest",
                    a.until,
                    format!("{} {}", a.clause, a.clause_title),
                    a.attested_by,
                )
            } else {
                return fit(&format!("#{id}"), 5) + "(unreadable)";
            };
            let mut l = format!(
                "{}{}{}{}{}",
                fit(&format!("#{id}"), 5),
                fit(
                    if in_force(r, today) {
                        "in force"
                    } else {
                        "EXPIRED"
                    },
                    state_w
                ),
                fit(kind, kind_w),
                fit(&until.to_string(), until_w),
                fit(&what, what_w)
            );
            if wide {
                l.push_str(&cut(&by, by_w));
            }
            l
        },
    );
    if rows.is_empty() {
        lines.push(empty_list(
            state.query(Screen::Attestations).is_empty(),
            "  No waiver or attestation yet: w on a finding waives it, a on a clause attests it.",
            "  No waiver or attestation matches the search (x clears it).",
            theme,
        ));
    }
    frame.render_widget(Paragraph::new(lines), list);
    let Some(r) = rows.get(state.attestations).and_then(|id| log.get(*id)) else {
        return;
    };
    let out = attestation_lines(r, &log, state, width, theme);
    show_detail(frame, area, detail, out, state, theme);
}
