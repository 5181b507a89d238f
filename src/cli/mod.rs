//! Command line: clap structs (raw flags) turned into a validated `Config`, and the
//! commands `serve`, `superuser`, `migrate`, `codegen`. Shaped like PocketBase's CLI so its users'
//! habits work. Start at `run()`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use serde_json::Value;

use crate::config::{Config, DataDir};
use crate::core::collection::Collection;
use crate::service::{App, auth, migrations};
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "lifebase",
    version,
    about = "A PocketBase-compatible backend in one binary."
)]
pub struct Cli {
    /// The data directory (database, files, migrations).
    #[arg(long, global = true, default_value = Config::DEFAULT_DIR, env = "LB_DIR")]
    pub dir: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Starts the web server.
    Serve {
        /// TCP address to listen on.
        #[arg(long, default_value = Config::DEFAULT_HTTP, env = "LB_HTTP")]
        http: SocketAddr,
        /// Largest accepted request body, in bytes.
        #[arg(long, default_value_t = Config::DEFAULT_MAX_BODY)]
        max_body: usize,
    },
    /// Manages superusers.
    Superuser {
        #[command(subcommand)]
        action: SuperuserAction,
    },
    /// Applies or reverts schema migrations, or snapshots the current schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Generates code from the collections schema (deterministic; rerunning changes nothing).
    Codegen {
        #[command(subcommand)]
        target: CodegenTarget,
    },
}

#[derive(Debug, Subcommand)]
pub enum CodegenTarget {
    /// Writes `openapi.json`, the OpenAPI 3.1 document of the schema (what `GET /api/openapi.json` serves).
    Openapi {
        /// A JSON file with the collections: an array, or `{"items": [...]}` as `GET /api/collections`
        /// answers, or `{"collections": [...]}` as `PUT /api/collections/import` takes.
        /// Without it, the schema of the data dir (`--dir`) is read.
        #[arg(long)]
        schema: Option<PathBuf>,
        /// The directory to write `openapi.json` into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Writes typed Rust (`mod.rs`, `types.rs`, `client.rs`, `hooks.rs`): record types per
    /// collection, a typed HTTP client and typed record hooks, for a crate to include as a module.
    Rust {
        /// The schema file, as for `openapi`; without it, the schema of the data dir (`--dir`).
        #[arg(long)]
        schema: Option<PathBuf>,
        /// The directory to write the module's files into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Writes admin pages per collection (a table with infinite scroll, click-to-edit cells
    /// and bulk delete, for signed-in superusers): askama templates under
    /// `templates/generated_ui/` and handlers under `src/generated_ui/` of a crate that also
    /// holds the `codegen rust` output as `src/generated/`.
    Ui {
        /// The schema file, as for `openapi`; without it, the schema of the data dir (`--dir`).
        #[arg(long)]
        schema: Option<PathBuf>,
        /// The crate's root directory (its `src/` and `templates/` get the files).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum SuperuserAction {
    /// Creates a superuser, or updates the password of an existing one.
    Upsert { email: String, password: String },
    /// Creates a new superuser (fails if the email exists).
    Create { email: String, password: String },
    /// Deletes a superuser.
    Delete { email: String },
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Applies every migration file not yet applied.
    Up,
    /// Reverts the last N applied migrations (default 1).
    Down {
        #[arg(default_value_t = 1)]
        count: usize,
    },
    /// Writes a snapshot migration of the whole current schema.
    Collections,
}

fn open_store(dir: &DataDir) -> anyhow::Result<Store> {
    let store = Store::open(dir, 2)
        .with_context(|| format!("cannot open the data dir {}", dir.root().display()))?;
    migrations::bootstrap(&store)?;
    Ok(store)
}

fn valid_email(email: &str) -> bool {
    let mut parts = email.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(local), Some(domain), None) if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let data_dir = DataDir::new(cli.dir);
    match cli.command {
        Command::Serve { http, max_body } => {
            let config = Config {
                http,
                data_dir,
                max_body_bytes: max_body,
                readers: 8,
            };
            let app = App::open(config)?;
            actix_web::rt::System::new().block_on(crate::server::serve(app))
        }
        Command::Superuser { action } => {
            let store = open_store(&data_dir)?;
            migrations::apply_pending(&store, &data_dir)?;
            match action {
                SuperuserAction::Upsert { email, password }
                | SuperuserAction::Create { email, password }
                    if !valid_email(&email) =>
                {
                    let _ = password;
                    anyhow::bail!("invalid email address {email:?}")
                }
                SuperuserAction::Upsert { email, password } => {
                    check_password(&password)?;
                    let created = auth::upsert_superuser(&store, &email, &password)?;
                    println!(
                        "Successfully {} superuser {email:?}!",
                        if created {
                            "saved"
                        } else {
                            "changed password of"
                        }
                    );
                }
                SuperuserAction::Create { email, password } => {
                    check_password(&password)?;
                    if superuser_exists(&store, &email)? {
                        anyhow::bail!("superuser {email:?} already exists");
                    }
                    auth::upsert_superuser(&store, &email, &password)?;
                    println!("Successfully created new superuser {email:?}!");
                }
                SuperuserAction::Delete { email } => {
                    if auth::delete_superuser(&store, &email)? {
                        println!("Successfully deleted superuser {email:?}!");
                    } else {
                        anyhow::bail!("no superuser with email {email:?}");
                    }
                }
            }
            Ok(())
        }
        Command::Migrate { action } => {
            let store = open_store(&data_dir)?;
            match action {
                MigrateAction::Up => {
                    let applied = migrations::apply_pending(&store, &data_dir)?;
                    if applied.is_empty() {
                        println!("No new migrations to apply.");
                    }
                    for name in applied {
                        println!("Applied {name}");
                    }
                }
                MigrateAction::Down { count } => {
                    for name in migrations::revert_last(&store, &data_dir, count)? {
                        println!("Reverted {name}");
                    }
                }
                MigrateAction::Collections => {
                    let path = migrations::snapshot(&store, &data_dir)?;
                    println!("Successfully created snapshot migration {}", path.display());
                }
            }
            Ok(())
        }
        Command::Codegen { target } => match target {
            CodegenTarget::Openapi { schema, out } => {
                let json = read_schema(schema.as_deref(), &data_dir)?;
                let document = lifebase_codegen::openapi::document(&json);
                let text = lifebase_codegen::to_pretty_json(&document);
                write_if_changed(&out.join("openapi.json"), &text)
            }
            CodegenTarget::Rust { schema, out } => {
                let json = read_schema(schema.as_deref(), &data_dir)?;
                for (path, text) in lifebase_codegen::rust::files(&json) {
                    write_if_changed(&out.join(path), &text)?;
                }
                Ok(())
            }
            CodegenTarget::Ui { schema, out } => {
                let json = read_schema(schema.as_deref(), &data_dir)?;
                for (path, text) in lifebase_codegen::ui::files(&json) {
                    write_if_changed(&out.join(path), &text)?;
                }
                Ok(())
            }
        },
    }
}

/// The collections a generator reads, as the collections API writes them: from `--schema`
/// when given, else from the data dir.
fn read_schema(schema: Option<&Path>, data_dir: &DataDir) -> anyhow::Result<Vec<Value>> {
    let collections = match schema {
        Some(path) => read_schema_file(path)?,
        None => read_schema_dir(data_dir)?,
    };
    Ok(collections.iter().map(Collection::to_json).collect())
}

/// The collections of a schema file (see `CodegenTarget::Openapi`), normalized as the
/// collections API would store them (defaults and system fields filled in).
fn read_schema_file(path: &Path) -> anyhow::Result<Vec<Collection>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the schema file {}", path.display()))?;
    let input: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    let items = match &input {
        Value::Array(items) => items,
        Value::Object(object) => match object.get("items").or_else(|| object.get("collections")) {
            Some(Value::Array(items)) => items,
            _ => anyhow::bail!(
                "{}: expected an array of collections, or an object with `items` or `collections`",
                path.display()
            ),
        },
        _ => anyhow::bail!("{}: expected an array of collections", path.display()),
    };
    items
        .iter()
        .enumerate()
        .map(|(position, item)| {
            Collection::from_json(item, None).map_err(|errors| {
                anyhow::anyhow!(
                    "{}: collection {position} ({}) is invalid: {}",
                    path.display(),
                    item.get("name").and_then(Value::as_str).unwrap_or("?"),
                    errors.to_json()
                )
            })
        })
        .collect()
}

/// The collections stored in an existing data dir.
fn read_schema_dir(data_dir: &DataDir) -> anyhow::Result<Vec<Collection>> {
    if !data_dir.data_db().is_file() {
        anyhow::bail!(
            "no database in {} (pass --dir DATA_DIR or --schema FILE)",
            data_dir.root().display()
        );
    }
    let store = open_store(data_dir)?;
    Ok(store.read_sync(crate::store::schema::load_collections)?)
}

/// Writes `text` to `path` unless the file already holds it, so reruns touch nothing.
fn write_if_changed(path: &Path, text: &str) -> anyhow::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        println!("{} is up to date", path.display());
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    println!("Wrote {}", path.display());
    Ok(())
}

fn check_password(password: &str) -> anyhow::Result<()> {
    if password.chars().count() < 8 {
        anyhow::bail!("the password must be at least 8 characters long");
    }
    Ok(())
}

fn superuser_exists(store: &Store, email: &str) -> anyhow::Result<bool> {
    let collections = store.read_sync(crate::store::schema::load_collections)?;
    let Some(collection) = collections.into_iter().find(|c| c.is_superusers()) else {
        return Ok(false);
    };
    Ok(store
        .read_sync(|conn| crate::store::records::find_by_field(conn, &collection, "email", email))?
        .is_some())
}
