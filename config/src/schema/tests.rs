//! Tests for the schema: what a machine takes from its group.

use super::*;

#[test]
fn a_machine_takes_what_it_does_not_say_from_its_group() {
    let text = r#"
version = 1
[hosts]
user = "caretaker"
[[hosts.group]]
name = "ict-suite"
user = "audit"
port = 2222
os = "windows"
roles = ["desktop"]
[[host]]
name = "ict-01"
address = "ict-01"
group = "ict-suite"
roles = ["shared", "DESKTOP"]
[[host]]
name = "office"
address = "office"
os = "linux"
port = 22
"#;
    let cfg = crate::load::parse_str(text, std::path::Path::new("t.toml")).unwrap();
    let (ict, office) = (&cfg.host_list[0], &cfg.host_list[1]);
    assert_eq!(ict.port(&cfg.hosts), 2222);
    assert_eq!(ict.user(&cfg.hosts), "audit");
    assert_eq!(ict.os(&cfg.hosts), HostOs::Windows);
    assert_eq!(ict.roles(&cfg.hosts), vec!["shared", "DESKTOP"]);
    assert_eq!(office.port(&cfg.hosts), 22);
    assert_eq!(office.user(&cfg.hosts), "caretaker");
    assert_eq!(office.os(&cfg.hosts), HostOs::Linux);
}
