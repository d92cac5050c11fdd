//! The demo's registers, after the seeds: CIS Valley's own register in the
//! shape of seed 004, and the SIDEC's "Mes demandes" activity of seed 002.

use vigie_domain::register::{
    Activity, ActivityStatus, Collection, FinalFate, LegalBasis, Recipient, RecipientKind,
    Retention,
};

fn recipients(internal: &[&str], external: &[&str], processors: &[&str]) -> Vec<Recipient> {
    let one = |kind, names: &[&str]| {
        names
            .iter()
            .map(|n| Recipient {
                kind,
                name: (*n).to_owned(),
                subprocessor: None,
            })
            .collect::<Vec<_>>()
    };
    [
        one(RecipientKind::Internal, internal),
        one(RecipientKind::External, external),
        one(RecipientKind::Processor, processors),
    ]
    .concat()
}

fn keep(data: &str, duration: &str, fate: FinalFate) -> Retention {
    Retention {
        data: data.into(),
        duration: duration.into(),
        fate,
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

const CIS_DPO: &str =
    "Délégué à la protection des données, CIS Valley, 3 rue Adrienne Bolland, 33185 Le Haillan";

fn cis(name: &str) -> Activity {
    Activity {
        name: name.into(),
        controller: "CIS VALLEY".into(),
        dpo_contact: CIS_DPO.into(),
        security_measures: strings(&[
            "Contrôle d'accès par habilitation",
            "Journalisation des accès",
            "Sauvegardes chiffrées",
        ]),
        ..Activity::default()
    }
}

/// CIS Valley's register (controller), after seed 004.
pub fn cis_valley() -> Vec<(Activity, ActivityStatus)> {
    vec![
        (
            Activity {
                purposes: "Réceptionner et traiter les candidatures ; disposer d'un vivier ; effectuer les recrutements ; gestion prévisionnelle des compétences".into(),
                legal_bases: vec![LegalBasis::LegitimateInterest],
                legitimate_interest: "Recherche et sélection des profils adaptés aux postes ouverts".into(),
                subject_categories: strings(&["Candidats"]),
                data_categories: strings(&["etat_civil", "coordonnees", "vie_professionnelle"]),
                recipients: recipients(
                    &["Pôle RH", "Managers concernés", "Directeur de département", "Directeur général"],
                    &[],
                    &["Welcome to the Jungle", "Apec", "LinkedIn"],
                ),
                retentions: vec![
                    keep("Candidat recruté", "5 ans après le départ du collaborateur", FinalFate::IntermediateArchive),
                    keep("Candidat non recruté", "2 ans après le dernier contact", FinalFate::Destruction),
                ],
                collection: vec![Collection::WebForm, Collection::Interview],
                ..cis("Gestion du recrutement")
            },
            ActivityStatus::Checked,
        ),
        (
            Activity {
                purposes: "Proposer des services aux prospects ; contacter les clients dans le cadre des projets ; constituer une proposition commerciale".into(),
                legal_bases: vec![LegalBasis::Contract, LegalBasis::LegitimateInterest],
                legitimate_interest: "Proposer aux prospects des services adaptés à leurs enjeux métiers".into(),
                subject_categories: strings(&["Clients", "Prospects"]),
                data_categories: strings(&["etat_civil", "coordonnees", "vie_professionnelle"]),
                recipients: recipients(&["Ingénieurs d'affaires", "Équipe avant-vente"], &["Partenaires"], &[]),
                retentions: vec![
                    keep("Clients", "Jusqu'à la fin de la relation commerciale", FinalFate::Destruction),
                    keep("Prospects", "3 ans à compter du dernier contact", FinalFate::Destruction),
                ],
                ..cis("Activités commerciales")
            },
            ActivityStatus::Complete,
        ),
        (
            Activity {
                purposes: "Exécuter les obligations contractuelles de maintenance ; traiter les tickets ; reproduire et corriger les anomalies".into(),
                legal_bases: vec![LegalBasis::Contract],
                subject_categories: strings(&["Utilisateurs des logiciels clients", "Usagers des clients"]),
                data_categories: strings(&["etat_civil", "vie_personnelle", "vie_professionnelle", "economique", "connexion", "nir", "bancaire"]),
                recipients: recipients(&["Équipes de maintenance", "Équipe BI", "Équipe DBA"], &["Clients CIS Valley"], &[]),
                retentions: vec![keep("Données de maintenance", "Jusqu'à la fin de la relation contractuelle", FinalFate::Destruction)],
                // The clients' NIR, seen while maintaining their software.
                sensitive_condition: Some(vigie_domain::register::SensitiveCondition::OfficialAuthority),
                ..cis("Maintenance applicative")
            },
            ActivityStatus::Complete,
        ),
        (
            Activity {
                purposes: "Surveiller les événements de sécurité et la performance du système d'information".into(),
                legal_bases: vec![LegalBasis::LegalObligation],
                subject_categories: strings(&["Collaborateurs", "Utilisateurs des services hébergés"]),
                data_categories: strings(&["connexion"]),
                recipients: recipients(&["RSSI", "Ingénieurs chargés des incidents"], &[], &[]),
                retentions: vec![keep("Journaux (identifiant, date, événement, adresse IP)", "1 an", FinalFate::Destruction)],
                collection: vec![Collection::Automatic],
                ..cis("Gestion des traces")
            },
            ActivityStatus::Checked,
        ),
        (
            Activity {
                purposes: "Identifier les personnes autorisées à accéder aux zones du site ; revues mensuelles des droits ; accueil des visiteurs".into(),
                legal_bases: vec![LegalBasis::LegitimateInterest],
                legitimate_interest: "Garantir que seules les personnes autorisées accèdent aux zones du site".into(),
                subject_categories: strings(&["Collaborateurs", "Visiteurs"]),
                data_categories: strings(&["etat_civil", "image"]),
                recipients: recipients(&["Moyens généraux", "RSSI"], &[], &[]),
                retentions: vec![
                    keep("Enregistrement des accès par badge", "1 mois glissant", FinalFate::Destruction),
                    keep("Pièce d'identité des visiteurs", "1 mois glissant", FinalFate::Destruction),
                ],
                ..cis("Contrôle d'accès physique – Le Haillan")
            },
            ActivityStatus::Complete,
        ),
        (
            Activity {
                purposes: "Tenir la base de contacts clients de l'outil de ticketing ; gérer les tickets ; archiver les contacts obsolètes".into(),
                legal_bases: vec![LegalBasis::LegitimateInterest],
                legitimate_interest: "Assurer le support technique et tracer les incidents".into(),
                subject_categories: strings(&["Contacts clients"]),
                data_categories: strings(&["etat_civil", "coordonnees"]),
                recipients: recipients(&["Services managés cloud, logiciels et décisionnels"], &[], &[]),
                retentions: vec![keep("Tickets d'incident ou de demande", "15 ans", FinalFate::IntermediateArchive)],
                ..cis("Outil de ticketing")
            },
            ActivityStatus::Draft,
        ),
    ]
}

/// The organisation sheets of the demo's two tenants (SIRENs made up,
/// with a valid check digit).
pub fn sheets() -> [(&'static str, vigie_domain::organisation::OrganisationSheet); 2] {
    use vigie_domain::organisation::OrganisationSheet;
    [
        (
            "cis-valley",
            OrganisationSheet {
                legal_name: "CIS VALLEY".into(),
                address: "3 rue Adrienne Bolland, 33185 Le Haillan".into(),
                siren: "812345676".into(),
                representative: "Claire Moreau".into(),
                representative_title: "présidente".into(),
                dpo_name: "Délégué à la protection des données, CIS Valley".into(),
                dpo_contact: "3 rue Adrienne Bolland, 33185 Le Haillan".into(),
                dpo_designation: "DPO-81234".into(),
                ..OrganisationSheet::default()
            },
        ),
        (
            "sidec-jura",
            OrganisationSheet {
                legal_name: "SIDEC du Jura".into(),
                address: "1200 route de Chalon, 39000 Lons-le-Saunier".into(),
                siren: "253900013".into(),
                representative: "Pierre Girod".into(),
                representative_title: "président".into(),
                dpo_name: "DPO mutualisé du SIDEC".into(),
                dpo_contact: "dpo@sidec-jura.fr".into(),
                dpo_designation: "DPO-25390".into(),
                referent_name: "Service informatique".into(),
                referent_contact: "support@sidec-jura.fr".into(),
            },
        ),
    ]
}

/// The SIDEC's "Mes demandes" portal, after seed 002.
pub fn sidec() -> Vec<(Activity, ActivityStatus)> {
    vec![(
        Activity {
            name: "Plate-forme « Mes demandes »".into(),
            controller: "SIDEC du Jura".into(),
            dpo_contact: "dpo@sidec-jura.fr".into(),
            purposes: "Gestion des configurations, des demandes des utilisateurs, des changements, des incidents, des problèmes, des interventions, des contrats et des services proposés par le SIDEC".into(),
            legal_bases: vec![LegalBasis::Contract, LegalBasis::LegalObligation, LegalBasis::PublicTask],
            subject_categories: strings(&["Agents des collectivités adhérentes", "Agents du SIDEC"]),
            data_categories: strings(&["etat_civil", "coordonnees", "vie_professionnelle", "connexion"]),
            other_data: "Login ; supérieur hiérarchique ; historique des modifications".into(),
            recipients: recipients(&["Services du SIDEC"], &["Collectivités adhérentes"], &["COMBODO (éditeur et hébergeur)"]),
            retentions: vec![
                keep("Compte inactif", "1 an d'inactivité, puis suppression", FinalFate::Destruction),
                keep("Compte d'une personne ayant cessé son activité", "3 mois après la notification", FinalFate::Destruction),
                keep("Sauvegardes quotidiennes chiffrées", "14 jours", FinalFate::Destruction),
            ],
            security_measures: strings(&[
                "Environnements de production et de test séparés",
                "Sauvegarde quotidienne compressée et chiffrée, rétention 14 jours",
                "Identifiant personnel pour chaque utilisateur",
                "Pare-feu n'autorisant que HTTPS",
            ]),
            collection: vec![Collection::WebForm],
            ..Activity::default()
        },
        ActivityStatus::Complete,
    )]
}

/// The SIDEC DPO's follow-up of its platform: the impact assessment
/// begun, advice waiting for an answer, one action late and one to come.
pub async fn seed_follow_up(
    store: &dyn vigie_store::Store,
    scope: &vigie_domain::scope::TenantScope,
    platform: vigie_domain::ActivityId,
) -> anyhow::Result<()> {
    use jiff::{Timestamp, ToSpan};
    use vigie_domain::{
        dpia::{Dpia, Level},
        followup::{FollowUpKind, NewFollowUp},
    };
    let now = Timestamp::now();
    let today = vigie_domain::time::legal_date(now);
    let mut dpia = Dpia::blank();
    dpia.overview = "Plate-forme de gestion des demandes des agents des collectivités adhérentes, hébergée par l'éditeur.".into();
    dpia.lifecycle = "Comptes créés à l'adhésion, supprimés après un an d'inactivité ; sauvegardes chiffrées gardées 14 jours.".into();
    dpia.supports =
        "Application web iTop, base MariaDB, sauvegardes chiffrées chez l'hébergeur.".into();
    if let Some(r) = dpia.risks.first_mut() {
        r.sources = "Compte d'agent dont le mot de passe a fuité".into();
        r.likelihood = Some(Level::Limited);
        r.severity = Some(Level::Limited);
    }
    store
        .save_dpia(scope, platform, 0, &dpia.normalised(), "démonstration", now)
        .await?;
    let items = [
        (
            FollowUpKind::Advice,
            "Ramener à 6 mois la conservation des comptes inactifs",
            "",
            None,
        ),
        (
            FollowUpKind::Action,
            "Activer la journalisation des consultations des demandes",
            "Service informatique du SIDEC",
            today.checked_add(60.days()).ok(),
        ),
        (
            FollowUpKind::Action,
            "Former les agents à la gestion des habilitations",
            "Direction du SIDEC",
            today.checked_sub(10.days()).ok(),
        ),
    ];
    for (kind, title, owner, due) in items {
        let item = NewFollowUp {
            kind,
            activity: Some(platform),
            title: title.into(),
            detail: String::new(),
            owner: owner.into(),
            due,
        };
        store
            .create_follow_up(scope, &item, "démonstration", now)
            .await?;
    }
    Ok(())
}

/// The provider's sub-processors, after seed 000.
pub fn subprocessors() -> Vec<vigie_domain::subprocessor::SubProcessor> {
    use vigie_domain::subprocessor::{Country, Site, SubProcessor};
    let fr = |names: &[&str]| -> Vec<Site> {
        names
            .iter()
            .filter_map(|n| {
                Country::parse("FR").ok().map(|country| Site {
                    name: (*n).into(),
                    country,
                })
            })
            .collect()
    };
    vec![
        SubProcessor {
            name: "OVH".into(),
            address: "2 rue Kellermann, 59100 Roubaix".into(),
            contact: "https://www.ovh.com/fr/".into(),
            purpose: "Hébergement : centres de données, connectivité, support".into(),
            sites: fr(&["Roubaix", "Gravelines", "Strasbourg"]),
            certifications: strings(&["ISO 27001", "HDS"]),
            ..SubProcessor::default()
        },
        SubProcessor {
            name: "Scaleway".into(),
            address: "8 rue de la Ville-l'Évêque, 75008 Paris".into(),
            contact: "https://www.scaleway.com".into(),
            purpose: "Hébergement : centres de données, connectivité, support".into(),
            sites: fr(&["Paris"]),
            certifications: strings(&["ISO 27001", "HDS"]),
            ..SubProcessor::default()
        },
        SubProcessor {
            name: "ARXONE".into(),
            purpose: "Externalisation des sauvegardes".into(),
            sites: fr(&["France"]),
            ..SubProcessor::default()
        },
        SubProcessor {
            name: "DIGORA".into(),
            address: "98 rue de Hochfelden, 67200 Strasbourg".into(),
            purpose: "Services managés : support et maintien en condition opérationnelle Oracle"
                .into(),
            sites: fr(&["Strasbourg"]),
            ..SubProcessor::default()
        },
        SubProcessor {
            name: "NOVADYS".into(),
            address: "3 rue Raymond Aron, 51520 Saint-Martin-sur-le-Pré".into(),
            purpose:
                "Services managés : authentification unique, envoi de courriels et SMS, traçabilité"
                    .into(),
            sites: fr(&["Saint-Martin-sur-le-Pré"]),
            ..SubProcessor::default()
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c07_c08_the_demo_subprocessors_pass_the_transfer_guard() {
        let all = subprocessors();
        assert_eq!(all.len(), 5);
        for sp in all {
            assert!(!sp.sites.is_empty(), "{}", sp.name);
            assert!(sp.transfer_basis().is_ok(), "{}", sp.name);
        }
    }

    #[test]
    fn the_demo_registers_follow_the_rules() {
        for (a, status) in cis_valley().into_iter().chain(sidec()) {
            assert_eq!(a.problems(status), vec![], "{}", a.name);
        }
        assert!(
            cis_valley().iter().any(|(a, _)| a.has_sensitive_data()),
            "maintenance holds the NIR"
        );
    }
}
