//! Prints the searches the directory probe makes, one per line, for `bench/directory.sh` to
//! repeat with `ldapsearch`: `base<TAB>scope<TAB>paged<TAB>size_limit<TAB>filter<TAB>attrs`.
//!
//!     cargo run -q --release -p caretaker-checks --example directory_searches -- openldap

use caretaker_checks::directory::planned_searches;
use caretaker_config::DirectoryKind;

fn main() {
    let kind = match std::env::args().nth(1).as_deref() {
        Some("active-directory") => DirectoryKind::ActiveDirectory,
        _ => DirectoryKind::Openldap,
    };
    for s in planned_searches(kind) {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            s.base,
            s.scope,
            s.paged,
            s.size_limit,
            s.filter,
            s.attrs.join(" ")
        );
    }
}
