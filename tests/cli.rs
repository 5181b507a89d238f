//! The command line as a user runs it: help on every command, clear errors with a
//! non-zero exit for bad arguments, superuser management, and schema migrations that
//! rebuild the same schema on a new data dir. lifebase-only: PocketBase's CLI shares the
//! command names but its migrations are JavaScript files.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::fixture;
use common::{Auth, Body, Server};
use serde_json::{Value, json};

fn lifebase() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lifebase"))
}

fn run(args: &[&str]) -> Output {
    lifebase().args(args).output().expect("run lifebase")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["superuser", "--help"],
        vec!["superuser", "upsert", "--help"],
        vec!["superuser", "delete", "--help"],
        vec!["migrate", "--help"],
        vec!["migrate", "up", "--help"],
        vec!["migrate", "down", "--help"],
        vec!["migrate", "collections", "--help"],
    ] {
        let output = run(&args);
        assert!(output.status.success(), "{args:?}: {}", text(&output));
        assert!(
            text(&output).contains("Usage:"),
            "{args:?}: {}",
            text(&output)
        );
    }
    let top = text(&run(&["--help"]));
    for command in ["serve", "superuser", "migrate"] {
        assert!(
            top.contains(command),
            "--help does not list {command}: {top}"
        );
    }
}

#[test]
fn bad_arguments_fail_with_a_clear_message() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("data");
    let dir = dir.to_str().expect("utf-8 path");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["nonsense"], "unrecognized subcommand"),
        (
            vec!["serve", "--http", "not-an-address", "--dir", dir],
            "invalid value",
        ),
        (vec!["serve", "--bogus-flag"], "unexpected argument"),
        (
            vec![
                "superuser",
                "upsert",
                "not-an-email",
                "password123",
                "--dir",
                dir,
            ],
            "invalid email",
        ),
        (
            vec![
                "superuser",
                "upsert",
                "a@example.com",
                "short",
                "--dir",
                dir,
            ],
            "at least 8",
        ),
        (vec!["superuser", "upsert", "a@example.com"], "required"),
        (
            vec!["superuser", "delete", "nobody@example.com", "--dir", dir],
            "no superuser",
        ),
        (
            vec!["migrate", "down", "many", "--dir", dir],
            "invalid value",
        ),
    ];
    for (args, expected) in cases {
        let output = run(&args);
        assert!(
            !output.status.success(),
            "{args:?} should fail: {}",
            text(&output)
        );
        assert!(
            text(&output).to_lowercase().contains(expected),
            "{args:?}: expected {expected:?} in {}",
            text(&output)
        );
        assert!(
            !text(&output).contains("panicked"),
            "{args:?} panicked: {}",
            text(&output)
        );
    }
}

#[test]
fn superuser_create_upsert_delete() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("data");
    let dir = dir.to_str().expect("utf-8 path");
    let create = run(&[
        "superuser",
        "create",
        "boss@example.com",
        "password123",
        "--dir",
        dir,
    ]);
    assert!(create.status.success(), "{}", text(&create));
    let again = run(&[
        "superuser",
        "create",
        "boss@example.com",
        "password123",
        "--dir",
        dir,
    ]);
    assert!(!again.status.success(), "creating twice must fail");
    assert!(text(&again).contains("already exists"), "{}", text(&again));
    let upsert = run(&[
        "superuser",
        "upsert",
        "boss@example.com",
        "password456",
        "--dir",
        dir,
    ]);
    assert!(upsert.status.success(), "{}", text(&upsert));
    let delete = run(&["superuser", "delete", "boss@example.com", "--dir", dir]);
    assert!(delete.status.success(), "{}", text(&delete));
    let gone = run(&["superuser", "delete", "boss@example.com", "--dir", dir]);
    assert!(!gone.status.success(), "deleting twice must fail");
}

fn collections(server: &Server) -> Vec<Value> {
    let list = server.must(
        "GET",
        "/api/collections?perPage=500",
        Auth::Superuser,
        Body::None,
        200,
    );
    list["items"].as_array().cloned().unwrap_or_default()
}

/// Collections without the fields that legitimately differ between two nodes (the time
/// the bootstrap collections were created).
fn comparable(mut items: Vec<Value>) -> Vec<Value> {
    for item in &mut items {
        if item["system"] == json!(true) || item["id"] == json!("_pb_users_auth_") {
            item["created"] = Value::Null;
            item["updated"] = Value::Null;
        }
    }
    items.sort_by_key(|item| item["id"].as_str().unwrap_or("").to_string());
    items
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read migrations") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

#[test]
fn migrate_up_on_a_new_data_dir_rebuilds_the_same_schema() {
    if common::is_pocketbase() {
        println!("lifebase-only: PocketBase migrations are JavaScript files");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let first = tmp.path().join("first");
    let (schema, migrations) = {
        let mut server = Server::start_in(&first, tmp.path());
        let _fixture = fixture::setup(&server);
        // A rename, an option change, a collection created and deleted again.
        let posts = server.must(
            "GET",
            "/api/collections/posts",
            Auth::Superuser,
            Body::None,
            200,
        );
        let mut fields = posts["fields"].as_array().cloned().unwrap_or_default();
        for field in &mut fields {
            if field["name"] == json!("title") {
                field["name"] = json!("headline");
                field["max"] = json!(150);
            }
        }
        server.must(
            "PATCH",
            "/api/collections/posts",
            Auth::Superuser,
            Body::Json(json!({"fields": fields})),
            200,
        );
        server.must(
            "POST",
            "/api/collections",
            Auth::Superuser,
            Body::Json(json!({"name": "scratch", "fields": [{"name": "note", "type": "text"}]})),
            200,
        );
        server.must(
            "DELETE",
            "/api/collections/scratch",
            Auth::Superuser,
            Body::None,
            204,
        );
        let schema = comparable(collections(&server));
        server.stop();
        (schema, first.join("migrations"))
    };
    let files = std::fs::read_dir(&migrations)
        .expect("migrations dir")
        .count();
    assert!(
        files >= 6,
        "expected a migration file per schema change, found {files}"
    );

    let second = tmp.path().join("second");
    copy_dir(&migrations, &second.join("migrations"));
    let second_dir = second.to_str().expect("utf-8 path");
    let up = run(&["migrate", "up", "--dir", second_dir]);
    assert!(up.status.success(), "{}", text(&up));
    assert_eq!(text(&up).matches("Applied").count(), files, "{}", text(&up));
    let again = run(&["migrate", "up", "--dir", second_dir]);
    assert!(
        text(&again).contains("No new migrations"),
        "{}",
        text(&again)
    );
    {
        let mut server = Server::start_in(&second, tmp.path());
        assert_eq!(
            comparable(collections(&server)),
            schema,
            "migrate up rebuilt a different schema"
        );
        server.stop();
    }

    // Down reverts the newest change (the delete of `scratch`), up applies it again.
    // (`serve` applies pending files too, so the database is read directly here.)
    let scratch_exists = || {
        let conn = rusqlite::Connection::open(second.join("data.db")).expect("open data.db");
        conn.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'scratch'",
            [],
            |row| row.get::<_, i64>(0),
        )
        .expect("query")
            == 1
    };
    assert!(!scratch_exists());
    let down = run(&["migrate", "down", "1", "--dir", second_dir]);
    assert!(down.status.success(), "{}", text(&down));
    assert!(text(&down).contains("Reverted"), "{}", text(&down));
    assert!(
        scratch_exists(),
        "migrate down did not recreate the deleted collection"
    );
    let up = run(&["migrate", "up", "--dir", second_dir]);
    assert_eq!(text(&up).matches("Applied").count(), 1, "{}", text(&up));
    assert!(
        !scratch_exists(),
        "migrate up did not delete the collection again"
    );

    let snapshot = run(&["migrate", "collections", "--dir", second_dir]);
    assert!(snapshot.status.success(), "{}", text(&snapshot));
    let third = tmp.path().join("third");
    std::fs::create_dir_all(third.join("migrations")).expect("mkdir");
    for entry in std::fs::read_dir(second.join("migrations")).expect("read") {
        let entry = entry.expect("entry");
        if entry.file_name().to_string_lossy().contains("_snapshot_") {
            std::fs::copy(
                entry.path(),
                third.join("migrations").join(entry.file_name()),
            )
            .expect("copy");
        }
    }
    let up = run(&[
        "migrate",
        "up",
        "--dir",
        third.to_str().expect("utf-8 path"),
    ]);
    assert!(up.status.success(), "{}", text(&up));
    let mut server = Server::start_in(&third, tmp.path());
    assert_eq!(
        comparable(collections(&server)),
        schema,
        "a snapshot rebuilt a different schema"
    );
    server.stop();
}
