//! Web-filter tests against the sample school's real filter: squid with per-network rules and a
//! block page, dnsmasq as the resolver, nginx as "the internet", and pupil, staff and guest
//! machines in network namespaces of their own reached over SSH (curl runs there), plus this
//! machine through the office proxy. Each planted problem is reported from its vantage point and
//! group with evidence, correct filtering passes, and with the upstream cut nothing is "blocked".

use crate::report_schema::{errors_against, schema_errors};
use crate::util::{audit_json, caretaker, evidence_value, filter_school, findings, run};

/// The finding of the test of `url` from `vantage`.
fn test_from<'a>(fs: &'a [serde_json::Value], vantage: &str, url: &str) -> &'a serde_json::Value {
    fs.iter()
        .find(|f| f["target"]["scope"] == vantage && f["target"]["name"] == url)
        .unwrap_or_else(|| panic!("nothing about {url} from {vantage}"))
}

/// Whether `f` is the finding of the planted problem `p`.
fn is_planted_test(f: &serde_json::Value, p: &caretaker_lab::filter::PlantedFilter) -> bool {
    f["check"] == p.check
        && f["target"]["name"] == p.url
        && f["target"]["scope"] == p.vantage.as_str()
}

#[test]
fn every_planted_filter_problem_is_reported_from_its_vantage_point() {
    let lab = filter_school();
    let filter = lab.filter().unwrap();
    let home = tempfile::tempdir().unwrap();
    let (code, doc, err) = audit_json(home.path(), lab.config_path(), &["--only", "filter"]);
    assert_eq!(code, 1, "{err}");
    assert!(schema_errors(&doc).is_empty(), "{:?}", schema_errors(&doc));
    crate::util::assert_unique_fingerprints(&doc);
    crate::util::assert_advice_names_real_keys(&doc);
    let fs = findings(&doc);
    let planted = filter.planted_filter();
    assert!(planted.len() >= 3);
    for p in &planted {
        let hit = fs
            .iter()
            .find(|f| is_planted_test(f, p))
            .unwrap_or_else(|| panic!("nothing about {p:?}: {fs:#?}"));
        assert_eq!(hit["status"], "fail", "{p:?}: {hit:#}");
        assert_eq!(evidence_value(hit, "group"), p.group, "{hit:#}");
        assert!(!evidence_value(hit, "outcome").is_empty(), "{hit:#}");
        assert!(hit["remediation"].is_string());
    }
    // Everything else passes: the control from every vantage point, every test that is right.
    let vantages = [
        "admin-office",
        "pupil-pc",
        "staff-pc",
        "guest-laptop",
        "byod-tablet",
    ];
    for v in vantages {
        let control = fs
            .iter()
            .find(|f| f["check"] == "filter.control" && f["target"]["scope"] == v)
            .unwrap_or_else(|| panic!("no control from {v}"));
        assert_eq!(control["status"], "pass", "{control:#}");
        let mine = fs.iter().filter(|f| f["target"]["scope"] == v).count();
        // The control, 12 tests, the school's own, 4 search engines, 3 canaries; and for the
        // pupils' groups (pupil and BYOD) the 9 encrypted-DNS, VPN and web-proxy sites.
        let pupils = v == "pupil-pc" || v == "byod-tablet";
        assert_eq!(mine, if pupils { 30 } else { 21 }, "{v}");
    }
    for f in &fs {
        if f["status"] == "pass" {
            continue;
        }
        let planted_here = planted.iter().any(|p| is_planted_test(f, p));
        assert!(planted_here, "not planted: {f:#}");
    }
    // How each block was seen, as evidence: the proxy's refusal and the block page.
    let pupil_adult = test_from(&fs, "pupil-pc", "https://testfiltering.pornhub.com/");
    assert_eq!(pupil_adult["status"], "pass");
    assert_eq!(
        evidence_value(pupil_adult, "proxy_status"),
        "403",
        "{pupil_adult:#}"
    );
    let office_iwf = test_from(&fs, "admin-office", "http://iwf.testfiltering.com/");
    assert!(
        evidence_value(office_iwf, "matched").contains("St. Example's web filter"),
        "{office_iwf:#}"
    );
    // The BYOD network is filtered by a DNS sinkhole (no proxy): seen over SSH, each must-block
    // page is blocked by DNS, at the sinkhole address its name resolved to there; its look-alike,
    // the guest network (no proxy, no filter), is not.
    let sinkhole = filter.sinkhole_address().to_string();
    for url in [
        "http://iwf.testfiltering.com/",
        "https://ctiru.testfiltering.com/",
        "https://testfiltering.pornhub.com/",
        "https://swearing.testfiltering.com/",
    ] {
        let byod = fs
            .iter()
            .find(|f| f["target"]["scope"] == "byod-tablet" && f["target"]["name"] == url)
            .unwrap_or_else(|| panic!("nothing about {url} from byod-tablet"));
        assert_eq!(byod["status"], "pass", "{byod:#}");
        let summary = byod["summary"].as_str().unwrap();
        assert!(
            summary.contains(&format!(
                "the filter blocks it by DNS (the name resolves to the sinkhole address {sinkhole})."
            )),
            "{summary}"
        );
        assert_eq!(evidence_value(byod, "resolved"), sinkhole, "{byod:#}");
        assert_eq!(evidence_value(byod, "group"), "byod");
        let guest = fs
            .iter()
            .find(|f| f["target"]["scope"] == "guest-laptop" && f["target"]["name"] == url)
            .unwrap();
        assert_eq!(guest["status"], "fail", "{guest:#}");
        assert_ne!(evidence_value(guest, "resolved"), sinkhole, "{guest:#}");
    }
    // The ways round the filter, each reported where it is true and nowhere else.
    // Safe search: the guest network's resolver answers Google as itself; the BYOD network's
    // answers it as forcesafesearch.google.com; behind the proxy, squid is seen to send it there.
    let guest_google = test_from(&fs, "guest-laptop", "www.google.com");
    assert_eq!(guest_google["check"], "filter.safe-search");
    assert_eq!(guest_google["status"], "fail", "{guest_google:#}");
    assert_eq!(
        guest_google["summary"],
        "Guests on guest-laptop can turn off safe search on Google: www.google.com is not \
         answered as forcesafesearch.google.com."
    );
    assert_eq!(
        evidence_value(guest_google, "safe_forcesafesearch_resolved"),
        filter.web_address().to_string()
    );
    let byod_google = test_from(&fs, "byod-tablet", "www.google.com");
    assert_eq!(byod_google["status"], "pass", "{byod_google:#}");
    assert_eq!(
        evidence_value(byod_google, "canonical_name"),
        "forcesafesearch.google.com"
    );
    let pupil_google = test_from(&fs, "pupil-pc", "www.google.com");
    assert_eq!(pupil_google["status"], "pass", "{pupil_google:#}");
    assert!(
        pupil_google["summary"]
            .as_str()
            .unwrap()
            .ends_with("the proxy sends www.google.com to forcesafesearch.google.com."),
        "{pupil_google:#}"
    );
    // Firefox's canary: answered on the BYOD network only; Apple's nowhere.
    for v in vantages {
        let canary = test_from(&fs, v, "use-application-dns.net");
        assert_eq!(canary["check"], "filter.encrypted-dns");
        let want = if v == "byod-tablet" { "fail" } else { "pass" };
        assert_eq!(canary["status"], want, "{canary:#}");
        assert_eq!(test_from(&fs, v, "mask.icloud.com")["status"], "pass");
    }
    // The VPN site: reachable on the BYOD network (its DNS filter forgets it), blocked by squid
    // for pupils; staff may reach it, so it is not tested for them.
    let vpn = "https://protonvpn.com/";
    let byod_vpn = test_from(&fs, "byod-tablet", vpn);
    assert_eq!(byod_vpn["status"], "fail", "{byod_vpn:#}");
    assert_eq!(
        byod_vpn["summary"],
        "Users in the byod group on byod-tablet can reach the VPN site protonvpn.com, which can \
         be used to get round the school's filter."
    );
    let pupil_vpn = test_from(&fs, "pupil-pc", vpn);
    assert_eq!(pupil_vpn["status"], "pass", "{pupil_vpn:#}");
    assert_eq!(evidence_value(pupil_vpn, "proxy_status"), "403");
    assert!(!fs
        .iter()
        .any(|f| f["check"] == "filter.vpn-proxy" && f["target"]["scope"] == "staff-pc"));

    let byod_page = fs
        .iter()
        .find(|f| {
            f["target"]["scope"] == "byod-tablet" && f["target"]["name"] == "https://www.gov.uk/"
        })
        .unwrap();
    assert_eq!(byod_page["status"], "pass", "{byod_page:#}");
    assert_eq!(
        evidence_value(byod_page, "resolved"),
        filter.web_address().to_string()
    );

    let guest_page = fs
        .iter()
        .find(|f| {
            f["target"]["scope"] == "guest-laptop" && f["target"]["name"] == "https://www.gov.uk/"
        })
        .unwrap();
    assert_eq!(guest_page["status"], "pass");
    assert!(
        evidence_value(guest_page, "certificate_issuer").contains("lab CA"),
        "{guest_page:#}"
    );

    // The check record: one per vantage point, with the URLs, and the action filled in later.
    let mut c = caretaker(home.path());
    c.args(["filter", "log", "--format", "json", "--config"])
        .arg(lab.config_path());
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    let problems = errors_against("docs/filter-log.schema.json", &log);
    assert!(problems.is_empty(), "{problems:?}");
    let checks = log["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 5);
    let staff = checks.iter().find(|c| c["vantage"] == "staff-pc").unwrap();
    assert_eq!(staff["group"], "staff");
    // 12 tests, the school's own, 4 search engines, 3 canaries (staff are not tested on the
    // bypass sites).
    assert_eq!(staff["results"].as_array().unwrap().len(), 20);
    assert!(staff["action"].is_null());
    let run_id = staff["run"].as_i64().unwrap().to_string();

    let mut c = caretaker(home.path());
    c.args([
        "filter",
        "action",
        &run_id,
        "staff-pc",
        "Childline allowed for staff after a risk assessment",
        "--config",
    ])
    .arg(lab.config_path());
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let mut c = caretaker(home.path());
    c.args(["filter", "log", "--since", "2000-01-01", "--config"])
        .arg(lab.config_path());
    let (code, text, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("Childline allowed for staff"), "{text}");
    assert!(text.contains("staff-pc (staff)"), "{text}");
    // The action is part of the hash-chained record: exported, verified, and an edit behind the
    // program's back is caught.
    let mut c = caretaker(home.path());
    c.args(["assess", "export", "--format", "json", "--config"])
        .arg(lab.config_path());
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let export: serde_json::Value = serde_json::from_str(&out).unwrap();
    let recorded = export["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "filter-action")
        .unwrap_or_else(|| panic!("no filter-action record: {export:#}"))
        .clone();
    assert_eq!(recorded["body"]["vantage"], "staff-pc", "{recorded:#}");
    let verify = || {
        let mut c = caretaker(home.path());
        c.args(["assess", "verify", "--config"])
            .arg(lab.config_path());
        run(c)
    };
    assert_eq!(verify().0, 0);
    // As someone who can write the file would: the trigger that forbids updates is put back
    // exactly as it was, so only the edited body gives it away.
    let db = lab.dir().join("caretaker.db");
    let sqlite = |sql: &str| {
        std::process::Command::new("sqlite3")
            .arg(&db)
            .arg(sql)
            .output()
            .expect("sqlite3 (apt-get install sqlite3)")
    };
    let trigger = sqlite("SELECT sql FROM sqlite_master WHERE name = 'records_no_update';");
    let trigger = String::from_utf8_lossy(&trigger.stdout).trim().to_string();
    assert!(trigger.starts_with("CREATE TRIGGER"), "{trigger}");
    let edit = sqlite(&format!(
        "DROP TRIGGER records_no_update; UPDATE records SET body = replace(body, 'Childline allowed', 'Nothing done') WHERE kind = 'filter-action'; {trigger};"
    ));
    assert!(
        edit.status.success(),
        "{}",
        String::from_utf8_lossy(&edit.stderr)
    );
    let (code, out, err) = verify();
    assert_eq!(code, 1, "the edited action is caught: {out}{err}");
    let mut c = caretaker(home.path());
    c.args(["filter", "action", &run_id, "nowhere", "x", "--config"])
        .arg(lab.config_path());
    let (code, _, err) = run(c);
    assert_eq!(code, 64, "{err}");
}

#[test]
fn with_the_upstream_cut_nothing_is_reported_as_blocked() {
    let lab = filter_school();
    let filter = lab.filter().unwrap();
    filter.cut_upstream().unwrap();
    let home = tempfile::tempdir().unwrap();
    let (code, doc, err) = audit_json(home.path(), lab.config_path(), &["--only", "filter"]);
    filter.restore_upstream().unwrap();
    let fs = findings(&doc);
    let not_errors: Vec<_> = fs.iter().filter(|f| f["status"] != "error").collect();
    assert!(not_errors.is_empty(), "{not_errors:#?}");
    assert_eq!(code, 2, "incomplete, not failing: {err}");
    // Three vantage points of 21 findings, two of pupils' groups with 30.
    assert_eq!(fs.len(), 3 * 21 + 2 * 30);
    for f in &fs {
        assert_eq!(f["status"], "error", "{f:#}");
        let summary = f["summary"].as_str().unwrap();
        assert!(!summary.contains("blocks it"), "{summary}");
        if f["check"] != "filter.control" {
            assert!(summary.contains("no internet from there"), "{summary}");
        }
    }
}

/// `caretaker filter tests` lists the built-in tests from the list the checks run (every field),
/// and the school's own; the man page lists the same built-in tests.
#[test]
fn the_filter_tests_are_listed_from_the_one_list() {
    let home = tempfile::tempdir().unwrap();
    let config = crate::util::bare_school(home.path());
    let base = std::fs::read_to_string(&config).unwrap();
    let own_test =
        "[[filter.test]]\nurl = \"https://iwf.testfiltering.com/\"\ncategory = \"iwf\"\n\
         expect = \"block\"\ntoken = \"TestFiltering\"\n";
    std::fs::write(&config, format!("{base}{own_test}")).unwrap();
    let builtin = caretaker_checks::filter::default_tests();

    let mut c = caretaker(home.path());
    c.args(["filter", "tests", "--format", "json", "--config"])
        .arg(&config);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["kind"], "caretaker.filter-tests");
    let problems = errors_against("docs/filter-tests.schema.json", &doc);
    assert!(problems.is_empty(), "{problems:?}");
    let tests = doc["tests"].as_array().unwrap();
    assert_eq!(tests.len(), builtin.len() + 1, "{doc:#}");
    for (t, b) in tests.iter().zip(&builtin) {
        assert_eq!(t["url"], b.url.as_str());
        assert_eq!(t["category"], b.category.as_str());
        assert_eq!(t["token"], b.token.as_str());
        assert_eq!(t["clause"], b.clause.as_str());
        let expect = match b.expect {
            caretaker_checks::filter::Expect::Block => "must-block",
            caretaker_checks::filter::Expect::Load => "must-load",
        };
        assert_eq!(t["expect"], expect);
        assert_eq!(t["source"], "built-in");
        assert_eq!(t["runs"], true);
    }
    let own = tests.last().unwrap();
    assert_eq!(own["url"], "https://iwf.testfiltering.com/");
    assert_eq!(own["expect"], "must-block");
    assert_eq!(own["clause"], "7.2/iwf-blocked");
    assert_eq!(own["source"], "caretaker.toml");

    let mut c = caretaker(home.path());
    c.args(["filter", "tests", "--config"]).arg(&config);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let line = |url: &str| {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(url))
            .unwrap_or_else(|| panic!("no line for {url}:\n{out}"))
            .to_string()
    };
    let iwf = line("http://iwf.testfiltering.com/");
    assert!(
        iwf.contains("iwf") && iwf.contains("\"TestFiltering\"") && iwf.contains("7.2/iwf-blocked"),
        "{iwf}"
    );
    assert!(line("https://iwf.testfiltering.com/").contains("caretaker.toml"));
    assert!(line("https://www.childline.org.uk/").contains("\"Childline\""));
    let block_at = out.find("MUST BLOCK:").unwrap();
    let load_at = out.find("MUST LOAD:").unwrap();
    let childline_at = out.find("https://www.childline.org.uk/").unwrap();
    assert!(block_at < load_at && load_at < childline_at, "{out}");

    // Built-in tests turned off are still listed, as off.
    std::fs::write(
        &config,
        format!("{base}[filter]\ndefault_tests = false\n{own_test}"),
    )
    .unwrap();
    let mut c = caretaker(home.path());
    c.args(["filter", "tests", "--format", "json", "--config"])
        .arg(&config);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tests = doc["tests"].as_array().unwrap();
    assert_eq!(tests.len(), builtin.len() + 1);
    assert!(tests[..builtin.len()].iter().all(|t| t["runs"] == false));
    assert_eq!(tests[builtin.len()]["runs"], true);

    // No configuration anywhere: the built-in tests alone.
    let empty = tempfile::tempdir().unwrap();
    let mut c = caretaker(empty.path());
    c.current_dir(empty.path())
        .args(["filter", "tests", "--format", "json"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["tests"].as_array().unwrap().len(), builtin.len());
    assert!(err.contains("only the built-in tests"), "{err}");

    // The man page lists the same tests (generated from that list; man.rs keeps it in sync).
    let man = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man/caretaker.toml.5"),
    )
    .unwrap()
    .replace("\\-", "-")
    .replace("\\&", "");
    let section = man.split(".SH BUILT-IN FILTER TESTS").nth(1).unwrap();
    for b in &builtin {
        assert!(section.contains(&format!("\\fB{}\\fR", b.url)), "{}", b.url);
        assert!(
            section.contains(&format!("\\(lq{}\\(rq", b.token)),
            "{}",
            b.token
        );
    }
}

/// A school that tests the IWF page over HTTPS as well as HTTP: the filter log says which result
/// is which (the two summaries read alike).
#[test]
fn http_and_https_tests_of_one_site_are_told_apart_in_the_log() {
    let lab = filter_school();
    let home = tempfile::tempdir().unwrap();
    let config = lab.config_path().with_file_name("caretaker-https.toml");
    let mut text = std::fs::read_to_string(lab.config_path()).unwrap();
    text.push_str(
        "\n[[filter.test]]\nurl = \"https://iwf.testfiltering.com/\"\ncategory = \"iwf\"\n\
         expect = \"block\"\ntoken = \"TestFiltering\"\n",
    );
    std::fs::write(&config, text).unwrap();
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let (code, _, err) = audit_json(home.path(), &config, &["--only", "filter"]);
    assert_eq!(code, 1, "{err}");
    let mut c = caretaker(home.path());
    c.args(["filter", "log", "--config"]).arg(&config);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let guest: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(" guest-laptop: FAIL ") && l.contains("IWF test page"))
        .collect();
    assert_eq!(guest.len(), 2, "{out}");
    assert!(
        guest[0].contains(": FAIL http://iwf.testfiltering.com/: "),
        "{out}"
    );
    assert!(
        guest[1].contains(": FAIL https://iwf.testfiltering.com/: "),
        "{out}"
    );
    // Its look-alike: blocked over both from the office, so no line at all.
    assert!(!out.contains(" admin-office: FAIL "), "{out}");
}

/// Riverside Primary Academy's filter is another product: a DNS filter whose block server answers
/// blocked names on the pupil and staff networks with its own page and status 200, and a DNS
/// sinkhole on the guest and BYOD networks. Its config names only the block page's words and the
/// sinkhole address: every planted problem is found, nothing else fails.
#[test]
fn a_filter_that_answers_200_with_its_own_page_and_a_sinkhole_is_judged_right() {
    let lab = crate::util::riverside(
        false,
        caretaker_lab::Extras {
            filter: true,
            ..Default::default()
        },
    );
    let filter = lab.filter().unwrap();
    let home = tempfile::tempdir().unwrap();
    let (code, doc, err) = audit_json(home.path(), lab.config_path(), &["--only", "filter"]);
    assert_eq!(code, 1, "{err}");
    assert!(schema_errors(&doc).is_empty(), "{:?}", schema_errors(&doc));
    crate::util::assert_unique_fingerprints(&doc);
    let fs = findings(&doc);
    let planted = filter.planted_filter();
    assert_eq!(planted.len(), 3);
    for p in &planted {
        let hit = fs
            .iter()
            .find(|f| is_planted_test(f, p))
            .unwrap_or_else(|| panic!("nothing about {p:?}: {fs:#?}"));
        assert_eq!(hit["status"], "fail", "{p:?}: {hit:#}");
    }
    let mut failing = 0;
    for f in &fs {
        if f["status"] == "pass" {
            continue;
        }
        failing += 1;
        let planted_here = planted.iter().any(|p| is_planted_test(f, p));
        assert!(planted_here, "a false alarm: {f:#}");
    }
    assert_eq!(failing, planted.len());
    for v in ["pupil-pc", "staff-pc", "guest-laptop", "byod-tablet"] {
        let mine = fs.iter().filter(|f| f["target"]["scope"] == v).count();
        let want = if v == "pupil-pc" { 29 } else { 20 };
        assert_eq!(
            mine, want,
            "{v}: the control, 12 tests, 7 bypass tests (+9 for pupils)"
        );
    }
    // The bypass sites answered with SafeSurf's block page for pupils; safe search locked on.
    let pupil_doh = fs
        .iter()
        .find(|f| {
            f["check"] == "filter.encrypted-dns" && f["target"]["name"] != "use-application-dns.net"
        })
        .unwrap();
    assert_eq!(pupil_doh["status"], "pass", "{pupil_doh:#}");
    assert!(evidence_value(pupil_doh, "matched").contains("SafeSurf"));
    assert_eq!(test_from(&fs, "staff-pc", "www.bing.com")["status"], "pass");
    // The pupils' IWF page is blocked by the block page, served with status 200 in its place.
    let pupil_iwf = test_from(&fs, "pupil-pc", "http://iwf.testfiltering.com/");
    assert_eq!(pupil_iwf["status"], "pass", "{pupil_iwf:#}");
    assert!(
        evidence_value(pupil_iwf, "matched").contains("SafeSurf"),
        "{pupil_iwf:#}"
    );
    assert_eq!(
        evidence_value(pupil_iwf, "resolved"),
        filter.block_server_address().to_string(),
        "{pupil_iwf:#}"
    );
    // The staff network's over-blocked page is the same block page: a failure that says so.
    let staff_bitesize = test_from(&fs, "staff-pc", "https://www.bbc.co.uk/bitesize");
    assert!(
        evidence_value(staff_bitesize, "matched").contains("SafeSurf"),
        "{staff_bitesize:#}"
    );
    // The guest network's sinkhole works for all but the CTIRU page.
    let sinkhole = filter.sinkhole_address().to_string();
    let guest_iwf = test_from(&fs, "guest-laptop", "http://iwf.testfiltering.com/");
    assert_eq!(guest_iwf["status"], "pass", "{guest_iwf:#}");
    assert_eq!(evidence_value(guest_iwf, "resolved"), sinkhole);
}

/// `caretaker audit --quiet` from cron: only what is new or changed since the last run of the
/// same checks, and the total. The sample school's real squid lets the IWF page through for
/// pupils: the next run says so; the one after says nothing new; blocked again, it says fixed.
#[test]
fn quiet_audits_tell_only_what_changed() {
    let lab = filter_school();
    let home = tempfile::tempdir().unwrap();
    let quiet = || {
        let mut c = caretaker(home.path());
        c.env("COLUMNS", "80")
            .args([
                "audit",
                "--only",
                "filter",
                "--quiet",
                "--trigger",
                "cron",
                "--config",
            ])
            .arg(lab.config_path());
        let (code, out, err) = run(c);
        assert_eq!(code, 1, "the planted problems: {err}");
        for l in out.lines() {
            assert!(l.chars().count() <= 80, "wider than 80: {l:?}");
        }
        out
    };
    let first = quiet();
    assert!(
        first.contains("no earlier run of the same checks to compare with"),
        "{first}"
    );
    let filter = lab.filter().unwrap();
    filter
        .let_through("pupil", "iwf.testfiltering.com")
        .unwrap();
    let opened = quiet();
    assert!(opened.contains("New or changed since run 1:"), "{opened}");
    let new: Vec<&str> = opened.lines().filter(|l| l.starts_with("  ")).collect();
    // The IWF page's test for pupils, and the filter change no risk assessment covers.
    assert_eq!(new.len(), 2, "only the IWF page for pupils: {opened}");
    assert!(
        new.iter()
            .all(|l| l.contains("FAIL") && l.contains("iwf.testfiltering.com")),
        "{opened}"
    );
    assert_eq!(
        new.iter()
            .filter(|l| l.contains("iwf.testfiltering.com has lo"))
            .count(),
        1,
        "{opened}"
    );
    let again = quiet();
    assert_eq!(
        again.lines().count(),
        1,
        "nothing new the second time: {again}"
    );
    assert!(again.starts_with("NOT COMPLIANT: "), "{again}");
    filter.block_again().unwrap();
    let fixed = quiet();
    assert!(fixed.contains("Fixed since run 3:"), "{fixed}");
    assert!(
        fixed.contains("FIXED") && fixed.contains("iwf.testfiltering.com"),
        "{fixed}"
    );
}
