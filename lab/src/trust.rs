//! A trust of sample schools for the lab: a PostgreSQL server ([`TrustDb`]) and `N` sample schools
//! (OpenLDAP each, St. Example's Primary and Riverside Primary Academy in turn, each under a name
//! and id of its own), every school's caretaker.toml pointing at the trust's database as its own
//! role, with the trust's owner's and a reader's configurations beside them.
//!
//! The lab writes the configurations and the password files; adding the schools and the reader
//! to the database (`caretaker trust init-school`, `init-reader`) and auditing are caretaker's
//! (see [`TrustLab::setup_commands`]).

use std::path::{Path, PathBuf};

use crate::postgres::{TrustDb, TRUST_OWNER};
use crate::util::{random_password, write_file, write_secret};
use crate::{Extras, LabError, LabOptions, SampleSchool, School};

/// The role the trust's reader signs in as.
pub const TRUST_READER: &str = "trust_reader";

/// One school of the trust.
#[derive(Debug)]
pub struct TrustMember {
    /// Its `[school] id`.
    pub id: String,
    pub name: String,
    /// Its role in the trust's database (`school_<id>`).
    pub role: String,
    /// Its role's password (mode 0600).
    pub password_file: PathBuf,
    pub lab: SampleSchool,
}

/// The running trust: its database and its schools. Dropping it stops every server.
#[derive(Debug)]
pub struct TrustLab {
    pub schools: Vec<TrustMember>,
    /// The trust's own configuration, signing in as the database's owner.
    pub owner_config: PathBuf,
    /// A reader's configuration (every school, writes nothing).
    pub reader_config: PathBuf,
    pub reader_password_file: PathBuf,
    pub db: TrustDb,
}

impl TrustLab {
    /// Starts the database and `n` schools (1 to 20), and writes every configuration into `dir`.
    pub fn start(dir: &Path, n: usize) -> Result<TrustLab, LabError> {
        if !(1..=20).contains(&n) {
            return Err(LabError::Command {
                command: "a trust".into(),
                status: "refused".into(),
                output: format!("1 to 20 schools, not {n}"),
            });
        }
        crate::util::private_dir(dir)?;
        let db = TrustDb::start(&dir.join("trust"))?;
        let owner_config = dir.join("owner.toml");
        config(
            &owner_config,
            "The Trust",
            None,
            &db,
            TRUST_OWNER,
            &db.owner_password_file,
        )?;
        let reader_password_file = dir.join("reader.pass");
        write_secret(&reader_password_file, &random_password()?)?;
        let reader_config = dir.join("reader.toml");
        config(
            &reader_config,
            "The Trust",
            None,
            &db,
            TRUST_READER,
            &reader_password_file,
        )?;
        let mut schools = Vec::new();
        for i in 0..n {
            let kind = if i % 2 == 0 {
                School::Example
            } else {
                School::Riverside
            };
            let round = i / 2 + 1;
            let base = if kind == School::Example {
                "st-example"
            } else {
                "riverside"
            };
            let (id, name) = if round == 1 {
                (base.to_string(), kind.name().to_string())
            } else {
                (
                    format!("{base}-{round}"),
                    format!("{} ({})", kind.name(), PLACES[(round - 2) % PLACES.len()]),
                )
            };
            let lab = SampleSchool::start_with(
                LabOptions {
                    openldap: true,
                    active_directory: false,
                    dir: None,
                },
                Extras {
                    school: kind,
                    ..Extras::default()
                },
            )?;
            let role = format!("school_{}", id.replace('-', "_"));
            let password_file = dir.join(format!("{id}.pass"));
            write_secret(&password_file, &random_password()?)?;
            join(lab.config_path(), &name, &id, &db, &role, &password_file)?;
            schools.push(TrustMember {
                id,
                name,
                role,
                password_file,
                lab,
            });
        }
        Ok(TrustLab {
            schools,
            owner_config,
            reader_config,
            reader_password_file,
            db,
        })
    }

    /// caretaker's arguments that add every school and the reader to the database, as the
    /// trust's owner (each to run with `--config` [`TrustLab::owner_config`]).
    pub fn setup_commands(&self) -> Vec<Vec<String>> {
        let mut v: Vec<Vec<String>> = self
            .schools
            .iter()
            .map(|s| {
                vec![
                    "trust".into(),
                    "init-school".into(),
                    s.id.clone(),
                    "--name".into(),
                    s.name.clone(),
                    "--password-file".into(),
                    s.password_file.display().to_string(),
                ]
            })
            .collect();
        v.push(vec![
            "trust".into(),
            "init-reader".into(),
            TRUST_READER.into(),
            "--password-file".into(),
            self.reader_password_file.display().to_string(),
        ]);
        v
    }
}

/// Where the third and later schools of a kind are.
const PLACES: &[&str] = &[
    "Northfield",
    "Southgate",
    "Eastbrook",
    "Westmoor",
    "Hillside",
];

/// A configuration of the trust's own (no school id; a store file beside it).
fn config(
    path: &Path,
    name: &str,
    id: Option<&str>,
    db: &TrustDb,
    role: &str,
    password_file: &Path,
) -> Result<(), LabError> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let store = folder.join(format!(
        "{}.db",
        path.file_stem().and_then(|s| s.to_str()).unwrap_or("trust")
    ));
    let id = id.map(|i| format!("id = \"{i}\"\n")).unwrap_or_default();
    write_file(
        path,
        &format!(
            "version = 1\n\n[school]\nname = \"{name}\"\n{id}\n[store]\npath = \"{}\"\n{}",
            store.display(),
            store_keys(db, role, password_file)
        ),
    )?;
    restrict(path)
}

/// `url`, `ca_file` and `password_file` of `[store]`.
fn store_keys(db: &TrustDb, role: &str, password_file: &Path) -> String {
    format!(
        "url = \"{}\"\nca_file = \"{}\"\npassword_file = \"{}\"\n",
        db.url(role),
        db.ca_pem.display(),
        password_file.display()
    )
}

/// A sample school's configuration, given its name in the trust, its id and the trust's
/// database.
fn join(
    config: &Path,
    name: &str,
    id: &str,
    db: &TrustDb,
    role: &str,
    password_file: &Path,
) -> Result<(), LabError> {
    let text = std::fs::read_to_string(config)
        .map_err(|e| LabError::io("reading the school's configuration", config, e))?;
    let mut out = String::new();
    let mut table = String::new();
    for line in text.lines() {
        if line.starts_with('[') {
            table = line.to_string();
        }
        if table == "[school]" && line.starts_with("name = ") {
            out.push_str(&format!("name = \"{name}\"\nid = \"{id}\"\n"));
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if line == "[store]" {
            out.push_str(&store_keys(db, role, password_file));
        }
    }
    write_file(config, &out)?;
    restrict(config)
}

fn restrict(path: &Path) -> Result<(), LabError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| LabError::io("setting mode 0600 on", path, e))
}
