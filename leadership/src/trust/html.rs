//! The trustees' report as one self-contained HTML page, in the school report's style (see
//! `crate::html`): the summary first (every school against the policy and each standard, and what
//! changed), then each school's page, each starting a new printed page.

use std::fmt::Write as _;

use caretaker_model::trust_report::{SchoolPage, TrustReport};

use crate::html::{change_lists, clauses_table, esc, fix_list, rag, style, table};

/// What the trust's report adds to the school report's style sheet: each school on a new page,
/// and the matrix's details beneath each state.
const TRUST_STYLE: &str = r#"
section.school { page-break-before: always; break-before: page; }
td .detail { display: block; font-size: .85rem; color: var(--muted); }
"#;

/// The whole page.
pub fn html(r: &TrustReport) -> String {
    let mut o = String::with_capacity(32 * 1024 + 8 * 1024 * r.schools.len());
    let title = format!("{} · {}", super::title(r), r.trust);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"caretaker\">\n<title>{}</title>\n<style>{}{TRUST_STYLE}</style>\n</head>\n<body>\n",
        esc(&title),
        style()
    );
    let _ = write!(
        o,
        "<div class=\"running\" aria-hidden=\"true\">{} · trustees' online safety report · {}</div>\n\
         <header class=\"page\">\n<p class=\"school\">{}</p>\n<h1>{}</h1>\n<p class=\"muted\">{}</p>\n</header>\n<main>\n",
        esc(&r.trust),
        esc(&r.period.label),
        esc(&r.trust),
        esc(&super::title(r)),
        esc(&super::made(r))
    );
    summary(&mut o, r);
    for (i, p) in r.schools.iter().enumerate() {
        school(&mut o, r, i, p);
    }
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

/// The anchor of the `i`th school's section (its place, not its id: any id is safe this way).
fn anchor(i: usize) -> String {
    format!("school-{}", i + 1)
}

fn summary(o: &mut String, r: &TrustReport) {
    let s = &r.summary;
    let _ = write!(
        o,
        "<section id=\"summary\" aria-labelledby=\"h-summary\">\n<h2 id=\"h-summary\">{}</h2>\n<p class=\"headline\">{}</p>\n",
        esc(super::SUMMARY),
        esc(&s.headline)
    );
    // The school and the count of clauses not met take a fixed share; the documents the rest.
    let share = u8::try_from(70 / s.columns.len().max(1)).unwrap_or(70);
    let mut headers: Vec<(&str, u8)> = vec![("School", 22)];
    headers.extend(s.columns.iter().map(|c| (c.title.as_str(), share)));
    headers.push(("Clauses not met", 8));
    let rows: Vec<Vec<String>> = s
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut cells = vec![format!("<a href=\"#{}\">{}</a>", anchor(i), esc(&row.name))];
            cells.extend(row.cells.iter().map(|c| {
                if c.detail == "not checked" {
                    rag(&c.status, &c.words)
                } else {
                    format!(
                        "{}<span class=\"detail\">{}</span>",
                        rag(&c.status, &c.words),
                        esc(&c.detail)
                    )
                }
            }));
            cells.push(if row.checked {
                row.red.to_string()
            } else {
                "–".to_string()
            });
            cells
        })
        .collect();
    if rows.is_empty() {
        o.push_str("<p>There is no school to show.</p>\n");
    } else {
        table(o, super::MATRIX, &headers, &rows);
    }
    let _ = writeln!(
        o,
        "<h3>{}</h3>\n<p>{}</p>",
        esc(&super::changed_since(r)),
        esc(&s.changes.sentence)
    );
    let rows: Vec<Vec<String>> = r
        .schools
        .iter()
        .map(|p| super::change_row(p).iter().map(|c| esc(c)).collect())
        .collect();
    if !rows.is_empty() {
        let headers: Vec<(&str, u8)> = super::CHANGE_HEADERS
            .iter()
            .zip([32, 15, 15, 15, 23])
            .map(|(h, w)| (*h, w))
            .collect();
        table(o, "School by school", &headers, &rows);
    }
    o.push_str("</section>\n");
}

fn school(o: &mut String, r: &TrustReport, i: usize, p: &SchoolPage) {
    let id = anchor(i);
    let _ = write!(
        o,
        "<section class=\"school\" id=\"{id}\" aria-labelledby=\"h-{id}\">\n<h2 id=\"h-{id}\">{}</h2>\n<p class=\"headline\">{}</p>\n",
        esc(&p.name),
        esc(&p.headline)
    );
    if let Some(note) = &p.note {
        let _ = writeln!(o, "<p class=\"warning\">{}</p>", esc(note));
    }
    let _ = writeln!(o, "<p>{}</p>", esc(&super::last_audit(p)));
    if !p.checked {
        o.push_str("</section>\n");
        return;
    }
    if !p.standards.is_empty() {
        o.push_str("<h3>Against the DfE standards</h3>\n<ul>\n");
        for sc in &p.standards {
            let c = &sc.cell;
            let _ = write!(
                o,
                "<li><strong>{}</strong>: {}",
                esc(&sc.title),
                rag(&c.status, &c.words)
            );
            if c.detail != "not checked" {
                let _ = write!(o, " {}", esc(&c.detail));
            }
            if !c.not_met.is_empty() {
                let _ = write!(o, ". Not met: {}.", esc(&c.not_met.join("; ")));
            }
            o.push_str("</li>\n");
        }
        o.push_str("</ul>\n");
    }
    clauses_table(o, "The policy, clause by clause", &p.clauses);
    o.push_str("<h3>What to fix</h3>\n");
    fix_list(o, &p.failing);
    let _ = writeln!(
        o,
        "<h3>{}</h3>\n<p>{}</p>",
        esc(&super::changed_since(r)),
        esc(&super::compared(r, p))
    );
    change_lists(o, &p.changes);
    if !p.recoloured.is_empty() {
        o.push_str("<h4>Clauses that changed state</h4>\n<ul>\n");
        for c in &p.recoloured {
            let _ = writeln!(o, "<li>{}</li>", esc(&super::recoloured_words(c)));
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</section>\n");
}
