//! The organisation sheet ("fiche de l'organisme"): who the controller is,
//! who represents it, its DPO with the CNIL's designation number and its
//! référent — typed once per tenant and used by every activity, export and
//! the public policy, rather than typed per activity and guessed.

use serde::{Deserialize, Serialize};

/// One tenant's sheet. Empty fields are allowed while it is being filled;
/// what is there is checked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationSheet {
    /// "Commune de Lons-le-Saunier"
    #[cfg_attr(
        feature = "openapi",
        schema(
            required = true,
            pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$"
        )
    )]
    pub legal_name: String,
    pub address: String,
    /// 9 digits (Luhn), stored without spaces.
    pub siren: String,
    /// The legal representative ("le maire", "le président").
    pub representative: String,
    pub representative_title: String,
    pub dpo_name: String,
    /// An address or email where people reach the DPO.
    pub dpo_contact: String,
    /// The number the CNIL gave when the DPO was designated ("DPO-12345").
    pub dpo_designation: String,
    /// The organisation's internal contact for data protection.
    pub referent_name: String,
    pub referent_contact: String,
}

/// A field of the sheet that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetProblem {
    #[error("legal_name: the organisation's name, 1 to 200 characters")]
    LegalName,
    #[error("siren: 9 digits whose check digit holds (e.g. 213 903 008)")]
    Siren,
    #[error("{0}: at most 500 characters")]
    TooLong(&'static str),
    #[error("dpo_contact: how people reach the DPO, since a DPO is named")]
    DpoContact,
}

impl SheetProblem {
    /// The form field the problem belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            SheetProblem::LegalName => "legal_name",
            SheetProblem::Siren => "siren",
            SheetProblem::TooLong(f) => f,
            SheetProblem::DpoContact => "dpo_contact",
        }
    }
}

impl OrganisationSheet {
    /// Trimmed, the SIREN without its spaces.
    pub fn normalised(mut self) -> Self {
        for f in self.fields_mut() {
            *f = f.trim().to_owned();
        }
        self.siren.retain(|c| !c.is_whitespace() && c != '.');
        self
    }

    fn fields_mut(&mut self) -> [&mut String; 10] {
        [
            &mut self.legal_name,
            &mut self.address,
            &mut self.siren,
            &mut self.representative,
            &mut self.representative_title,
            &mut self.dpo_name,
            &mut self.dpo_contact,
            &mut self.dpo_designation,
            &mut self.referent_name,
            &mut self.referent_contact,
        ]
    }

    /// Every rule the (normalised) sheet breaks.
    pub fn problems(&self) -> Vec<SheetProblem> {
        let mut out = Vec::new();
        let n = self.legal_name.chars().count();
        if n == 0 || n > 200 {
            out.push(SheetProblem::LegalName);
        }
        if !self.siren.is_empty() && !vigie_scan::validate::siren(self.siren.as_bytes()) {
            out.push(SheetProblem::Siren);
        }
        let named = [
            ("address", &self.address),
            ("representative", &self.representative),
            ("representative_title", &self.representative_title),
            ("dpo_name", &self.dpo_name),
            ("dpo_contact", &self.dpo_contact),
            ("dpo_designation", &self.dpo_designation),
            ("referent_name", &self.referent_name),
            ("referent_contact", &self.referent_contact),
        ];
        for (field, value) in named {
            if value.chars().count() > 500 {
                out.push(SheetProblem::TooLong(field));
            }
        }
        if !self.dpo_name.is_empty() && self.dpo_contact.is_empty() {
            out.push(SheetProblem::DpoContact);
        }
        out
    }

    /// "Jean Dupont, maire", or what of it is known.
    pub fn representative_line(&self) -> String {
        match (
            self.representative.is_empty(),
            self.representative_title.is_empty(),
        ) {
            (false, false) => format!("{}, {}", self.representative, self.representative_title),
            (false, true) => self.representative.clone(),
            (true, false) => self.representative_title.clone(),
            (true, true) => String::new(),
        }
    }

    /// "Anne Martin — dpo@… (désignation CNIL DPO-12345)", or what of it
    /// is known.
    pub fn dpo_line(&self) -> String {
        let mut s = [self.dpo_name.as_str(), self.dpo_contact.as_str()]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join(" — ");
        if !self.dpo_designation.is_empty() {
            s.push_str(&format!(" ({})", self.dpo_designation));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lons() -> OrganisationSheet {
        OrganisationSheet {
            legal_name: " Commune de Lons-le-Saunier ".into(),
            siren: "213 903 008".into(),
            representative: "Jean Dupont".into(),
            representative_title: "maire".into(),
            dpo_name: "Anne Martin".into(),
            dpo_contact: "dpo@lons.fr".into(),
            dpo_designation: "DPO-12345".into(),
            ..OrganisationSheet::default()
        }
        .normalised()
    }

    #[test]
    fn c01_a_filled_sheet_holds() {
        let s = lons();
        assert_eq!(s.legal_name, "Commune de Lons-le-Saunier");
        assert_eq!(s.siren, "213903008");
        assert_eq!(s.problems(), vec![]);
        assert_eq!(s.representative_line(), "Jean Dupont, maire");
        assert_eq!(s.dpo_line(), "Anne Martin — dpo@lons.fr (DPO-12345)");
    }

    #[test]
    fn c01_each_rule_names_its_field() {
        let mut s = lons();
        s.siren = "213903002".into();
        s.dpo_contact.clear();
        s.address = "x".repeat(501);
        let p = s.problems();
        let fields: Vec<&str> = p.iter().map(SheetProblem::field).collect();
        assert_eq!(fields, ["siren", "address", "dpo_contact"]);
        assert_eq!(
            OrganisationSheet::default().problems(),
            vec![SheetProblem::LegalName]
        );
    }
}
