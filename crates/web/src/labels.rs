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

/// The right itself, as a privacy policy names it ("droit d'accès").
pub fn right(m: &'static Msgs, k: RequestKind) -> &'static str {
    match k {
        RequestKind::Access => m.right_access,
        RequestKind::Rectification => m.right_rectification,
        RequestKind::Erasure => m.right_erasure,
        RequestKind::Restriction => m.right_restriction,
        RequestKind::Portability => m.right_portability,
        RequestKind::Objection => m.right_objection,
        RequestKind::PostMortem => m.right_post_mortem,
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

/// A step of a request's timeline, by its stored code; an unknown code
/// (a newer version's) stays as it is.
pub fn event_step(m: &'static Msgs, step: &str) -> String {
    let text = match step {
        "submitted" => m.step_submitted,
        "received" => m.step_received,
        "email_confirmed" => m.step_email_confirmed,
        "information_asked" => m.step_information_asked,
        "information_given" => m.step_information_given,
        "identities_checked" => m.step_identities_checked,
        "identities_found" => m.step_identities_found,
        "verified" => m.step_verified,
        "extended" => m.step_extended,
        "approved" => m.step_approved,
        "task_done" => m.step_task_done,
        "task_held" => m.step_task_held,
        "task_failed" => m.step_task_failed,
        "task_confirmed" => m.step_task_confirmed,
        "executed" => m.step_executed,
        "answered" => m.step_answered,
        "refused" => m.step_refused,
        "forwarded" => m.step_forwarded,
        "closed" => m.step_closed,
        other => return other.to_owned(),
    };
    text.to_owned()
}

/// A kind of identifier, as the reader's language names it.
pub fn identity_kind(m: &'static Msgs, k: vigie_domain::dataset::IdentityKind) -> &'static str {
    use vigie_domain::dataset::IdentityKind as K;
    match k {
        K::Email => m.guide_id_email,
        K::Phone => m.guide_id_phone,
        K::AccountId => m.guide_id_account,
        K::Nir => m.guide_id_nir,
    }
}

/// A kind of personal data discovery finds, by its code (`PiiKind`).
pub fn pii_kind<'a>(m: &'static Msgs, code: &'a str) -> &'a str {
    match code {
        "email" => m.pii_email,
        "phone" => m.pii_phone,
        "nir" => m.pii_nir,
        "iban" => m.pii_iban,
        "siren" => m.pii_siren,
        "siret" => m.pii_siret,
        "card" => m.pii_card,
        "ipv4" | "ipv6" => m.pii_ip,
        "birth_date" => m.pii_birth_date,
        "person_name" => m.pii_person_name,
        "postal_address" => m.pii_postal_address,
        "sensitive" => m.pii_sensitive,
        other => other,
    }
}

pub fn answer_by(m: &'static Msgs, a: vigie_domain::rights::AnswerBy) -> &'static str {
    use vigie_domain::rights::AnswerBy as A;
    match a {
        A::Email => m.answer_by_email,
        A::Post => m.answer_by_post,
        A::InPerson => m.answer_by_in_person,
    }
}

pub fn capacity(m: &'static Msgs, c: vigie_domain::rights::Capacity) -> &'static str {
    use vigie_domain::rights::Capacity as C;
    match c {
        C::Parent => m.capacity_parent,
        C::Guardian => m.capacity_guardian,
        C::Lawyer => m.capacity_lawyer,
        C::Mandatary => m.capacity_mandatary,
    }
}

/// Where an execution task stands.
pub fn task_state(m: &'static Msgs, s: vigie_store::TaskState) -> &'static str {
    use vigie_store::TaskState as T;
    match s {
        T::Queued => m.task_queued,
        T::Running | T::Applying => m.task_running,
        T::Done => m.task_done,
        T::Failed => m.task_failed,
        T::Held => m.task_held,
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

/// French or English, by the page's language code.
fn tr(lang: &str, fr: &'static str, en: &'static str) -> &'static str {
    if lang == "en" { en } else { fr }
}

pub mod register {
    //! The register's closed lists, in the page's language.

    use vigie_domain::register::{
        ActivityStatus, Collection, DpiaCriterion, FinalFate, LegalBasis, MeasureKind,
        RecipientKind, Safeguard, SensitiveCondition,
    };

    use super::tr;

    pub fn legal_basis(lang: &str, b: LegalBasis) -> &'static str {
        match b {
            LegalBasis::Consent => tr(lang, "Consentement", "Consent"),
            LegalBasis::Contract => tr(lang, "Exécution d'un contrat", "Performance of a contract"),
            LegalBasis::LegalObligation => tr(lang, "Obligation légale", "Legal obligation"),
            LegalBasis::VitalInterest => {
                tr(lang, "Sauvegarde des intérêts vitaux", "Vital interests")
            }
            LegalBasis::PublicTask => tr(
                lang,
                "Mission d'intérêt public ou autorité publique",
                "Public task or official authority",
            ),
            LegalBasis::LegitimateInterest => tr(lang, "Intérêt légitime", "Legitimate interest"),
        }
    }

    pub fn fate(lang: &str, f: FinalFate) -> &'static str {
        match f {
            FinalFate::Destruction => tr(lang, "destruction", "destruction"),
            FinalFate::IntermediateArchive => {
                tr(lang, "archivage intermédiaire", "intermediate archive")
            }
            FinalFate::PublicArchives => tr(
                lang,
                "versement aux archives publiques",
                "transfer to public archives",
            ),
            FinalFate::Sorting => tr(lang, "tri", "sorting"),
        }
    }

    pub fn criterion(lang: &str, c: DpiaCriterion) -> &'static str {
        match c {
            DpiaCriterion::Scoring => tr(lang, "Évaluation ou notation", "Evaluation or scoring"),
            DpiaCriterion::AutomatedDecision => tr(
                lang,
                "Décision automatisée à effet juridique",
                "Automated decision with legal effect",
            ),
            DpiaCriterion::SystematicMonitoring => {
                tr(lang, "Surveillance systématique", "Systematic monitoring")
            }
            DpiaCriterion::SensitiveData => tr(
                lang,
                "Données sensibles ou hautement personnelles",
                "Sensitive or highly personal data",
            ),
            DpiaCriterion::LargeScale => tr(lang, "Traitement à grande échelle", "Large scale"),
            DpiaCriterion::Matching => {
                tr(lang, "Croisement de données", "Matching or combining data")
            }
            DpiaCriterion::VulnerablePeople => {
                tr(lang, "Personnes vulnérables", "Vulnerable people")
            }
            DpiaCriterion::InnovativeUse => tr(lang, "Usage innovant", "Innovative use"),
            DpiaCriterion::Exclusion => tr(
                lang,
                "Exclusion du bénéfice d'un droit ou d'un service",
                "Exclusion from a right or service",
            ),
        }
    }

    pub fn collection(lang: &str, c: Collection) -> &'static str {
        match c {
            Collection::WebForm => tr(lang, "Formulaire en ligne", "Online form"),
            Collection::PaperForm => tr(lang, "Formulaire papier", "Paper form"),
            Collection::Contract => tr(lang, "Contrat", "Contract"),
            Collection::ReceivedList => tr(
                lang,
                "Liste reçue d'un tiers",
                "List received from a third party",
            ),
            Collection::Interview => tr(lang, "Entretien", "Interview"),
            Collection::Automatic => tr(
                lang,
                "Collecte automatique (journaux, capteurs)",
                "Automatic (logs, sensors)",
            ),
            Collection::Other => tr(lang, "Autre", "Other"),
        }
    }

    pub fn sensitive_condition(lang: &str, c: SensitiveCondition) -> &'static str {
        use SensitiveCondition as C;
        match c {
            C::ExplicitConsent => tr(
                lang,
                "Consentement explicite (art. 9.2.a)",
                "Explicit consent (Art. 9(2)(a))",
            ),
            C::Employment => tr(
                lang,
                "Droit du travail et de la protection sociale (art. 9.2.b)",
                "Employment and social protection law (Art. 9(2)(b))",
            ),
            C::VitalInterests => tr(
                lang,
                "Intérêts vitaux (art. 9.2.c)",
                "Vital interests (Art. 9(2)(c))",
            ),
            C::NotForProfit => tr(
                lang,
                "Organisme à but non lucratif, ses membres (art. 9.2.d)",
                "Not-for-profit body, its members (Art. 9(2)(d))",
            ),
            C::MadePublic => tr(
                lang,
                "Données rendues publiques par la personne (art. 9.2.e)",
                "Made public by the person (Art. 9(2)(e))",
            ),
            C::LegalClaims => tr(
                lang,
                "Droits en justice (art. 9.2.f)",
                "Legal claims (Art. 9(2)(f))",
            ),
            C::PublicInterest => tr(
                lang,
                "Intérêt public important prévu par la loi (art. 9.2.g)",
                "Substantial public interest in law (Art. 9(2)(g))",
            ),
            C::HealthCare => tr(
                lang,
                "Médecine préventive ou du travail, soins, action sociale (art. 9.2.h)",
                "Preventive or occupational medicine, care, social work (Art. 9(2)(h))",
            ),
            C::PublicHealth => tr(
                lang,
                "Santé publique (art. 9.2.i)",
                "Public health (Art. 9(2)(i))",
            ),
            C::Archiving => tr(
                lang,
                "Archivage, recherche, statistique (art. 9.2.j)",
                "Archiving, research, statistics (Art. 9(2)(j))",
            ),
            C::OfficialAuthority => tr(
                lang,
                "Sous le contrôle de l'autorité publique ou autorisé par la loi (art. 10, NIR)",
                "Under official authority or authorised by law (Art. 10, NIR)",
            ),
        }
    }

    pub fn measure(lang: &str, k: MeasureKind) -> &'static str {
        match k {
            MeasureKind::AccessControl => tr(
                lang,
                "Contrôle d'accès et habilitations",
                "Access control and authorisations",
            ),
            MeasureKind::Traceability => tr(
                lang,
                "Traçabilité (journalisation)",
                "Traceability (logging)",
            ),
            MeasureKind::Backups => tr(lang, "Sauvegardes", "Backups"),
            MeasureKind::Updates => tr(lang, "Mises à jour", "Updates"),
            MeasureKind::Encryption => tr(lang, "Chiffrement", "Encryption"),
            MeasureKind::Pseudonymisation => tr(
                lang,
                "Pseudonymisation ou minimisation",
                "Pseudonymisation or minimisation",
            ),
            MeasureKind::NetworkProtection => tr(
                lang,
                "Protection du réseau (pare-feu, cloisonnement)",
                "Network protection (firewall, partitioning)",
            ),
            MeasureKind::PhysicalSecurity => tr(
                lang,
                "Sécurité physique des locaux",
                "Physical security of premises",
            ),
            MeasureKind::Awareness => tr(lang, "Sensibilisation des agents", "Staff awareness"),
            MeasureKind::ProcessorContracts => tr(
                lang,
                "Clauses de protection avec les sous-traitants",
                "Data protection terms with processors",
            ),
        }
    }

    pub fn status(lang: &str, s: ActivityStatus) -> &'static str {
        match s {
            ActivityStatus::Draft => tr(lang, "Brouillon", "Draft"),
            ActivityStatus::Complete => tr(lang, "Complète", "Complete"),
            ActivityStatus::Checked => tr(lang, "Contrôlée par le DPO", "Checked by the DPO"),
            ActivityStatus::Archived => tr(lang, "Archivée", "Archived"),
        }
    }

    pub fn recipient_kind(lang: &str, k: RecipientKind) -> &'static str {
        match k {
            RecipientKind::Internal => tr(lang, "Destinataires internes", "Internal recipients"),
            RecipientKind::External => tr(lang, "Destinataires externes", "External recipients"),
            RecipientKind::Processor => tr(lang, "Sous-traitants", "Processors"),
        }
    }

    pub fn safeguard(lang: &str, s: Safeguard) -> &'static str {
        match s {
            Safeguard::Adequacy => tr(lang, "décision d'adéquation", "adequacy decision"),
            Safeguard::StandardClauses => tr(
                lang,
                "clauses contractuelles types",
                "standard contractual clauses",
            ),
            Safeguard::BindingRules => tr(
                lang,
                "règles d'entreprise contraignantes",
                "binding corporate rules",
            ),
            Safeguard::Derogation => tr(lang, "dérogation (art. 49)", "derogation (Art. 49)"),
        }
    }
}

pub fn incident_status(m: &'static Msgs, s: vigie_domain::breach::IncidentStatus) -> &'static str {
    use vigie_domain::breach::IncidentStatus as S;
    match s {
        S::Declared => m.incident_declared,
        S::Qualified => m.incident_qualified,
        S::Notified => m.incident_notified,
        S::Closed => m.incident_closed,
    }
}

pub fn incident_intake(m: &'static Msgs, i: vigie_domain::breach::Intake) -> &'static str {
    use vigie_domain::breach::Intake as I;
    match i {
        I::Account => m.incident_by_account,
        I::Phone => m.incident_by_phone,
        I::Mail => m.incident_by_mail,
        I::Fax => m.incident_by_fax,
        I::Vigie => m.incident_by_vigie,
        I::Partner => m.incident_by_partner,
        I::Processor => m.incident_by_processor,
    }
}

pub fn problem_status(m: &'static Msgs, s: vigie_domain::breach::ProblemStatus) -> &'static str {
    use vigie_domain::breach::ProblemStatus as S;
    match s {
        S::Open => m.problem_open,
        S::Closed => m.incident_closed,
    }
}

pub fn criterion(m: &'static Msgs, c: vigie_domain::breach::Criterion) -> &'static str {
    use vigie_domain::breach::Criterion as C;
    match c {
        C::Availability => m.criterion_availability,
        C::Integrity => m.criterion_integrity,
        C::Confidentiality => m.criterion_confidentiality,
    }
}

pub fn phase_kind(m: &'static Msgs, k: vigie_domain::breach::PhaseKind) -> &'static str {
    use vigie_domain::breach::PhaseKind as K;
    match k {
        K::Initial => m.phase_initial,
        K::Complementary => m.phase_complementary,
        K::Complete => m.phase_complete,
    }
}

pub fn inform_decision(m: &'static Msgs, d: vigie_domain::breach::InformDecision) -> &'static str {
    use vigie_domain::breach::InformDecision as D;
    match d {
        D::Inform => m.inform_yes,
        D::NoHighRisk => m.inform_no_high_risk,
        D::Unintelligible => m.inform_unintelligible,
        D::LaterMeasures => m.inform_later_measures,
        D::PublicCommunication => m.inform_public,
    }
}

pub mod dpia {
    //! The impact assessment's parts and closed lists, in the page's
    //! language, in the CNIL method's words.

    use vigie_domain::dpia::{Decision, DpiaStatus, FearedEvent, Level, Principle};

    use super::tr;

    /// The labels of the assessment's own fields, by form name.
    pub fn field(lang: &str, key: &str) -> &'static str {
        match key {
            "context" => tr(lang, "1. Contexte", "1. Context"),
            "overview" => tr(
                lang,
                "Présentation du traitement : finalités, enjeux",
                "The processing: purposes, stakes",
            ),
            "lifecycle" => tr(
                lang,
                "Données, destinataires et durées, de la collecte à l'effacement",
                "Data, recipients and periods, from collection to erasure",
            ),
            "supports" => tr(
                lang,
                "Supports des données (logiciels, matériels, papier, personnes)",
                "Data supports (software, hardware, paper, people)",
            ),
            "standards" => tr(
                lang,
                "Référentiels applicables (codes de conduite, certifications)",
                "Applicable references (codes of conduct, certifications)",
            ),
            "principles" => tr(
                lang,
                "2. Principes fondamentaux",
                "2. Fundamental principles",
            ),
            "risks" => tr(lang, "3. Risques", "3. Risks"),
            "sources" => tr(lang, "Sources de risques", "Risk sources"),
            "threats" => tr(lang, "Menaces", "Threats"),
            "impacts" => tr(
                lang,
                "Impacts potentiels sur les personnes",
                "Potential impacts on people",
            ),
            "measures" => tr(
                lang,
                "Mesures qui traitent ce risque",
                "Measures acting on this risk",
            ),
            "likelihood" => tr(lang, "Vraisemblance", "Likelihood"),
            "severity" => tr(lang, "Gravité", "Severity"),
            "planned_measures" => tr(
                lang,
                "Mesures prévues, non encore en place (une par ligne)",
                "Planned measures not yet in place (one per line)",
            ),
            "planned_measures_short" => tr(lang, "Mesures prévues", "Planned measures"),
            "validation" => tr(lang, "4. Validation", "4. Validation"),
            "dpo_opinion" => tr(
                lang,
                "Avis du DPO (art. 35.2)",
                "The DPO's opinion (Art. 35(2))",
            ),
            "subjects_opinion" => tr(
                lang,
                "Avis des personnes concernées, ou pourquoi il n'a pas été recueilli (art. 35.9)",
                "The opinion of the people concerned, or why it was not sought (Art. 35(9))",
            ),
            "decision" => tr(
                lang,
                "Décision du responsable de traitement",
                "The controller's decision",
            ),
            "decided_by" => tr(lang, "Décidé par", "Decided by"),
            "prior_consultation" => tr(
                lang,
                "Un risque résiduel reste élevé (vraisemblance et gravité importantes ou maximales) : la CNIL doit être consultée avant la mise en œuvre (art. 36).",
                "A residual risk remains high (significant or maximum likelihood and severity): the CNIL must be consulted before processing starts (Art. 36).",
            ),
            _ => "",
        }
    }

    pub fn principle(lang: &str, p: Principle) -> &'static str {
        match p {
            Principle::Purposes => tr(
                lang,
                "Finalités déterminées, explicites et légitimes",
                "Specified, explicit and legitimate purposes",
            ),
            Principle::LegalBasis => tr(lang, "Base légale", "Legal basis"),
            Principle::Minimisation => tr(lang, "Minimisation des données", "Data minimisation"),
            Principle::Accuracy => tr(lang, "Qualité des données", "Data accuracy"),
            Principle::Retention => tr(lang, "Durées de conservation", "Retention periods"),
            Principle::Information => tr(lang, "Information des personnes", "Informing people"),
            Principle::Consent => tr(lang, "Recueil du consentement", "Obtaining consent"),
            Principle::AccessPortability => tr(
                lang,
                "Droits d'accès et à la portabilité",
                "Rights of access and portability",
            ),
            Principle::RectificationErasure => tr(
                lang,
                "Droits de rectification et d'effacement",
                "Rights to rectification and erasure",
            ),
            Principle::RestrictionObjection => tr(
                lang,
                "Droits de limitation et d'opposition",
                "Rights to restriction and objection",
            ),
            Principle::Processors => tr(lang, "Sous-traitance", "Processors"),
            Principle::Transfers => tr(
                lang,
                "Transferts hors de l'Union européenne",
                "Transfers outside the European Union",
            ),
        }
    }

    pub fn event(lang: &str, e: FearedEvent) -> &'static str {
        match e {
            FearedEvent::IllegitimateAccess => tr(
                lang,
                "Accès illégitime à des données",
                "Illegitimate access to data",
            ),
            FearedEvent::UnwantedModification => tr(
                lang,
                "Modification non désirée de données",
                "Unwanted modification of data",
            ),
            FearedEvent::Disappearance => {
                tr(lang, "Disparition de données", "Disappearance of data")
            }
        }
    }

    pub fn level(lang: &str, l: Level) -> &'static str {
        match l {
            Level::Negligible => tr(lang, "Négligeable", "Negligible"),
            Level::Limited => tr(lang, "Limitée", "Limited"),
            Level::Significant => tr(lang, "Importante", "Significant"),
            Level::Maximum => tr(lang, "Maximale", "Maximum"),
        }
    }

    pub fn decision(lang: &str, d: Decision) -> &'static str {
        match d {
            Decision::Accepted => tr(lang, "Mise en œuvre acceptée", "Processing accepted"),
            Decision::AcceptedWithActions => tr(
                lang,
                "Acceptée sous réserve des mesures prévues",
                "Accepted once the planned measures are in place",
            ),
            Decision::Refused => tr(lang, "Mise en œuvre refusée", "Processing refused"),
        }
    }

    pub fn status(lang: &str, s: DpiaStatus) -> &'static str {
        match s {
            DpiaStatus::NotRequired => tr(lang, "AIPD non requise", "No DPIA required"),
            DpiaStatus::Missing => tr(
                lang,
                "AIPD requise, non commencée",
                "DPIA required, not started",
            ),
            DpiaStatus::InProgress => tr(lang, "AIPD en cours", "DPIA in progress"),
            DpiaStatus::Decided(Decision::Refused) => tr(
                lang,
                "AIPD : mise en œuvre refusée",
                "DPIA: processing refused",
            ),
            DpiaStatus::Decided(_) => tr(lang, "AIPD validée", "DPIA validated"),
        }
    }
}

pub mod followup {
    //! The follow-up's closed lists, in the page's language.

    use vigie_domain::followup::{EvidenceType, FollowUpKind, FollowUpStatus};

    use super::tr;

    pub fn kind(lang: &str, k: FollowUpKind) -> &'static str {
        match k {
            FollowUpKind::Advice => tr(lang, "Préconisation du DPO", "DPO advice"),
            FollowUpKind::Action => tr(lang, "Action du plan d'action", "Action plan item"),
        }
    }

    /// The status in the kind's words: advice is followed or not, an
    /// action done or abandoned.
    pub fn status(lang: &str, k: FollowUpKind, s: FollowUpStatus) -> &'static str {
        match (k, s) {
            (FollowUpKind::Advice, FollowUpStatus::Open) => {
                tr(lang, "En attente de réponse", "Awaiting an answer")
            }
            (FollowUpKind::Advice, FollowUpStatus::Done) => tr(lang, "Suivie", "Followed"),
            (FollowUpKind::Advice, FollowUpStatus::Declined) => {
                tr(lang, "Non suivie", "Not followed")
            }
            (FollowUpKind::Action, FollowUpStatus::Open) => tr(lang, "À faire", "To do"),
            (FollowUpKind::Action, FollowUpStatus::Done) => tr(lang, "Réalisée", "Done"),
            (FollowUpKind::Action, FollowUpStatus::Declined) => tr(lang, "Abandonnée", "Abandoned"),
        }
    }

    /// A status for the filter, whatever the kind.
    pub fn any_status(lang: &str, s: FollowUpStatus) -> &'static str {
        match s {
            FollowUpStatus::Open => tr(lang, "Ouvert", "Open"),
            FollowUpStatus::Done => tr(lang, "Suivi ou réalisé", "Followed or done"),
            FollowUpStatus::Declined => {
                tr(lang, "Non suivi ou abandonné", "Not followed or abandoned")
            }
        }
    }

    pub fn evidence_type(lang: &str, t: EvidenceType) -> &'static str {
        match t {
            EvidenceType::Pdf => "PDF",
            EvidenceType::Png => "PNG",
            EvidenceType::Jpeg => "JPEG",
            EvidenceType::OpenDocument => "OpenDocument",
            EvidenceType::OfficeOpenXml => "Office",
            EvidenceType::Text => tr(lang, "Texte", "Text"),
        }
    }
}

/// Why a connection was refused or failed, in the page's language; the
/// driver's own words never reach the page (C27).
pub fn connect_message(m: &'static Msgs, e: &vigie_connect::ConnectError) -> String {
    use vigie_connect::{ConnectError, Refusal};
    match e {
        ConnectError::Refused(r) => match r {
            Refusal::Scheme => m.system_url_invalid.into(),
            Refusal::Unreadable => m.connect_unreadable.into(),
            Refusal::Parameter(p) => m.connect_parameter.replace("{name}", p),
            Refusal::NoHost => m.connect_no_host.into(),
            Refusal::NoDatabase => m.connect_no_database.into(),
            Refusal::HostNotAllowed(h) => m.connect_host_not_allowed.replace("{place}", h),
            Refusal::NotAFileUrl => m.connect_not_a_file.into(),
            Refusal::FileNotAllowed => m.connect_file_not_allowed.into(),
            Refusal::SharedNotYours => m.connect_shared_not_yours.into(),
            Refusal::BoundElsewhere => m.connect_bound_elsewhere.into(),
        },
        ConnectError::Unreachable { .. } => m.connect_unreachable.into(),
        ConnectError::Authentication { .. } => m.connect_authentication.into(),
        ConnectError::NotUsable { .. } => m.connect_not_usable.into(),
        ConnectError::TimedOut(s) => m.connect_timed_out.replace("{s}", &s.to_string()),
    }
}
