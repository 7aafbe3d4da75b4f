//! The mail judges, fed TXT answers as a resolver gives them.

use super::*;

const R: &str = "127.0.0.1:5353";

fn found(v: &[&str]) -> Txt {
    Txt::Found(v.iter().map(|s| s.to_string()).collect())
}

#[test]
fn spf_passes_on_dash_all_and_tilde_all_and_fails_otherwise_with_a_sentence_why() {
    let f = judge_spf(
        "example.sch.uk",
        R,
        &found(&["MS=ms123", "v=spf1 include:spf.protection.outlook.com -all"]),
        None,
    );
    assert_eq!(f.status, Status::Pass);
    assert_eq!(f.check.as_str(), SPF.id);
    assert_eq!(f.target.kind, TargetKind::Domain);
    assert_eq!(f.evidence.get("resolver"), Some(R));
    assert_eq!(
        f.evidence.get("spf"),
        Some("v=spf1 include:spf.protection.outlook.com -all")
    );
    assert!(f.summary.contains("-all"), "{}", f.summary);
    let f = judge_spf(
        "a.sch.uk",
        R,
        &found(&["v=spf1 include:_spf.google.com ~all"]),
        None,
    );
    assert_eq!(f.status, Status::Pass);

    let f = judge_spf("a.sch.uk", R, &found(&["v=spf1 +all"]), None);
    assert_eq!((f.status, f.severity), (Status::Fail, Severity::High));
    assert!(
        f.summary.starts_with("Anyone can send email as a.sch.uk"),
        "{}",
        f.summary
    );
    assert!(f
        .remediation
        .as_deref()
        .unwrap_or_default()
        .contains("-all"));
    let f = judge_spf("a.sch.uk", R, &found(&["v=spf1 ?all"]), None);
    assert_eq!(f.status, Status::Fail);
    assert!(f.summary.contains("?all"), "{}", f.summary);
    let f = judge_spf("a.sch.uk", R, &found(&["v=spf1 mx"]), None);
    assert_eq!(f.status, Status::Fail);
    assert!(
        f.summary.contains("does not end in -all or ~all"),
        "{}",
        f.summary
    );

    for none in [
        Txt::NoRecords { nxdomain: true },
        Txt::NoRecords { nxdomain: false },
        found(&["google-site-verification=x"]),
    ] {
        let f = judge_spf("a.sch.uk", R, &none, None);
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.summary.contains("publishes no SPF record"),
            "{}",
            f.summary
        );
        assert!(f.remediation.is_some());
    }
    let f = judge_spf(
        "a.sch.uk",
        R,
        &found(&["v=spf1 mx -all", "v=spf1 a -all"]),
        None,
    );
    assert_eq!(f.status, Status::Fail);
    assert!(f.summary.contains("2 SPF records"), "{}", f.summary);
    assert_eq!(
        f.evidence.values.iter().filter(|(k, _)| k == "txt").count(),
        2
    );
}

#[test]
fn spf_follows_one_redirect_and_warns_when_it_cannot() {
    let own = found(&["v=spf1 redirect=_spf.trust.org.uk"]);
    let f = judge_spf(
        "a.sch.uk",
        R,
        &own,
        Some((
            "_spf.trust.org.uk",
            &found(&["v=spf1 ip4:192.0.2.0/24 -all"]),
        )),
    );
    assert_eq!(f.status, Status::Pass, "{}", f.summary);
    assert!(f.summary.contains("_spf.trust.org.uk"), "{}", f.summary);
    let f = judge_spf(
        "a.sch.uk",
        R,
        &own,
        Some(("_spf.trust.org.uk", &found(&["v=spf1 +all"]))),
    );
    assert_eq!(f.status, Status::Fail);
    let f = judge_spf("a.sch.uk", R, &own, None);
    assert_eq!(f.status, Status::Warn);
    let f = judge_spf(
        "a.sch.uk",
        R,
        &own,
        Some(("_spf.trust.org.uk", &found(&["v=spf1 redirect=b.example"]))),
    );
    assert_eq!(f.status, Status::Warn);
    let f = judge_spf(
        "a.sch.uk",
        R,
        &own,
        Some(("_spf.trust.org.uk", &Txt::NoRecords { nxdomain: true })),
    );
    assert_eq!(f.status, Status::Fail);
    let f = judge_spf(
        "a.sch.uk",
        R,
        &own,
        Some(("_spf.trust.org.uk", &Txt::Failed("no answer".into()))),
    );
    assert_eq!(f.status, Status::Error);
}

#[test]
fn dmarc_quarantine_and_reject_pass_none_and_missing_fail() {
    let f = judge_dmarc(
        "a.sch.uk",
        R,
        &found(&["v=DMARC1; p=reject; rua=mailto:d@a.sch.uk"]),
    );
    assert_eq!(f.status, Status::Pass);
    assert_eq!(f.check.as_str(), DMARC.id);
    assert_eq!(f.evidence.get("name"), Some("_dmarc.a.sch.uk"));
    assert_eq!(f.evidence.get("p"), Some("reject"));
    let f = judge_dmarc("a.sch.uk", R, &found(&["v=DMARC1; p=quarantine"]));
    assert_eq!(f.status, Status::Pass);
    assert!(f.summary.contains("put in spam"), "{}", f.summary);

    let f = judge_dmarc(
        "a.sch.uk",
        R,
        &found(&["v=DMARC1;p=none;rua=mailto:dmarc-rua@dmarc.service.gov.uk"]),
    );
    assert_eq!(f.status, Status::Fail);
    assert!(
        f.summary
            .contains("reports only, does not stop impersonation"),
        "{}",
        f.summary
    );
    let f = judge_dmarc("a.sch.uk", R, &Txt::NoRecords { nxdomain: true });
    assert_eq!(f.status, Status::Fail);
    assert_eq!(
        f.summary,
        "Anyone can send email that claims to come from a.sch.uk: it publishes no DMARC policy."
    );
    assert!(f
        .remediation
        .as_deref()
        .unwrap_or_default()
        .contains("_dmarc.a.sch.uk"));
    let f = judge_dmarc("a.sch.uk", R, &found(&["v=spf1 -all"]));
    assert_eq!(f.status, Status::Fail);
    let f = judge_dmarc(
        "a.sch.uk",
        R,
        &found(&["v=DMARC1; p=reject", "v=DMARC1; p=none"]),
    );
    assert_eq!(f.status, Status::Fail);
    let f = judge_dmarc("a.sch.uk", R, &found(&["v=DMARC1; rua=mailto:x@a.sch.uk"]));
    assert_eq!(f.status, Status::Fail);
    assert!(f.summary.contains("no valid policy"), "{}", f.summary);
    // Subdomains and a partial policy are evidence too.
    let f = judge_dmarc("a.sch.uk", R, &found(&["v=DMARC1; p=reject; sp=none"]));
    assert_eq!(f.status, Status::Warn);
    assert_eq!(f.evidence.get("sp"), Some("none"));
    let f = judge_dmarc("a.sch.uk", R, &found(&["v=DMARC1; p=quarantine; pct=20"]));
    assert_eq!(f.status, Status::Warn);
}

#[test]
fn a_lookup_that_failed_is_an_error_never_a_pass() {
    let failed = Txt::Failed("127.0.0.1:5353 did not answer within 1 seconds".into());
    for f in [
        judge_spf("a.sch.uk", R, &failed, None),
        judge_dmarc("a.sch.uk", R, &failed),
    ] {
        assert_eq!(f.status, Status::Error);
        assert!(f.summary.starts_with("Could not read the"), "{}", f.summary);
        assert!(f.summary.contains("did not answer"), "{}", f.summary);
        assert!(f.evidence.get("error").is_some());
    }
}

#[test]
fn units_are_the_configured_domains() {
    let cfg = caretaker_config::load::parse_str(
        "version = 1\n[school]\nmail_domains = [\"Example.SCH.uk.\", \"b.org.uk\"]\n",
        std::path::Path::new("c.toml"),
    )
    .unwrap();
    assert_eq!(MailArea::units(&cfg), ["example.sch.uk", "b.org.uk"]);
}
