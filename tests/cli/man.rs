//! The man pages in man/ are generated from the clap definitions and the config documentation;
//! this test fails when they drift. `CARETAKER_UPDATE_MAN=1 cargo test --test cli man` rewrites them.

use std::path::PathBuf;

use clap::CommandFactory;

fn pages() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let cmd = caretaker::cli::Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf).unwrap();
    out.push(("caretaker.1".to_string(), buf));
    for sub in cmd.get_subcommands() {
        let name = format!("caretaker-{}", sub.get_name());
        let sub = sub.clone().name(name.clone().leak() as &str);
        let mut buf = Vec::new();
        clap_mangen::Man::new(sub).render(&mut buf).unwrap();
        out.push((format!("{name}.1"), buf));
    }
    out.push((
        "caretaker.toml.5".to_string(),
        caretaker_config::docs::man_page(
            env!("CARGO_PKG_VERSION"),
            &caretaker_checks::registry::check_docs(),
            &caretaker_checks::filter::builtin_docs(),
        )
        .into_bytes(),
    ));
    out
}

#[test]
fn man_pages_match_the_definitions() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("man");
    let update = std::env::var_os("CARETAKER_UPDATE_MAN").is_some();
    let mut stale = Vec::new();
    for (name, bytes) in pages() {
        let path = dir.join(&name);
        if update {
            std::fs::write(&path, &bytes).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "man pages out of date: {stale:?}; run `CARETAKER_UPDATE_MAN=1 cargo test --test cli man`"
    );
}
