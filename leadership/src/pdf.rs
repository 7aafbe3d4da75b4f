//! The report as a PDF, made here without a browser: laid out on A4 by this module (words
//! measured with the font's own advances through ttf-parser, tables kept whole row by row with
//! their headers repeated on each page, each section on a new page, the school and period at the
//! top of every page and its number at the foot), drawn by krilla. The text is DejaVu Sans
//! (Debian's fonts-dejavu-core), embedded and subset.

use std::sync::Arc;

use caretaker_model::leadership::{check_result, long_day, LeadershipReport};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::text::{Font, TextDirection};
use krilla::Document;

mod lists;
mod standards;

pub(crate) use lists::{change_lists, clauses_table, fix_list};

/// Where DejaVu Sans is on Debian.
pub const FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 50.0;
const TOP: f32 = 64.0;
const BOTTOM: f32 = 56.0;
pub(crate) const BODY: f32 = 10.0;
pub(crate) const SMALL: f32 = 8.5;

/// A font and what is needed to measure its text.
struct Face {
    font: Font,
    data: Arc<Vec<u8>>,
}

impl Face {
    fn load(name: &str) -> Result<Face, String> {
        let path = std::path::Path::new(FONT_DIR).join(name);
        let data = std::fs::read(&path).map_err(|e| {
            format!(
                "the PDF needs the font {} ({e}): apt-get install fonts-dejavu-core",
                path.display()
            )
        })?;
        let data = Arc::new(data);
        let font = Font::new(data.clone().into(), 0)
            .ok_or_else(|| format!("{} is not a font krilla can use", path.display()))?;
        Ok(Face { font, data })
    }

    /// The width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        let Ok(face) = ttf_parser::Face::parse(&self.data, 0) else {
            return text.chars().count() as f32 * size * 0.6;
        };
        let upem = f32::from(face.units_per_em());
        let units: f32 = text
            .chars()
            .map(|c| {
                face.glyph_index(c)
                    .and_then(|g| face.glyph_hor_advance(g))
                    .map_or(f32::from(face.units_per_em()) * 0.6, f32::from)
            })
            .sum();
        units / upem * size
    }
}

/// What is drawn on a page.
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
    },
    Poly {
        points: Vec<(f32, f32)>,
        dash: Option<Vec<f32>>,
    },
}

/// The layout: pages of drawing operations, and where the next thing goes.
pub(crate) struct Layout {
    regular: Face,
    bold: Face,
    pages: Vec<Vec<Op>>,
    pub(crate) y: f32,
}

impl Layout {
    /// An empty layout in DejaVu Sans (an error when the font is not installed).
    pub(crate) fn new() -> Result<Layout, String> {
        Ok(Layout {
            regular: Face::load("DejaVuSans.ttf")?,
            bold: Face::load("DejaVuSans-Bold.ttf")?,
            pages: Vec::new(),
            y: TOP,
        })
    }

    fn page(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    fn face(&self, bold: bool) -> &Face {
        if bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    /// `text` broken into lines no wider than `width`.
    fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let face = self.face(bold);
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if face.width(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // A word wider than the line is cut where it must be.
                let mut part = String::new();
                for c in word.chars() {
                    part.push(c);
                    if face.width(&part, size) > width && part.chars().count() > 1 {
                        part.pop();
                        lines.push(std::mem::take(&mut part));
                        part.push(c);
                    }
                }
                line = part;
            }
            lines.push(line);
        }
        lines
    }

    fn ensure(&mut self, height: f32) {
        if self.y + height > PAGE_H - BOTTOM {
            self.new_page();
        }
    }

    pub(crate) fn text_block(&mut self, text: &str, size: f32, bold: bool, gap_after: f32) {
        let lead = size * 1.35;
        for line in self.wrap(text, size, bold, PAGE_W - 2.0 * MARGIN) {
            self.ensure(lead);
            self.y += lead;
            let y = self.y;
            self.page().push(Op::Text {
                x: MARGIN,
                y,
                size,
                bold,
                text: line,
            });
        }
        self.y += gap_after;
    }

    pub(crate) fn heading(&mut self, text: &str, size: f32) {
        // A heading is never the last thing on a page.
        self.ensure(size * 1.4 + 3.0 * BODY * 1.35);
        self.y += size * 0.6;
        self.text_block(text, size, true, size * 0.3);
    }

    pub(crate) fn section(&mut self, text: &str) {
        if !self.pages.is_empty() {
            self.new_page();
        }
        self.heading(text, 15.0);
        let y = self.y;
        self.page().push(Op::Line {
            from: (MARGIN, y),
            to: (PAGE_W - MARGIN, y),
            width: 0.8,
        });
        self.y += 6.0;
    }

    /// A table: each row kept whole on one page, the header repeated on each page.
    pub(crate) fn table(&mut self, headers: &[&str], widths: &[f32], rows: &[Vec<String>]) {
        let total: f32 = widths.iter().sum();
        let avail = PAGE_W - 2.0 * MARGIN;
        let cols: Vec<f32> = widths.iter().map(|w| w / total * avail).collect();
        let lead = SMALL * 1.3;
        let pad = 3.0;
        let cells = |layout: &Layout, row: &[String], bold: bool| -> Vec<Vec<String>> {
            row.iter()
                .zip(&cols)
                .map(|(text, w)| layout.wrap(text, SMALL, bold, w - 2.0 * pad))
                .collect()
        };
        let header: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
        let header_cells = cells(self, &header, true);
        let height_of =
            |c: &[Vec<String>]| c.iter().map(Vec::len).max().unwrap_or(1) as f32 * lead + 2.0 * pad;
        let header_h = height_of(&header_cells);
        let draw_row = |layout: &mut Layout, c: &[Vec<String>], bold: bool, rule: f32| {
            let h = height_of(c);
            let top = layout.y;
            let mut x = MARGIN;
            for (lines, w) in c.iter().zip(&cols) {
                for (i, line) in lines.iter().enumerate() {
                    layout.page().push(Op::Text {
                        x: x + pad,
                        y: top + pad + lead * (i as f32 + 1.0) - 2.0,
                        size: SMALL,
                        bold,
                        text: line.clone(),
                    });
                }
                x += w;
            }
            layout.y += h;
            let y = layout.y;
            layout.page().push(Op::Line {
                from: (MARGIN, y),
                to: (PAGE_W - MARGIN, y),
                width: rule,
            });
        };
        self.ensure(header_h + lead * 2.0);
        draw_row(self, &header_cells, true, 1.0);
        for row in rows {
            let c = cells(self, row, false);
            let h = height_of(&c);
            if self.y + h > PAGE_H - BOTTOM {
                self.new_page();
                draw_row(self, &header_cells, true, 1.0);
            }
            draw_row(self, &c, false, 0.3);
        }
        self.y += 8.0;
    }

    /// A line chart of labelled series (x: index of `n` points), values 0 to `max`.
    fn chart(
        &mut self,
        title: &str,
        n: usize,
        series: &[(String, Vec<(usize, f32)>)],
        max: f32,
        unit: &str,
    ) {
        // Tall enough for a label per series at the right.
        let h = (40.0 + 10.0 * series.len() as f32).max(170.0);
        self.ensure(h + 30.0);
        self.text_block(title, BODY, true, 4.0);
        let (left, top) = (MARGIN + 30.0, self.y + 6.0);
        let (w, ph) = (PAGE_W - 2.0 * MARGIN - 30.0 - 130.0, h - 20.0);
        let max = if max <= 0.0 { 1.0 } else { max };
        let x = |i: usize| {
            if n <= 1 {
                left + w / 2.0
            } else {
                left + w * i as f32 / (n - 1) as f32
            }
        };
        let y = |v: f32| top + ph - ph * v / max;
        let ops = self.page();
        ops.push(Op::Line {
            from: (left, top),
            to: (left, top + ph),
            width: 0.8,
        });
        ops.push(Op::Line {
            from: (left, top + ph),
            to: (left + w, top + ph),
            width: 0.8,
        });
        for v in [0.0, max / 2.0, max] {
            ops.push(Op::Text {
                x: MARGIN,
                y: y(v) + 3.0,
                size: 7.0,
                bold: false,
                text: format!("{}{unit}", v.round() as i64),
            });
        }
        let dashes: [Option<Vec<f32>>; 5] = [
            None,
            Some(vec![5.0, 2.5]),
            Some(vec![1.5, 2.5]),
            Some(vec![8.0, 2.5, 1.5, 2.5]),
            Some(vec![10.0, 4.0]),
        ];
        // Labels at the right, each near its line's end, never on top of another.
        let mut want: Vec<(f32, usize)> = series
            .iter()
            .enumerate()
            .map(|(i, (_, p))| (p.last().map_or(top, |(_, v)| y(*v)), i))
            .collect();
        want.sort_by(|a, b| a.0.total_cmp(&b.0));
        let gap = 10.0;
        for k in 1..want.len() {
            want[k].0 = want[k].0.max(want[k - 1].0 + gap);
        }
        let bottom = top + h - 12.0;
        if let Some(last) = want.last_mut() {
            last.0 = last.0.min(bottom);
        }
        for k in (0..want.len().saturating_sub(1)).rev() {
            want[k].0 = want[k].0.min(want[k + 1].0 - gap);
        }
        let mut label_at = vec![top; series.len()];
        for (at, i) in want {
            label_at[i] = at.max(top);
        }
        for (i, (label, points)) in series.iter().enumerate() {
            let pts: Vec<(f32, f32)> = points.iter().map(|(xi, v)| (x(*xi), y(*v))).collect();
            if !pts.is_empty() {
                ops.push(Op::Text {
                    x: left + w + 6.0,
                    y: label_at[i] + 3.0,
                    size: 7.0,
                    bold: false,
                    text: label.chars().take(30).collect(),
                });
            }
            ops.push(Op::Poly {
                points: pts,
                dash: dashes[i % dashes.len()].clone(),
            });
        }
        self.y = top + h;
    }
}

/// The report's chart lines in the PDF's units.
fn f32_lines(lines: Vec<caretaker_model::leadership::Line>) -> Vec<(String, Vec<(usize, f32)>)> {
    lines
        .into_iter()
        .map(|(label, points)| {
            (
                label,
                points.into_iter().map(|(i, v)| (i, v as f32)).collect(),
            )
        })
        .collect()
}

/// The report as PDF bytes.
pub fn pdf(r: &LeadershipReport) -> Result<Vec<u8>, String> {
    let mut l = Layout::new()?;
    let s = &r.summary;
    l.text_block(&r.school, BODY, true, 0.0);
    l.text_block(
        &format!("Online safety: {}", r.period.label),
        20.0,
        true,
        2.0,
    );
    l.text_block(
        &format!(
            "From {} to {}. Made {} from the school's own nightly checks (caretaker).",
            long_day(r.period.from),
            long_day(r.period.to),
            r.generated_at
        ),
        SMALL,
        false,
        6.0,
    );
    l.heading("Summary: are we meeting our policy?", 15.0);
    l.text_block(&s.headline, 12.0, true, 6.0);
    clauses_table(&mut l, &s.clauses);
    l.heading("The three things to fix first", 12.0);
    fix_list(&mut l, &s.fix_first);
    let c = &s.changes;
    l.heading("What changed since the period before", 12.0);
    l.text_block(
        &format!(
            "{} newly failing, {} fixed, {} still open.",
            c.newly_failing.len(),
            c.fixed.len(),
            c.still_open.len()
        ),
        BODY,
        false,
        3.0,
    );
    change_lists(&mut l, c);

    l.section("Trends over the period");
    if r.trends.failing.is_empty() {
        l.text_block(
            "No complete checks in the period to draw.",
            BODY,
            false,
            4.0,
        );
    } else {
        let series = f32_lines(r.failing_lines());
        let max = series
            .iter()
            .flat_map(|(_, p)| p.iter().map(|x| x.1))
            .fold(0.0, f32::max);
        l.chart(
            "Failing findings per clause, run by run (lower is better)",
            r.trends.failing.len(),
            &series,
            max,
            "",
        );
    }
    if !r.trends.filter.is_empty() {
        let (runs, lines) = r.filter_lines();
        let series = f32_lines(lines);
        l.chart(
            "Web-filter tests passed per user group (higher is better)",
            runs.len(),
            &series,
            100.0,
            "%",
        );
    }

    l.section("The filter check record");
    l.text_block(
        &format!(
            "The web filter was checked {} times in the period, from each user group's point of view.",
            r.filter_record.checks.len()
        ),
        BODY,
        false,
        4.0,
    );
    let rows: Vec<Vec<String>> = r
        .filter_record
        .latest_by_group
        .iter()
        .map(|g| {
            vec![
                g.group.clone(),
                g.checked_at.clone(),
                g.result.clone(),
                g.action.clone().unwrap_or_default(),
            ]
        })
        .collect();
    l.table(
        &["Group", "Last checked", "Result", "Action taken"],
        &[1.2, 2.0, 5.0, 2.0],
        &rows,
    );
    let rows: Vec<Vec<String>> = r
        .filter_record
        .checks
        .iter()
        .map(|c| {
            vec![
                caretaker_model::finding::format_rfc3339(c.started_at),
                format!("{} ({}), run {}", c.trigger, c.who, c.run),
                format!("{} ({})", c.vantage, c.group),
                check_result(c),
                c.action
                    .as_ref()
                    .map(|a| a.action.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    l.table(
        &["When", "Started by", "From (group)", "Result", "Action"],
        &[2.0, 2.0, 1.8, 5.0, 1.6],
        &rows,
    );

    l.section("Filter changes and who agreed them");
    let rows: Vec<Vec<String>> = r
        .filter_changes
        .assessments
        .iter()
        .map(|a| {
            vec![
                format!("#{} {}", a.id, a.change),
                a.assessors(),
                a.consent.clone(),
                format!("{}, {} risk", a.decision, a.risk_level),
                a.recheck_words().to_string(),
            ]
        })
        .collect();
    if rows.is_empty() {
        l.text_block(
            "No change to the filter was risk assessed in the period.",
            BODY,
            false,
            4.0,
        );
    } else {
        l.table(
            &[
                "Change",
                "Assessed by",
                "Leadership consent",
                "Decision",
                "Re-check",
            ],
            &[3.0, 3.0, 2.0, 1.6, 2.5],
            &rows,
        );
    }
    let rows: Vec<Vec<String>> = r
        .filter_changes
        .sites
        .iter()
        .map(|s| {
            vec![
                long_day(s.date),
                s.url.clone(),
                s.reported_by.clone(),
                s.outcome.clone(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        l.table(
            &["Reported", "Site", "By", "What became of it"],
            &[1.6, 3.0, 2.4, 2.4],
            &rows,
        );
    }

    l.section("Exceptions: what is waived or attested");
    for (title, lines) in [
        ("In force at the end of the period", &r.exceptions.in_force),
        ("Ending within 30 days", &r.exceptions.expiring),
        ("Ended in the period", &r.exceptions.expired),
    ] {
        l.heading(title, 12.0);
        if lines.is_empty() {
            l.text_block("None.", BODY, false, 4.0);
            continue;
        }
        let rows: Vec<Vec<String>> = lines
            .iter()
            .map(|x| {
                vec![
                    format!("{} #{}", x.kind, x.id),
                    x.about.clone(),
                    x.by.clone(),
                    x.why.clone(),
                    long_day(x.until),
                ]
            })
            .collect();
        l.table(
            &["Kind", "About", "By", "Why", "Until"],
            &[1.2, 3.5, 2.0, 3.0, 1.6],
            &rows,
        );
    }

    l.section("The yearly review of filtering and monitoring");
    if let Some(w) = &r.review.warning {
        l.text_block(&format!("Warning: {w}"), BODY, true, 4.0);
    }
    if let Some(v) = &r.review.last {
        l.text_block(
            &format!("Held on {}.", long_day(v.held_on)),
            BODY,
            false,
            2.0,
        );
        let rows: Vec<Vec<String>> = v
            .participants
            .iter()
            .map(|(a, b)| vec![a.clone(), b.clone()])
            .collect();
        l.table(&["Role", "Name"], &[1.0, 1.0], &rows);
        l.text_block(&format!("What it found: {}", v.findings), BODY, false, 2.0);
        l.text_block(
            &format!("What is to be done: {}", v.actions),
            BODY,
            false,
            2.0,
        );
    }

    standards::standards(&mut l, &r.standards);
    l.section("Appendix: the evidence");
    let ch = &r.appendix.chain;
    l.text_block(
        &format!(
            "The filter-change log: {} records; {}. {}. {}",
            ch.records,
            ch.verdict_words(),
            ch.head_words(),
            caretaker_model::records::HEAD_ADVICE
        ),
        SMALL,
        false,
        4.0,
    );
    for f in &r.appendix.failing {
        l.text_block(&f.summary, SMALL, true, 0.0);
        let ev: Vec<String> = f
            .evidence
            .values
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        l.text_block(
            &format!(
                "{} on {}. {}",
                f.check.as_str(),
                f.target.name,
                ev.join("; ")
            ),
            7.5,
            false,
            3.0,
        );
    }
    render(
        Meta {
            title: format!("Online safety report: {}, {}", r.school, r.period.label),
            running: format!("{} · Online safety report · {}", r.school, r.period.label),
            // Where `caretaker assess verify --report` finds the head: the XMP metadata is
            // stored uncompressed.
            keywords: vec![r.appendix.chain.head_words()],
        },
        l,
    )
}

/// What a PDF says of itself: its title, the line at the top of every page, its keywords.
#[derive(Debug)]
pub(crate) struct Meta {
    pub(crate) title: String,
    pub(crate) running: String,
    pub(crate) keywords: Vec<String>,
}

/// Draws the laid-out pages with krilla.
pub(crate) fn render(meta: Meta, l: Layout) -> Result<Vec<u8>, String> {
    let mut doc = Document::new();
    doc.set_metadata(
        krilla::metadata::Metadata::new()
            .title(meta.title)
            .language("en-GB".to_string())
            .keywords(meta.keywords)
            .creator("caretaker".to_string()),
    );
    let total = l.pages.len();
    let ink: krilla::paint::Paint = rgb::Color::new(27, 27, 27).into();
    for (n, ops) in l.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("the page size")?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_fill(Some(Fill {
            paint: ink.clone(),
            opacity: NormalizedF32::ONE,
            rule: Default::default(),
        }));
        let running = meta.running.clone();
        let page_no = format!("Page {} of {total}", n + 1);
        for (text, y) in [(running, 30.0), (page_no, PAGE_H - 28.0)] {
            surface.draw_text(
                Point::from_xy(MARGIN, y),
                l.regular.font.clone(),
                7.5,
                &text,
                false,
                TextDirection::Auto,
            );
        }
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    bold,
                    text,
                } => {
                    if text.is_empty() {
                        continue;
                    }
                    let font = if *bold {
                        l.bold.font.clone()
                    } else {
                        l.regular.font.clone()
                    };
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        font,
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Line { from, to, width } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(from.0, from.1);
                    pb.line_to(to.0, to.1);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: ink.clone(),
                            width: *width,
                            ..Default::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill {
                            paint: ink.clone(),
                            opacity: NormalizedF32::ONE,
                            rule: Default::default(),
                        }));
                    }
                }
                Op::Poly { points, dash } => {
                    let mut pb = PathBuilder::new();
                    for (i, (x, y)) in points.iter().enumerate() {
                        if i == 0 {
                            pb.move_to(*x, *y);
                        } else {
                            pb.line_to(*x, *y);
                        }
                    }
                    if points.len() == 1 {
                        pb.line_to(points[0].0 + 0.5, points[0].1);
                    }
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: ink.clone(),
                            width: 1.4,
                            dash: dash.clone().map(|array| StrokeDash { array, offset: 0.0 }),
                            ..Default::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill {
                            paint: ink.clone(),
                            opacity: NormalizedF32::ONE,
                            rule: Default::default(),
                        }));
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|e| format!("the PDF could not be written: {e:?}"))
}
