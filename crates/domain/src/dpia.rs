//! The data protection impact assessment ("analyse d'impact relative à la
//! protection des données", AIPD, Art. 35) of one activity, in the four
//! parts of the CNIL's PIA method: the context, the fundamental principles,
//! the risks (each feared event with its likelihood and severity), and the
//! validation — kept as versions, like the activity itself.

use serde::{Deserialize, Serialize};

closed_list!(
    /// The fundamental principles the CNIL's method asks to justify, one
    /// by one: proportionality and necessity, then the rights of people.
    Principle {
        Purposes = "purposes",
        LegalBasis = "legal_basis",
        Minimisation = "minimisation",
        Accuracy = "accuracy",
        Retention = "retention",
        Information = "information",
        Consent = "consent",
        AccessPortability = "access_portability",
        RectificationErasure = "rectification_erasure",
        RestrictionObjection = "restriction_objection",
        Processors = "processors",
        Transfers = "transfers",
    }
);

closed_list!(
    /// The three feared events of the method ("événements redoutés").
    FearedEvent {
        /// "accès illégitime à des données"
        IllegitimateAccess = "illegitimate_access",
        /// "modification non désirée de données"
        UnwantedModification = "unwanted_modification",
        /// "disparition de données"
        Disappearance = "disappearance",
    }
);

closed_list!(
    /// The method's four-step scale, for likelihood and for severity
    /// ("négligeable", "limitée", "importante", "maximale").
    Level {
        Negligible = "negligible",
        Limited = "limited",
        Significant = "significant",
        Maximum = "maximum",
    }
);

closed_list!(
    /// What the controller decided on reading the assessment.
    Decision {
        /// The processing may go on as assessed.
        Accepted = "accepted",
        /// It may go on once the planned measures are in place.
        AcceptedWithActions = "accepted_with_actions",
        /// It may not go on as it is.
        Refused = "refused",
    }
);

/// Why one principle is respected, in the controller's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Justification {
    pub principle: Principle,
    pub text: String,
}

/// One feared event, assessed: where it would come from, how, what it
/// would do to people, how likely and how severe once the measures are in
/// place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Risk {
    pub event: FearedEvent,
    /// "sources de risques": who or what could cause it.
    #[serde(default)]
    pub sources: String,
    /// "menaces": how it would happen.
    #[serde(default)]
    pub threats: String,
    /// "impacts potentiels" on the people concerned.
    #[serde(default)]
    pub impacts: String,
    /// The measures that act on this risk.
    #[serde(default)]
    pub measures: String,
    pub likelihood: Option<Level>,
    pub severity: Option<Level>,
}

impl Risk {
    /// Both likelihood and severity significant or worse: a high residual
    /// risk, which Art. 36 says to submit to the CNIL before processing.
    pub fn is_high(&self) -> bool {
        matches!(
            (self.likelihood, self.severity),
            (Some(l), Some(s)) if l >= Level::Significant && s >= Level::Significant
        )
    }
}

/// An assessment, as a version holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dpia {
    /// 1. Context: the processing, its purposes, its stakes.
    pub overview: String,
    /// The data, their recipients and how long they are kept, from
    /// collection to erasure.
    pub lifecycle: String,
    /// The systems, software, paper and people the data go through
    /// ("supports").
    pub supports: String,
    /// Codes of conduct, certifications, references that apply.
    pub standards: String,
    /// 2. Fundamental principles, one justification each.
    pub principles: Vec<Justification>,
    /// 3. Risks: the three feared events.
    pub risks: Vec<Risk>,
    /// Measures decided and not yet in place, one per line.
    pub planned_measures: Vec<String>,
    /// 4. Validation: the DPO's opinion (Art. 35(2)).
    pub dpo_opinion: String,
    /// The opinion of the people concerned or their representatives, or
    /// why it was not sought (Art. 35(9)).
    pub subjects_opinion: String,
    pub decision: Option<Decision>,
    /// Who decided for the controller ("le maire", "le DGS").
    pub decided_by: String,
}

/// Where an activity's assessment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DpiaStatus {
    /// Fewer than two criteria and nothing written.
    NotRequired,
    /// Required, nothing written yet.
    Missing,
    /// Written, not decided.
    InProgress,
    Decided(Decision),
}

impl DpiaStatus {
    /// From whether the register says one is required and the latest
    /// version, if any.
    pub fn of(required: bool, latest: Option<&Dpia>) -> DpiaStatus {
        match latest {
            Some(d) => d
                .decision
                .map_or(DpiaStatus::InProgress, DpiaStatus::Decided),
            None if required => DpiaStatus::Missing,
            None => DpiaStatus::NotRequired,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DpiaStatus::NotRequired => "not_required",
            DpiaStatus::Missing => "missing",
            DpiaStatus::InProgress => "in_progress",
            DpiaStatus::Decided(d) => d.as_str(),
        }
    }
}

/// A part of the assessment that a decision cannot be taken without.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DpiaProblem {
    #[error("overview: describe the processing before deciding")]
    Overview,
    #[error("risk.{}: likelihood and severity, before deciding", .0.as_str())]
    Unassessed(FearedEvent),
    #[error("dpo_opinion: the DPO's opinion, before deciding (Art. 35(2))")]
    DpoOpinion,
    #[error("decided_by: who decided for the controller")]
    DecidedBy,
    #[error("planned_measures: accepting with actions names the actions")]
    NoPlannedMeasures,
    #[error("{0}: at most 20,000 characters")]
    TooLong(&'static str),
}

impl DpiaProblem {
    /// The form field the problem belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            DpiaProblem::Overview => "overview",
            DpiaProblem::Unassessed(FearedEvent::IllegitimateAccess) => {
                "risk.illegitimate_access.likelihood"
            }
            DpiaProblem::Unassessed(FearedEvent::UnwantedModification) => {
                "risk.unwanted_modification.likelihood"
            }
            DpiaProblem::Unassessed(FearedEvent::Disappearance) => "risk.disappearance.likelihood",
            DpiaProblem::DpoOpinion => "dpo_opinion",
            DpiaProblem::DecidedBy => "decided_by",
            DpiaProblem::NoPlannedMeasures => "planned_measures",
            DpiaProblem::TooLong(f) => f,
        }
    }
}

const MAX_TEXT: usize = 20_000;

impl Dpia {
    /// A blank assessment with every principle and feared event to fill.
    pub fn blank() -> Dpia {
        Dpia {
            principles: Principle::ALL
                .iter()
                .map(|&principle| Justification {
                    principle,
                    text: String::new(),
                })
                .collect(),
            risks: FearedEvent::ALL
                .iter()
                .map(|&event| Risk {
                    event,
                    sources: String::new(),
                    threats: String::new(),
                    impacts: String::new(),
                    measures: String::new(),
                    likelihood: None,
                    severity: None,
                })
                .collect(),
            ..Dpia::default()
        }
    }

    /// Trimmed, empty lines of the planned measures dropped, one entry per
    /// principle and per feared event in the method's order (missing ones
    /// added blank, repeated ones kept once).
    pub fn normalised(mut self) -> Dpia {
        for s in [
            &mut self.overview,
            &mut self.lifecycle,
            &mut self.supports,
            &mut self.standards,
            &mut self.dpo_opinion,
            &mut self.subjects_opinion,
            &mut self.decided_by,
        ] {
            *s = s.trim().to_owned();
        }
        self.planned_measures = self
            .planned_measures
            .iter()
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty())
            .collect();
        let mut blank = Dpia::blank();
        for j in &mut blank.principles {
            if let Some(given) = self.principles.iter().find(|g| g.principle == j.principle) {
                j.text = given.text.trim().to_owned();
            }
        }
        for r in &mut blank.risks {
            if let Some(given) = self.risks.iter().find(|g| g.event == r.event) {
                *r = Risk {
                    sources: given.sources.trim().to_owned(),
                    threats: given.threats.trim().to_owned(),
                    impacts: given.impacts.trim().to_owned(),
                    measures: given.measures.trim().to_owned(),
                    ..given.clone()
                };
            }
        }
        self.principles = blank.principles;
        self.risks = blank.risks;
        self
    }

    /// Every rule the (normalised) assessment breaks: sizes always; a
    /// decision only once every part it rests on is written.
    pub fn problems(&self) -> Vec<DpiaProblem> {
        let mut out = Vec::new();
        let texts = [
            ("overview", &self.overview),
            ("lifecycle", &self.lifecycle),
            ("supports", &self.supports),
            ("standards", &self.standards),
            ("dpo_opinion", &self.dpo_opinion),
            ("subjects_opinion", &self.subjects_opinion),
            ("decided_by", &self.decided_by),
        ];
        for (field, value) in texts {
            if value.chars().count() > MAX_TEXT {
                out.push(DpiaProblem::TooLong(field));
            }
        }
        let long_part = self.principles.iter().any(|j| j.text.len() > MAX_TEXT)
            || self.risks.iter().any(|r| {
                [&r.sources, &r.threats, &r.impacts, &r.measures]
                    .iter()
                    .any(|t| t.len() > MAX_TEXT)
            })
            || self.planned_measures.iter().map(String::len).sum::<usize>() > MAX_TEXT;
        if long_part {
            out.push(DpiaProblem::TooLong("principles"));
        }
        let Some(decision) = self.decision else {
            return out;
        };
        if self.overview.is_empty() {
            out.push(DpiaProblem::Overview);
        }
        for r in &self.risks {
            if r.likelihood.is_none() || r.severity.is_none() {
                out.push(DpiaProblem::Unassessed(r.event));
            }
        }
        if self.dpo_opinion.is_empty() {
            out.push(DpiaProblem::DpoOpinion);
        }
        if self.decided_by.is_empty() {
            out.push(DpiaProblem::DecidedBy);
        }
        if decision == Decision::AcceptedWithActions && self.planned_measures.is_empty() {
            out.push(DpiaProblem::NoPlannedMeasures);
        }
        out
    }

    /// A high residual risk remains: the CNIL must be consulted before
    /// the processing starts (Art. 36).
    pub fn prior_consultation(&self) -> bool {
        self.risks.iter().any(Risk::is_high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assessed() -> Dpia {
        let mut d = Dpia::blank();
        d.overview = "Inscriptions à la cantine".into();
        for r in &mut d.risks {
            r.likelihood = Some(Level::Limited);
            r.severity = Some(Level::Significant);
        }
        d.dpo_opinion = "Favorable".into();
        d.decided_by = "Le maire".into();
        d.decision = Some(Decision::Accepted);
        d
    }

    #[test]
    fn a_decision_needs_every_part_it_rests_on() {
        assert_eq!(assessed().problems(), []);
        let mut d = Dpia::blank();
        assert_eq!(d.problems(), [], "a draft may be saved half-written");
        d.decision = Some(Decision::AcceptedWithActions);
        let fields: Vec<&str> = d.problems().iter().map(DpiaProblem::field).collect();
        assert_eq!(
            fields,
            [
                "overview",
                "risk.illegitimate_access.likelihood",
                "risk.unwanted_modification.likelihood",
                "risk.disappearance.likelihood",
                "dpo_opinion",
                "decided_by",
                "planned_measures"
            ]
        );
    }

    #[test]
    fn high_residual_risk_calls_for_prior_consultation() {
        let mut d = assessed();
        assert!(!d.prior_consultation());
        d.risks[2].likelihood = Some(Level::Significant);
        assert!(d.prior_consultation());
    }

    #[test]
    fn normalising_keeps_the_methods_order_and_one_entry_each() {
        let d = Dpia {
            principles: vec![
                Justification {
                    principle: Principle::Transfers,
                    text: " aucun ".into(),
                },
                Justification {
                    principle: Principle::Transfers,
                    text: "doublon".into(),
                },
            ],
            planned_measures: vec![" chiffrer ".into(), "  ".into()],
            ..Dpia::default()
        }
        .normalised();
        assert_eq!(d.principles.len(), Principle::ALL.len());
        assert_eq!(d.principles.last().unwrap().text, "aucun");
        assert_eq!(d.risks.len(), 3);
        assert_eq!(d.planned_measures, ["chiffrer"]);
    }

    #[test]
    fn status_follows_the_latest_version() {
        assert_eq!(DpiaStatus::of(false, None), DpiaStatus::NotRequired);
        assert_eq!(DpiaStatus::of(true, None), DpiaStatus::Missing);
        assert_eq!(
            DpiaStatus::of(true, Some(&Dpia::blank())),
            DpiaStatus::InProgress
        );
        assert_eq!(
            DpiaStatus::of(false, Some(&assessed())),
            DpiaStatus::Decided(Decision::Accepted)
        );
    }
}
