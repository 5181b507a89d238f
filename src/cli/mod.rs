//! Command line: clap structs (raw flags) turned into a validated `Config`, and the
//! commands `serve`, `superuser`, `migrate`. Shaped like PocketBase's CLI so its users'
//! habits work. Start at `run()`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::{Config, DataDir};
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
    }
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
