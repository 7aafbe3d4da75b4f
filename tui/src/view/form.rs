//! The risk-assessment form: one line per field, the policy's words beside the two assessors,
//! whether consent is required, and every problem found under its line.

use caretaker_config::ConsentFrom;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::form::{
    consent_note, AssessForm, Field, RecordForm, RecordTarget, SiteForm, SITE_LINES,
    SITE_RECOMMENDATION,
};
use crate::view::text::{cut, fit, row, wrap, Theme};

const LABEL_W: usize = 22;

pub fn draw(frame: &mut Frame, area: Rect, form: &AssessForm, rule: ConsentFrom, theme: &Theme) {
    let width = usize::from(area.width);
    let current = form.current();
    // The current line's problems in full at the bottom.
    let full: Vec<String> = form
        .errors_of(current)
        .iter()
        .flat_map(|e| wrap(&format!("✗ {}", e.problem), width.saturating_sub(4)))
        .collect();
    let bottom_h = (full.len() as u16).min(area.height / 4);
    let [title, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(bottom_h),
    ])
    .areas(area);

    let mut t = match form.supersedes {
        Some(id) => {
            format!(" Correcting risk assessment #{id} · saved as a new record; #{id} stays")
        }
        None => " New filter change · risk assessment".to_string(),
    };
    if let (Some(site), None) = (form.from_site, form.supersedes) {
        t.push_str(&format!(" · from site-log entry #{site}"));
    }
    title_state(&mut t, form.errors.len(), form.saving);
    frame.render_widget(
        Paragraph::new(Line::styled(cut(&t, width), theme.heading())),
        title,
    );

    let note_w = if width >= 100 { 40 } else { 28 };
    let full_w = width.saturating_sub(2 + LABEL_W + 1).max(8);
    let mut lines: Vec<Line> = Vec::new();
    let mut current_at = 0;
    for f in Field::ALL {
        let sel = f == current;
        if sel {
            current_at = lines.len();
        }
        let (note, loud) = match f {
            Field::Educational => ("← \"staff with educational".to_string(), false),
            Field::Technical => ("   and technical experience\"".to_string(), false),
            Field::ConsentBy => consent_note(form, rule),
            _ => (String::new(), false),
        };
        let value_w = if note.is_empty() {
            full_w
        } else {
            full_w.saturating_sub(note_w).max(8)
        };
        let v = form.value(f);
        let mut spans = vec![
            Span::styled(if sel { "› " } else { "  " }, theme.accent()),
            Span::styled(fit(f.label(), LABEL_W), theme.dim()),
        ];
        spans.push(value_span(v, f.hint(), sel, f.is_choice(), value_w, theme));
        if !note.is_empty() {
            spans.push(Span::styled(
                format!(" {}", cut(&note, note_w)),
                if loud { theme.bad() } else { theme.dim() },
            ));
        }
        lines.push(row(spans, sel, theme));
        for e in form.errors_of(f) {
            lines.push(Line::styled(
                cut(
                    &format!("{}✗ {}", " ".repeat(LABEL_W + 2), e.problem),
                    width,
                ),
                theme.bad(),
            ));
        }
    }
    // Keep the current line (and its problems) in view.
    let height = usize::from(body.height);
    let own = 1 + form.errors_of(current).len();
    let start = if lines.len() <= height {
        0
    } else {
        (current_at + own)
            .saturating_sub(height)
            .max(current_at.saturating_sub(height / 2))
            .min(current_at)
            .min(lines.len() - height)
    };
    let shown: Vec<Line> = lines.into_iter().skip(start).take(height).collect();
    frame.render_widget(Paragraph::new(shown), body);

    let bottom_lines: Vec<Line> = full
        .into_iter()
        .map(|l| Line::styled(format!("  {l}"), theme.bad()))
        .collect();
    frame.render_widget(Paragraph::new(bottom_lines), bottom);
}

/// The waiver, attestation or withdrawal form: what it is about, its lines, every problem under
/// its line.
pub fn draw_record(frame: &mut Frame, area: Rect, form: &RecordForm, theme: &Theme) {
    let width = usize::from(area.width);
    let label_w = 16;
    let mut lines: Vec<Line> = Vec::new();
    let mut t = match &form.target {
        RecordTarget::Waiver { .. } => " Waive a finding".to_string(),
        RecordTarget::Attestation { .. } => " Attest a clause".to_string(),
        RecordTarget::Withdrawal { id, .. } => format!(" Withdraw #{id}"),
    };
    title_state(&mut t, form.errors.len(), form.saving);
    lines.push(Line::styled(cut(&t, width), theme.heading()));
    let about: Vec<(&str, String)> = match &form.target {
        RecordTarget::Waiver {
            check,
            target,
            summary,
            ..
        } => vec![
            ("Finding", format!("{check} on {target}")),
            ("", summary.clone()),
            (
                "",
                "While the waiver is in force, each audit stores this finding as WAIVED, not failing; it stays listed.".to_string(),
            ),
        ],
        RecordTarget::Attestation { clause, title } => vec![
            ("Clause", format!("{clause} {title}")),
            (
                "",
                "No check can see this; a person says it is met. While in force, and no finding says otherwise, the clause is GREEN; once expired, AMBER.".to_string(),
            ),
        ],
        RecordTarget::Withdrawal { what, .. } => vec![
            ("Withdraws", what.clone()),
            (
                "",
                "It stays in the log, marked withdrawn by a new record: a waived finding counts again from the next audit; an attested clause is no longer attested.".to_string(),
            ),
        ],
    };
    for (label, value) in about {
        for (i, l) in wrap(&value, width.saturating_sub(label_w + 3).max(10))
            .into_iter()
            .enumerate()
        {
            let head = if i == 0 { label } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("  {}", fit(head, label_w)), theme.dim()),
                Span::raw(l),
            ]));
        }
    }
    lines.push(Line::raw(""));
    let value_w = width.saturating_sub(2 + label_w + 1).max(8);
    let (labels, hints) = (form.labels(), form.hints());
    for i in 0..form.lines() {
        let sel = i == form.field;
        let v = &form.values[i];
        let mut spans = vec![
            Span::styled(if sel { "› " } else { "  " }, theme.accent()),
            Span::styled(fit(labels[i], label_w), theme.dim()),
        ];
        spans.push(value_span(v, hints[i], sel, false, value_w, theme));
        lines.push(row(spans, sel, theme));
        for e in form.errors_of(i) {
            lines.extend(problem_lines(e, label_w, width, theme));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The site-log form: a line of the paper Internet Site Log Sheet, every problem under its line.
pub fn draw_site(frame: &mut Frame, area: Rect, form: &SiteForm, theme: &Theme) {
    let width = usize::from(area.width);
    let label_w = 16;
    let mut lines: Vec<Line> = Vec::new();
    let mut t = match form.supersedes {
        Some(id) => format!(" Correcting site-log entry #{id} · saved as a new entry; #{id} stays"),
        None => " New site-log entry (the Internet Site Log Sheet)".to_string(),
    };
    title_state(&mut t, form.errors.len(), form.saving);
    lines.push(Line::styled(cut(&t, width), theme.heading()));
    for l in wrap(
        "As on the paper sheet: who reported it, when and where it was seen, and what they recommend. A risk assessment of the change follows (n on the entry).",
        width.saturating_sub(4).max(10),
    ) {
        lines.push(Line::styled(format!("  {l}"), theme.dim()));
    }
    lines.push(Line::raw(""));
    let value_w = width.saturating_sub(2 + label_w + 1).max(8);
    for (i, (label, _, hint)) in SITE_LINES.iter().enumerate() {
        let sel = i == form.field;
        let choice = i == SITE_RECOMMENDATION;
        let v = form.value(i);
        let mut spans = vec![
            Span::styled(if sel { "› " } else { "  " }, theme.accent()),
            Span::styled(fit(label, label_w), theme.dim()),
        ];
        spans.push(value_span(v, hint, sel, choice, value_w, theme));
        lines.push(row(spans, sel, theme));
        for e in form.errors_of(i) {
            lines.extend(problem_lines(&e.problem, label_w, width, theme));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// A line's value: what is typed (its end and the cursor on the line being edited), a choice
/// between ‹ ›, or the hint while it is empty.
fn value_span(
    v: &str,
    hint: &str,
    sel: bool,
    choice: bool,
    value_w: usize,
    theme: &Theme,
) -> Span<'static> {
    if v.is_empty() {
        let hint = if sel && !choice {
            format!("█ {hint}")
        } else {
            hint.to_string()
        };
        return Span::styled(fit(&hint, value_w), theme.dim());
    }
    let shown = if choice {
        format!("‹ {v} ›")
    } else if sel {
        let n = v.chars().count();
        let skip = (n + 1).saturating_sub(value_w);
        format!("{}█", v.chars().skip(skip).collect::<String>())
    } else {
        v.to_string()
    };
    Span::raw(fit(&shown, value_w))
}

/// A problem under its line, wrapped, indented past the labels.
fn problem_lines(problem: &str, label_w: usize, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    wrap(
        &format!("✗ {problem}"),
        width.saturating_sub(label_w + 3).max(10),
    )
    .into_iter()
    .enumerate()
    .map(|(j, l)| {
        let l = if j == 0 { l } else { format!("  {l}") };
        Line::styled(format!("{}{l}", " ".repeat(label_w + 2)), theme.bad())
    })
    .collect()
}

/// A form's title, then how the last Ctrl-S went: its problems, or saving.
fn title_state(t: &mut String, problems: usize, saving: bool) {
    if problems > 0 {
        t.push_str(&format!(
            " · {problems} problem{}, nothing saved",
            if problems == 1 { "" } else { "s" }
        ));
    }
    if saving {
        t.push_str(" · saving…");
    }
}
