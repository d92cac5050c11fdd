//! The rights request form, shared by the public page (C11) and the agent
//! recording a letter: its fields, their parsing, and errors next to the
//! field in the page's language.

use serde::Deserialize;
use vigie_domain::{
    account::Email,
    rights::{AnswerBy, Capacity, Channel, Contact, Representative, RequestKind},
};
use vigie_service::{ServiceError, rights::RequestInput};

use crate::{
    i18n::Msgs,
    labels::{self, Choice},
};

#[derive(Debug, Default, Clone, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub details: String,
    pub ch_email: Option<String>,
    pub ch_sms: Option<String>,
    pub ch_phone: Option<String>,
    pub ch_post: Option<String>,
    /// Agent form only.
    #[serde(default)]
    pub intake: String,
    #[serde(default)]
    pub received_on: String,
    /// Agent form only (issue 18): a letter's postal address, how the
    /// answer goes, who acts for the person and the proof seen.
    #[serde(default)]
    pub postal_address: String,
    #[serde(default)]
    pub answer_by: String,
    #[serde(default)]
    pub rep_name: String,
    #[serde(default)]
    pub rep_capacity: String,
    #[serde(default)]
    pub rep_mandate: String,
}

/// Errors per field, for the template.
#[derive(Debug, Default, Clone)]
pub struct FormErrors {
    pub kind: Option<&'static str>,
    pub name: Option<&'static str>,
    pub email: Option<&'static str>,
    pub phone: Option<&'static str>,
    pub details: Option<&'static str>,
    pub channels: Option<&'static str>,
    pub received_on: Option<&'static str>,
    pub postal_address: Option<&'static str>,
    pub representative: Option<&'static str>,
}

impl FormErrors {
    pub fn any(&self) -> bool {
        self.kind.is_some()
            || self.name.is_some()
            || self.email.is_some()
            || self.phone.is_some()
            || self.details.is_some()
            || self.channels.is_some()
            || self.received_on.is_some()
            || self.postal_address.is_some()
            || self.representative.is_some()
    }

    /// Places a service's form error next to its field.
    pub fn from_service(m: &'static Msgs, e: &ServiceError) -> Option<Self> {
        let ServiceError::Invalid { field, .. } = e else {
            return None;
        };
        let mut f = FormErrors::default();
        match *field {
            "name" => f.name = Some(m.rights_name_invalid),
            "phone" => f.phone = Some(m.rights_phone_invalid),
            "details" => f.details = Some(m.rights_details_invalid),
            "channels" => f.channels = Some(m.rights_channels_invalid),
            "received_on" => f.received_on = Some(m.date_invalid),
            "email" => f.email = Some(m.rights_email_needed),
            "postal_address" => f.postal_address = Some(m.rights_address_needed),
            "representative" => f.representative = Some(m.rights_representative_invalid),
            _ => return None,
        }
        Some(f)
    }
}

/// What the template needs to redraw the form as typed.
pub struct FormView {
    pub f: RequestForm,
    pub e: FormErrors,
    pub kinds: Vec<Choice>,
    pub channels: Vec<Choice>,
    /// Agent form: how the answer goes, and in what capacity someone acts.
    pub answer_bys: Vec<Choice>,
    pub capacities: Vec<Choice>,
    /// The public form needs the address (the code goes there); an agent
    /// recording a letter may have none.
    pub email_required: bool,
}

impl RequestForm {
    fn channels(&self) -> Vec<Channel> {
        [
            (&self.ch_email, Channel::Email),
            (&self.ch_sms, Channel::Sms),
            (&self.ch_phone, Channel::Phone),
            (&self.ch_post, Channel::Post),
        ]
        .into_iter()
        .filter(|(v, _)| v.is_some())
        .map(|(_, c)| c)
        .collect()
    }

    /// How to reach the person, from the agent's fields.
    fn contact(&self) -> Contact {
        let representative = (!self.rep_name.trim().is_empty()
            || !self.rep_mandate.trim().is_empty())
        .then(|| Representative {
            name: self.rep_name.clone(),
            capacity: Capacity::parse(&self.rep_capacity).unwrap_or(Capacity::Mandatary),
            mandate: self.rep_mandate.clone(),
        });
        Contact {
            postal_address: self.postal_address.clone(),
            representative,
            answer_by: AnswerBy::parse(&self.answer_by).unwrap_or(AnswerBy::Email),
        }
    }

    /// The request, or the errors of every field at once. On the public
    /// form the address is required (the code goes there); an agent
    /// recording a letter may have none.
    #[allow(clippy::result_large_err)] // one form's errors by field, built once per submission
    pub fn parse(
        &self,
        m: &'static Msgs,
        email_required: bool,
    ) -> Result<RequestInput, FormErrors> {
        let mut e = FormErrors::default();
        let kind = RequestKind::parse(&self.kind);
        if kind.is_none() {
            e.kind = Some(m.rights_kind_invalid);
        }
        let email = match self.email.trim() {
            "" if !email_required => Ok(None),
            typed => Email::parse(typed).map(Some),
        };
        if email.is_err() {
            e.email = Some(m.rights_email_invalid);
        }
        let (Some(kind), Ok(email)) = (kind, email) else {
            return Err(e);
        };
        let input = RequestInput {
            kind,
            name: self.name.clone(),
            email,
            contact: self.contact(),
            phone: self.phone.clone(),
            details: self.details.clone(),
            channels: self.channels(),
            rectifications: Vec::new(),
        };
        match input.check() {
            Ok(()) => Ok(input),
            Err(err) => Err(FormErrors::from_service(m, &err).unwrap_or(e)),
        }
    }

    pub fn view(self, m: &'static Msgs, e: FormErrors) -> FormView {
        let chosen = self.channels();
        FormView {
            kinds: labels::choices(
                &RequestKind::ALL,
                RequestKind::as_str,
                |k| labels::kind(m, k),
                |k| k.as_str() == self.kind,
            ),
            channels: labels::choices(
                &Channel::ALL,
                Channel::as_str,
                |c| labels::channel(m, c),
                |c| chosen.contains(&c),
            ),
            answer_bys: labels::choices(
                AnswerBy::ALL,
                AnswerBy::as_str,
                |a| labels::answer_by(m, a),
                |a| {
                    a.as_str() == self.answer_by
                        || (self.answer_by.is_empty() && a == AnswerBy::Email)
                },
            ),
            capacities: labels::choices(
                Capacity::ALL,
                Capacity::as_str,
                |c| labels::capacity(m, c),
                |c| c.as_str() == self.rep_capacity,
            ),
            f: self,
            e,
            email_required: true,
        }
    }
}
