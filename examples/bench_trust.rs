//! The trust's benchmark (see `bench/trust.sh`): SCHOOLS schools, each with its own copy of a
//! filled store (a year of nightly runs of a large school, `bench_console fill`), forward one
//! night at a time, all schools at once as at 02:00, into a real PostgreSQL started by the lab;
//! then the trust's summary (every school's picture read and judged, as the console's trust
//! screen loads it) is timed, with the database's size.
//!
//!   bench_trust TEMPLATE_DB SCHOOLS NIGHTS WORKDIR

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use caretaker_core::store::Store;
use caretaker_core::trust::{self, Settings};

fn settings(
    db: &caretaker_lab::TrustDb,
    role: &str,
    password: &str,
    school: Option<&str>,
) -> Result<Settings, String> {
    let url = db.url(role);
    let parsed = caretaker_config::parse_trust_url(&url).map_err(str::to_string)?;
    Ok(Settings {
        url,
        user: parsed.user,
        host: parsed.host,
        port: parsed.port,
        database: parsed.database,
        ca_file: db.ca_pem.clone(),
        password: caretaker_config::Secret::new(password),
        school: school.map(str::to_string),
    })
}

fn stats(label: &str, mut v: Vec<f64>) {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return;
    }
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label}: median {:.3} s, p95 {:.3} s, max {:.3} s (min {:.3} s, {} samples)",
        at(0.5),
        at(0.95),
        v[v.len() - 1],
        v[0],
        v.len()
    );
}

async fn bench(template: &Path, schools: usize, nights: usize, work: &Path) -> Result<(), String> {
    let db = caretaker_lab::TrustDb::start(&work.join("trust")).map_err(|e| e.to_string())?;
    let owner_pw = std::fs::read_to_string(&db.owner_password_file).map_err(|e| e.to_string())?;
    let owner = settings(&db, caretaker_lab::TRUST_OWNER, &owner_pw, None)?;
    let mut oc = trust::connect(&owner).await.map_err(|e| e.to_string())?;
    let ids: Vec<String> = (1..=schools).map(|i| format!("school-{i:02}")).collect();
    for id in &ids {
        trust::init_school(&mut oc, id, &format!("Academy {id}"), &format!("pw-{id}"))
            .await
            .map_err(|e| e.to_string())?;
    }
    trust::init_reader(&mut oc, "trust_reader", "pw-reader")
        .await
        .map_err(|e| e.to_string())?;
    let mut stores = Vec::new();
    for id in &ids {
        let path: PathBuf = work.join(format!("{id}.db"));
        std::fs::copy(template, &path).map_err(|e| format!("{}: {e}", path.display()))?;
        stores.push(Store::open(&path).map_err(|e| e.to_string())?);
    }
    println!(
        "{schools} schools, each a copy of {} ({:.1} MB)",
        template.display(),
        std::fs::metadata(template).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
    );

    // Night by night: every school forwards its night at once, each over its own connection.
    let started = Instant::now();
    let mut per_night = Vec::new();
    let mut findings = 0usize;
    for night in 0..nights {
        let t = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for (id, store) in ids.iter().zip(&stores) {
            let s = settings(&db, &trust::school_role(id), &format!("pw-{id}"), Some(id))?;
            let store = store.clone();
            let id = id.clone();
            tasks.spawn(async move {
                let mut c = trust::connect(&s).await?;
                trust::forward::forward_batch(&mut c, &id, &store, None, 1).await
            });
        }
        while let Some(r) = tasks.join_next().await {
            let (done, _) = r.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
            if done.runs != 1 {
                return Err(format!(
                    "night {night}: a school forwarded {} runs",
                    done.runs
                ));
            }
            findings += done.findings;
        }
        per_night.push(t.elapsed().as_secs_f64());
        if (night + 1) % 30 == 0 || night + 1 == nights {
            println!(
                "  night {:>3}: {:.2} s this night, {:.0} s so far, {findings} findings forwarded",
                night + 1,
                t.elapsed().as_secs_f64(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    stats(
        &format!(
            "ingest of one night ({schools} schools at once, {} findings each)",
            findings / (nights * schools).max(1)
        ),
        per_night,
    );
    let size: i64 = oc
        .query_one("SELECT pg_database_size(current_database())", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    let rows: i64 = oc
        .query_one("SELECT COUNT(*) FROM results", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    let kept: i64 = oc
        .query_one("SELECT pg_total_relation_size('run_findings')", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    println!(
        "database: {:.2} GB for {rows} findings ({:.0} bytes a finding), of which {:.2} GB each run's findings kept whole",
        size as f64 / 1e9,
        size as f64 / rows.max(1) as f64,
        kept as f64 / 1e9
    );

    let reader = settings(&db, "trust_reader", "pw-reader", None)?;
    summary(&reader, schools, db.port, &db.ca_pem).await?;
    if std::env::var_os("KEEP_DB").is_some() {
        println!(
            "kept the database: bench_trust read {} {} {schools}",
            db.port,
            db.ca_pem.display()
        );
        std::mem::forget(db);
    }
    Ok(())
}

/// The trust's summary timed, and its rival.
async fn summary(reader: &Settings, schools: usize, port: u16, ca: &Path) -> Result<(), String> {
    // The trust's summary, as its screen loads it: every school's picture read and judged.

    let map = caretaker_checks::clauses::builtin();
    let today = time::OffsetDateTime::now_utc().date();
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let c = trust::connect_readers(reader)
            .await
            .map_err(|e| e.to_string())?;
        let view = trust::read_view_on(&c, &map, today, None)
            .await
            .map_err(|e| e.to_string())?;
        // What the console's trust screens show, worked out as they work it out.
        let screen = caretaker_tui::trust::Trust::new(view, caretaker_core::local::catalogue());
        times.push(t.elapsed().as_secs_f64());
        let red: usize = screen
            .rows
            .iter()
            .map(|r| r.count(caretaker_model::compliance::ClauseStatus::Red))
            .sum();
        let view = &screen.view;
        let with_findings = screen
            .view
            .schools
            .iter()
            .filter(|s| !s.findings_lent().is_empty())
            .count();
        if view.schools.len() != schools || with_findings != schools || red == 0 {
            return Err(format!(
                "the summary read {} schools, {with_findings} with findings, {red} RED clauses",
                view.schools.len()
            ));
        }
        println!(
            "  summary: {} schools, {red} RED clauses in all",
            view.schools.len()
        );
    }
    stats(
        "trust summary (connect, read every school, judge it as the console's trust screens do)",
        times,
    );
    // Once: the summary read from the rows alone (no kept findings) is the same, finding by
    // finding, and how long that takes.
    let c = trust::connect_readers(reader)
        .await
        .map_err(|e| e.to_string())?;
    let kept: i64 = c[0]
        .query_one(
            "SELECT COUNT(*) FROM (SELECT DISTINCT ON (school) school, id FROM runs ORDER BY school, id DESC) r
             JOIN run_findings k ON k.school = r.school AND k.run_id = r.id",
            &[],
        )
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    if kept != schools as i64 {
        return Err(format!(
            "{kept} of {schools} schools' latest runs are kept whole"
        ));
    }
    let t = Instant::now();
    let rows = trust::read_view_from_rows(&c, &map, today, None)
        .await
        .map_err(|e| e.to_string())?;
    let from_rows = t.elapsed().as_secs_f64();
    let view = trust::read_view_on(&c, &map, today, None)
        .await
        .map_err(|e| e.to_string())?;
    for (a, b) in view.schools.iter().zip(&rows.schools) {
        if a.id != b.id || a.findings() != b.findings() {
            return Err(format!(
                "school {}: the kept findings differ from the rows",
                a.id
            ));
        }
    }
    println!(
        "  the same summary read from the rows alone: {from_rows:.2} s, finding for finding the same"
    );

    // The tool itself as the trust's IT team runs it, each a process from start to exit:
    // `caretaker trust show` (the summary in words) and `caretaker report --trust` (the
    // trustees' report of the last 90 days: every school's picture now and at the period's
    // start, compared, written as HTML).
    cli(port, ca, schools)?;

    // The rival: psql, one hand-written query of each school's failing findings in its latest
    // run (counts only: no clause, no words, no picture of partial runs).
    let query = "SELECT r.school, COUNT(*) FILTER (WHERE x.status = 1) \
                 FROM (SELECT school, MAX(id) AS id FROM runs GROUP BY school) r \
                 JOIN results x ON x.school = r.school AND x.run_id = r.id GROUP BY r.school";
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let out = std::process::Command::new("psql")
            .arg(format!(
                "host=127.0.0.1 port={} dbname={} user=trust_reader sslmode=verify-full sslrootcert={}",
                port,
                caretaker_lab::TRUST_DATABASE,
                ca.display()
            ))
            .args(["-At", "-c", query])
            .env("PGPASSWORD", "pw-reader")
            .output()
            .map_err(|e| format!("psql: {e} (apt-get install postgresql-client)"))?;
        times.push(t.elapsed().as_secs_f64());
        let lines = String::from_utf8_lossy(&out.stdout).lines().count();
        if !out.status.success() || lines != schools {
            return Err(format!(
                "psql gave {lines} schools: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    stats(
        "rival: psql, failing findings of each school's latest run",
        times,
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [mode, port, ca, schools] = args.as_slice() {
        if mode == "read" {
            return read_only(port, ca, schools);
        }
    }
    let [template, schools, nights, work] = args.as_slice() else {
        eprintln!("usage: bench_trust TEMPLATE_DB SCHOOLS NIGHTS WORKDIR | bench_trust read PORT CA SCHOOLS");
        return ExitCode::from(64);
    };
    let (Ok(schools), Ok(nights)) = (schools.parse::<usize>(), nights.parse::<usize>()) else {
        eprintln!("SCHOOLS and NIGHTS are numbers");
        return ExitCode::from(64);
    };
    if schools == 0 || schools > 100 || nights == 0 || nights > 400 {
        eprintln!("1 to 100 schools, 1 to 400 nights");
        return ExitCode::from(64);
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    // Bounded: a night may not take more than a minute, nor the whole more than three hours.
    let limit = Duration::from_secs(60 * nights as u64).min(Duration::from_secs(3 * 3600));
    let out = rt.block_on(async {
        tokio::time::timeout(
            limit,
            bench(Path::new(template), schools, nights, Path::new(work)),
        )
        .await
    });
    match out {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("bench_trust: {e}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("bench_trust: stopped after {} s", limit.as_secs());
            ExitCode::FAILURE
        }
    }
}

/// `caretaker trust show` and `caretaker report --trust` timed as processes, as the trust's
/// reader, each output checked to hold every school.
fn cli(port: u16, ca: &Path, schools: usize) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // target/release/examples/bench_trust -> target/release/caretaker
    let caretaker = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("caretaker"))
        .filter(|p| p.exists())
        .ok_or("target/release/caretaker is missing: cargo build --release -p caretaker")?;
    let dir = std::env::temp_dir().join(format!("bench-trust-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let password = dir.join("reader.pw");
    std::fs::write(&password, "pw-reader").map_err(|e| e.to_string())?;
    let config = dir.join("reader.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n\n[school]\nname = \"Benchmark Trust\"\n\n[store]\npath = \"{}\"\nurl = \"postgres://trust_reader@127.0.0.1:{port}/{}?sslmode=verify-full\"\nca_file = \"{}\"\npassword_file = \"{}\"\n",
            dir.join("reader.db").display(),
            caretaker_lab::TRUST_DATABASE,
            ca.display(),
            password.display()
        ),
    )
    .map_err(|e| e.to_string())?;
    for f in [&password, &config] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| e.to_string())?;
    }
    let run = |args: &[&str]| -> Result<(f64, String), String> {
        let t = Instant::now();
        let out = std::process::Command::new(&caretaker)
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .map_err(|e| format!("{}: {e}", caretaker.display()))?;
        let took = t.elapsed().as_secs_f64();
        if !out.status.success() {
            return Err(format!(
                "caretaker {}: {}{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok((took, String::from_utf8_lossy(&out.stdout).into_owned()))
    };
    let last = format!("Academy school-{schools:02}");
    let mut times = Vec::new();
    for _ in 0..5 {
        let (took, text) = run(&["trust", "show"])?;
        times.push(took);
        let lines = text
            .lines()
            .filter(|l| l.starts_with("Academy school-"))
            .count();
        if !text.contains(&format!("of {schools} schools")) || lines != schools {
            return Err(format!("trust show named {lines} schools:\n{text}"));
        }
    }
    stats("caretaker trust show (the process, start to exit)", times);
    let html = dir.join("report.html");
    let mut times = Vec::new();
    for _ in 0..3 {
        let _ = std::fs::remove_file(&html);
        let (took, _) = run(&[
            "report",
            "--trust",
            "--last",
            "90",
            "--format",
            "html",
            "--output",
            &html.display().to_string(),
        ])?;
        times.push(took);
        let page = std::fs::read_to_string(&html).map_err(|e| e.to_string())?;
        if !page.contains("Academy school-01") || !page.contains(&last) {
            return Err(format!(
                "the report ({} bytes) does not name every school",
                page.len()
            ));
        }
        println!("  report: {} bytes of HTML", page.len());
    }
    stats(
        "caretaker report --trust --last 90 --format html (the process, start to exit)",
        times,
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// `bench_trust read PORT CA SCHOOLS`: the summary timed again over a database kept by KEEP_DB=1.
fn read_only(port: &str, ca: &str, schools: &str) -> ExitCode {
    let (Ok(port), Ok(schools)) = (port.parse::<u16>(), schools.parse::<usize>()) else {
        eprintln!("PORT and SCHOOLS are numbers");
        return ExitCode::from(64);
    };
    let url = format!("postgres://trust_reader@127.0.0.1:{port}/caretaker");
    let reader = Settings {
        url,
        user: "trust_reader".into(),
        host: "127.0.0.1".into(),
        port,
        database: caretaker_lab::TRUST_DATABASE.into(),
        ca_file: PathBuf::from(ca),
        password: caretaker_config::Secret::new("pw-reader"),
        school: None,
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let out = rt.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(600),
            summary(&reader, schools, port, Path::new(ca)),
        )
        .await
    });
    match out {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("bench_trust: {e}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("bench_trust: stopped after 600 s");
            ExitCode::FAILURE
        }
    }
}
