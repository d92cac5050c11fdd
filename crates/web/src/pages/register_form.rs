//! The activity form: every field of the register as plain HTML inputs
//! (checkboxes for closed lists, one item per line for open lists), parsed
//! into an `Activity` with an error next to each wrong field, and redrawn
//! from an activity or from what was typed.

use std::collections::BTreeMap;

use vigie_domain::register::{
    Activity, ActivityStatus, Collection, DATA_CATEGORIES, DpiaCriterion, FinalFate, LegalBasis,
    Measure, MeasureKind, Recipient, RecipientKind, Retention, SUBJECT_CATEGORIES, Safeguard,
    SensitiveCondition, Transfer,
};

use crate::labels::{self, register as rl};

/// The form as typed.
#[derive(Debug, Default, Clone)]
pub struct ActivityForm {
    pub name: String,
    pub controller: String,
    pub joint_controllers: String,
    pub dpo_contact: String,
    pub purposes: String,
    pub legitimate_interest: String,
    /// Other data subjects, one per line, "name ; estimated number".
    pub subjects: String,
    /// The reference list's categories ticked, by their index, and each
    /// one's estimated number as typed.
    pub subject_refs: Vec<String>,
    pub subject_counts: BTreeMap<String, String>,
    pub other_data: String,
    pub internal: String,
    pub external: String,
    pub processors: String,
    /// Sub-processors of the registry ticked, by id.
    pub linked: Vec<String>,
    pub transfers: String,
    pub retentions: String,
    pub security: String,
    pub automated_decision: bool,
    pub profiling: bool,
    pub no_sensitive_data: bool,
    pub no_minors: bool,
    pub published: bool,
    pub legal_bases: Vec<String>,
    pub categories: Vec<String>,
    pub collection: Vec<String>,
    pub sensitive_condition: String,
    /// The checklist's measures ticked, and each one's comment by kind.
    pub measures: Vec<String>,
    pub measure_comments: BTreeMap<String, String>,
    pub people_estimate: String,
    pub dpia: Vec<String>,
    pub status: String,
    pub reason: String,
    pub version: String,
}

/// The index of a category in the reference list, by its stored name.
fn reference_index(name: &str) -> Option<usize> {
    SUBJECT_CATEGORIES.iter().position(|(fr, _)| *fr == name)
}

/// "12 000", "12000" or "12 000" (narrow space): one number; empty: none.
fn estimate(text: &str) -> Result<Option<u64>, ()> {
    let digits: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '.')
        .collect();
    if digits.is_empty() {
        return Ok(None);
    }
    digits.parse().map(Some).map_err(|_| ())
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ActivityForm {
    /// From the urlencoded pairs (checkbox groups repeat their key).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let one = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let all = |k: &str| {
            pairs
                .iter()
                .filter(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .collect::<Vec<_>>()
        };
        let on = |k: &str| pairs.iter().any(|(key, _)| key == k);
        ActivityForm {
            name: one("name"),
            controller: one("controller"),
            joint_controllers: one("joint_controllers"),
            dpo_contact: one("dpo_contact"),
            purposes: one("purposes"),
            legitimate_interest: one("legitimate_interest"),
            subjects: one("subjects"),
            subject_refs: all("subject_ref"),
            subject_counts: (0..SUBJECT_CATEGORIES.len())
                .map(|i| (i.to_string(), one(&format!("subject_n_{i}"))))
                .collect(),
            other_data: one("other_data"),
            internal: one("internal"),
            external: one("external"),
            processors: one("processors"),
            linked: all("linked_processor"),
            transfers: one("transfers"),
            retentions: one("retentions"),
            security: one("security"),
            automated_decision: on("automated_decision"),
            profiling: on("profiling"),
            no_sensitive_data: on("no_sensitive_data"),
            no_minors: on("no_minors"),
            published: on("published"),
            legal_bases: all("legal_basis"),
            categories: all("category"),
            collection: all("collection"),
            sensitive_condition: one("sensitive_condition"),
            measures: all("measure"),
            people_estimate: one("people_estimate"),
            measure_comments: MeasureKind::ALL
                .iter()
                .map(|k| {
                    (
                        k.as_str().to_owned(),
                        one(&format!("measure_{}", k.as_str())),
                    )
                })
                .collect(),
            dpia: all("dpia"),
            status: one("status"),
            reason: one("reason"),
            version: one("version"),
        }
    }

    /// The form showing an activity.
    pub fn of(a: &Activity, status: ActivityStatus, version: i64, lang: &str) -> Self {
        // Linked processors are ticked in the registry's list, not typed.
        let names = |k: RecipientKind| {
            a.recipients
                .iter()
                .filter(|r| r.kind == k && r.subprocessor.is_none())
                .map(|r| r.name.clone())
                .collect::<Vec<_>>()
                .join("\n")
        };
        ActivityForm {
            name: a.name.clone(),
            controller: a.controller.clone(),
            joint_controllers: a.joint_controllers.clone(),
            dpo_contact: a.dpo_contact.clone(),
            purposes: a.purposes.clone(),
            legitimate_interest: a.legitimate_interest.clone(),
            subjects: a
                .subject_categories
                .iter()
                .filter(|c| reference_index(c).is_none())
                .map(|c| match a.subject_estimates.get(c) {
                    Some(n) => format!("{c} ; {n}"),
                    None => c.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            subject_refs: a
                .subject_categories
                .iter()
                .filter_map(|c| reference_index(c).map(|i| i.to_string()))
                .collect(),
            subject_counts: a
                .subject_categories
                .iter()
                .filter_map(|c| {
                    let i = reference_index(c)?;
                    let n = a.subject_estimates.get(c)?;
                    Some((i.to_string(), n.to_string()))
                })
                .collect(),
            other_data: a.other_data.clone(),
            internal: names(RecipientKind::Internal),
            external: names(RecipientKind::External),
            processors: names(RecipientKind::Processor),
            linked: a
                .recipients
                .iter()
                .filter_map(|r| r.subprocessor.map(|id| id.to_string()))
                .collect(),
            transfers: a
                .transfers
                .iter()
                .map(|t| format!("{} ; {} ; {}", t.country, t.recipient, t.safeguard.as_str()))
                .collect::<Vec<_>>()
                .join("\n"),
            retentions: a
                .retentions
                .iter()
                .map(|r| format!("{} ; {} ; {}", r.data, r.duration, rl::fate(lang, r.fate)))
                .collect::<Vec<_>>()
                .join("\n"),
            security: a.security_measures.join("\n"),
            automated_decision: a.automated_decision,
            profiling: a.profiling,
            no_sensitive_data: a.no_sensitive_data,
            no_minors: a.no_minors,
            published: a.published,
            legal_bases: a
                .legal_bases
                .iter()
                .map(|b| b.as_str().to_owned())
                .collect(),
            categories: a.data_categories.clone(),
            collection: a.collection.iter().map(|c| c.as_str().to_owned()).collect(),
            sensitive_condition: a
                .sensitive_condition
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            measures: a
                .measures
                .iter()
                .map(|x| x.kind.as_str().to_owned())
                .collect(),
            people_estimate: a.people_estimate.map(|n| n.to_string()).unwrap_or_default(),
            measure_comments: a
                .measures
                .iter()
                .map(|x| (x.kind.as_str().to_owned(), x.comment.clone()))
                .collect(),
            dpia: a
                .dpia_criteria
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            status: status.as_str().to_owned(),
            reason: String::new(),
            version: version.to_string(),
        }
    }

    /// The activity and its status, or the error of each wrong field.
    pub fn parse(
        &self,
        fr: bool,
    ) -> Result<(Activity, ActivityStatus), BTreeMap<&'static str, String>> {
        let mut e = BTreeMap::new();
        let msg = |f: &str, en: &str| if fr { f.to_owned() } else { en.to_owned() };
        let status = ActivityStatus::parse(&self.status).unwrap_or(ActivityStatus::Draft);
        let mut transfers = Vec::new();
        for (i, l) in lines(&self.transfers).iter().enumerate() {
            let parts: Vec<&str> = l.split(';').map(str::trim).collect();
            let safeguard = parts.get(2).and_then(|s| parse_safeguard(s));
            match (parts.first(), parts.get(1), safeguard) {
                (Some(c), Some(r), Some(s)) if !c.is_empty() && !r.is_empty() => {
                    transfers.push(Transfer {
                        country: (*c).to_owned(),
                        recipient: (*r).to_owned(),
                        safeguard: s,
                    })
                }
                _ => {
                    e.insert(
                        "transfers",
                        msg(
                            &format!("Ligne {} : pays ; destinataire ; garantie (adéquation, clauses types, BCR, dérogation).", i + 1),
                            &format!("Line {}: country ; recipient ; safeguard (adequacy, standard clauses, BCR, derogation).", i + 1),
                        ),
                    );
                }
            }
        }
        let mut retentions = Vec::new();
        for (i, l) in lines(&self.retentions).iter().enumerate() {
            let parts: Vec<&str> = l.split(';').map(str::trim).collect();
            let fate = parts
                .get(2)
                .map_or(Some(FinalFate::Destruction), |s| parse_fate(s));
            match (parts.first(), parts.get(1), fate) {
                (Some(d), Some(t), Some(f)) if !d.is_empty() && !t.is_empty() => {
                    retentions.push(Retention {
                        data: (*d).to_owned(),
                        duration: (*t).to_owned(),
                        fate: f,
                    })
                }
                _ => {
                    e.insert(
                        "retentions",
                        msg(
                            &format!("Ligne {} : données ; durée ; sort final (destruction, archivage intermédiaire, versement, tri).", i + 1),
                            &format!("Line {}: data ; duration ; final fate (destruction, intermediate archive, public archives, sorting).", i + 1),
                        ),
                    );
                }
            }
        }
        let people_estimate = estimate(&self.people_estimate).unwrap_or_else(|()| {
            e.insert(
                "people_estimate",
                msg(
                    "Un nombre entier, par exemple 12 000.",
                    "A whole number, for example 12,000.",
                ),
            );
            None
        });
        // The reference list's ticked categories first, in its order, then
        // the others as typed; each with its estimate.
        let mut subject_categories = Vec::new();
        let mut subject_estimates = BTreeMap::new();
        let mut bad_count = false;
        for (i, (name, _)) in SUBJECT_CATEGORIES.iter().enumerate() {
            let key = i.to_string();
            if !self.subject_refs.contains(&key) {
                continue;
            }
            subject_categories.push((*name).to_owned());
            match estimate(self.subject_counts.get(&key).map_or("", String::as_str)) {
                Ok(Some(n)) => {
                    subject_estimates.insert((*name).to_owned(), n);
                }
                Ok(None) => {}
                Err(()) => bad_count = true,
            }
        }
        for l in lines(&self.subjects) {
            let (name, count) = match l.split_once(';') {
                Some((n, c)) => (n.trim().to_owned(), c),
                None => (l.clone(), ""),
            };
            if name.is_empty() || subject_categories.contains(&name) {
                continue;
            }
            match estimate(count) {
                Ok(Some(n)) => {
                    subject_estimates.insert(name.clone(), n);
                }
                Ok(None) => {}
                Err(()) => bad_count = true,
            }
            subject_categories.push(name);
        }
        if bad_count {
            e.insert(
                "subject_categories",
                msg(
                    "Le nombre estimé de personnes est un nombre entier, par exemple 12 000 (une ligne : « nom ; nombre »).",
                    "The estimated number of people is a whole number, for example 12,000 (a line: \"name ; number\").",
                ),
            );
        }
        let mut recipients: Vec<Recipient> = [
            (RecipientKind::Internal, &self.internal),
            (RecipientKind::External, &self.external),
            (RecipientKind::Processor, &self.processors),
        ]
        .into_iter()
        .flat_map(|(kind, text)| {
            lines(text).into_iter().map(move |name| Recipient {
                kind,
                name,
                subprocessor: None,
            })
        })
        .collect();
        // The registry's names are filled in by the service, from the
        // registry itself.
        recipients.extend(self.linked.iter().filter_map(|id| {
            id.parse().ok().map(|id| Recipient {
                kind: RecipientKind::Processor,
                name: String::new(),
                subprocessor: Some(id),
            })
        }));
        let a = Activity {
            name: self.name.trim().to_owned(),
            controller: self.controller.trim().to_owned(),
            joint_controllers: self.joint_controllers.trim().to_owned(),
            dpo_contact: self.dpo_contact.trim().to_owned(),
            purposes: self.purposes.trim().to_owned(),
            legal_bases: self
                .legal_bases
                .iter()
                .filter_map(|b| LegalBasis::parse(b))
                .collect(),
            legitimate_interest: self.legitimate_interest.trim().to_owned(),
            subject_categories,
            subject_estimates,
            people_estimate,
            data_categories: self.categories.clone(),
            other_data: self.other_data.trim().to_owned(),
            recipients,
            transfers,
            retentions,
            security_measures: lines(&self.security),
            automated_decision: self.automated_decision,
            profiling: self.profiling,
            collection: self
                .collection
                .iter()
                .filter_map(|c| Collection::parse(c))
                .collect(),
            dpia_criteria: self
                .dpia
                .iter()
                .filter_map(|c| DpiaCriterion::parse(c))
                .collect(),
            no_sensitive_data: self.no_sensitive_data,
            no_minors: self.no_minors,
            published: self.published,
            sensitive_condition: SensitiveCondition::parse(&self.sensitive_condition),
            measures: MeasureKind::ALL
                .iter()
                .filter(|k| self.measures.iter().any(|m| m == k.as_str()))
                .map(|k| Measure {
                    kind: *k,
                    comment: self
                        .measure_comments
                        .get(k.as_str())
                        .map_or_else(String::new, |c| c.trim().to_owned()),
                })
                .collect(),
        };
        for p in a.problems(status) {
            let text = match p.field() {
                "name" => msg(
                    "Donnez un nom de 1 à 200 caractères.",
                    "Give a name of 1 to 200 characters.",
                ),
                "legitimate_interest" => msg(
                    "Précisez l'intérêt légitime poursuivi.",
                    "Say which legitimate interest is pursued.",
                ),
                "data_categories" => msg(
                    "Des données sensibles sont cochées alors que l'activité promet de n'en traiter aucune.",
                    "Sensitive data is ticked while the activity promises none.",
                ),
                "status" => msg(
                    "Pour passer en « complète », renseignez finalités, base légale, données, personnes et conservation.",
                    "To be complete, fill in purposes, legal basis, data, people and retention.",
                ),
                "sensitive_condition" => msg(
                    "Des données sensibles (art. 9, art. 10 ou NIR) sont traitées : indiquez la condition qui le permet.",
                    "Sensitive data (Art. 9, Art. 10 or the NIR) is processed: say which condition allows it.",
                ),
                "subject_categories" => msg(
                    "Ces personnes sont des mineurs alors que l'activité promet de ne pas traiter de données de mineurs.",
                    "These people are minors while the activity promises no data about minors.",
                ),
                "published" => msg(
                    "Seule une activité complète ou contrôlée est publiée : passez-la en « complète » ou décochez la publication.",
                    "Only a complete or checked activity is published: make it complete or untick publication.",
                ),
                _ => p.to_string(),
            };
            e.entry(p.field()).or_insert(text);
        }
        if e.is_empty() {
            Ok((a, status))
        } else {
            Err(e)
        }
    }
}

fn parse_safeguard(s: &str) -> Option<Safeguard> {
    let s = s.to_lowercase();
    Safeguard::parse(&s).or(match s.as_str() {
        x if x.contains("adéquation") || x.contains("adequa") => Some(Safeguard::Adequacy),
        x if x.contains("clause") || x == "cct" || x == "scc" => Some(Safeguard::StandardClauses),
        x if x.contains("bcr") || x.contains("contraignantes") => Some(Safeguard::BindingRules),
        x if x.contains("dérogation") || x.contains("derogation") => Some(Safeguard::Derogation),
        _ => None,
    })
}

fn parse_fate(s: &str) -> Option<FinalFate> {
    let s = s.to_lowercase();
    FinalFate::parse(&s).or(match s.as_str() {
        x if x.contains("destruction") || x.contains("suppression") => Some(FinalFate::Destruction),
        x if x.contains("intermédiaire") || x.contains("intermediate") => {
            Some(FinalFate::IntermediateArchive)
        }
        x if x.contains("versement") || x.contains("public") => Some(FinalFate::PublicArchives),
        x if x.contains("tri") || x.contains("sort") => Some(FinalFate::Sorting),
        _ => None,
    })
}

/// A checkbox of a group.
pub struct Check {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
    /// Art. 9/10 or NIR, for the data categories.
    pub sensitive: bool,
}

/// The groups of checkboxes and the status options, for the template.
pub struct Groups {
    pub legal_bases: Vec<Check>,
    pub categories: Vec<Check>,
    pub collection: Vec<Check>,
    pub dpia: Vec<Check>,
    pub statuses: Vec<labels::Choice>,
    /// The Art. 9(2)/10 conditions, the first choice empty.
    pub conditions: Vec<labels::Choice>,
    /// The security checklist: (kind, label, ticked, comment).
    pub measures: Vec<(&'static str, &'static str, bool, String)>,
    /// The reference list of data subjects: (index, label, ticked,
    /// estimated number).
    pub subjects: Vec<(usize, &'static str, bool, String)>,
}

impl Groups {
    pub fn of(f: &ActivityForm, lang: &str, may_check: bool) -> Self {
        let check = |value: &'static str, label: &'static str, chosen: &[String]| Check {
            value,
            label,
            checked: chosen.iter().any(|c| c == value),
            sensitive: false,
        };
        let status = if f.status.is_empty() {
            "draft"
        } else {
            f.status.as_str()
        };
        Groups {
            legal_bases: LegalBasis::ALL
                .iter()
                .map(|b| check(b.as_str(), rl::legal_basis(lang, *b), &f.legal_bases))
                .collect(),
            categories: DATA_CATEGORIES
                .iter()
                .map(|c| Check {
                    sensitive: c.sensitivity != vigie_domain::register::Sensitivity::Ordinary,
                    ..check(
                        c.code,
                        if lang == "en" { c.en } else { c.fr },
                        &f.categories,
                    )
                })
                .collect(),
            collection: Collection::ALL
                .iter()
                .map(|c| check(c.as_str(), rl::collection(lang, *c), &f.collection))
                .collect(),
            dpia: DpiaCriterion::ALL
                .iter()
                .map(|c| check(c.as_str(), rl::criterion(lang, *c), &f.dpia))
                .collect(),
            measures: MeasureKind::ALL
                .iter()
                .map(|k| {
                    (
                        k.as_str(),
                        rl::measure(lang, *k),
                        f.measures.iter().any(|m| m == k.as_str()),
                        f.measure_comments
                            .get(k.as_str())
                            .cloned()
                            .unwrap_or_default(),
                    )
                })
                .collect(),
            subjects: SUBJECT_CATEGORIES
                .iter()
                .enumerate()
                .map(|(i, (fr, en))| {
                    let key = i.to_string();
                    (
                        i,
                        if lang == "en" { *en } else { *fr },
                        f.subject_refs.contains(&key),
                        f.subject_counts.get(&key).cloned().unwrap_or_default(),
                    )
                })
                .collect(),
            conditions: std::iter::once(labels::Choice {
                value: "",
                label: "—",
                selected: f.sensitive_condition.is_empty(),
            })
            .chain(SensitiveCondition::ALL.iter().map(|c| labels::Choice {
                value: c.as_str(),
                label: rl::sensitive_condition(lang, *c),
                selected: c.as_str() == f.sensitive_condition,
            }))
            .collect(),
            statuses: ActivityStatus::ALL
                .iter()
                .filter(|s| may_check || **s != ActivityStatus::Checked || status == "checked")
                .map(|s| labels::Choice {
                    value: s.as_str(),
                    label: rl::status(lang, *s),
                    selected: s.as_str() == status,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c01_the_form_round_trips_an_activity() {
        let pairs: Vec<(String, String)> = [
            ("name", "Gestion du recrutement"),
            ("purposes", "Traiter les candidatures"),
            ("legal_basis", "legitimate_interest"),
            ("legal_basis", "contract"),
            ("legitimate_interest", "Sélection des profils"),
            ("subjects", "Candidats\n\nSalariés"),
            ("category", "etat_civil"),
            ("category", "nir"),
            ("sensitive_condition", "employment"),
            ("people_estimate", "12 000"),
            ("measure", "encryption"),
            ("measure_encryption", " TLS et disques chiffrés "),
            ("measure_backups", "commentaire sans case cochée"),
            ("internal", "Pôle RH"),
            ("processors", "Welcome to the jungle"),
            ("transfers", "États-Unis ; LinkedIn ; clauses contractuelles types"),
            ("retentions", "Candidat non recruté ; 2 ans ; destruction\nRecruté ; 5 ans après le départ ; archivage intermédiaire"),
            ("status", "complete"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let f = ActivityForm::from_pairs(&pairs);
        let (a, status) = f.parse(true).unwrap();
        assert_eq!(status, ActivityStatus::Complete);
        assert_eq!(a.subject_categories, ["Candidats", "Salariés"]);
        assert_eq!(a.transfers[0].safeguard, Safeguard::StandardClauses);
        assert_eq!(a.retentions[1].fate, FinalFate::IntermediateArchive);
        assert_eq!(a.recipients.len(), 2);
        assert_eq!(a.sensitive_condition, Some(SensitiveCondition::Employment));
        assert_eq!(a.people_estimate, Some(12_000));
        let mut wrong = f.clone();
        wrong.people_estimate = "beaucoup".into();
        assert!(
            wrong
                .parse(true)
                .unwrap_err()
                .contains_key("people_estimate")
        );
        // Only ticked measures, with their comments.
        assert_eq!(
            a.measures,
            [Measure {
                kind: MeasureKind::Encryption,
                comment: "TLS et disques chiffrés".into()
            }]
        );
        let back = ActivityForm::of(&a, status, 1, "fr").parse(true).unwrap();
        assert_eq!(back.0, a);
    }

    #[test]
    fn c01_c38_subjects_from_the_reference_list_with_their_estimates() {
        let agents = SUBJECT_CATEGORIES
            .iter()
            .position(|(fr, _)| *fr == "Agents")
            .unwrap()
            .to_string();
        let minors = SUBJECT_CATEGORIES
            .iter()
            .position(|(fr, _)| *fr == "Mineurs")
            .unwrap()
            .to_string();
        let pairs: Vec<(String, String)> = [
            ("name", "Cantine"),
            ("subject_ref", agents.as_str()),
            (&format!("subject_n_{agents}"), "1 200"),
            (
                "subjects",
                "Familles ; 450
Prestataire de restauration",
            ),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let f = ActivityForm::from_pairs(&pairs);
        let (a, status) = f.parse(true).unwrap();
        assert_eq!(
            a.subject_categories,
            ["Agents", "Familles", "Prestataire de restauration"]
        );
        assert_eq!(a.subject_estimates.get("Agents"), Some(&1200));
        assert_eq!(a.subject_estimates.get("Familles"), Some(&450));
        assert_eq!(a.subject_estimates.len(), 2);
        // Back to the form and parsed again: the same activity.
        let back = ActivityForm::of(&a, status, 1, "fr");
        assert_eq!(back.subject_refs, std::slice::from_ref(&agents));
        assert_eq!(back.subjects, "Familles ; 450\nPrestataire de restauration");
        assert_eq!(back.parse(true).unwrap().0, a);
        // A number that is not one, and children under a promise of none.
        let mut wrong = f.clone();
        wrong.subjects = "Familles ; beaucoup".into();
        assert!(
            wrong
                .parse(true)
                .unwrap_err()
                .contains_key("subject_categories")
        );
        let mut promised = f.clone();
        promised.no_minors = true;
        promised.subject_refs.push(minors);
        let e = promised.parse(true).unwrap_err();
        assert!(e["subject_categories"].contains("mineurs"), "{e:?}");
    }

    #[test]
    fn errors_are_put_next_to_their_field() {
        let pairs: Vec<(String, String)> = [
            ("name", ""),
            ("legal_basis", "legitimate_interest"),
            ("transfers", "Canada ; sans garantie ; aucune"),
            ("retentions", "Données sans durée"),
            ("status", "checked"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let e = ActivityForm::from_pairs(&pairs).parse(true).unwrap_err();
        for field in [
            "name",
            "legitimate_interest",
            "transfers",
            "retentions",
            "status",
        ] {
            assert!(e.contains_key(field), "{field}: {e:?}");
        }
        assert!(e["transfers"].starts_with("Ligne 1"));
    }
}
