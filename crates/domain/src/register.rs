//! The register of processing activities ("registre des activités de
//! traitement", Art. 30): one activity's fields — Art. 30.1 and what French
//! registers carry beyond it (Madis) — their rules, the completeness score
//! and whether a DPIA is required by the CNIL criteria.

use serde::{Deserialize, Serialize};

use crate::rights::RequestKind;

closed_list!(
    /// Art. 6 legal bases; collectivités mostly act on a public task.
    LegalBasis {
        Consent = "consent",
        Contract = "contract",
        LegalObligation = "legal_obligation",
        VitalInterest = "vital_interest",
        /// "mission d'intérêt public ou relevant de l'exercice de l'autorité publique"
        PublicTask = "public_task",
        LegitimateInterest = "legitimate_interest",
    }
);

closed_list!(
    /// What data of a category tells about a person, for the flags.
    Sensitivity {
        Ordinary = "ordinary",
        /// Art. 9 special categories.
        Special = "special",
        /// Art. 10: criminal convictions and offences.
        Offences = "offences",
        /// The NIR ("numéro de sécurité sociale"), framed by French law.
        Nir = "nir",
    }
);

/// A category of personal data of the reference list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataCategory {
    pub code: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
    pub sensitivity: Sensitivity,
}

const fn cat(
    code: &'static str,
    fr: &'static str,
    en: &'static str,
    sensitivity: Sensitivity,
) -> DataCategory {
    DataCategory {
        code,
        fr,
        en,
        sensitivity,
    }
}

/// The reference list of data categories (CNIL's model register, Madis's
/// defaults), with their sensitivity.
pub const DATA_CATEGORIES: &[DataCategory] = &[
    cat(
        "etat_civil",
        "État civil, identité, données d'identification",
        "Civil status, identity, identification data",
        Sensitivity::Ordinary,
    ),
    cat(
        "coordonnees",
        "Coordonnées (adresse, courriel, téléphone)",
        "Contact details (address, email, phone)",
        Sensitivity::Ordinary,
    ),
    cat(
        "vie_personnelle",
        "Vie personnelle (habitudes, situation familiale)",
        "Personal life (habits, family situation)",
        Sensitivity::Ordinary,
    ),
    cat(
        "vie_professionnelle",
        "Vie professionnelle (CV, fonction, formation)",
        "Professional life (CV, position, training)",
        Sensitivity::Ordinary,
    ),
    cat(
        "economique",
        "Informations d'ordre économique et financier",
        "Economic and financial information",
        Sensitivity::Ordinary,
    ),
    cat(
        "bancaire",
        "Données bancaires",
        "Bank details",
        Sensitivity::Ordinary,
    ),
    cat(
        "connexion",
        "Données de connexion (adresse IP, journaux)",
        "Connection data (IP address, logs)",
        Sensitivity::Ordinary,
    ),
    cat(
        "localisation",
        "Données de localisation",
        "Location data",
        Sensitivity::Ordinary,
    ),
    cat(
        "image",
        "Image, voix, vidéo",
        "Image, voice, video",
        Sensitivity::Ordinary,
    ),
    cat(
        "nir",
        "Numéro de sécurité sociale (NIR)",
        "Social security number (NIR)",
        Sensitivity::Nir,
    ),
    cat(
        "sante",
        "Données de santé",
        "Health data",
        Sensitivity::Special,
    ),
    cat(
        "origine",
        "Origine raciale ou ethnique",
        "Racial or ethnic origin",
        Sensitivity::Special,
    ),
    cat(
        "opinions",
        "Opinions politiques, philosophiques ou religieuses",
        "Political, philosophical or religious opinions",
        Sensitivity::Special,
    ),
    cat(
        "syndicat",
        "Appartenance syndicale",
        "Trade union membership",
        Sensitivity::Special,
    ),
    cat(
        "sexualite",
        "Vie ou orientation sexuelle",
        "Sex life or sexual orientation",
        Sensitivity::Special,
    ),
    cat(
        "genetique_biometrie",
        "Données génétiques ou biométriques",
        "Genetic or biometric data",
        Sensitivity::Special,
    ),
    cat(
        "infractions",
        "Infractions, condamnations, mesures de sûreté",
        "Offences, convictions, security measures",
        Sensitivity::Offences,
    ),
];

pub fn data_category(code: &str) -> Option<&'static DataCategory> {
    DATA_CATEGORIES.iter().find(|c| c.code == code)
}

closed_list!(
    /// What happens at the end of a retention period ("sort final").
    FinalFate {
        Destruction = "destruction",
        /// "archivage intermédiaire"
        IntermediateArchive = "intermediate_archive",
        /// "versement aux archives publiques"
        PublicArchives = "public_archives",
        /// "tri": part kept, part destroyed, after selection.
        Sorting = "sorting",
    }
);

closed_list!(
    /// Who receives the data.
    RecipientKind {
        Internal = "internal",
        External = "external",
        Processor = "processor",
    }
);

closed_list!(
    /// The ground of a transfer outside the EU/EEA (Art. 45, 46, 49).
    Safeguard {
        Adequacy = "adequacy",
        StandardClauses = "standard_clauses",
        BindingRules = "binding_rules",
        Derogation = "derogation",
    }
);

closed_list!(
    /// The EDPB/CNIL criteria of a DPIA: two or more make it required.
    DpiaCriterion {
        Scoring = "scoring",
        AutomatedDecision = "automated_decision",
        SystematicMonitoring = "systematic_monitoring",
        SensitiveData = "sensitive_data",
        LargeScale = "large_scale",
        Matching = "matching",
        VulnerablePeople = "vulnerable_people",
        InnovativeUse = "innovative_use",
        Exclusion = "exclusion",
    }
);

closed_list!(
    /// What allows special categories (Art. 9(2)), offences data (Art.
    /// 10) or the NIR to be processed at all — a legal basis of Art. 6 is
    /// not enough for them.
    SensitiveCondition {
        /// 9(2)(a)
        ExplicitConsent = "explicit_consent",
        /// 9(2)(b): employment and social protection law.
        Employment = "employment",
        /// 9(2)(c)
        VitalInterests = "vital_interests",
        /// 9(2)(d): a foundation, association or other not-for-profit body.
        NotForProfit = "not_for_profit",
        /// 9(2)(e)
        MadePublic = "made_public",
        /// 9(2)(f)
        LegalClaims = "legal_claims",
        /// 9(2)(g): substantial public interest, on Union or French law.
        PublicInterest = "public_interest",
        /// 9(2)(h): preventive or occupational medicine, health or social care.
        HealthCare = "health_care",
        /// 9(2)(i)
        PublicHealth = "public_health",
        /// 9(2)(j): archiving, research, statistics.
        Archiving = "archiving",
        /// Art. 10: under the control of official authority, or a law
        /// that authorises it (and, for the NIR, the decree-framework).
        OfficialAuthority = "official_authority",
    }
);

closed_list!(
    /// The security measures a register lists, as Madis and the CNIL's
    /// guide structure them ("mesures de sécurité").
    MeasureKind {
        AccessControl = "access_control",
        Traceability = "traceability",
        Backups = "backups",
        Updates = "updates",
        Encryption = "encryption",
        Pseudonymisation = "pseudonymisation",
        NetworkProtection = "network_protection",
        PhysicalSecurity = "physical_security",
        Awareness = "awareness",
        ProcessorContracts = "processor_contracts",
    }
);

/// One measure taken, with how (the comment says what, where, how often).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Measure {
    pub kind: MeasureKind,
    #[serde(default)]
    pub comment: String,
}

closed_list!(
    /// How the data is collected.
    Collection {
        WebForm = "web_form",
        PaperForm = "paper_form",
        Contract = "contract",
        ReceivedList = "received_list",
        Interview = "interview",
        Automatic = "automatic",
        Other = "other",
    }
);

closed_list!(
    /// Where an activity stands ("brouillon", "complet", "contrôlé par le
    /// DPO", "archivé": no longer carried out, its versions kept).
    ActivityStatus {
        Draft = "draft",
        Complete = "complete",
        Checked = "checked",
        Archived = "archived",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recipient {
    pub kind: RecipientKind,
    pub name: String,
    /// A processor chosen from the provider's sub-processor registry: the
    /// link kept, the name as it was when linked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub subprocessor: Option<crate::SubProcessorId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transfer {
    pub country: String,
    pub recipient: String,
    pub safeguard: Safeguard,
}

/// One retention period, for one kind of data or file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Retention {
    pub data: String,
    pub duration: String,
    pub fate: FinalFate,
}

/// A processing activity ("fiche de traitement").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    #[cfg_attr(
        feature = "openapi",
        schema(
            required = true,
            pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$"
        )
    )]
    pub name: String,
    pub controller: String,
    pub joint_controllers: String,
    pub dpo_contact: String,
    pub purposes: String,
    pub legal_bases: Vec<LegalBasis>,
    /// Required with a legitimate interest: which interest.
    pub legitimate_interest: String,
    pub subject_categories: Vec<String>,
    /// How many people of a category, estimated, by the category's name.
    pub subject_estimates: std::collections::BTreeMap<String, u64>,
    /// How many people it concerns, estimated ("nombre estimé de
    /// personnes concernées").
    pub people_estimate: Option<u64>,
    /// Codes of `DATA_CATEGORIES`.
    pub data_categories: Vec<String>,
    /// With Art. 9/10 data or the NIR: what allows it.
    pub sensitive_condition: Option<SensitiveCondition>,
    pub other_data: String,
    pub recipients: Vec<Recipient>,
    pub transfers: Vec<Transfer>,
    pub retentions: Vec<Retention>,
    /// The checklist's measures taken, each with its comment.
    pub measures: Vec<Measure>,
    /// Other measures, in free text, one per line.
    pub security_measures: Vec<String>,
    pub automated_decision: bool,
    pub profiling: bool,
    pub collection: Vec<Collection>,
    pub dpia_criteria: Vec<DpiaCriterion>,
    /// Policies that promise no sensitive data or no minors (C38): the
    /// discovery scanner warns when such data shows up.
    pub no_sensitive_data: bool,
    pub no_minors: bool,
    /// Shown on the public privacy policy: only a complete or checked
    /// activity may be ("publié").
    pub published: bool,
}

/// The data subjects French registers name most ("personnes
/// concernées", Madis's defaults): (French name as stored, English).
pub const SUBJECT_CATEGORIES: &[(&str, &str)] = &[
    ("Usagers", "Service users"),
    ("Administrés", "Residents"),
    ("Agents", "Staff"),
    ("Élus", "Elected officials"),
    ("Candidats", "Applicants"),
    ("Parents", "Parents"),
    ("Mineurs", "Minors"),
    ("Élèves", "Pupils"),
    ("Fournisseurs", "Suppliers"),
    ("Bénévoles", "Volunteers"),
    ("Visiteurs", "Visitors"),
];

/// A category of people that names children (C38).
pub fn names_minors(category: &str) -> bool {
    let c = category.to_lowercase();
    [
        "mineur",
        "enfant",
        "élève",
        "eleve",
        "collégien",
        "lycéen",
        "minor",
        "child",
        "pupil",
    ]
    .iter()
    .any(|w| c.contains(w))
}

/// Why processors linked to the sub-processor registry are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefusal {
    #[error("sub-processor {0} does not serve this organisation")]
    NotServing(crate::SubProcessorId),
    /// The registry knows a site outside the EU/EEA the register omits.
    #[error(
        "{name} keeps data in {country} ({site}), outside the EU/EEA: record the transfer with its safeguard"
    )]
    UnrecordedTransfer {
        name: String,
        country: String,
        site: String,
    },
}

impl LinkRefusal {
    pub fn field(&self) -> &'static str {
        match self {
            LinkRefusal::NotServing(_) => "linked_processors",
            LinkRefusal::UnrecordedTransfer { .. } => "transfers",
        }
    }
}

/// A field of an activity that breaks a rule, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActivityProblem {
    #[error("name: 1 to 200 characters")]
    Name,
    #[error(
        "legitimate_interest: say which interest, since the legal basis is a legitimate interest"
    )]
    LegitimateInterest,
    #[error("data_categories: unknown category {0}")]
    UnknownCategory(String),
    #[error("data_categories: sensitive data is declared while the activity promises none")]
    SensitiveDeclared,
    #[error("transfers: {0} needs a country and a recipient")]
    Transfer(usize),
    #[error("retentions: line {0} needs the data and a duration")]
    Retention(usize),
    #[error(
        "status: an activity is complete only with purposes, a legal basis, data, subjects and a retention"
    )]
    Incomplete,
    #[error("published: only a complete or checked activity is published")]
    NotPublishable,
    #[error(
        "sensitive_condition: sensitive data (Art. 9, Art. 10 or the NIR) needs the condition that allows it"
    )]
    NoSensitiveCondition,
    #[error("subject_categories: {0} are children while the activity promises no minors")]
    MinorsDeclared(String),
}

impl ActivityProblem {
    /// The form field the problem belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            ActivityProblem::Name => "name",
            ActivityProblem::LegitimateInterest => "legitimate_interest",
            ActivityProblem::UnknownCategory(_) | ActivityProblem::SensitiveDeclared => {
                "data_categories"
            }
            ActivityProblem::Transfer(_) => "transfers",
            ActivityProblem::Retention(_) => "retentions",
            ActivityProblem::Incomplete => "status",
            ActivityProblem::NotPublishable => "published",
            ActivityProblem::NoSensitiveCondition => "sensitive_condition",
            ActivityProblem::MinorsDeclared(_) => "subject_categories",
        }
    }
}

impl Activity {
    /// Every rule the activity breaks for `status`.
    pub fn problems(&self, status: ActivityStatus) -> Vec<ActivityProblem> {
        let mut out = Vec::new();
        let n = self.name.trim().chars().count();
        if n == 0 || n > 200 {
            out.push(ActivityProblem::Name);
        }
        if self.legal_bases.contains(&LegalBasis::LegitimateInterest)
            && self.legitimate_interest.trim().is_empty()
        {
            out.push(ActivityProblem::LegitimateInterest);
        }
        for c in &self.data_categories {
            if data_category(c).is_none() {
                out.push(ActivityProblem::UnknownCategory(c.clone()));
            }
        }
        if self.no_sensitive_data && self.has_sensitive_data() {
            out.push(ActivityProblem::SensitiveDeclared);
        }
        if self.no_minors
            && let Some(c) = self.subject_categories.iter().find(|c| names_minors(c))
        {
            out.push(ActivityProblem::MinorsDeclared(c.clone()));
        }
        for (i, t) in self.transfers.iter().enumerate() {
            if t.country.trim().is_empty() || t.recipient.trim().is_empty() {
                out.push(ActivityProblem::Transfer(i + 1));
            }
        }
        for (i, r) in self.retentions.iter().enumerate() {
            if r.data.trim().is_empty() || r.duration.trim().is_empty() {
                out.push(ActivityProblem::Retention(i + 1));
            }
        }
        let complete = matches!(status, ActivityStatus::Complete | ActivityStatus::Checked);
        if complete && !self.essentials_filled() {
            out.push(ActivityProblem::Incomplete);
        }
        if complete && self.has_sensitive_data() && self.sensitive_condition.is_none() {
            out.push(ActivityProblem::NoSensitiveCondition);
        }
        if self.published && !complete {
            out.push(ActivityProblem::NotPublishable);
        }
        out
    }

    /// The rights a person has over this activity, from its legal bases
    /// (Art. 15–22): access, rectification and restriction always;
    /// erasure except under a legal obligation or a public task (Art.
    /// 17(3)(b)); portability only under consent or a contract (Art. 20);
    /// objection under a public task or a legitimate interest (Art. 21).
    pub fn rights(&self) -> Vec<RequestKind> {
        let has = |b: LegalBasis| self.legal_bases.contains(&b);
        let only_duty = !self.legal_bases.is_empty()
            && self
                .legal_bases
                .iter()
                .all(|b| matches!(b, LegalBasis::LegalObligation | LegalBasis::PublicTask));
        let mut out = vec![RequestKind::Access, RequestKind::Rectification];
        if !only_duty {
            out.push(RequestKind::Erasure);
        }
        out.push(RequestKind::Restriction);
        if has(LegalBasis::Consent) || has(LegalBasis::Contract) {
            out.push(RequestKind::Portability);
        }
        if has(LegalBasis::PublicTask) || has(LegalBasis::LegitimateInterest) {
            out.push(RequestKind::Objection);
        }
        out
    }

    fn essentials_filled(&self) -> bool {
        let has_data = !self.data_categories.is_empty() || !self.other_data.trim().is_empty();
        has_data
            && !self.purposes.trim().is_empty()
            && !self.legal_bases.is_empty()
            && !self.subject_categories.is_empty()
            && !self.retentions.is_empty()
    }

    /// Art. 9 or 10 data, or the NIR.
    pub fn has_sensitive_data(&self) -> bool {
        self.data_categories
            .iter()
            .any(|c| data_category(c).is_some_and(|d| d.sensitivity != Sensitivity::Ordinary))
    }

    /// Completeness in percent: the share of the register's fields filled.
    pub fn completeness(&self) -> u8 {
        let filled = [
            !self.name.trim().is_empty(),
            !self.controller.trim().is_empty(),
            !self.dpo_contact.trim().is_empty(),
            !self.purposes.trim().is_empty(),
            !self.legal_bases.is_empty(),
            !self.subject_categories.is_empty(),
            !(self.data_categories.is_empty() && self.other_data.trim().is_empty()),
            !self.recipients.is_empty(),
            !self.retentions.is_empty(),
            !(self.measures.is_empty() && self.security_measures.is_empty()),
            !self.collection.is_empty(),
        ];
        let n = filled.iter().filter(|x| **x).count();
        u8::try_from(n * 100 / filled.len()).unwrap_or(100)
    }

    /// A DPIA is required when two criteria or more apply (EDPB WP248,
    /// CNIL); sensitive data counts as one.
    pub fn dpia_required(&self) -> bool {
        let mut n = self.dpia_criteria.len();
        if self.has_sensitive_data() && !self.dpia_criteria.contains(&DpiaCriterion::SensitiveData)
        {
            n += 1;
        }
        if self.automated_decision
            && !self
                .dpia_criteria
                .contains(&DpiaCriterion::AutomatedDecision)
        {
            n += 1;
        }
        n >= 2
    }

    /// Lowercased words to search the register by.
    pub fn search_text(&self) -> String {
        format!(
            "{} {} {} {}",
            self.name,
            self.purposes,
            self.subject_categories.join(" "),
            self.recipients
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        )
        .to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recruiting() -> Activity {
        // Seed 004, "Gestion du recrutement".
        Activity {
            name: "Gestion du recrutement".into(),
            controller: "CIS VALLEY".into(),
            purposes: "Réceptionner et traiter les candidatures".into(),
            legal_bases: vec![LegalBasis::LegitimateInterest],
            legitimate_interest: "Recherche et sélection des profils adaptés".into(),
            subject_categories: vec!["Candidats".into()],
            data_categories: vec!["etat_civil".into(), "vie_professionnelle".into()],
            recipients: vec![
                Recipient {
                    kind: RecipientKind::Internal,
                    name: "Pôle RH".into(),
                    subprocessor: None,
                },
                Recipient {
                    kind: RecipientKind::Processor,
                    name: "Welcome to the jungle".into(),
                    subprocessor: None,
                },
            ],
            retentions: vec![Retention {
                data: "Candidat non recruté".into(),
                duration: "2 ans après le dernier contact".into(),
                fate: FinalFate::Destruction,
            }],
            ..Activity::default()
        }
    }

    #[test]
    fn c01_a_full_activity_has_no_problem() {
        let a = recruiting();
        assert_eq!(a.problems(ActivityStatus::Complete), vec![]);
        assert!(!a.has_sensitive_data());
        assert!(!a.dpia_required());
        assert!(a.completeness() > 50 && a.completeness() < 100);
    }

    #[test]
    fn c01_rules_name_their_field() {
        let mut a = recruiting();
        a.legitimate_interest.clear();
        a.data_categories.push("astrologie".into());
        a.retentions.push(Retention {
            data: String::new(),
            duration: "1 an".into(),
            fate: FinalFate::Destruction,
        });
        let p = a.problems(ActivityStatus::Draft);
        assert!(p.contains(&ActivityProblem::LegitimateInterest));
        assert!(p.contains(&ActivityProblem::UnknownCategory("astrologie".into())));
        assert!(p.contains(&ActivityProblem::Retention(2)));
        assert_eq!(p[0].field(), "legitimate_interest");
        let mut empty = Activity {
            name: "x".into(),
            ..Activity::default()
        };
        assert_eq!(empty.problems(ActivityStatus::Draft), vec![]);
        assert_eq!(
            empty.problems(ActivityStatus::Checked),
            vec![ActivityProblem::Incomplete]
        );
        empty.name.clear();
        assert_eq!(
            empty.problems(ActivityStatus::Draft),
            vec![ActivityProblem::Name]
        );
    }

    #[test]
    fn c01_c38_sensitive_flags() {
        let mut a = recruiting();
        a.data_categories.push("nir".into());
        assert!(a.has_sensitive_data());
        a.no_sensitive_data = true;
        assert!(
            a.problems(ActivityStatus::Draft)
                .contains(&ActivityProblem::SensitiveDeclared)
        );
        let sensitive: Vec<&str> = DATA_CATEGORIES
            .iter()
            .filter(|c| c.sensitivity != Sensitivity::Ordinary)
            .map(|c| c.code)
            .collect();
        for code in [
            "nir",
            "sante",
            "origine",
            "opinions",
            "syndicat",
            "sexualite",
            "infractions",
        ] {
            assert!(sensitive.contains(&code), "{code}");
        }
    }

    #[test]
    fn c05_only_a_complete_activity_is_published() {
        let mut a = recruiting();
        a.published = true;
        assert_eq!(a.problems(ActivityStatus::Complete), vec![]);
        assert_eq!(a.problems(ActivityStatus::Checked), vec![]);
        for s in [ActivityStatus::Draft, ActivityStatus::Archived] {
            assert_eq!(a.problems(s), vec![ActivityProblem::NotPublishable]);
        }
        // Archived needs nothing filled: it is no longer carried out.
        let empty = Activity {
            name: "Ancien fichier".into(),
            ..Activity::default()
        };
        assert_eq!(empty.problems(ActivityStatus::Archived), vec![]);
    }

    #[test]
    fn c05_rights_follow_the_legal_basis() {
        use RequestKind as R;
        let with = |bases: &[LegalBasis]| Activity {
            legal_bases: bases.to_vec(),
            ..Activity::default()
        };
        // A public task: objection, no erasure, no portability.
        assert_eq!(
            with(&[LegalBasis::PublicTask]).rights(),
            [R::Access, R::Rectification, R::Restriction, R::Objection]
        );
        assert_eq!(
            with(&[LegalBasis::LegalObligation]).rights(),
            [R::Access, R::Rectification, R::Restriction]
        );
        // Consent: erasure and portability, no objection (withdrawal).
        assert_eq!(
            with(&[LegalBasis::Consent]).rights(),
            [
                R::Access,
                R::Rectification,
                R::Erasure,
                R::Restriction,
                R::Portability
            ]
        );
        assert_eq!(
            with(&[LegalBasis::LegitimateInterest]).rights(),
            [
                R::Access,
                R::Rectification,
                R::Erasure,
                R::Restriction,
                R::Objection
            ]
        );
        // Several bases: every right one of them gives.
        assert!(
            with(&[LegalBasis::PublicTask, LegalBasis::Contract])
                .rights()
                .contains(&R::Portability)
        );
    }

    #[test]
    fn c01_sensitive_data_needs_its_condition_once_complete() {
        let mut a = recruiting();
        a.data_categories.push("sante".into());
        assert_eq!(a.problems(ActivityStatus::Draft), vec![]);
        assert_eq!(
            a.problems(ActivityStatus::Complete),
            vec![ActivityProblem::NoSensitiveCondition]
        );
        a.sensitive_condition = Some(SensitiveCondition::Employment);
        assert_eq!(a.problems(ActivityStatus::Complete), vec![]);
        for c in SensitiveCondition::ALL {
            assert_eq!(SensitiveCondition::parse(c.as_str()), Some(*c));
        }
    }

    #[test]
    fn c38_a_promise_of_no_minors_excludes_children_as_subjects() {
        let mut a = Activity {
            name: "Accueil périscolaire".into(),
            subject_categories: vec!["Parents".into(), "Enfants inscrits".into()],
            ..Activity::default()
        };
        assert!(a.problems(ActivityStatus::Draft).is_empty());
        a.no_minors = true;
        assert_eq!(
            a.problems(ActivityStatus::Draft),
            [ActivityProblem::MinorsDeclared("Enfants inscrits".into())]
        );
        assert!(names_minors("Mineurs") && names_minors("Élèves") && !names_minors("Agents"));
    }

    #[test]
    fn dpia_needs_two_criteria() {
        let mut a = recruiting();
        a.dpia_criteria = vec![DpiaCriterion::LargeScale];
        assert!(!a.dpia_required());
        a.data_categories.push("sante".into());
        assert!(
            a.dpia_required(),
            "health data counts as a second criterion"
        );
    }

    #[test]
    fn lists_round_trip() {
        for b in LegalBasis::ALL {
            assert_eq!(LegalBasis::parse(b.as_str()), Some(*b));
        }
        for f in FinalFate::ALL {
            assert_eq!(FinalFate::parse(f.as_str()), Some(*f));
        }
        let j = serde_json::to_string(&recruiting()).unwrap();
        assert_eq!(serde_json::from_str::<Activity>(&j).unwrap(), recruiting());
    }
}
