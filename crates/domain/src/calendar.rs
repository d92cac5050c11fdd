//! The legal calendar: French public holidays ("jours fériés"), working days,
//! and periods in months counted as Regulation (EEC, Euratom) 1182/71 counts
//! them — the rule behind every GDPR deadline (Art. 12.3: "un mois à compter
//! de la réception de la demande").

use jiff::{
    ToSpan,
    civil::{Date, Weekday},
};
use serde::{Deserialize, Serialize};

/// Which public holidays apply to a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Calendar {
    /// The eleven holidays of the Labour Code (art. L3133-1).
    #[default]
    France,
    /// Plus Good Friday and 26 December ("droit local d'Alsace-Moselle",
    /// art. L3134-13) for the Bas-Rhin, Haut-Rhin and Moselle.
    AlsaceMoselle,
}

impl Calendar {
    pub fn as_str(self) -> &'static str {
        match self {
            Calendar::France => "france",
            Calendar::AlsaceMoselle => "alsace_moselle",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Calendar::France, Calendar::AlsaceMoselle]
            .into_iter()
            .find(|c| c.as_str() == s)
    }

    /// Whether `d` is a public holiday in this calendar.
    pub fn is_holiday(self, d: Date) -> bool {
        let (m, day) = (d.month(), d.day());
        let fixed = matches!(
            (m, day),
            (1, 1) | (5, 1) | (5, 8) | (7, 14) | (8, 15) | (11, 1) | (11, 11) | (12, 25)
        );
        if fixed {
            return true;
        }
        let Some(easter) = easter_sunday(d.year()) else {
            return false;
        };
        let offset = (d - easter).get_days();
        // Easter Monday, Ascension Thursday, Whit Monday.
        if matches!(offset, 1 | 39 | 50) {
            return true;
        }
        self == Calendar::AlsaceMoselle && (offset == -2 || (m, day) == (12, 26))
    }

    /// Neither a Saturday, a Sunday nor a public holiday.
    pub fn is_working_day(self, d: Date) -> bool {
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) && !self.is_holiday(d)
    }

    /// `d` itself if it is a working day, else the next one.
    pub fn next_working_day(self, d: Date) -> Date {
        let mut d = d;
        // At most a long weekend plus a holiday or two: the loop is short,
        // and bounded in case of a date at the end of time.
        for _ in 0..14 {
            if self.is_working_day(d) {
                return d;
            }
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => return d,
            }
        }
        d
    }

    /// The last day of a period of `months` months that starts with an event
    /// on `event` (Regulation 1182/71, art. 3): the day of the last month
    /// with the same date as the event, or the last day of that month if it
    /// is shorter; moved to the next working day if it falls on a Saturday,
    /// Sunday or public holiday.
    pub fn months_after(self, event: Date, months: i32) -> Date {
        // jiff clamps to the last day of a shorter month, which is the rule.
        let end = event.checked_add(months.months()).unwrap_or(Date::MAX);
        self.next_working_day(end)
    }
}

impl Calendar {
    /// The last day of a period of `days` days from an event on `event`
    /// (Regulation 1182/71, art. 3: the day of the event does not count),
    /// moved to the next working day if it is not one.
    pub fn days_after(self, event: Date, days: i32) -> Date {
        let end = event.checked_add(days.days()).unwrap_or(Date::MAX);
        self.next_working_day(end)
    }
}

/// Working time in contracts that count it (C34): 08:30–12:30 and
/// 13:30–17:30, Monday to Friday, public holidays of the calendar
/// excluded, in the legal zone.
pub const WORKING_WINDOWS: [((i8, i8), (i8, i8)); 2] = [((8, 30), (12, 30)), ((13, 30), (17, 30))];

impl Calendar {
    /// The instant `minutes` of working time after `start` (an
    /// intervention "within 2 working hours", an RTO of 8): time outside
    /// the windows, weekends and holidays does not count.
    pub fn add_working_minutes(self, start: jiff::Timestamp, minutes: i64) -> jiff::Timestamp {
        let zone = crate::time::legal_zone();
        let mut left = minutes.max(0);
        let mut now = start.to_zoned(zone.clone()).datetime();
        // Bounded: a year of working days is far more than any contract asks.
        for _ in 0..(366 * 2 + 2) {
            if self.is_working_day(now.date()) {
                for ((h1, m1), (h2, m2)) in WORKING_WINDOWS {
                    let open = now.date().at(h1, m1, 0, 0);
                    let close = now.date().at(h2, m2, 0, 0);
                    if now >= close {
                        continue;
                    }
                    let from = if now < open { open } else { now };
                    let room = from.duration_until(close).as_mins();
                    if left <= room {
                        let end = from
                            .checked_add(jiff::SignedDuration::from_mins(left))
                            .unwrap_or(close);
                        return end
                            .to_zoned(zone.clone())
                            .map(|z| z.timestamp())
                            .unwrap_or(start);
                    }
                    left -= room;
                    now = close;
                }
            }
            now = match now.date().tomorrow() {
                Ok(d) => d.at(0, 0, 0, 0),
                Err(_) => return jiff::Timestamp::MAX,
            };
        }
        jiff::Timestamp::MAX
    }
}

/// Easter Sunday in the Gregorian calendar (the anonymous "Meeus/Jones/
/// Butcher" computation).
pub fn easter_sunday(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn easter_dates_are_known_ones() {
        assert_eq!(easter_sunday(2024), Some(date(2024, 3, 31)));
        assert_eq!(easter_sunday(2025), Some(date(2025, 4, 20)));
        assert_eq!(easter_sunday(2026), Some(date(2026, 4, 5)));
        assert_eq!(easter_sunday(2027), Some(date(2027, 3, 28)));
        assert_eq!(easter_sunday(2038), Some(date(2038, 4, 25)));
    }

    #[test]
    fn holidays_of_2026() {
        let fr = Calendar::France;
        for d in [
            date(2026, 1, 1),
            date(2026, 4, 6),  // Easter Monday
            date(2026, 5, 14), // Ascension
            date(2026, 5, 25), // Whit Monday
            date(2026, 7, 14),
            date(2026, 11, 11),
        ] {
            assert!(fr.is_holiday(d), "{d}");
        }
        assert!(
            !fr.is_holiday(date(2026, 4, 3)),
            "Good Friday is not national"
        );
        assert!(Calendar::AlsaceMoselle.is_holiday(date(2026, 4, 3)));
        assert!(!fr.is_holiday(date(2026, 12, 26)));
        assert!(Calendar::AlsaceMoselle.is_holiday(date(2026, 12, 26)));
    }

    // C13: one month from receipt, 1182/71 style.
    #[test]
    fn c13_one_month_same_date_next_month() {
        // Tue 10 Nov 2026 → Thu 10 Dec 2026.
        assert_eq!(
            Calendar::France.months_after(date(2026, 11, 10), 1),
            date(2026, 12, 10)
        );
    }

    #[test]
    fn c13_shorter_month_ends_on_its_last_day() {
        // 31 Jan 2025 → 28 Feb 2025 (a Friday).
        assert_eq!(
            Calendar::France.months_after(date(2025, 1, 31), 1),
            date(2025, 2, 28)
        );
        // 31 Jan 2028 (leap year) → Tue 29 Feb 2028.
        assert_eq!(
            Calendar::France.months_after(date(2028, 1, 31), 1),
            date(2028, 2, 29)
        );
    }

    #[test]
    fn c13_weekend_and_holidays_roll_forward() {
        // 14 Feb 2026 → Sat 14 Mar → Mon 16 Mar.
        assert_eq!(
            Calendar::France.months_after(date(2026, 2, 14), 1),
            date(2026, 3, 16)
        );
        // 14 Jun 2026 → Tue 14 Jul (holiday) → Wed 15 Jul.
        assert_eq!(
            Calendar::France.months_after(date(2026, 6, 14), 1),
            date(2026, 7, 15)
        );
        // 3 Mar 2026 → Fri 3 Apr: a working day in France, Good Friday in
        // Alsace-Moselle → Mon 6 Apr is Easter Monday → Tue 7 Apr.
        assert_eq!(
            Calendar::France.months_after(date(2026, 3, 3), 1),
            date(2026, 4, 3)
        );
        assert_eq!(
            Calendar::AlsaceMoselle.months_after(date(2026, 3, 3), 1),
            date(2026, 4, 7)
        );
        // 25 Nov 2026 → Fri 25 Dec → Mon 28 Dec; Alsace-Moselle too (26th
        // is a Saturday anyway).
        assert_eq!(
            Calendar::France.months_after(date(2026, 11, 25), 1),
            date(2026, 12, 28)
        );
    }

    // C09: the 10-day objection window.
    #[test]
    fn c09_ten_days_from_receipt() {
        // Mon 2 Nov 2026 → Thu 12 Nov.
        assert_eq!(
            Calendar::France.days_after(date(2026, 11, 2), 10),
            date(2026, 11, 12)
        );
        // Sun 1 Nov → Wed 11 Nov (Armistice) → Thu 12 Nov.
        assert_eq!(
            Calendar::France.days_after(date(2026, 11, 1), 10),
            date(2026, 11, 12)
        );
        // Wed 16 Dec → Sat 26 Dec → Mon 28 Dec.
        assert_eq!(
            Calendar::France.days_after(date(2026, 12, 16), 10),
            date(2026, 12, 28)
        );
    }

    #[test]
    fn c13_extension_counts_three_months_from_receipt() {
        // 30 Nov 2026 + 3 months → 28 Feb 2027 is a Sunday → Mon 1 Mar.
        assert_eq!(
            Calendar::France.months_after(date(2026, 11, 30), 3),
            date(2027, 3, 1)
        );
    }
}

#[cfg(test)]
mod working_hours {
    use super::*;
    use jiff::{Timestamp, civil::date};

    fn paris(d: Date, h: i8, m: i8) -> Timestamp {
        d.at(h, m, 0, 0)
            .to_zoned(crate::time::legal_zone())
            .unwrap()
            .timestamp()
    }

    #[test]
    fn c34_two_working_hours_across_lunch_evening_and_weekend() {
        let fr = Calendar::France;
        // Tuesday 1 December 2026, 11:45 → 45 min before lunch, 75 after.
        let tue = date(2026, 12, 1);
        assert_eq!(
            fr.add_working_minutes(paris(tue, 11, 45), 120),
            paris(tue, 14, 45)
        );
        // During lunch: counting starts at 13:30.
        assert_eq!(
            fr.add_working_minutes(paris(tue, 12, 50), 120),
            paris(tue, 15, 30)
        );
        // At night: from 08:30 the next morning.
        assert_eq!(
            fr.add_working_minutes(paris(tue, 22, 10), 120),
            paris(date(2026, 12, 2), 10, 30)
        );
        // Friday 16:30 → 1 h on Friday, 1 h on Monday.
        let fri = date(2026, 12, 4);
        assert_eq!(
            fr.add_working_minutes(paris(fri, 16, 30), 120),
            paris(date(2026, 12, 7), 9, 30)
        );
        // RTO of 8 working hours from Monday 09:00: Tuesday 09:00.
        let mon = date(2026, 12, 7);
        assert_eq!(
            fr.add_working_minutes(paris(mon, 9, 0), 480),
            paris(date(2026, 12, 8), 9, 0)
        );
    }

    #[test]
    fn c34_holidays_are_not_working_time() {
        let fr = Calendar::France;
        let am = Calendar::AlsaceMoselle;
        // Thursday 30 April 2026 17:00; 1 May is a Friday holiday.
        let eve = paris(date(2026, 4, 30), 17, 0);
        assert_eq!(
            fr.add_working_minutes(eve, 60),
            paris(date(2026, 5, 4), 9, 0)
        );
        // Ascension 2026 is Thursday 14 May.
        let wed = paris(date(2026, 5, 13), 17, 0);
        assert_eq!(
            fr.add_working_minutes(wed, 60),
            paris(date(2026, 5, 15), 9, 0)
        );
        // Good Friday (3 April 2026) counts in France, not in Alsace-Moselle.
        let thu = paris(date(2026, 4, 2), 17, 0);
        assert_eq!(
            fr.add_working_minutes(thu, 60),
            paris(date(2026, 4, 3), 9, 0)
        );
        assert_eq!(
            am.add_working_minutes(thu, 60),
            paris(date(2026, 4, 7), 9, 0),
            "Easter Monday too"
        );
        // 26 December 2025 is a Friday: a holiday in Alsace-Moselle only.
        let xmas_eve = paris(date(2025, 12, 24), 17, 0);
        assert_eq!(
            fr.add_working_minutes(xmas_eve, 60),
            paris(date(2025, 12, 26), 9, 0)
        );
        assert_eq!(
            am.add_working_minutes(xmas_eve, 60),
            paris(date(2025, 12, 29), 9, 0)
        );
    }
}
