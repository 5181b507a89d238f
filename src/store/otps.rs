//! The `_otps` system table: one-time passwords of auth records (bcrypt-hashed codes)
//! with the address the code was mailed to; and `_otp_attempts`, the recent tries at
//! OTP auth per record, which limit guessing across all of a record's codes.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::StoreResult;

/// One stored OTP. `created` is in unix milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Otp {
    pub id: String,
    pub collection_ref: String,
    pub record_ref: String,
    /// The bcrypt hash of the code.
    pub password: String,
    pub sent_to: String,
    pub created: i64,
}

/// The DDL of the table (run by `schema::create_system_tables`).
pub const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS _otps (
        id TEXT PRIMARY KEY NOT NULL,
        collectionRef TEXT NOT NULL,
        recordRef TEXT NOT NULL,
        password TEXT NOT NULL,
        sentTo TEXT NOT NULL DEFAULT '',
        created INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS _otps_record ON _otps (collectionRef, recordRef, created);
    CREATE TABLE IF NOT EXISTS _otp_attempts (
        collectionRef TEXT NOT NULL,
        recordRef TEXT NOT NULL,
        at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS _otp_attempts_record ON _otp_attempts (collectionRef, recordRef, at);";

const COLUMNS: &str = "id, collectionRef, recordRef, password, sentTo, created";

fn read(row: &Row<'_>) -> rusqlite::Result<Otp> {
    Ok(Otp {
        id: row.get(0)?,
        collection_ref: row.get(1)?,
        record_ref: row.get(2)?,
        password: row.get(3)?,
        sent_to: row.get(4)?,
        created: row.get(5)?,
    })
}

pub fn insert(conn: &Connection, otp: &Otp) -> StoreResult<()> {
    conn.execute(
        &format!("INSERT INTO _otps ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        params![
            otp.id,
            otp.collection_ref,
            otp.record_ref,
            otp.password,
            otp.sent_to,
            otp.created
        ],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, id: &str) -> StoreResult<Option<Otp>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM _otps WHERE id = ?1"),
            [id],
            read,
        )
        .optional()?)
}

/// The OTPs of one record, newest first.
pub fn for_record(
    conn: &Connection,
    collection_ref: &str,
    record_ref: &str,
) -> StoreResult<Vec<Otp>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM _otps WHERE collectionRef = ?1 AND recordRef = ?2
         ORDER BY created DESC, rowid DESC"
    ))?;
    let rows = statement.query_map([collection_ref, record_ref], read)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Counts one more OTP auth attempt for a record at `now` (unix ms) and returns how
/// many it made since `since` before this one. Older attempts are forgotten.
pub fn record_attempt(
    conn: &Connection,
    collection_ref: &str,
    record_ref: &str,
    now: i64,
    since: i64,
) -> StoreResult<i64> {
    conn.execute("DELETE FROM _otp_attempts WHERE at < ?1", [since])?;
    let previous: i64 = conn.query_row(
        "SELECT COUNT(*) FROM _otp_attempts WHERE collectionRef = ?1 AND recordRef = ?2",
        [collection_ref, record_ref],
        |row| row.get(0),
    )?;
    conn.execute(
        "INSERT INTO _otp_attempts (collectionRef, recordRef, at) VALUES (?1, ?2, ?3)",
        params![collection_ref, record_ref, now],
    )?;
    Ok(previous)
}

pub fn set_sent_to(conn: &Connection, id: &str, sent_to: &str) -> StoreResult<()> {
    conn.execute(
        "UPDATE _otps SET sentTo = ?2 WHERE id = ?1",
        params![id, sent_to],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, id: &str) -> StoreResult<()> {
    conn.execute("DELETE FROM _otps WHERE id = ?1", [id])?;
    Ok(())
}

/// Deletes the OTPs created before `created_before` (unix milliseconds).
pub fn delete_created_before(conn: &Connection, created_before: i64) -> StoreResult<usize> {
    Ok(conn.execute("DELETE FROM _otps WHERE created < ?1", [created_before])?)
}
