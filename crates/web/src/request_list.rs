//! What the lists of rights requests show, on the pages and through the
//! API alike: the legal day, a request's urgency, and the `due` filter.

use jiff::{Timestamp, civil::Date};
use vigie_domain::rights::{Urgency, urgency};
use vigie_store::{RequestFilter, RightsRequest};

/// Today in the legal time zone (deadlines are French days).
pub(crate) fn today() -> Date {
    vigie_domain::time::legal_date(Timestamp::now())
}

pub(crate) fn urgency_of(r: &RightsRequest, today: Date) -> &'static str {
    match (r.status.is_open(), r.due_on) {
        (true, Some(d)) => match urgency(d, today) {
            Urgency::Late => "late",
            Urgency::DueSoon => "soon",
            Urgency::OnTime => "",
        },
        _ => "",
    }
}

/// The list's `due` word as asked (`open` when empty, `soon`, `late`,
/// `stalled`, `all`); `None` for another word.
pub(crate) fn due_of(raw: &str) -> Option<&'static str> {
    match raw {
        "" | "open" => Some("open"),
        "soon" => Some("soon"),
        "late" => Some("late"),
        "stalled" => Some("stalled"),
        "all" => Some("all"),
        _ => None,
    }
}

/// The list's filter for a `due` word of `due_of`.
pub(crate) fn filter_for(search: &str, due: &str, today: Date) -> RequestFilter {
    RequestFilter {
        search: search.to_owned(),
        status: None,
        open_only: due != "all",
        due_by: match due {
            "late" => today.yesterday().ok(),
            "soon" => today.checked_add(jiff::ToSpan::days(7)).ok(),
            _ => None,
        },
        stalled_only: due == "stalled",
    }
}
