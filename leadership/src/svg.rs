//! The report's charts, drawn as inline SVG: each line labelled at its end and drawn with its own
//! dash pattern (never told apart by colour alone), the numbers also in a table beside it for
//! screen readers, scaled to the page's width.

use std::fmt::Write as _;

use caretaker_model::leadership::LeadershipReport;

use crate::html::esc;

const W: f64 = 720.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 190.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 34.0;

const DASHES: [&str; 6] = ["", "6 3", "2 3", "10 3 2 3", "1 2", "12 4"];
const INKS: [&str; 6] = [
    "#1b1b1b", "#8a1010", "#0d4f8b", "#6b4300", "#0d5a22", "#5b2a86",
];

/// One labelled line of points (x index, value).
struct Series {
    label: String,
    points: Vec<(usize, f64)>,
}

/// A line chart of `series` over `days` (one x position each), values from 0 to `max`.
fn chart(
    id: &str,
    title: &str,
    desc: &str,
    days: &[time::Date],
    series: &[Series],
    max: f64,
    unit: &str,
) -> String {
    let h = TOP + BOTTOM + 40.0 + 22.0 * series.len().max(4) as f64;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = h - TOP - BOTTOM;
    let x = |i: usize| {
        if days.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (days.len() - 1) as f64
        }
    };
    let max = if max <= 0.0 { 1.0 } else { max };
    let y = |v: f64| TOP + plot_h - plot_h * (v / max);
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {h:.0}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        esc(title),
        esc(desc)
    );
    // Axes and the scale.
    let _ = write!(
        o,
        "<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{:.1}\" stroke=\"#1b1b1b\"/>\
         <line x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#1b1b1b\"/>",
        TOP + plot_h,
        TOP + plot_h,
        LEFT + plot_w,
        TOP + plot_h
    );
    for v in [0.0, max / 2.0, max] {
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#1b1b1b\">{}{unit}</text>\
             <line x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#d0d0d0\"/>",
            LEFT - 4.0,
            y(v) + 4.0,
            (v.round() as i64),
            y(v),
            LEFT + plot_w,
            y(v)
        );
    }
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        let _ = write!(
            o,
            "<text x=\"{LEFT}\" y=\"{:.1}\" fill=\"#1b1b1b\">{first}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#1b1b1b\">{last}</text>",
            TOP + plot_h + 18.0,
            LEFT + plot_w,
            TOP + plot_h + 18.0
        );
    }
    // Labels at the right, spread so they never overlap.
    let mut label_y: Vec<(f64, usize)> = series
        .iter()
        .enumerate()
        .map(|(i, s)| (s.points.last().map_or(TOP, |p| y(p.1)), i))
        .collect();
    label_y.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut placed = vec![0.0; series.len()];
    let mut floor = TOP + 4.0;
    for (want, i) in label_y {
        let at = want.max(floor);
        placed[i] = at;
        floor = at + 15.0;
    }
    for (i, s) in series.iter().enumerate() {
        let ink = INKS[i % INKS.len()];
        let dash = DASHES[i % DASHES.len()];
        let path: Vec<String> = s
            .points
            .iter()
            .map(|(xi, v)| format!("{:.1},{:.1}", x(*xi), y(*v)))
            .collect();
        let _ = write!(
            o,
            "<polyline fill=\"none\" stroke=\"{ink}\" stroke-width=\"2\"{} points=\"{}\"/>",
            if dash.is_empty() {
                String::new()
            } else {
                format!(" stroke-dasharray=\"{dash}\"")
            },
            path.join(" ")
        );
        if let Some((xi, v)) = s.points.last() {
            let _ = write!(
                o,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{ink}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{ink}\">{}</text>",
                x(*xi),
                y(*v),
                LEFT + plot_w + 8.0,
                placed[i] + 4.0,
                esc(&shorten(&s.label, 26))
            );
        }
    }
    o.push_str("</svg>");
    o
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// The numbers of a chart as a table, in a `<details>` beneath it.
fn data_table(
    caption: &str,
    days: &[time::Date],
    runs: &[i64],
    series: &[Series],
    unit: &str,
) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<details><summary>The numbers</summary><table><caption>{}</caption><thead><tr><th scope=\"col\">Run</th><th scope=\"col\">Day</th>",
        esc(caption)
    );
    for s in series {
        let _ = write!(o, "<th scope=\"col\">{}</th>", esc(&s.label));
    }
    o.push_str("</tr></thead><tbody>");
    for (i, (d, run)) in days.iter().zip(runs).enumerate() {
        let _ = write!(
            o,
            "<tr><td data-label=\"Run\">{run}</td><td data-label=\"Day\">{d}</td>"
        );
        for s in series {
            let v = s
                .points
                .iter()
                .find(|p| p.0 == i)
                .map_or("–".to_string(), |p| {
                    format!("{}{unit}", p.1.round() as i64)
                });
            let _ = write!(o, "<td data-label=\"{}\">{v}</td>", esc(&s.label));
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table></details>");
    o
}

/// The report's lines as the chart draws them.
fn series(lines: Vec<caretaker_model::leadership::Line>) -> Vec<Series> {
    lines
        .into_iter()
        .map(|(label, points)| Series { label, points })
        .collect()
}

/// Failing findings per clause, run by run (clauses with a failure in the period only).
pub fn failing_chart(r: &LeadershipReport) -> String {
    let points = &r.trends.failing;
    let days: Vec<time::Date> = points.iter().map(|p| p.day).collect();
    let runs: Vec<i64> = points.iter().map(|p| p.run).collect();
    let series = series(r.failing_lines());
    if series.is_empty() {
        return "<p>Nothing failed in any check of the period.</p>".to_string();
    }
    let max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let desc = series
        .iter()
        .map(|s| {
            format!(
                "{}: {} at first, {} at the end",
                s.label,
                s.points.first().map_or(0.0, |p| p.1),
                s.points.last().map_or(0.0, |p| p.1)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut o = chart(
        "failing",
        "Failing findings per clause",
        &desc,
        &days,
        &series,
        max,
        "",
    );
    o.push_str(&data_table(
        "Failing findings per clause",
        &days,
        &runs,
        &series,
        "",
    ));
    o
}

/// Filter tests passed per group, as a percentage of those tested, run by run.
pub fn filter_chart(r: &LeadershipReport) -> String {
    let (x, lines) = r.filter_lines();
    let runs: Vec<i64> = x.iter().map(|(run, _)| *run).collect();
    let days: Vec<time::Date> = x.iter().map(|(_, day)| *day).collect();
    let series = series(lines);
    let desc = series
        .iter()
        .map(|s| {
            format!(
                "{}: {:.0}% at the end",
                s.label,
                s.points.last().map_or(0.0, |p| p.1)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut o = chart(
        "filter",
        "Web-filter tests passed per user group",
        &desc,
        &days,
        &series,
        100.0,
        "%",
    );
    o.push_str(&data_table(
        "Web-filter tests passed per user group",
        &days,
        &runs,
        &series,
        "%",
    ));
    o
}
