//! Records: the values of one row, their normalization and validation against a
//! collection's fields, and their JSON form. Pure: no SQL, no I/O. Start at `prepare`.

mod cast;
mod export;
mod prepare;
mod syntax;
#[cfg(test)]
mod tests;

pub use export::{ExportOptions, into_json, to_json};
pub use prepare::{
    DEFAULT_EDITOR_MAX_SIZE, DEFAULT_JSON_MAX_SIZE, PrepareOptions, Prepared, geo_json, prepare,
};
pub(crate) use syntax::{is_email, is_url};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rand::Rng;
use serde_json::{Number, Value};

/// PocketBase's date format: `2006-01-02 15:04:05.000Z`.
pub const DATE_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.3fZ";

/// Formats a UTC instant the way PocketBase stores and returns dates.
pub fn format_datetime(instant: DateTime<Utc>) -> String {
    instant.format(DATE_FORMAT).to_string()
}

/// The current instant in PocketBase's date format.
pub fn now_string() -> String {
    format_datetime(Utc::now())
}

/// Parses the date forms PocketBase accepts: RFC 3339, `YYYY-MM-DD HH:MM:SS[.fff][Z]` and
/// `YYYY-MM-DD`.
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed.with_timezone(&Utc));
    }
    if let Ok(parsed) = DateTime::parse_from_rfc3339(&text.replacen(' ', "T", 1)) {
        return Some(parsed.with_timezone(&Utc));
    }
    let naive = text.trim_end_matches('Z').replacen('T', " ", 1);
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(parsed) = NaiveDateTime::parse_from_str(&naive, format) {
            return Some(parsed.and_utc());
        }
    }
    NaiveDate::parse_from_str(&naive, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|parsed| parsed.and_utc())
}

/// A number as JSON the way Go prints a float64: integral values without a fraction.
pub fn number_to_json(number: f64) -> Value {
    if number.fract() == 0.0 && number.abs() < 9.007_199_254_740_992e15 {
        Value::Number(Number::from(number as i64))
    } else {
        Number::from_f64(number)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

const ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A new random record id: 15 characters of `[a-z0-9]`.
pub fn new_record_id() -> String {
    random_string(ID_ALPHABET, 15)
}

/// A random string of `length` characters drawn from `alphabet`.
pub fn random_string(alphabet: &[u8], length: usize) -> String {
    let mut rng = rand::rng();
    (0..length)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

/// Whether `id` is a valid record id: 1-100 characters of `[a-zA-Z0-9_-]`... as the id
/// field's pattern allows; by default `^[a-z0-9]+$` with exactly 15 characters.
pub fn is_valid_record_id_chars(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
