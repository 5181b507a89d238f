//! PocketBase's loose type casts (spf13/cast as PocketBase applies it to decoded JSON):
//! what a request value becomes when stored in a field of a given type. None of these
//! fail; a value that cannot be cast becomes the zero value, as in PocketBase.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::format_datetime;

/// A value as text: strings as they are, numbers in Go's shortest decimal form without
/// exponent, booleans as `true`/`false`; null, arrays and objects become "".
pub(crate) fn to_string(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.as_f64().map(format_float).unwrap_or_default(),
        Value::Null | Value::Array(_) | Value::Object(_) => String::new(),
    }
}

/// A float the way Go's `strconv.FormatFloat(f, 'f', -1, 64)` prints it.
pub(crate) fn format_float(number: f64) -> String {
    // Rust's `Display` for f64 is also the shortest round-trip form without exponent.
    number.to_string()
}

/// A value as a number: numeric strings are parsed like Go's `strconv.ParseFloat`,
/// booleans are 1 or 0, anything else is 0. NaN and infinities can come out of strings
/// such as "NaN" and "Inf"; validation rejects them.
pub(crate) fn to_f64(value: &Value) -> f64 {
    match value {
        Value::Number(number) => number.as_f64().unwrap_or(0.0),
        Value::Bool(flag) => f64::from(u8::from(*flag)),
        Value::String(text) => parse_go_float(text).unwrap_or(0.0),
        Value::Null | Value::Array(_) | Value::Object(_) => 0.0,
    }
}

/// Parses the decimal subset of Go's `strconv.ParseFloat`: no surrounding spaces,
/// underscores only between digits, `inf`/`infinity`/`nan` in any case, and out-of-range
/// values rejected (Go reports them as a range error, which cast turns into 0).
pub(crate) fn parse_go_float(text: &str) -> Option<f64> {
    if text.is_empty() || text.len() > 1000 {
        return None;
    }
    let cleaned;
    let text = if text.contains('_') {
        if !underscores_between_digits(text) {
            return None;
        }
        cleaned = text.replace('_', "");
        cleaned.as_str()
    } else {
        text
    };
    if !text
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'+' | b'-'))
    {
        return None;
    }
    let parsed: f64 = text.parse().ok()?;
    if parsed.is_infinite() {
        let literal = text.trim_start_matches(['+', '-']).to_ascii_lowercase();
        if literal != "inf" && literal != "infinity" {
            return None;
        }
    }
    Some(parsed)
}

fn underscores_between_digits(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().all(|(index, byte)| {
        *byte != b'_'
            || (index > 0
                && bytes[index - 1].is_ascii_digit()
                && bytes.get(index + 1).is_some_and(u8::is_ascii_digit))
    })
}

/// A value as a boolean: `strconv.ParseBool` strings (`1`, `t`, `T`, `TRUE`, `true`, `True`
/// and their false forms), non-zero numbers; anything else is false.
pub(crate) fn to_bool(value: &Value) -> bool {
    match value {
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64().is_some_and(|number| number != 0.0),
        Value::String(text) => matches!(text.as_str(), "1" | "t" | "T" | "TRUE" | "true" | "True"),
        Value::Null | Value::Array(_) | Value::Object(_) => false,
    }
}

/// A value as a list of distinct non-empty strings (PocketBase's `ToUniqueStringSlice`):
/// a string holding a JSON array of strings is unpacked, any other string is one item,
/// array items are cast to strings, a lone scalar is one item.
pub(crate) fn to_unique_strings(value: &Value) -> Vec<String> {
    let items: Vec<String> = match value {
        Value::Null | Value::Object(_) => vec![],
        Value::String(text) if text.is_empty() => vec![],
        Value::String(text) => {
            if text.contains('[')
                && let Ok(parsed) = serde_json::from_str::<Vec<String>>(text)
            {
                parsed
            } else {
                vec![text.clone()]
            }
        }
        Value::Array(items) => items.iter().map(to_string).collect(),
        Value::Bool(_) | Value::Number(_) => vec![to_string(value)],
    };
    unique_non_empty(items)
}

/// Drops empty strings and repeated items, keeping the first occurrence.
pub(crate) fn unique_non_empty(items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|item| !item.is_empty() && seen.insert(item.clone()))
        .collect()
}

/// A value as a PocketBase date string (`2006-01-02 15:04:05.000Z`), or "" when it is not
/// a string in one of the accepted layouts. Numbers are not dates (as in PocketBase).
pub(crate) fn to_datetime(value: &Value) -> String {
    match value {
        Value::String(text) => parse_input_datetime(text)
            .map(format_datetime)
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Parses the layouts PocketBase accepts for date input: its own storage format, RFC 3339
/// (with `T` or a space), `YYYY-MM-DD HH:MM:SS[.fff]` without zone (UTC) and `YYYY-MM-DD`.
/// Leading or trailing spaces are not accepted, nor are years outside 0001-9999.
pub(crate) fn parse_input_datetime(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    if text.len() < 10
        || text.len() > 64
        || !bytes[..4].iter().all(u8::is_ascii_digit)
        || bytes[4] != b'-'
        || text.trim() != text
    {
        return None;
    }
    let parsed = parse_layouts(text)?;
    // Go's zero time (0001-01-01 00:00:00 UTC) is the empty date.
    if parsed.timestamp() == -62_135_596_800 && parsed.timestamp_subsec_nanos() == 0 {
        return None;
    }
    Some(parsed)
}

fn parse_layouts(text: &str) -> Option<DateTime<Utc>> {
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f %:z",
        "%Y-%m-%d %H:%M:%S%.f %z",
    ] {
        if let Ok(parsed) = DateTime::parse_from_str(text, format) {
            return Some(parsed.with_timezone(&Utc));
        }
    }
    let naive = text.strip_suffix('Z').unwrap_or(text);
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(parsed) = NaiveDateTime::parse_from_str(naive, format) {
            return Some(parsed.and_utc());
        }
    }
    if naive.len() == 10 {
        return NaiveDate::parse_from_str(naive, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)
            .map(|parsed| parsed.and_utc());
    }
    None
}

/// A value for a json field. Plain strings are normalized as PocketBase does for
/// multipart forms: "null", "true", "false" and strings that start like a JSON number,
/// string, array or object and parse as JSON become that JSON; other strings stay strings.
pub(crate) fn to_json_value(value: &Value) -> Value {
    let Value::String(text) = value else {
        return value.clone();
    };
    match text.as_str() {
        "" => return Value::String(String::new()),
        "null" => return Value::Null,
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if (first.is_ascii_digit() || matches!(first, b'-' | b'"' | b'[' | b'{'))
        && let Ok(parsed) = serde_json::from_str::<Value>(text)
    {
        return parsed;
    }
    value.clone()
}

/// A value as a geo point `(lon, lat)`. Objects (or strings holding one) with numeric
/// `lon`/`lat` keys (matched case-insensitively, as Go's JSON decoder does) are read;
/// anything else, including a key of the wrong type, gives the zero point.
pub(crate) fn to_geo_point(value: &Value) -> (f64, f64) {
    match value {
        Value::Object(object) => geo_from_object(object).unwrap_or((0.0, 0.0)),
        Value::String(text) if !text.is_empty() => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) => geo_from_object(&object).unwrap_or((0.0, 0.0)),
            _ => (0.0, 0.0),
        },
        _ => (0.0, 0.0),
    }
}

fn geo_from_object(object: &Map<String, Value>) -> Option<(f64, f64)> {
    let read = |name: &str| -> Option<f64> {
        let value = object
            .get(name)
            .or_else(|| {
                object
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(name))
                    .map(|(_, value)| value)
            })
            .unwrap_or(&Value::Null);
        match value {
            Value::Null => Some(0.0),
            Value::Number(number) => number.as_f64(),
            _ => None,
        }
    };
    Some((read("lon")?, read("lat")?))
}
