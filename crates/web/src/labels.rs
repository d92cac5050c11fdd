//! The words for the rights domain's closed lists, in the page's language.

use vigie_domain::{
    calendar::Calendar,
    rights::{Channel, Intake, RequestKind, RequestStatus, Verification},
};

use crate::i18n::Msgs;

pub fn kind(m: &'static Msgs, k: RequestKind) -> &'static str {
    match k {
        RequestKind::Access => m.kind_access,
        RequestKind::Rectification => m.kind_rectification,
        RequestKind::Erasure => m.kind_erasure,
        RequestKind::Restriction => m.kind_restriction,
        RequestKind::Portability => m.kind_portability,
        RequestKind::Objection => m.kind_objection,
        RequestKind::PostMortem => m.kind_post_mortem,
    }
}

pub fn status(m: &'static Msgs, s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::AwaitingEmailCheck => m.status_awaiting_email_check,
        RequestStatus::Received => m.status_received,
        RequestStatus::AwaitingInformation => m.status_awaiting_information,
        RequestStatus::Verified => m.status_verified,
        RequestStatus::Executing => m.status_executing,
        RequestStatus::Executed => m.status_executed,
        RequestStatus::Answered => m.status_answered,
        RequestStatus::Refused => m.status_refused,
        RequestStatus::Forwarded => m.status_forwarded,
        RequestStatus::Closed => m.status_closed,
    }
}

pub fn channel(m: &'static Msgs, c: Channel) -> &'static str {
    match c {
        Channel::Email => m.channel_email,
        Channel::Sms => m.channel_sms,
        Channel::Phone => m.channel_phone,
        Channel::Post => m.channel_post,
    }
}

pub fn intake(m: &'static Msgs, i: Intake) -> &'static str {
    match i {
        Intake::WebForm => m.intake_web_form,
        Intake::Letter => m.intake_letter,
        Intake::Email => m.intake_email,
        Intake::Forwarded => m.intake_forwarded,
    }
}

pub fn verification(m: &'static Msgs, v: Verification) -> &'static str {
    match v {
        Verification::EmailCode => m.verif_email_code,
        Verification::DocumentSeen => m.verif_document_seen,
        Verification::InPerson => m.verif_in_person,
        Verification::KnownAccount => m.verif_known_account,
    }
}

pub fn calendar(m: &'static Msgs, c: Calendar) -> &'static str {
    match c {
        Calendar::France => m.calendar_france,
        Calendar::AlsaceMoselle => m.calendar_alsace_moselle,
    }
}

/// An option of a `<select>` or a radio/checkbox group.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub fn choices<T: Copy>(
    all: &[T],
    value: fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    selected: impl Fn(T) -> bool,
) -> Vec<Choice> {
    all.iter()
        .map(|&x| Choice {
            value: value(x),
            label: label(x),
            selected: selected(x),
        })
        .collect()
}
