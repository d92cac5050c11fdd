//! Instants are stored as microseconds since the Unix epoch, in UTC.

use jiff::Timestamp;

/// Microseconds since the epoch, as stored.
pub fn to_micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

/// The instant a stored value stands for; out-of-range values clamp to the
/// representable bounds rather than fail, since they can only come from a
/// corrupted row and the caller shows them as such.
pub fn from_micros(us: i64) -> Timestamp {
    Timestamp::from_microsecond(us).unwrap_or(if us < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// The zone legal calendars are computed in (design: Europe/Paris); UTC
/// only if the system has no time-zone database.
pub fn legal_zone() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC)
}

/// The calendar date of an instant in the legal zone.
pub fn legal_date(t: Timestamp) -> jiff::civil::Date {
    t.to_zoned(legal_zone()).date()
}
