//! Date macros (`@now`, `@todayStart`, `@month`...), evaluated once at compile time into
//! bound parameters, in PocketBase's date format, all in UTC.

use chrono::{DateTime, Datelike, Days, Duration, Months, NaiveDate, TimeZone, Timelike, Utc};

use super::SqlValue;
use crate::core::record::format_datetime;

/// The value of the macro `name` at `now`, or `None` when `name` is not a macro.
pub(super) fn macro_value(name: &str, now: DateTime<Utc>) -> Option<SqlValue> {
    let date = |instant: DateTime<Utc>| SqlValue::Text(format_datetime(instant));
    let start_of = |day: NaiveDate| {
        day.and_hms_opt(0, 0, 0)
            .map(|naive| Utc.from_utc_datetime(&naive))
    };
    let end_of = |day: NaiveDate| {
        day.and_hms_milli_opt(23, 59, 59, 999)
            .map(|naive| Utc.from_utc_datetime(&naive))
    };
    let today = now.date_naive();
    let month_start = NaiveDate::from_ymd_opt(now.year(), now.month(), 1);
    let value = match name {
        "@now" => date(now),
        "@yesterday" => date(now - Duration::days(1)),
        "@tomorrow" => date(now + Duration::days(1)),
        "@second" => SqlValue::Integer(i64::from(now.second())),
        "@minute" => SqlValue::Integer(i64::from(now.minute())),
        "@hour" => SqlValue::Integer(i64::from(now.hour())),
        "@day" => SqlValue::Integer(i64::from(now.day())),
        "@month" => SqlValue::Integer(i64::from(now.month())),
        "@weekday" => SqlValue::Integer(i64::from(now.weekday().num_days_from_sunday())),
        "@year" => SqlValue::Integer(i64::from(now.year())),
        "@todayStart" => date(start_of(today)?),
        "@todayEnd" => date(end_of(today)?),
        "@monthStart" => date(start_of(month_start?)?),
        "@monthEnd" => {
            let last_day = month_start?
                .checked_add_months(Months::new(1))?
                .checked_sub_days(Days::new(1))?;
            date(end_of(last_day)?)
        }
        "@yearStart" => date(start_of(NaiveDate::from_ymd_opt(now.year(), 1, 1)?)?),
        "@yearEnd" => date(end_of(NaiveDate::from_ymd_opt(now.year(), 12, 31)?)?),
        _ => return None,
    };
    Some(value)
}
