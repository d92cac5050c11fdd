//! The interface's words in French (default) and English. Both languages are
//! one struct, so a key missing in either does not compile.

/// The language a page is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }
    pub fn msgs(self) -> &'static Msgs {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
    /// The first language of an `Accept-Language` header we offer.
    pub fn from_accept_language(h: &str) -> Option<Lang> {
        h.split(',')
            .filter_map(|part| part.split(';').next())
            .filter_map(|tag| Lang::parse(tag.split('-').next().unwrap_or_default()))
            .next()
    }
}

macro_rules! messages {
    ($($key:ident: $fr:literal, $en:literal;)*) => {
        /// Every string of the interface.
        pub struct Msgs { $(pub $key: &'static str,)* }
        pub static FR: Msgs = Msgs { $($key: $fr,)* };
        pub static EN: Msgs = Msgs { $($key: $en,)* };
    };
}

messages! {
    lang_name: "Français", "English";
    switch_lang: "English", "Français";
    switch_lang_label: "Switch to English", "Passer en français";
    demo_badge: "démo", "demo";
    skip_to_content: "Aller au contenu", "Skip to content";
    app_tagline: "Conformité RGPD, tenue par construction", "GDPR compliance, kept by construction";
    nav_main: "Navigation principale", "Main navigation";
    nav_dashboard: "Tableau de bord", "Dashboard";
    nav_users: "Utilisateurs", "Users";
    nav_trail: "Journal des accès", "Access trail";
    nav_tokens: "Jetons d'API", "API tokens";
    nav_account: "Mon compte", "My account";
    nav_admin: "Administration", "Administration";
    nav_tenants: "Organisations", "Organisations";
    nav_all_users: "Comptes", "Accounts";
    nav_jobs: "Tâches planifiées", "Scheduled jobs";
    nav_outbox: "Courriels sortants", "Outgoing email";
    nav_checkpoints: "Points de contrôle", "Checkpoints";
    tenant_switch: "Organisation", "Organisation";
    tenant_switch_go: "Changer", "Switch";
    sign_in: "Se connecter", "Sign in";
    sign_out: "Se déconnecter", "Sign out";
    email: "Adresse électronique", "Email address";
    password: "Mot de passe", "Password";
    password_confirm: "Confirmation du mot de passe", "Confirm password";
    current_password: "Mot de passe actuel", "Current password";
    new_password: "Nouveau mot de passe", "New password";
    password_hint: "Au moins 12 caractères, sans votre nom ni votre adresse.", "At least 12 characters, without your name or address.";
    totp_code: "Code de vérification (si la double authentification est activée)", "Verification code (if two-step verification is on)";
    totp_code_hint: "6 chiffres de votre application, ou un code de secours.", "6 digits from your app, or a recovery code.";
    sign_in_failed: "Adresse, mot de passe ou code incorrect.", "Wrong address, password or code.";
    sign_in_delayed: "Trop de tentatives échouées. Réessayez dans quelques minutes.", "Too many failed attempts. Try again in a few minutes.";
    forgot_password: "Mot de passe oublié ?", "Forgot your password?";
    forgot_title: "Réinitialiser le mot de passe", "Reset your password";
    forgot_intro: "Indiquez votre adresse : si un compte l'utilise, vous recevrez un lien valable une heure. Nous ne vous enverrons jamais de mot de passe.", "Enter your address: if an account uses it, you will receive a link valid for one hour. We will never send you a password.";
    forgot_send: "Envoyer le lien", "Send the link";
    forgot_sent: "Si un compte utilise cette adresse, un lien vient de lui être envoyé.", "If an account uses this address, a link has just been sent to it.";
    reset_title: "Choisir un nouveau mot de passe", "Choose a new password";
    reset_invalid: "Ce lien n'est plus valable. Demandez-en un nouveau.", "This link is no longer valid. Ask for a new one.";
    reset_done: "Mot de passe enregistré. Vous pouvez vous connecter.", "Password saved. You can sign in.";
    save: "Enregistrer", "Save";
    create: "Créer", "Create";
    search: "Rechercher", "Search";
    search_label: "Rechercher dans la liste", "Search the list";
    filter: "Filtrer", "Filter";
    previous: "Précédente", "Previous";
    next: "Suivante", "Next";
    page_of: "Page", "Page";
    results: "résultat(s)", "result(s)";
    nothing_found: "Aucun élément.", "Nothing here.";
    actions: "Actions", "Actions";
    name: "Nom", "Name";
    roles: "Rôles", "Roles";
    status: "État", "Status";
    active: "Actif", "Active";
    disabled: "Désactivé", "Disabled";
    yes: "Oui", "Yes";
    no: "Non", "No";
    role_dpo: "DPO (délégué à la protection des données)", "DPO (data protection officer)";
    role_user_manager: "Gestionnaire des utilisateurs", "User manager";
    role_agent: "Agent", "Agent";
    role_auditor: "Auditeur (lecture seule)", "Auditor (read-only)";
    dashboard_title: "Tableau de bord", "Dashboard";
    card_members: "Personnes ayant un rôle", "People with a role";
    card_trail_today: "Accès tracés aujourd'hui", "Accesses traced today";
    card_register: "Activités au registre", "Activities in the register";
    card_open_windows: "Changements de sous-traitants en attente de votre réponse", "Sub-processor changes awaiting your answer";
    card_breaches: "Violations de données", "Data breaches";
    card_breaches_text: "Notification à la CNIL sous 72 heures. Bientôt.", "Notification to the CNIL within 72 hours. Coming.";
    card_retention: "Durées de conservation", "Retention";
    card_retention_text: "Anonymisation des comptes inactifs. Bientôt.", "Anonymisation of stale accounts. Coming.";
    card_backups: "Sauvegardes", "Backups";
    card_backups_text: "Quotidiennes, chiffrées, conservées 14 jours. Bientôt.", "Daily, encrypted, kept 14 days. Coming.";
    users_title: "Utilisateurs de l'organisation", "Users of the organisation";
    user_add_title: "Ajouter une personne", "Add a person";
    user_add_intro: "La personne reçoit un lien pour choisir elle-même son mot de passe.", "The person receives a link to choose their own password.";
    user_added: "Personne ajoutée ; un lien lui a été envoyé.", "Person added; a link was sent to them.";
    user_invited: "Cette adresse a déjà un compte Vigie : une invitation lui a été envoyée ; la personne rejoindra l'organisation si elle l'accepte.", "This address already has a Vigie account: an invitation was sent; the person joins the organisation if they accept it.";
    user_already_member: "Cette personne est déjà membre : changez ses rôles sur sa page.", "This person is already a member: change their roles on their page.";
    invitations_title: "Invitations en attente", "Pending invitations";
    invitation_expires: "Expire le", "Expires";
    invitation_withdraw: "Retirer", "Withdraw";
    invitation_withdrawn: "Invitation retirée.", "Invitation withdrawn.";
    invitation_title: "Invitation", "Invitation";
    invitation_text: "{who} vous invite à rejoindre {org} avec les rôles : {roles}.", "{who} invites you to join {org} with the roles: {roles}.";
    invitation_accept: "Accepter", "Accept";
    invitation_decline: "Refuser", "Decline";
    invitation_accepted: "Vous avez rejoint l'organisation.", "You joined the organisation.";
    invitation_declined: "Invitation refusée.", "Invitation declined.";
    user_roles_saved: "Rôles enregistrés.", "Roles saved.";
    user_removed: "La personne n'a plus de rôle dans l'organisation.", "The person no longer has a role in the organisation.";
    user_disabled_done: "Compte désactivé ; ses sessions et jetons sont révoqués.", "Account disabled; its sessions and tokens are revoked.";
    user_enabled_done: "Compte réactivé.", "Account enabled again.";
    user_edit_title: "Rôles de la personne", "Roles of the person";
    user_remove: "Retirer de l'organisation", "Remove from the organisation";
    user_disable: "Désactiver le compte (compromis)", "Disable the account (compromised)";
    user_enable: "Réactiver le compte", "Enable the account";
    user_disable_elsewhere: "Ce compte a aussi des rôles ailleurs : seul l'administrateur de la plateforme peut le désactiver.", "This account also holds roles elsewhere: only the platform administrator can disable it.";
    user_send_reset: "Envoyer un lien de réinitialisation", "Send a reset link";
    user_reset_sent: "Lien de réinitialisation envoyé.", "Reset link sent.";
    email_invalid: "Adresse électronique non valable (exemple : prenom.nom@mairie.fr).", "Not a valid email address (example: first.last@town.fr).";
    name_invalid: "Indiquez un nom de 200 caractères au plus.", "Enter a name of at most 200 characters.";
    slug_invalid: "Nom court : 2 à 63 caractères, minuscules sans accent, chiffres et tirets.", "Short name: 2 to 63 characters, lowercase letters, digits and hyphens.";
    slug_taken: "Ce nom court est déjà utilisé.", "This short name is already used.";
    date_invalid: "Date attendue au format AAAA-MM-JJ.", "Date expected as YYYY-MM-DD.";
    roles_required: "Choisissez au moins un rôle.", "Choose at least one role.";
    trail_title: "Journal des accès", "Access trail";
    trail_intro: "Chaque connexion, lecture et modification est tracée, chaînée par empreinte et signée. Conservation : un an.", "Every sign-in, read and change is recorded, hash-chained and signed. Kept for one year.";
    trail_when: "Date", "When";
    trail_who: "Qui", "Who";
    trail_action: "Action", "Action";
    trail_object: "Objet", "Object";
    trail_ip: "Adresse IP", "IP address";
    trail_outcome: "Résultat", "Outcome";
    trail_action_prefix: "Action commençant par", "Action starting with";
    trail_from: "Du", "From";
    trail_to: "Au", "To";
    trail_any: "Tous", "Any";
    outcome_success: "Réussi", "Success";
    outcome_failure: "Échec", "Failure";
    outcome_denied: "Refusé", "Denied";
    outcome_interrupted: "Interrompu (issue inconnue)", "Interrupted (outcome unknown)";
    export_csv: "Exporter en CSV", "Export as CSV";
    export_json: "Exporter en JSON", "Export as JSON";
    tokens_title: "Jetons d'API", "API tokens";
    tokens_intro: "Un jeton donne accès à l'API de cette organisation avec un rôle, jusqu'à son expiration. Il n'est affiché qu'une fois.", "A token gives access to this organisation's API with one role, until it expires. It is shown only once.";
    token_name: "Nom du jeton", "Token name";
    token_role: "Rôle", "Role";
    token_days: "Validité (jours, 1 à 365)", "Valid for (days, 1 to 365)";
    token_expires: "Expire le", "Expires";
    token_revoke: "Révoquer", "Revoke";
    token_revoked: "Révoqué", "Revoked";
    token_created: "Copiez ce jeton maintenant : il ne sera plus jamais affiché.", "Copy this token now: it will never be shown again.";
    token_days_invalid: "Indiquez un nombre de jours entre 1 et 365.", "Enter a number of days between 1 and 365.";
    token_name_invalid: "Donnez un nom de 1 à 100 caractères.", "Give a name of 1 to 100 characters.";
    account_title: "Mon compte", "My account";
    preferences: "Préférences", "Preferences";
    language: "Langue", "Language";
    time_zone: "Fuseau horaire", "Time zone";
    time_zone_invalid: "Fuseau horaire inconnu (exemple : Europe/Paris).", "Unknown time zone (example: Europe/Paris).";
    saved: "Enregistré.", "Saved.";
    change_password: "Changer de mot de passe", "Change password";
    password_changed: "Mot de passe changé ; vos autres sessions sont fermées.", "Password changed; your other sessions are closed.";
    password_wrong: "Le mot de passe actuel est incorrect.", "The current password is wrong.";
    password_mismatch: "Les deux mots de passe diffèrent.", "The two passwords differ.";
    totp_title: "Double authentification (TOTP)", "Two-step verification (TOTP)";
    totp_on: "Activée.", "On.";
    totp_off: "Désactivée.", "Off.";
    totp_enable: "Activer", "Turn on";
    totp_disable: "Désactiver", "Turn off";
    totp_setup_intro: "Ajoutez ce secret à votre application d'authentification, puis saisissez le code qu'elle affiche.", "Add this secret to your authenticator app, then type the code it shows.";
    totp_secret: "Secret", "Secret";
    totp_confirm: "Confirmer", "Confirm";
    totp_bad_code: "Code incorrect ; réessayez.", "Wrong code; try again.";
    totp_recovery_intro: "Codes de secours : chacun sert une fois. Conservez-les hors ligne ; ils ne seront plus affichés.", "Recovery codes: each works once. Keep them offline; they will not be shown again.";
    admin_tenants_title: "Organisations clientes", "Client organisations";
    tenant_slug: "Nom court (URL)", "Short name (URL)";
    tenant_name: "Nom", "Name";
    tenant_created: "Organisation créée.", "Organisation created.";
    admin_users_title: "Tous les comptes", "All accounts";
    provider_admin: "Administrateur de la plateforme", "Platform administrator";
    jobs_title: "Tâches planifiées", "Scheduled jobs";
    job_kind: "Tâche", "Job";
    job_run_at: "Prévue le", "Due";
    job_state: "État", "State";
    job_attempts: "Essais", "Attempts";
    job_summary: "Compte rendu", "Summary";
    outbox_title: "Courriels sortants", "Outgoing email";
    outbox_to: "Destinataire", "To";
    outbox_subject: "Objet", "Subject";
    outbox_sent: "Envoyé le", "Sent";
    outbox_pending: "En attente", "Pending";
    outbox_error: "Dernière erreur", "Last error";
    outbox_demo_hint: "Démonstration : chaque courriel envoyé est aussi écrit dans data/outbox/<n°>.eml (n° sur 8 chiffres).", "Demo: each email sent is also written to data/outbox/<no.>.eml (no. on 8 digits).";
    outbox_id: "N°", "No.";
    checkpoints_title: "Points de contrôle signés du journal", "Signed checkpoints of the trail";
    checkpoints_intro: "Chaque point de contrôle signe (Ed25519) l'empreinte du journal à un instant. Remettez la clé publique à vos clients : ils peuvent vérifier que rien n'a été réécrit.", "Each checkpoint signs (Ed25519) the trail's hash at one moment. Give the public key to your clients: they can check nothing was rewritten.";
    public_key: "Clé publique", "Public key";
    record_seq: "Enregistrement n°", "Record no.";
    hash: "Empreinte", "Hash";
    signed_at: "Signé le", "Signed";
    not_found_title: "Page introuvable", "Page not found";
    not_found_text: "Cette page n'existe pas, ou vous n'y avez pas accès.", "This page does not exist, or you have no access to it.";
    forbidden_title: "Action non autorisée", "Not allowed";
    forbidden_text: "Votre rôle ne permet pas cette action.", "Your role does not allow this action.";
    error_title: "Erreur", "Error";
    error_text: "Une erreur est survenue ; rien n'a été modifié. Réessayez dans un instant.", "Something went wrong; nothing was changed. Try again in a moment.";
    unavailable_text: "La base de données est momentanément indisponible ; rien n'a été modifié. Réessayez dans un instant.", "The database is unavailable for a moment; nothing was changed. Try again shortly.";
    csrf_text: "Le formulaire a expiré. Rechargez la page et réessayez.", "The form has expired. Reload the page and try again.";
    back_home: "Retour à l'accueil", "Back to the home page";
    no_tenant: "Vous n'avez encore de rôle dans aucune organisation.", "You do not hold a role in any organisation yet.";
    field_error: "Erreur", "Error";
    form_has_errors: "Le formulaire contient des erreurs ; corrigez les champs signalés.", "The form has errors; correct the fields shown.";
    nav_register: "Registre des traitements", "Register of processing";
    register_title: "Registre des activités de traitement", "Register of processing activities";
    register_new: "Nouvelle activité de traitement", "New processing activity";
    register_reason_required: "Dites pourquoi l'activité change : la raison est gardée dans l'historique.", "Say why the activity changes: the reason is kept in the history.";
    register_checked_dpo_only: "Seul le DPO peut marquer une activité comme contrôlée.", "Only the DPO can mark an activity as checked.";
    register_compare: "Comparer des versions", "Compare versions";
    register_history: "Historique du registre", "Register history";
    register_export_csv: "Exporter en CSV (une ligne par activité et catégorie)", "Export as CSV (one row per activity and category)";
    register_export_json: "Exporter en JSON", "Export as JSON";
    register_public: "Politique de confidentialité publique", "Public privacy policy";
    register_sensitive_only: "Seulement les activités à données sensibles", "Only activities with sensitive data";
    register_completeness: "Complétude", "Completeness";
    register_sensitive: "Données sensibles", "Sensitive data";
    register_dpia: "AIPD requise", "DPIA required";
    register_version: "Version", "Version";
    register_updated: "Mise à jour", "Updated";
    register_print: "Imprimer", "Print";
    act_general: "Identification", "Identification";
    act_name: "Nom de l'activité", "Activity name";
    act_controller: "Responsable du traitement", "Controller";
    act_joint: "Responsables conjoints (facultatif)", "Joint controllers (optional)";
    act_dpo: "Contact du DPO", "DPO contact";
    act_purposes: "Finalités", "Purposes";
    act_legal_bases: "Bases légales", "Legal bases";
    act_legitimate_interest: "Intérêt légitime poursuivi", "Legitimate interest pursued";
    act_subjects: "Catégories de personnes concernées (une par ligne)", "Categories of data subjects (one per line)";
    act_categories: "Catégories de données", "Data categories";
    act_sensitive_mark: "sensible", "sensitive";
    act_other_data: "Autres données (texte libre)", "Other data (free text)";
    act_recipients: "Destinataires (un par ligne)", "Recipients (one per line)";
    act_internal: "Destinataires internes", "Internal recipients";
    act_external: "Destinataires externes", "External recipients";
    act_processors: "Sous-traitants", "Processors";
    act_transfers: "Transferts hors UE (une ligne : pays ; destinataire ; garantie)", "Transfers outside the EU (one line: country ; recipient ; safeguard)";
    act_retentions: "Durées de conservation (une ligne : données ; durée ; sort final)", "Retention periods (one line: data ; duration ; final fate)";
    act_retentions_hint: "Sort final : destruction, archivage intermédiaire, versement aux archives publiques, tri.", "Final fate: destruction, intermediate archive, transfer to public archives, sorting.";
    act_security: "Mesures de sécurité (une par ligne)", "Security measures (one per line)";
    act_automated: "Décision automatisée", "Automated decision";
    act_profiling: "Profilage", "Profiling";
    act_collection: "Modes de collecte", "Collection methods";
    act_dpia: "Critères d'AIPD (deux critères ou plus : AIPD requise)", "DPIA criteria (two or more: DPIA required)";
    act_promises: "Engagements", "Commitments";
    act_no_sensitive: "Aucune donnée sensible (art. 9)", "No sensitive data (Art. 9)";
    act_no_minors: "Aucune donnée de mineurs", "No data about minors";
    act_status: "Statut", "Status";
    act_reason: "Raison de la modification (gardée dans l'historique)", "Reason for the change (kept in the history)";
    act_versions: "Versions", "Versions";
    act_field: "Champ", "Field";
    act_before: "Avant", "Before";
    act_after: "Après", "After";
    policy_title: "Politique de confidentialité", "Privacy policy";
    policy_intro: "Cette page décrit les traitements de données personnelles de {org}, tels qu'ils sont inscrits à son registre.", "This page describes the processing of personal data by {org}, as recorded in its register.";
    policy_rights: "Vos droits", "Your rights";
    policy_rights_text: "Vous disposez d'un droit d'accès, de rectification, d'effacement, de limitation, d'opposition et de portabilité, et du droit de définir des directives relatives au sort de vos données après votre décès. Pour les exercer :", "You have the rights of access, rectification, erasure, restriction, objection and portability, and may leave directives for after your death. To exercise them:";
    policy_rights_link: "formulaire d'exercice des droits", "rights request form";
    policy_cnil: "Si vous estimez que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la CNIL (3 place de Fontenoy, TSA 80715, 75334 Paris Cedex 07 — www.cnil.fr).", "If you believe your rights are not respected, you may lodge a complaint with the CNIL (3 place de Fontenoy, TSA 80715, 75334 Paris Cedex 07 — www.cnil.fr).";
    policy_versions: "Historique des versions", "Version history";
    policy_no_transfer: "Pas de transfert hors de l'Union européenne.", "No transfer outside the European Union.";
    nav_requests: "Demandes de droits", "Rights requests";
    nav_subprocessors: "Sous-traitants", "Sub-processors";
    nav_audits: "Audits", "Audits";
    guard_no_safeguard: "{country} est hors de l'UE/EEE sans décision d'adéquation : enregistrez des clauses contractuelles types ou des règles d'entreprise contraignantes (art. 46).", "{country} is outside the EU/EEA with no adequacy decision: record standard contractual clauses or binding corporate rules (Art. 46).";
    guard_derogation: "{country} : une dérogation de l'art. 49 vaut pour un transfert occasionnel, pas pour un sous-traitant qui conserve des données ; enregistrez une garantie de l'art. 46.", "{country}: an Art. 49 derogation is for occasional transfers, not for a sub-processor that keeps data; record an Art. 46 safeguard.";
    audit_notice_too_short: "Un audit s'annonce au moins un mois à l'avance : la première date possible est le {date}.", "An audit is announced at least one month ahead: the earliest date is {date}.";
    audit_one_per_year: "Un audit par période de 12 mois : le dernier était prévu le {last} ; le prochain est possible à partir du {next}, sauf si une autorité l'exige.", "One audit per 12 months: the last one was planned on {last}; the next is possible from {next}, unless an authority requires it.";
    nav_models: "Modèles de registre", "Model registers";
    models_title: "Modèles de registre", "Model registers";
    models_intro: "Les registres types publiés par le prestataire pour chaque logiciel : importez-les en une fois, puis choisissez ce que vous reprenez quand ils changent.", "The model registers the provider publishes for each software product: import them in one step, then choose what to take when they change.";
    models_intro_admin: "Publiez comme modèle le registre d'une organisation que vous tenez pour un logiciel : chaque publication en est une nouvelle version.", "Publish as a model the register of an organisation you keep for a software product: each publication is a new version.";
    model_product: "Logiciel", "Software product";
    model_source: "Registre publié comme modèle", "Register published as the model";
    model_publish: "Publier le modèle", "Publish the model";
    model_activities: "activités dans le modèle", "activities in the model";
    model_imported: "importées dans votre registre", "imported into your register";
    model_import: "Importer dans mon registre", "Import into my register";
    model_take: "Reprendre", "Take";
    model_now: "Modèle maintenant", "Model now";
    model_yours: "Votre registre", "Your register";
    model_take_selected: "Reprendre les champs cochés", "Take the ticked fields";
    nav_instructions: "Instructions", "Instructions";
    nav_processor_register: "Registre du sous-traitant", "Processor register";
    audits_title: "Audits du prestataire", "Audits of the provider";
    audits_intro: "Vous pouvez auditer le prestataire en le prévenant un mois à l'avance, une fois par période de 12 mois, sauf si une autorité l'exige.", "You may audit the provider with one month's notice, once per 12 months, unless an authority requires it.";
    audit_request: "Demander un audit", "Request an audit";
    audit_scope: "Périmètre de l'audit", "Scope of the audit";
    audit_auditor: "Auditeur (facultatif)", "Auditor (optional)";
    audit_planned: "Date prévue", "Planned date";
    audit_requested: "Demandé le", "Requested";
    audit_authority_required: "Exigé par une autorité (CNIL, ARS…)", "Required by an authority (CNIL, ARS…)";
    audit_authority: "Autorité", "Authority";
    audit_plan: "Plan d'audit", "Audit plan";
    audit_report: "Rapport", "Report";
    audit_answers: "Réponses du prestataire", "Provider's answers";
    audit_save: "Enregistrer le plan, le rapport et les réponses", "Save the plan, report and answers";
    instructions_title: "Instructions documentées", "Documented instructions";
    instructions_intro: "Chaque instruction donnée au prestataire sur vos données est consignée par écrit ; le prestataire signale celles qu'il estime contraires au RGPD.", "Every instruction given to the provider about your data is recorded in writing; the provider flags those it believes infringe the GDPR.";
    instruction_new: "Consigner une instruction", "Record an instruction";
    instruction_given_on: "Donnée le", "Given on";
    instruction_given_by: "Donnée par", "Given by";
    instruction_purpose: "Finalité", "Purpose";
    instruction_operation: "Opération demandée", "Operation asked";
    instruction_flag: "Signalée comme illicite par le prestataire", "Flagged as unlawful by the provider";
    instruction_flag_reason: "Motif du signalement", "Reason for the flag";
    instruction_flag_save: "Enregistrer le signalement", "Save the flag";
    processor_title: "Registre des activités du sous-traitant (art. 30.2)", "Processor's register of activities (Art. 30.2)";
    processor_intro: "Pour chaque client : les traitements effectués pour son compte, les sous-traitants ultérieurs et les transferts, les mesures de sécurité, ses audits et ses instructions.", "For each client: the processing carried out on its behalf, sub-processors and transfers, security measures, its audits and instructions.";
    processor_transfers: "Transferts hors UE/EEE", "Transfers outside the EU/EEA";
    subprocessors_title: "Sous-traitants ultérieurs", "Sub-processors";
    subprocessors_intro: "Les sous-traitants auxquels le prestataire confie vos données, leurs centres de données et les avis de changement, avec 10 jours pour formuler une objection motivée.", "The sub-processors the provider entrusts your data to, their data centres and change notices, with 10 days to object with a reason.";
    sp_name: "Raison sociale", "Company name";
    sp_address: "Adresse", "Address";
    sp_contact: "Contact", "Contact";
    sp_purpose: "Finalité (ce qu'il fait des données)", "Purpose (what it does with the data)";
    sp_sites: "Centres de données (une ligne : nom ; code pays)", "Data centres (one line: name ; country code)";
    sp_certifications: "Certifications (une par ligne : ISO 27001, HDS…)", "Certifications (one per line: ISO 27001, HDS…)";
    sp_safeguard: "Garantie pour un transfert hors UE/EEE (art. 46)", "Safeguard for a transfer outside the EU/EEA (Art. 46)";
    sp_dpf: "Certifié Data Privacy Framework (sites aux États-Unis)", "Certified under the Data Privacy Framework (US sites)";
    sp_notify: "Notifier un changement aux organisations clientes", "Notify a change to client organisations";
    sp_kind: "Nature du changement", "Kind of change";
    sp_added: "Ajout", "Addition";
    sp_replaced: "Remplacement", "Replacement";
    sp_replaces: "Sous-traitant remplacé", "Sub-processor replaced";
    sp_activities: "Activités de traitement concernées", "Processing activities concerned";
    sp_tenants: "Organisations concernées", "Organisations concerned";
    sp_notices: "Avis de changement", "Change notices";
    sp_received: "Reçu le", "Received";
    sp_deadline: "Objection possible jusqu'au", "Objection possible until";
    sp_reason: "Motif de l'objection", "Reason for the objection";
    sp_object: "Formuler une objection", "Object";
    sp_accept: "Accepter", "Accept";
    sp_resolution: "Résolution", "Resolution";
    sp_resolve: "Enregistrer la résolution", "Record the resolution";
    sp_notified: "Changement notifié ; les fenêtres d'objection sont ouvertes.", "Change notified; the objection windows are open.";
    window_open: "Délai d'objection en cours", "Objection window open";
    window_objected: "Objection formulée", "Objected";
    window_accepted: "Accepté", "Accepted";
    window_silence: "Accepté (silence à l'échéance)", "Accepted (silence at the deadline)";
    window_resolved: "Objection résolue", "Objection resolved";
    nav_systems: "Systèmes connectés", "Connected systems";
    kind_access: "Accéder à mes données", "Access my data";
    kind_rectification: "Corriger mes données", "Correct my data";
    kind_erasure: "Effacer mes données", "Erase my data";
    kind_restriction: "Limiter l'utilisation de mes données", "Restrict the use of my data";
    kind_portability: "Recevoir mes données dans un format réutilisable", "Receive my data in a reusable format";
    kind_objection: "M'opposer à l'utilisation de mes données (dont la prospection)", "Object to the use of my data (including marketing)";
    kind_post_mortem: "Laisser des directives pour après mon décès", "Leave directives for after my death";
    status_awaiting_email_check: "Code non saisi", "Code not entered";
    status_received: "Reçue", "Received";
    status_awaiting_information: "Informations demandées", "Information asked";
    status_verified: "Identité vérifiée", "Identity checked";
    status_executing: "En cours d'exécution", "Running";
    status_executed: "Exécutée", "Executed";
    status_answered: "Répondue", "Answered";
    status_refused: "Refusée", "Refused";
    status_forwarded: "Transmise au responsable", "Forwarded to the controller";
    status_closed: "Close", "Closed";
    channel_email: "Courriel", "Email";
    channel_sms: "SMS", "SMS";
    channel_phone: "Téléphone", "Phone";
    channel_post: "Courrier", "Post";
    intake_web_form: "Formulaire en ligne", "Online form";
    intake_letter: "Courrier", "Letter";
    intake_email: "Courriel", "Email";
    intake_forwarded: "Transmise par le sous-traitant", "Forwarded by the processor";
    verif_email_code: "Code envoyé à l'adresse électronique", "Code sent to the email address";
    verif_document_seen: "Pièce d'identité vue (non conservée)", "Identity document seen (not kept)";
    verif_in_person: "En personne, à l'accueil", "In person, at the front desk";
    verif_known_account: "Compte authentifié de la personne", "The person's authenticated account";
    rights_form_title: "Exercer vos droits sur vos données", "Exercise your rights over your data";
    rights_form_intro: "Vous pouvez demander l'accès, la correction, l'effacement ou la limitation de vos données, vous opposer à leur utilisation ou recevoir une copie réutilisable. Nous vous répondons dans un délai d'un mois. Un code vous sera envoyé pour confirmer votre adresse électronique ; nous ne vous demandons pas de pièce d'identité à ce stade.", "You may ask to access, correct, erase or restrict your data, object to its use or receive a reusable copy. We answer within one month. A code will be sent to confirm your email address; we do not ask for an identity document at this stage.";
    rights_kind: "Votre demande", "Your request";
    rights_name: "Nom et prénom", "Full name";
    rights_phone: "Téléphone (facultatif, aide à retrouver vos données)", "Phone (optional, helps find your data)";
    rights_details: "Précisions (facultatif)", "Details (optional)";
    rights_details_hint: "Pour une correction : ce qui est inexact et ce qu'il faut écrire. Pour des directives : vos volontés.", "For a correction: what is wrong and what it should be. For directives: your wishes.";
    rights_channels: "Canaux de prospection refusés (opposition)", "Marketing channels refused (objection)";
    rights_submit: "Envoyer la demande", "Send the request";
    rights_code_title: "Confirmez votre adresse électronique", "Confirm your email address";
    rights_code_intro: "Nous avons envoyé un code à 6 chiffres à votre adresse. Saisissez-le ci-dessous (valable 30 minutes).", "We sent a 6-digit code to your address. Enter it below (valid for 30 minutes).";
    rights_code: "Code reçu", "Code received";
    rights_code_wrong: "Code incorrect. Essais restants :", "Wrong code. Tries left:";
    rights_code_expired: "Le code a expiré ou trop d'essais ont échoué : envoyez de nouveau votre demande.", "The code has expired or too many tries failed: send your request again.";
    rights_status_title: "Suivi de votre demande", "Your request";
    rights_reference: "Référence", "Reference";
    rights_received: "Reçue le", "Received";
    rights_due: "Échéance", "Due";
    rights_status: "État", "Status";
    rights_cnil: "Si vous estimez que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la CNIL (www.cnil.fr).", "If you believe your rights are not respected, you may lodge a complaint with the CNIL (www.cnil.fr).";
    rights_email_invalid: "Indiquez une adresse électronique valide.", "Enter a valid email address.";
    rights_name_invalid: "Indiquez votre nom (200 caractères au plus).", "Enter your name (at most 200 characters).";
    rights_phone_invalid: "Numéro de téléphone : 8 à 15 chiffres.", "Phone number: 8 to 15 digits.";
    rights_details_invalid: "5 000 caractères au plus ; pour une correction, dites ce qui est inexact.", "At most 5,000 characters; for a correction, say what is wrong.";
    rights_channels_invalid: "Choisissez au moins un canal, ou précisez à quoi vous vous opposez.", "Choose at least one channel, or say what you object to.";
    rights_throttled: "Trop de demandes envoyées depuis cette connexion : réessayez dans un quart d'heure.", "Too many requests sent from this connection: try again in a quarter of an hour.";
    rights_kind_invalid: "Choisissez le type de demande.", "Choose the kind of request.";
    requests_title: "Demandes d'exercice des droits", "Data subject rights requests";
    requests_new: "Enregistrer une demande reçue par courrier ou courriel", "Record a request received by letter or email";
    requests_late: "Demandes en retard", "Late requests";
    requests_soon: "Échéance sous 7 jours", "Due within 7 days";
    requests_open: "Demandes à traiter", "Open requests";
    requests_all: "Toutes", "All";
    roles_not_own: "Personne ne change ses propres rôles : demandez-le à un autre gestionnaire ou au prestataire.", "Nobody changes their own roles: ask another manager or the provider.";
    token_role_not_held: "Un jeton ne peut pas permettre plus que vos propres rôles dans cette organisation.", "A token cannot allow more than your own roles in this organisation.";
    request_preview: "Voir ce que les systèmes contiennent (sans rien modifier)", "See what the systems hold (nothing is changed)";
    preview_title: "Aperçu avant approbation", "Preview before approval";
    preview_table: "Table", "Table";
    preview_found: "Lignes de la personne", "The person's rows";
    preview_shared: "Dont partagées avec une autre personne (gardées)", "Of which shared with someone else (kept)";
    preview_mentioned: "Lignes d'autres personnes qui la nomment", "Rows of others naming them";
    preview_nothing: "Rien sur cette personne.", "Nothing about this person.";
    requests_stalled: "Exécution en échec ou à confirmer", "Execution failed or to confirm";
    stalled_failed: "Échec", "Failed";
    stalled_held: "À confirmer", "To confirm";
    requests_public_form: "Formulaire public de cette organisation", "This organisation's public form";
    request_person: "Personne", "Person";
    request_kind: "Demande", "Request";
    request_intake: "Reçue par", "Received by";
    request_received_on: "Date de réception", "Date of receipt";
    request_identities: "Identifiants de la personne", "The person's identifiers";
    identity_proven: "prouvé", "proven";
    identity_unproven: "non prouvé : pas utilisé pour la recherche", "not proven: not searched by";
    request_check_identities: "Identifiants vérifiés", "Identifiers checked";
    request_check_hint: "Cochez ceux dont vous avez vérifié qu'ils sont bien à la personne. Seuls les identifiants prouvés servent à chercher ses données.", "Tick those you checked belong to the person. Only proven identifiers are used to search their data.";
    request_verification: "Vérification d'identité", "Identity check";
    request_timeline: "Historique", "Timeline";
    request_tasks: "Exécution par système", "Execution per system";
    request_system: "Système", "System";
    request_found: "Lignes trouvées", "Rows found";
    request_changed: "Lignes modifiées", "Rows changed";
    request_message: "Message", "Message";
    request_verify: "Enregistrer la vérification", "Record the check";
    request_extra_account: "Identifiant de compte (facultatif)", "Account id (optional)";
    request_ask: "Demander des informations", "Ask for information";
    request_ask_message: "Ce qui manque (envoyé à la personne)", "What is missing (sent to the person)";
    request_extend: "Prolonger de deux mois", "Extend by two months";
    request_extend_reason: "Motif (envoyé à la personne)", "Reason (sent to the person)";
    request_approve: "Approuver et exécuter sur les systèmes connectés", "Approve and run on the connected systems";
    request_retry: "Relancer les étapes en échec", "Retry the failed steps";
    request_answer: "Répondre", "Answer";
    request_corrections: "Corrections à écrire (une par ligne : table.colonne = nouvelle valeur, ou catégorie = valeur si une seule colonne la porte)", "Corrections to write (one per line: table.column = new value, or category = value when one column holds it)";
    request_corrections_hint: "Colonnes modifiables des systèmes connectés :", "Columns the connected systems may write:";
    request_answer_text: "Réponse (envoyée à la personne)", "Answer (sent to the person)";
    request_refuse: "Refuser", "Refuse";
    request_refuse_reason: "Motif du refus (envoyé à la personne)", "Reason for refusal (sent to the person)";
    request_close: "Clore", "Close";
    request_forward: "Transmettre au responsable de traitement (sous-traitance)", "Forward to the controller (processor mode)";
    request_forward_to: "Organisation cliente concernée", "Client organisation concerned";
    request_export_files: "Données rassemblées", "Data gathered";
    request_timeline_csv: "Exporter l'historique (CSV)", "Export the timeline (CSV)";
    request_step_refused: "Cette action n'est pas possible dans l'état actuel de la demande.", "This action is not possible in the request's current state.";
    request_conflict: "Quelqu'un a modifié cette demande entre-temps ; rechargez la page.", "Someone changed this request meanwhile; reload the page.";
    request_too_late: "Trop tard : la prolongation doit être annoncée dans le premier mois.", "Too late: an extension must be told within the first month.";
    request_required: "Ce champ est obligatoire.", "This field is required.";
    request_done: "C'est fait.", "Done.";
    request_recorded: "Demande enregistrée.", "Request recorded.";
    request_calendar: "Calendrier des jours fériés", "Public holiday calendar";
    calendar_france: "France", "France";
    calendar_alsace_moselle: "Alsace-Moselle (Vendredi saint, 26 décembre)", "Alsace-Moselle (Good Friday, 26 December)";
    export_title: "Vos données", "Your data";
    export_intro: "Voici les données que nous détenons sur vous, par système et par table. Téléchargez-les en JSON (tout en un fichier) ou en CSV (un fichier par table).", "Here is the data we hold about you, per system and table. Download it as JSON (one file) or CSV (one file per table).";
    export_rows: "lignes", "rows";
    export_download_json: "Télécharger tout (JSON)", "Download everything (JSON)";
    systems_title: "Systèmes connectés", "Connected systems";
    systems_intro: "Les bases de données de vos applications sur lesquelles les demandes sont exécutées. Les identifiants de connexion sont chiffrés. Le jeu de données dit quelles tables et colonnes concernent une personne, et comment les anonymiser.", "Your applications' databases, on which requests run. Connection credentials are encrypted. The dataset says which tables and columns concern a person, and how to anonymise them.";
    system_name: "Nom", "Name";
    system_url: "Adresse de connexion (postgres://, mysql://, mariadb://, sqlite://)", "Connection URL (postgres://, mysql://, mariadb://, sqlite://)";
    system_url_keep: "Laissez vide pour garder l'adresse enregistrée.", "Leave empty to keep the stored URL.";
    system_dataset: "Jeu de données (TOML)", "Dataset (TOML)";
    system_checked: "Vérifié sur la base le", "Checked against the database on";
    system_not_checked: "Non vérifié", "Not checked";
    system_saved: "Système enregistré et vérifié.", "System saved and checked.";
    system_url_invalid: "L'adresse doit commencer par postgres://, mysql://, mariadb:// ou sqlite://.", "The URL must start with postgres://, mysql://, mariadb:// or sqlite://.";
    system_dpo_only: "Seul le délégué à la protection des données connecte un système ou le modifie.", "Only the data protection officer connects a system or changes one.";
    connect_unreadable: "Refusé : l'adresse ne peut pas être lue.", "Refused: the URL cannot be read.";
    connect_parameter: "Refusé : le paramètre « {name} » n'est pas admis dans l'adresse.", "Refused: the URL parameter \"{name}\" is not allowed.";
    connect_no_host: "Refusé : l'adresse doit nommer un serveur (les sockets locaux ne sont pas admis).", "Refused: the URL must name a host (local sockets are not allowed).";
    connect_no_database: "Refusé : l'adresse doit nommer une base après le serveur.", "Refused: the URL must name one database after the host.";
    connect_host_not_allowed: "Refusé : {place} ne fait pas partie des emplacements que l'hébergeur autorise pour les systèmes connectés.", "Refused: {place} is not among the places the provider allows for connected systems.";
    connect_not_a_file: "Refusé : une adresse sqlite:// nomme un fichier de base, sans paramètre.", "Refused: a sqlite:// URL names a database file, with no parameter.";
    connect_file_not_allowed: "Refusé : ce fichier n'est pas dans un dossier que l'hébergeur autorise pour les bases SQLite.", "Refused: this file is not in a folder the provider allows for SQLite databases.";
    connect_shared_not_yours: "Refusé : cette base est partagée par l'hébergeur avec d'autres organisations, pas avec la vôtre.", "Refused: this database is shared by the provider with other organisations, not with yours.";
    connect_bound_elsewhere: "Refusé : cette base est déjà connectée pour une autre organisation (voyez avec l'hébergeur).", "Refused: this database is already connected for another organisation (ask the provider).";
    connect_unreachable: "Injoignable : le serveur n'a pas répondu ou a refusé la connexion.", "Not reachable: the server did not answer or refused the connection.";
    connect_authentication: "Authentification refusée : vérifiez l'utilisateur et le mot de passe.", "Authentication failed: check the user name and password.";
    connect_not_usable: "Refusé : ce n'est pas une base que Vigie peut utiliser.", "Refused: not a database Vigie may use.";
    connect_timed_out: "Injoignable : pas de réponse en {s} s.", "Not reachable: no answer within {s} s.";
    request_confirm_task: "J'ai vérifié : toutes ces lignes sont celles de la personne, exécuter", "I checked: every one of these rows is the person's, run it";
    nav_targets: "Bases des clients", "Client databases";
    targets_title: "Bases de données des clients", "Client databases";
    targets_intro: "Chaque base qu'un système connecté a atteinte est liée à l'organisation qui l'a connectée la première : aucune autre ne peut l'utiliser. Une base qui sert plusieurs clients (mode sous-traitant) est déclarée partagée ci-dessous ; chacun n'y voit que ses lignes.", "Each database a connected system reached is bound to the organisation that connected it first: no other may use it. A database serving several clients (processor mode) is declared shared below; each sees only its rows there.";
    target_location: "Emplacement", "Location";
    target_owner: "Utilisée par", "Used by";
    target_filters: "Lignes de chaque organisation", "Each organisation's rows";
    target_shared: "Partagée", "Shared";
    target_release: "Libérer", "Release";
    target_share_title: "Déclarer une base partagée", "Declare a shared database";
    target_share_intro: "Vigie ouvre la base pour savoir ce qu'elle est (l'adresse n'est pas conservée), puis ajoute à chaque requête la condition « colonne = valeur » de l'organisation.", "Vigie opens the database to learn what it is (the URL is not kept), then adds the organisation's \"column = value\" condition to every statement.";
    target_label: "Nom", "Name";
    target_column: "Colonne qui indique l'organisation", "Column that tells the organisation";
    target_tenants: "Organisations, une par ligne : identifiant = valeur", "Organisations, one per line: identifier = value";
    invalid_character: "Le champ « {field} » contient un caractère nul (NUL), qui ne peut pas être enregistré : retirez-le et renvoyez le formulaire.", "The field \"{field}\" contains a NUL character, which cannot be stored: remove it and send the form again.";
    system_name_invalid: "Donnez un nom de 1 à 100 caractères (unique).", "Give a name of 1 to 100 characters (unique).";
    system_dataset_invalid: "Le jeu de données ne convient pas :", "The dataset is not right:";
    dashboard_requests: "Demandes de droits", "Rights requests";
    scan_title: "Analyse des données personnelles", "Personal data scan";
    scan_intro: "Vigie lit un échantillon de chaque table (500 lignes au plus, en lecture seule), reconnaît les données personnelles et les compare au jeu de données : ce qui est trouvé mais non déclaré apparaît en premier.", "Vigie reads a sample of each table (at most 500 rows, read-only), recognises personal data and compares it with the dataset: what is found but not declared comes first.";
    scan_run: "Lancer une analyse", "Run a scan";
    scan_queued: "Analyse demandée ; elle apparaît ci-dessous dès qu'elle est terminée.", "Scan requested; it appears below as soon as it is finished.";
    scan_state_queued: "En attente", "Queued";
    scan_state_running: "En cours", "Running";
    scan_state_done: "Terminée", "Done";
    scan_state_failed: "Échec", "Failed";
    scan_refresh: "Actualiser", "Refresh";
    scan_column: "Colonne", "Column";
    scan_kind: "Donnée reconnue", "Data recognised";
    scan_matched: "Valeurs reconnues / lues", "Values recognised / read";
    scan_example: "Exemple (masqué)", "Example (masked)";
    scan_gap: "Jeu de données", "Dataset";
    gap_declared: "Déclarée", "Declared";
    gap_undeclared_column: "Non déclarée", "Not declared";
    gap_undeclared_table: "Table absente du jeu de données", "Table not in the dataset";
    scan_sensitive: "Donnée sensible (art. 9 ou NIR)", "Sensitive data (Art. 9 or NIR)";
    scan_accept: "Ajouter au jeu de données", "Add to the dataset";
    scan_register_gap: "absente du registre (ou le registre promet de ne pas en traiter)", "not in the register (or the register promises none)";
    scan_accepted: "Colonne ajoutée au jeu de données, vérifié sur la base.", "Column added to the dataset, checked against the database.";
    scan_history: "Analyses", "Scans";
    email_reset_subject: "Vigie : réinitialisation de votre mot de passe", "Vigie: reset your password";
    email_reset_body: "Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable une heure, utilisable une fois) :\n\n{link}\n\nSi vous n'êtes pas à l'origine de cette demande, ignorez ce message.\nVigie ne vous demandera jamais votre mot de passe par courriel.\n", "Hello,\n\nTo choose a new password, open this link (valid for one hour, usable once):\n\n{link}\n\nIf you did not ask for this, ignore this message.\nVigie will never ask for your password by email.\n";
    nav_incidents: "Incidents et violations", "Incidents and breaches";
    incidents_title: "Registre des incidents et violations", "Incident and breach register";
    incidents_intro: "Tout incident y reste, qu'il soit une violation de données ou non, notifié ou non. Une violation doit être notifiée à la CNIL dans les 72 heures après en avoir pris connaissance.", "Every incident stays here, a personal-data breach or not, notified or not. A breach must be notified to the CNIL within 72 hours of awareness.";
    incident_reference: "Référence", "Reference";
    incident_title: "Ce qui s'est passé, en quelques mots", "What happened, in a few words";
    incident_description: "Détails (ce que vous savez)", "Details (what you know)";
    incident_aware: "Constaté le", "Noticed on";
    incident_intake: "Reçu", "Received";
    incident_status: "État", "Status";
    incident_clock: "Délai CNIL", "CNIL deadline";
    incident_declare: "Déclarer un incident", "Declare an incident";
    incident_declare_intro: "Déclarez dès que vous constatez un incident, même si vous n'êtes pas sûr : le délégué à la protection des données le qualifiera.", "Declare as soon as you notice an incident, even if unsure: the data protection officer will qualify it.";
    incident_declared: "Déclaré", "Declared";
    incident_reported_by: "Qui l'a signalé (reçu par téléphone ou courrier)", "Who reported it (received by phone or mail)";
    incident_reported_by_hint: "Nom et moyen de contact de la personne ; laissez vide si vous le déclarez vous-même.", "The person's name and contact; leave empty if you declare it yourself.";
    incident_qualified: "Qualifié", "Qualified";
    incident_notified: "Notifié à la CNIL", "Notified to the CNIL";
    incident_closed: "Clos", "Closed";
    incident_by_account: "Déclaré dans Vigie", "Declared in Vigie";
    incident_by_phone: "Par téléphone", "By phone";
    incident_by_mail: "Par courrier ou courriel", "By post or email";
    incident_by_vigie: "Ouvert par Vigie", "Opened by Vigie";
    incident_by_processor: "notifié par le prestataire (sous-traitant)", "notified by the provider (processor)";
    problem_open: "en cours", "open";
    incident_by_fax: "Par télécopie", "By fax";
    incident_by_partner: "Déclaré par un partenaire (lien public)", "Declared by a partner (public link)";
    partner_provider: "Le prestataire (hébergeur et éditeur) — incident touchant plusieurs clients", "The provider (host and publisher) — incident touching several clients";
    partner_title: "Déclarer un incident touchant des données personnelles", "Declare an incident affecting personal data";
    partner_intro: "Partenaire, prestataire ou sous-traitant de cette organisation : déclarez ici un incident que vous avez constaté. Un code vous sera envoyé par courriel pour confirmer votre adresse ; la déclaration n'est transmise qu'ensuite.", "Partner, supplier or sub-processor of this organisation: declare here an incident you noticed. A code will be emailed to you to confirm your address; the declaration is passed on only then.";
    partner_name: "Votre nom", "Your name";
    partner_organisation: "Votre organisation", "Your organisation";
    partner_email: "Votre adresse électronique", "Your email address";
    partner_send: "Envoyer la déclaration", "Send the declaration";
    partner_code_intro: "Saisissez le code reçu par courriel (valable 30 minutes).", "Enter the code you received by email (valid for 30 minutes).";
    partner_code: "Code", "Code";
    partner_confirm: "Confirmer", "Confirm";
    partner_done: "Merci. Votre déclaration a été transmise au délégué à la protection des données sous la référence {reference}.", "Thank you. Your declaration was passed to the data protection officer under the reference {reference}.";
    nav_provider_tokens: "Jetons du prestataire", "Provider tokens";
    provider_tokens_title: "Jetons d'API du prestataire (supervision)", "Provider API tokens (monitoring)";
    provider_tokens_intro: "Un jeton du prestataire permet à sa supervision de déclarer et suivre les incidents multi-clients par l'API (/api/v1/provider). Il agit au nom de l'administrateur qui l'a créé, tant qu'il l'est, jusqu'à son expiration. Il n'est affiché qu'une fois.", "A provider token lets the provider's monitoring declare and follow provider-wide incidents through the API (/api/v1/provider). It acts for the administrator who made it, while they are one, until it expires. It is shown only once.";
    provider_token_role: "prestataire : incidents multi-clients", "provider: provider-wide incidents";
    nav_problems: "Incidents multi-clients", "Provider-wide incidents";
    problems_title: "Incidents multi-clients (problèmes)", "Provider-wide incidents (problems)";
    problems_intro: "Un incident du prestataire qui touche plusieurs clients : consignez chaque client impacté avec ce qui le concerne, notifiez-le dans le délai de son contrat (sa notification ouvre l'incident dans son propre registre), informez-les de l'évolution jusqu'à la clôture, puis envoyez l'information générale de clôture.", "An incident of the provider touching several clients: record each impacted client with what concerns it, notify it within its contract's limit (the notice opens the incident in its own register), keep them informed until closure, then send the general information at closure.";
    problem_no_such_client: "Choisissez un client de la liste", "Pick a client from the list";
    notice_left: "{left} pour le notifier", "{left} left to notify it";
    notice_late: "délai contractuel dépassé de {late}", "contractual limit passed by {late}";
    problem_clients: "Clients impactés", "Impacted clients";
    problem_part: "Ce qui concerne ce client (lui seul le verra)", "What concerns this client (only it will see this)";
    problem_persons: "Personnes concernées chez ce client (approximatif)", "People concerned at this client (approximate)";
    problem_notice_hours: "Délai contractuel", "Contractual limit";
    problem_notice_due: "Notification due avant", "Notice due by";
    problem_noticed: "Notifié le", "Notified on";
    problem_notice: "Notifier ce client", "Notify this client";
    problem_add: "Ajouter un client impacté", "Add an impacted client";
    problem_client: "Client", "Client";
    problem_updates: "Communications aux clients", "Communications to clients";
    problem_update_title: "Informer les clients notifiés", "Inform the notified clients";
    problem_update_body: "Message", "Message";
    problem_closing: "Information générale de clôture (clôt l'incident)", "General information at closure (closes the incident)";
    problem_update_send: "Envoyer", "Send";
    problem_update_due: "Prochain point de situation dû", "Next update due";
    problem_closing_label: "clôture", "closure";
    provider_updates: "Communications du prestataire", "Communications from the provider";
    notice_hours_invalid: "Un nombre d'heures entre 1 et 72", "A number of hours between 1 and 72";
    notice_hours_label: "Délai contractuel de notification des violations (heures)", "Contractual breach notice limit (hours)";
    breach_left: "{left} pour notifier la CNIL", "{left} left to notify the CNIL";
    breach_overdue: "Délai de 72 h dépassé de {late}", "72-hour deadline passed by {late}";
    breach_deadline: "À notifier avant le", "To notify before";
    breach_late_hint: "Le délai est dépassé : la notification doit donner les motifs du retard (article 33.1).", "The deadline has passed: the notification must give the reasons for the delay (Art. 33.1).";
    escalation_level: "Niveau d'escalade (gestion de crise)", "Escalation level (crisis process)";
    escalation_updates: "informer les personnes concernées de l'évolution toutes les {hours} h jusqu'à la clôture", "keep those impacted informed every {hours} h until closure";
    service_intervention: "Intervention due avant (2 heures ouvrées)", "Intervention due by (2 working hours)";
    service_recovery: "Reprise due avant (RTO et RPO : 8 heures ouvrées)", "Recovery due by (RTO and RPO: 8 working hours)";
    qualify_title: "Qualification", "Qualification";
    qualify_save: "Enregistrer la qualification", "Save the qualification";
    fact_criteria: "Critères atteints", "Criteria affected";
    criterion_availability: "Disponibilité", "Availability";
    criterion_integrity: "Intégrité", "Integrity";
    criterion_confidentiality: "Confidentialité", "Confidentiality";
    fact_is_breach: "Violation de données personnelles ?", "Personal-data breach?";
    fact_unknown: "À déterminer", "To be determined";
    fact_yes: "Oui", "Yes";
    fact_no: "Non", "No";
    fact_not_breach_reason: "Pourquoi ce n'est pas une violation", "Why it is not a breach";
    fact_started: "Début", "Start";
    fact_ended: "Fin", "End";
    fact_origin: "Origine", "Origin";
    fact_cause: "Cause", "Cause";
    fact_systems: "Systèmes concernés", "Systems involved";
    fact_activities: "Traitements concernés (registre)", "Processing activities involved (register)";
    fact_subprocessors: "Sous-traitants concernés", "Sub-processors involved";
    fact_person_categories: "Catégories de personnes", "Categories of persons";
    fact_persons: "Nombre approximatif de personnes", "Approximate number of persons";
    fact_records: "Nombre approximatif d'enregistrements", "Approximate number of records";
    fact_consequences: "Conséquences probables", "Likely consequences";
    fact_measures_taken: "Mesures prises", "Measures taken";
    fact_measures_proposed: "Mesures envisagées", "Measures proposed";
    fact_dpo_contact: "Contact du délégué à la protection des données", "Data protection officer's contact";
    notify_title: "Notifier la CNIL", "Notify the CNIL";
    notify_kind: "Notification", "Notification";
    notify_late_reason: "Motifs du retard", "Reasons for the delay";
    notify_send: "Enregistrer l'envoi de cette notification", "Record this notification as sent";
    phase_initial: "Initiale", "Initial";
    phase_complementary: "Complémentaire", "Complementary";
    phase_complete: "Complète", "Complete";
    phases_title: "Notifications envoyées", "Notifications sent";
    phase_view: "Voir", "View";
    notification_title: "Notification de violation", "Breach notification";
    notification_pdf: "PDF à déposer ou imprimer", "PDF to file or print";
    notification_draft: "Voir la notification telle qu'elle serait envoyée", "See the notification as it would be sent";
    inform_title: "Informer les personnes concernées (article 34)", "Inform the people concerned (Art. 34)";
    inform_decision: "Décision", "Decision";
    inform_reasoning: "Raisonnement", "Reasoning";
    inform_save: "Enregistrer la décision", "Save the decision";
    inform_draft: "Projet de message aux personnes", "Draft message to the people";
    inform_yes: "Les informer (risque élevé)", "Inform them (high risk)";
    inform_no_high_risk: "Pas de risque élevé pour leurs droits et libertés", "No high risk to their rights and freedoms";
    inform_unintelligible: "Exemption 34.3 a : données inintelligibles (chiffrées)", "Exemption 34.3 a: data unintelligible (encrypted)";
    inform_later_measures: "Exemption 34.3 b : mesures ultérieures", "Exemption 34.3 b: later measures";
    inform_public: "Exemption 34.3 c : communication publique", "Exemption 34.3 c: public communication";
    incident_close: "Clore l'incident", "Close the incident";
    datetime_invalid: "Date et heure attendues (jj/mm/aaaa hh:mm)", "Date and time expected";
    count_invalid: "Un nombre entier positif", "A positive whole number";
    cookies_title: "Cookies", "Cookies";
    cookies_intro: "Vigie ne dépose que des cookies strictement nécessaires au service que vous demandez : ils n'exigent pas de consentement, ne servent à aucune mesure d'audience ni publicité, et ne sont lus par aucun tiers. Tous sont HttpOnly, SameSite=Lax et, en HTTPS, Secure.", "Vigie sets only cookies strictly necessary to the service you ask for: they need no consent, serve no audience measurement or advertising, and no third party reads them. All are HttpOnly, SameSite=Lax and, over HTTPS, Secure.";
    cookie_name: "Nom", "Name";
    cookie_purpose: "À quoi il sert", "What it is for";
    cookie_lifetime: "Durée", "Lifetime";
    cookie_session: "Vous garder connecté après la connexion : sans lui, chaque page redemanderait votre mot de passe. Il ne contient qu'un jeton aléatoire ; Vigie n'en garde que l'empreinte.", "Keeps you signed in: without it every page would ask for your password again. It holds only a random token; Vigie keeps only its hash.";
    cookie_session_lifetime: "Jusqu'à la déconnexion ; au plus {idle} min sans activité et {max} h en tout", "Until you sign out; at most {idle} min idle and {max} h in all";
    cookie_csrf: "Protéger les formulaires envoyés sans être connecté (demande d'exercice des droits, connexion) contre leur falsification par un autre site.", "Protects forms sent without being signed in (rights request, sign-in) against forgery by another site.";
    cookie_browser_session: "Jusqu'à la fermeture du navigateur", "Until the browser is closed";
    cookie_lang: "Retenir la langue que vous avez choisie (français ou anglais).", "Remembers the language you chose (French or English).";
    cookie_one_year: "Un an", "One year";
    cookies_none_else: "Aucun autre cookie, aucun stockage local, aucun traceur.", "No other cookie, no local storage, no tracker.";
    footer_cookies: "Cookies", "Cookies";
    email_invitation_subject: "Vigie : invitation à rejoindre {org}", "Vigie: invitation to join {org}";
    email_invitation_body: "Bonjour,\n\n{who} vous invite à rejoindre {org} dans Vigie. Pour accepter ou refuser, connectez-vous puis ouvrez ce lien (valable 7 jours) :\n\n{link}\n\nSi vous ne connaissez pas cette organisation, ignorez ce message : rien ne change sans votre accord.\n", "Hello,\n\n{who} invites you to join {org} in Vigie. To accept or decline, sign in and open this link (valid for 7 days):\n\n{link}\n\nIf you do not know this organisation, ignore this message: nothing changes without your consent.\n";
    email_welcome_subject: "Vigie : votre compte a été créé", "Vigie: your account was created";
    email_welcome_body: "Bonjour,\n\nUn compte Vigie a été créé pour vous ({org}). Pour choisir votre mot de passe, ouvrez ce lien (valable 72 heures, utilisable une fois) :\n\n{link}\n\nVigie ne vous demandera jamais votre mot de passe par courriel.\n", "Hello,\n\nA Vigie account was created for you ({org}). To choose your password, open this link (valid for 72 hours, usable once):\n\n{link}\n\nVigie will never ask for your password by email.\n";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_first_offered() {
        assert_eq!(
            Lang::from_accept_language("de-DE,en-GB;q=0.8,fr;q=0.5"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("fr-FR"), Some(Lang::Fr));
        assert_eq!(Lang::from_accept_language("de"), None);
    }

    #[test]
    fn placeholders_are_in_both_languages() {
        for (fr, en) in [
            (FR.email_reset_body, EN.email_reset_body),
            (FR.email_welcome_body, EN.email_welcome_body),
            (FR.email_invitation_body, EN.email_invitation_body),
            (FR.invitation_text, EN.invitation_text),
        ] {
            for p in ["{link}", "{org}", "{who}", "{roles}"] {
                assert_eq!(fr.contains(p), en.contains(p), "{p}");
            }
        }
    }
}
