//! `caretaker report`: the report leadership reads, made by the real binary from the sample
//! school's store — a year of nightly runs (written as the engine writes them) with its records
//! entered through the API: risk assessments and their re-checks, the site log, waivers, an
//! expired attestation, the yearly review, and the pupils' IWF page reachable from July until
//! it was fixed in October. A governor's questions are answered from the HTML page alone.

use std::path::Path;

use crate::util::{caretaker, run};

/// The text of the page's section `id` (tags removed, entities decoded, spaces collapsed).
fn section(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = html[start..].find("</section>").unwrap() + start;
    text(&html[start..end])
}

fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn report(home: &Path, config: &Path, args: &[&str]) -> String {
    let out = home.join("report.out");
    let mut c = caretaker(home);
    c.arg("report")
        .args(args)
        .arg("-o")
        .arg(&out)
        .arg("--config")
        .arg(config);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the report holds the school's data");
    std::fs::read_to_string(&out).unwrap()
}

#[test]
fn a_governors_questions_are_answered_by_the_autumn_report() {
    let sample = caretaker_sample::Sample::with_history().expect("the sample school");
    let home = tempfile::tempdir().unwrap();
    let html = report(
        home.path(),
        &sample.config_path(),
        &["--term", "autumn-2026"],
    );
    // One self-contained page: nothing fetched, nothing run.
    assert!(html.starts_with("<!DOCTYPE html>"));
    for outside in ["<script", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(outside), "{outside} in the page");
    }
    assert!(html.contains("<svg"), "the trends are drawn inline");

    // "Are we compliant, and if not what are we doing about it?"
    let summary = section(&html, "summary");
    assert!(
        summary.contains("does not yet meet its online safety policy"),
        "{summary}"
    );
    assert!(
        summary.contains("The three things to fix first"),
        "{summary}"
    );
    assert!(
        summary.contains("Who would fix it: the IT technician"),
        "{summary}"
    );
    assert!(
        summary.contains("✗ Not met"),
        "a state is said in words: {summary}"
    );

    // "When was the filter last checked for pupils, and did it pass?"
    let filter = section(&html, "filter-record");
    let pupil_row = filter
        .split("pupil ")
        .nth(1)
        .unwrap_or_else(|| panic!("no pupil row: {filter}"));
    assert!(
        pupil_row.starts_with("23 Nov 2026 02:00 UTC"),
        "{pupil_row}"
    );
    assert!(
        pupil_row.contains("Not as expected") && pupil_row.contains("offensive-language"),
        "{pupil_row}"
    );

    // "Which filter changes were made this term, and who agreed them?"
    let changes = section(&html, "filter-changes");
    assert!(
        changes.contains("Unblock category video-sharing for staff")
            && changes.contains("Mrs Head (headteacher) on 2026-11-20"),
        "{changes}"
    );
    assert!(changes.contains("Mrs Patel (education)"), "{changes}");
    assert!(
        changes.contains("run 368 on 2026-11-18"),
        "the re-check: {changes}"
    );

    // "What changed since last term?" The pupils' IWF page was fixed in October.
    assert!(summary.contains("Fixed"), "{summary}");
    let fixed = summary.split("Fixed").nth(1).unwrap_or_default();
    assert!(fixed.contains("can reach the IWF test page"), "{summary}");

    // "Is anything waived, and until when?"
    let exceptions = section(&html, "exceptions");
    assert!(
        exceptions.contains("until 15 December 2026")
            && exceptions.contains("Ending within 30 days"),
        "{exceptions}"
    );
    assert!(exceptions.contains("until 31 January 2027"), "{exceptions}");

    // The yearly review, with who took part; no warning.
    let review = section(&html, "review");
    assert!(
        review.contains("10 October 2026") && review.contains("Dr Evans"),
        "{review}"
    );
    assert!(!review.contains("Warning"), "{review}");

    // The appendix: the log's head hash, as `assess verify` gives it.
    let appendix = section(&html, "appendix");
    assert!(appendix.contains("the chain verifies"), "{appendix}");
}

#[test]
fn the_report_as_markdown_and_json_and_its_period_flags() {
    let sample = caretaker_sample::Sample::new().expect("the sample school");
    let home = tempfile::tempdir().unwrap();
    let md = report(
        home.path(),
        &sample.config_path(),
        &[
            "--from",
            "2026-11-16",
            "--to",
            "2026-11-23",
            "--format",
            "md",
        ],
    );
    assert!(
        md.starts_with("# Online safety: 16 November 2026 to 23 November 2026"),
        "{md}"
    );
    assert!(md.contains("| Clause | State | Why |"), "{md}");
    let json = report(
        home.path(),
        &sample.config_path(),
        &["--term", "autumn-2026", "--format", "json"],
    );
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["format"], "caretaker.leadership-report");
    assert_eq!(doc["period"]["from"], "2026-09-01");
    assert_eq!(doc["summary"]["runs_in_period"], 8);
    // Wrong flags are usage errors naming the flag.
    for (args, says) in [
        (vec!["--term", "winter-2026"], "--term"),
        (vec!["--last", "ninety"], "--last"),
        (
            vec!["--from", "2026-11-30", "--to", "2026-11-01"],
            "before it starts",
        ),
    ] {
        let mut c = caretaker(home.path());
        c.arg("report")
            .args(&args)
            .arg("--config")
            .arg(sample.config_path());
        let (code, _, err) = run(c);
        assert_eq!(code, 64, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn the_json_report_validates_against_its_schema() {
    let sample = caretaker_sample::Sample::with_history().expect("the sample school");
    let home = tempfile::tempdir().unwrap();
    let json = report(
        home.path(),
        &sample.config_path(),
        &["--term", "autumn-2026", "--format", "json"],
    );
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let errors = crate::report_schema::errors_against("docs/leadership-report.schema.json", &doc);
    assert!(errors.is_empty(), "{errors:#?}");
    // And the schema refuses what it should.
    let mut bad = doc.clone();
    bad["summary"]["clauses"][0]["status"] = serde_json::json!("purple");
    assert!(
        !crate::report_schema::errors_against("docs/leadership-report.schema.json", &bad)
            .is_empty()
    );
    let mut bad = doc;
    bad["surprise"] = serde_json::json!(1);
    assert!(
        !crate::report_schema::errors_against("docs/leadership-report.schema.json", &bad)
            .is_empty()
    );
}

#[test]
fn the_yearly_review_is_recorded_with_who_took_part_and_refused_without_a_governor() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let config = crate::util::bare_school(dir);
    let today = time::OffsetDateTime::now_utc().date();
    let body = |governor: &str| {
        format!(
            "held_on = {today}\nfindings = \"The filter blocks the IWF list for every group.\"\nactions = \"Weekly tests in term time.\"\n\
             [[participant]]\nrole = \"slt-lead\"\nname = \"Mrs Head\"\n\
             [[participant]]\nrole = \"dsl\"\nname = \"Mr Brown\"\n\
             [[participant]]\nrole = \"it\"\nname = \"R. Singh\"\n{governor}"
        )
    };
    let file = dir.join("review.toml");
    std::fs::write(&file, body("")).unwrap();
    let mut c = caretaker(dir);
    c.args(["review", "--file"])
        .arg(&file)
        .arg("--config")
        .arg(&config);
    let (code, _, err) = run(c);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("Governor responsible for filtering"), "{err}");
    std::fs::write(
        &file,
        body("[[participant]]\nrole = \"governor\"\nname = \"Dr Evans\"\n"),
    )
    .unwrap();
    let mut c = caretaker(dir);
    c.args(["review", "--file"])
        .arg(&file)
        .arg("--config")
        .arg(&config);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "1");
    let html = report(dir, &config, &["--last", "30d"]);
    let review = section(&html, "review");
    assert!(
        review.contains("Dr Evans") && !review.contains("Warning"),
        "{review}"
    );
}

/// Debian's Chromium, headless, as root needs it (no sandbox), with a profile of its own.
fn chromium(profile: &Path) -> std::process::Command {
    let bin = Path::new("/usr/bin/chromium");
    assert!(
        bin.exists(),
        "chromium is missing: apt-get install chromium"
    );
    let mut c = std::process::Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--hide-scrollbars",
        "--run-all-compositor-stages-before-draw",
        "--virtual-time-budget=2000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .env("HOME", profile);
    c
}

fn pdf_tool(name: &str) -> std::process::Command {
    let bin = Path::new("/usr/bin").join(name);
    assert!(
        bin.exists(),
        "{name} is missing: apt-get install poppler-utils"
    );
    std::process::Command::new(bin)
}

/// The report in a real browser: at a phone's width and a desktop's nothing runs off the side
/// (measured in the page's own DOM), and printed it gives A4 pages on which no table row is cut
/// in two.
#[test]
fn the_html_report_fits_a_phone_and_a_desktop_and_prints_on_a4() {
    let sample = caretaker_sample::Sample::with_history().expect("the sample school");
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let html = report(dir, &sample.config_path(), &["--term", "autumn-2026"]);
    let profile = dir.join("chromium");
    std::fs::create_dir_all(&profile).unwrap();
    // A copy that measures itself (the report itself runs no script).
    let probe = html.replace(
        "</body>",
        "<script>var e=document.documentElement;document.title='overflow:'+(e.scrollWidth<=e.clientWidth?'none':e.scrollWidth+'>'+e.clientWidth);</script></body>",
    );
    let probe_path = dir.join("probe.html");
    std::fs::write(&probe_path, probe).unwrap();
    for width in [390, 1280] {
        let out = chromium(&profile)
            .arg(format!("--window-size={width},1000"))
            .arg("--dump-dom")
            .arg(format!("file://{}", probe_path.display()))
            .output()
            .unwrap();
        let dom = String::from_utf8_lossy(&out.stdout);
        assert!(
            dom.contains("<title>overflow:none</title>"),
            "at {width} px: {}\n{}",
            dom.lines()
                .find(|l| l.contains("<title>"))
                .unwrap_or("no title"),
            String::from_utf8_lossy(&out.stderr)
        );
        let shot = dir.join(format!("report-{width}.png"));
        let out = chromium(&profile)
            .arg(format!("--window-size={width},1000"))
            .arg(format!("--screenshot={}", shot.display()))
            .arg(format!("file://{}", dir.join("report.out").display()))
            .output()
            .unwrap();
        let png = std::fs::read(&shot).unwrap_or_else(|e| {
            panic!(
                "no screenshot at {width} px ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        assert!(png.starts_with(b"\x89PNG"), "a PNG at {width} px");
    }
    // Printed.
    let page = dir.join("report.html");
    std::fs::write(&page, &html).unwrap();
    let pdf = dir.join("printed.pdf");
    let out = chromium(&profile)
        .arg("--no-pdf-header-footer")
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(pdf.exists(), "{}", String::from_utf8_lossy(&out.stderr));
    if let Some(keep) = std::env::var_os("CARETAKER_KEEP_PRINTED") {
        let _ = std::fs::copy(&pdf, keep);
    }
    let info = pdf_tool("pdfinfo").arg(&pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    assert!(info.contains("(A4)"), "{info}");
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(pages >= 7, "each section starts a page: {pages}");
    let page_text: Vec<String> = (1..=pages)
        .map(|n| {
            let out = pdf_tool("pdftotext")
                .args(["-f", &n.to_string(), "-l", &n.to_string(), "-raw"])
                .arg(&pdf)
                .arg("-")
                .output()
                .unwrap();
            // Without spaces: a cell's words may wrap onto lines of their own.
            String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .collect::<String>()
        })
        .collect();
    // Every row of the record of filter checks: its first and last cells on one page.
    let record = &html[html.find("<section id=\"filter-record\"").unwrap()..];
    let record = &record[..record.find("</section>").unwrap()];
    let mut rows = 0;
    for row in record.split("<tr>").skip(1) {
        let cells: Vec<String> = row
            .split("<td")
            .skip(1)
            .map(|c| text(&format!("<td{c}")))
            .filter(|c| !c.is_empty())
            .collect();
        let (Some(first), Some(last)) = (cells.first(), cells.last()) else {
            continue;
        };
        rows += 1;
        let first_word: String = first.split_whitespace().collect();
        let last_word: String = last.split_whitespace().rev().take(1).collect();
        assert!(
            page_text
                .iter()
                .any(|p| p.contains(&first_word) && p.contains(&last_word)),
            "a row cut between pages: {first_word:?} … {last_word:?}; the pages with the first:\n{}",
            page_text
                .iter()
                .filter(|p| p.contains(&first_word))
                .map(|p| p.chars().take(3000).collect::<String>())
                .collect::<Vec<_>>()
                .join("\n---\n")
        );
    }
    assert!(rows > 20, "{rows} rows checked");
}

/// The PDF from caretaker's own engine: every section's heading is in its text (`pdftotext`),
/// its pages are A4 (`pdfinfo`) and each renders (`pdftoppm`, one image per page).
#[test]
fn the_pdf_report_has_every_section_on_a4_pages() {
    let sample = caretaker_sample::Sample::with_history().expect("the sample school");
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let pdf = dir.join("report.pdf");
    let mut c = caretaker(dir);
    c.args(["report", "--term", "autumn-2026", "--format", "pdf", "-o"])
        .arg(&pdf)
        .arg("--config")
        .arg(sample.config_path());
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let out = pdf_tool("pdftotext").arg(&pdf).arg("-").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for heading in [
        "Online safety: the autumn term 2026",
        "Summary: are we meeting our policy?",
        "The three things to fix first",
        "What changed since the period before",
        "Trends over the period",
        "The filter check record",
        "Filter changes and who agreed them",
        "Exceptions: what is waived or attested",
        "The yearly review of filtering and monitoring",
        "Against the DfE standards",
        "Appendix: the evidence",
    ] {
        assert!(text.contains(heading), "no {heading:?} in the PDF's text");
    }
    assert!(
        text.contains("does not yet meet its online safety policy"),
        "{text}"
    );
    assert!(text.contains("Dr Evans"), "the review's governor");
    let info = pdf_tool("pdfinfo").arg(&pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    assert!(info.contains("(A4)"), "{info}");
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(pages >= 7, "each section starts a page: {pages}");
    let out = pdf_tool("pdftoppm")
        .args(["-r", "20", "-png"])
        .arg(&pdf)
        .arg(dir.join("page"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let images = std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .map(|e| e.file_name().to_string_lossy().starts_with("page"))
                .unwrap_or(false)
        })
        .count();
    assert_eq!(images, pages, "every page renders");
    assert!(
        text.contains(&format!("Page {pages} of {pages}")),
        "numbered pages"
    );
    if let Some(keep) = std::env::var_os("CARETAKER_KEEP_REPORT") {
        let _ = std::fs::copy(&pdf, keep);
    }
}
