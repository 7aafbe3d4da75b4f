//! The probe's name lookups, read from its document.

use super::{fixture, request, sh_syntax_ok, PAGE};
use crate::filter::curl::{parse_with_lookups, sh_script};

/// The `lookups` of the document: matched to the names asked for whatever their order, a name
/// left out or malformed becomes a failure, and a probe that looked nothing up says why.
#[test]
fn lookups_are_read_leniently_and_their_absence_explained() {
    use crate::filter::bypass::Answer;
    let names: Vec<String> = [
        "www.google.com",
        "use-application-dns.net",
        "mask.icloud.com",
        "slow.test",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let doc = r#"{"probe":"caretaker-filter/1","results":[],"lookups_by":"getent ahosts","lookups":[
        {"name":"use-application-dns.net","exit":2,"canonical":null,"addresses":[]},
        {"name":"WWW.Google.com.","exit":0,"canonical":"forcesafesearch.google.com","addresses":["216.239.38.120","not an address","2001:4860:4802:32::78"]},
        {"name":"slow.test","exit":143,"canonical":"bad name; rm","addresses":[]},
        "junk"],"problems":[]}"#;
    let r = parse_with_lookups(doc.as_bytes(), &[], &names).unwrap();
    let l = r.lookups.unwrap();
    assert_eq!(l.len(), 4);
    assert_eq!(l[0].answer, Answer::Addresses);
    assert_eq!(
        l[0].addresses,
        vec![
            "216.239.38.120".to_string(),
            "2001:4860:4802:32::78".to_string()
        ]
    );
    assert_eq!(
        l[0].canonical.as_deref(),
        Some("forcesafesearch.google.com")
    );
    assert_eq!(l[1].answer, Answer::NotFound);
    assert_eq!(l[2].answer, Answer::Failed, "not in the output");
    assert_eq!(l[3].answer, Answer::Timeout);
    assert_eq!(l[3].canonical, None);
    // No getent on the machine: the probe's own words say so.
    let doc = r#"{"probe":"caretaker-filter/1","results":[],"lookups":null,
        "problems":["getent is not installed (command -v getent found nothing in /usr/bin)"]}"#;
    let r = parse_with_lookups(doc.as_bytes(), &[], &names).unwrap();
    assert!(r.lookups.unwrap_err().contains("getent is not installed"));
    // Windows: not testable from there, and why.
    let r = parse_with_lookups(&fixture("windows-docs.json"), &[], &names).unwrap();
    assert!(r
        .lookups
        .unwrap_err()
        .contains("Windows probe does not look names up"));
    // Hostile names are never put in the script.
    let mut req = request(&[PAGE], None);
    req.lookups = vec!["a.example; rm -rf /".into()];
    assert!(sh_script(&req).is_err());
    req.lookups = vec!["-x.example".into()];
    assert!(sh_script(&req).is_err());
    req.lookups = vec!["www.google.com".into(), "mask-h2.icloud.com".into()];
    let script = sh_script(&req).unwrap();
    assert!(script.contains("LOOKUPS='www.google.com mask-h2.icloud.com'\n"));
    sh_syntax_ok(&script);
}
