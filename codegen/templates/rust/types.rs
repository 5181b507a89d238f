use std::fmt;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A UTC date and time in PocketBase's text form `2006-01-02 15:04:05.000Z`.
///
/// `DateTime::parse(text)?.to_string() == text` for every date PocketBase writes.
/// An unset date is `None` in an `Option<DateTime>` field (PocketBase writes `""`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    /// Milliseconds since 1970-01-01 00:00:00.000 UTC.
    unix_millis: i64,
}

/// Why a text is not a PocketBase date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTimeError(pub String);

impl fmt::Display for DateTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a date in the form `2006-01-02 15:04:05.000Z`: {:?}",
            self.0
        )
    }
}

impl std::error::Error for DateTimeError {}

const MILLIS_PER_DAY: i64 = 86_400_000;

impl DateTime {
    /// Reads `YYYY-MM-DD HH:MM:SS.mmmZ` (years 0000 to 9999).
    pub fn parse(text: &str) -> Result<DateTime, DateTimeError> {
        let error = || DateTimeError(text.to_string());
        let bytes = text.as_bytes();
        if bytes.len() != 24 {
            return Err(error());
        }
        for (position, separator) in [(4, b'-'), (7, b'-'), (10, b' '), (13, b':')] {
            if bytes[position] != separator {
                return Err(error());
            }
        }
        if bytes[16] != b':' || bytes[19] != b'.' || bytes[23] != b'Z' {
            return Err(error());
        }
        let number = |from: usize, to: usize| -> Result<i64, DateTimeError> {
            let digits = &text[from..to];
            if !digits.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err(error());
            }
            digits.parse().map_err(|_| error())
        };
        let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
        let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
        let millis = number(20, 23)?;
        if hour > 23 || minute > 59 || second > 59 {
            return Err(error());
        }
        let days = days_from_civil(year, month, day);
        if civil_from_days(days) != (year, month, day) {
            return Err(error());
        }
        let day_millis = ((hour * 60 + minute) * 60 + second) * 1000 + millis;
        Ok(DateTime {
            unix_millis: days * MILLIS_PER_DAY + day_millis,
        })
    }

    /// The date `unix_millis` milliseconds after 1970-01-01 00:00:00.000 UTC.
    pub fn from_unix_millis(unix_millis: i64) -> DateTime {
        DateTime { unix_millis }
    }

    /// Milliseconds since 1970-01-01 00:00:00.000 UTC.
    pub fn unix_millis(self) -> i64 {
        self.unix_millis
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.unix_millis.div_euclid(MILLIS_PER_DAY);
        let day_millis = self.unix_millis.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let seconds = day_millis / 1000;
        write!(
            f,
            "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:03}Z",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60,
            day_millis % 1000
        )
    }
}

impl std::str::FromStr for DateTime {
    type Err = DateTimeError;

    fn from_str(text: &str) -> Result<DateTime, DateTimeError> {
        DateTime::parse(text)
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<DateTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse(&text).map_err(D::Error::custom)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` days after 1970-01-01, as (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// A `geoPoint` value.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct GeoPoint {
    /// Longitude, -180 to 180.
    pub lon: f64,
    /// Latitude, -90 to 90.
    pub lat: f64,
}

/// Reads `""` and `null` as `None` and anything else as a `T`: PocketBase writes `""` for
/// an unset single select, relation, file or date.
pub fn empty_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(text) if text.is_empty() => Ok(None),
        value => T::deserialize(value).map(Some).map_err(D::Error::custom),
    }
}

/// Writes `None` as `""`, as PocketBase does for an unset single select, relation, file
/// or date.
pub fn none_as_empty<S, T>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Serialize,
{
    match value {
        Some(value) => value.serialize(serializer),
        None => serializer.serialize_str(""),
    }
}

/// Writes `Some(None)` as `""`, which clears a single select, relation, file or date in an
/// update (`None` is not sent at all).
pub fn cleared_as_empty<S, T>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Serialize,
{
    none_as_empty(&value.as_ref().and_then(Option::as_ref), serializer)
}
