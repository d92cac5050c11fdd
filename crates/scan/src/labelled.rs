//! A labelled set for measuring the scanner, generated from a fixed seed:
//! valid identifiers of every kind in their written forms (Corsica and
//! born-abroad NIRs, La Poste SIRETs, RIB-valid IBANs, overseas phones),
//! decoys that look alike (wrong keys, Luhn-valid order numbers without
//! context, amounts, dates, versions), and French sentences with accents.
//! Used by the quality test and `cargo bench -p vigie-scan --bench quality`.

use crate::{PiiKind, validate};

/// A small, fast, deterministic generator (xorshift64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
    pub fn pick2<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        let i = usize::try_from(self.below(from.len() as u64)).unwrap_or(0);
        &from[i]
    }

    pub fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len() as u64) as usize]
    }
}

fn luhn_complete(body: &str) -> String {
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|c| validate::luhn(c.as_bytes()))
        .unwrap_or_default()
}

fn spaced(s: &str, groups: &[usize], sep: &str) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    for g in groups {
        if i >= s.len() {
            break;
        }
        let end = (i + g).min(s.len());
        out.push(&s[i..end]);
        i = end;
    }
    if i < s.len() {
        out.push(&s[i..]);
    }
    out.join(sep)
}

pub fn nir(r: &mut Rng) -> String {
    let sex = if r.below(2) == 0 { "1" } else { "2" };
    let year = r.digits(2);
    let month = format!("{:02}", 1 + r.below(12));
    let (dept, key_dept, commune) = match r.below(10) {
        0 => ("2A".to_owned(), "19".to_owned(), r.digits(3)),
        1 => ("2B".to_owned(), "18".to_owned(), r.digits(3)),
        2 => (
            "99".to_owned(),
            "99".to_owned(),
            format!("{}", 100 + r.below(900)),
        ),
        3 => (
            "97".to_owned(),
            "97".to_owned(),
            format!("{}{}", 1 + r.below(6), r.digits(2)),
        ),
        _ => {
            let d = format!("{:02}", 1 + r.below(95));
            let d = if d == "20" { "21".to_owned() } else { d };
            (d.clone(), d, r.digits(3))
        }
    };
    let order = format!("{:03}", 1 + r.below(999));
    let body = format!("{sex}{year}{month}{key_dept}{commune}{order}");
    let n: u64 = body.parse().unwrap_or(0);
    let key = 97 - n % 97;
    let written = format!("{sex}{year}{month}{dept}{commune}{order}{key:02}");
    match r.below(3) {
        0 => written,
        1 => spaced(&written, &[1, 2, 2, 2, 3, 3, 2], " "),
        _ => format!("{} {}", &written[..13], &written[13..]),
    }
}

pub fn siren(r: &mut Rng) -> String {
    luhn_complete(&format!("{}{}", 1 + r.below(9), r.digits(7)))
}

pub fn siret(r: &mut Rng) -> String {
    if r.below(20) == 0 {
        // La Poste: digit sum divisible by 5.
        loop {
            let c = format!("356000000{}", r.digits(5));
            if validate::siret(c.as_bytes()) && c != "35600000000048" {
                return c;
            }
        }
    }
    let s = luhn_complete(&format!("{}{}", siren(r), r.digits(4)));
    if r.below(2) == 0 {
        spaced(&s, &[3, 3, 3, 5], " ")
    } else {
        s
    }
}

pub fn iban(r: &mut Rng) -> String {
    let bank = r.digits(5);
    let branch = r.digits(5);
    let account = r.digits(11);
    let rib = (0..100)
        .map(|k| format!("{bank}{branch}{account}{k:02}"))
        .find(|b| validate::rib_key(b.as_bytes()))
        .unwrap_or_default();
    let check = (0..100)
        .map(|c| format!("FR{c:02}{rib}"))
        .find(|i| validate::iban(i.as_bytes()))
        .unwrap_or_default();
    if r.below(2) == 0 {
        spaced(&check, &[4; 7], " ")
    } else {
        check
    }
}

/// A card of one of the issuers in use, at one of its lengths (issue 19):
/// Visa, Mastercard (2-series too), Amex, JCB, Diners, Discover, UnionPay,
/// Maestro.
pub fn card(r: &mut Rng) -> String {
    const ISSUERS: [(&str, usize); 10] = [
        ("4", 16),
        ("5", 16),
        ("2221", 16),
        ("37", 15),
        ("3528", 16),
        ("36", 16),
        ("6011", 16),
        ("62", 19),
        ("6759", 18),
        ("4", 13),
    ];
    let (start, len) = ISSUERS[r.below(ISSUERS.len() as u64) as usize];
    let prefix = if start == "5" {
        format!("5{}", 1 + r.below(5))
    } else {
        start.to_owned()
    };
    let body = format!("{prefix}{}", r.digits(len - 1 - prefix.len()));
    let c = luhn_complete(&body);
    if r.below(2) == 0 {
        spaced(&c, &[4; 4], " ")
    } else {
        c
    }
}

pub fn phone(r: &mut Rng) -> String {
    match r.below(8) {
        0 => format!("+262 692 {} {} {}", r.digits(2), r.digits(2), r.digits(2)),
        1 => format!("0590 {} {} {}", r.digits(2), r.digits(2), r.digits(2)),
        _ => {
            let lead = r.pick(&["1", "2", "3", "4", "5", "6", "7", "9"]);
            let nsn = format!("{lead}{}", r.digits(8));
            match r.below(5) {
                0 => format!("0{nsn}"),
                1 => spaced(&format!("0{nsn}"), &[2; 5], " "),
                2 => spaced(&format!("0{nsn}"), &[2; 5], "."),
                3 => format!("+33 {}", spaced(&nsn, &[1, 2, 2, 2, 2], " ")),
                _ => format!("+33 (0){}", spaced(&nsn, &[1, 2, 2, 2, 2], " ")),
            }
        }
    }
}

const FIRST: &[&str] = &[
    "camille", "éloïse", "loïc", "hélène", "noël", "yann", "maëlle", "jérôme", "inès", "théo",
];
const LAST: &[&str] = &[
    "martin", "dupré", "le-gall", "n'diaye", "lefèvre", "bernard", "garcía", "moreau",
];

fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ï' | 'î' | 'í' => 'i',
            'ô' => 'o',
            'ç' => 'c',
            'à' | 'á' => 'a',
            '\'' => '-',
            c => c,
        })
        .collect()
}

pub fn email(r: &mut Rng) -> String {
    let dom = r.pick(&[
        "mairie-exemple.fr",
        "sidec.example",
        "gmail.com",
        "cc-loue.fr",
        "orange.fr",
    ]);
    format!("{}.{}@{dom}", ascii(r.pick(FIRST)), ascii(r.pick(LAST)))
}

pub fn ipv4(r: &mut Rng) -> String {
    format!(
        "{}.{}.{}.{}",
        1 + r.below(223),
        r.below(256),
        r.below(256),
        1 + r.below(254)
    )
}

pub fn ipv6(r: &mut Rng) -> String {
    format!("2001:db8:{:x}::{:x}", r.below(65536), 1 + r.below(65535))
}

/// Values that look like identifiers and are not.
pub fn decoy(r: &mut Rng) -> String {
    match r.below(9) {
        0 => r.digits(9),
        1 => r.digits(14),
        2 => format!("{},{:02} €", 1 + r.below(99_999), r.below(100)),
        3 => format!(
            "{:02}/{:02}/20{:02}",
            1 + r.below(28),
            1 + r.below(12),
            r.below(30)
        ),
        4 => format!("v{}.{}.{}", r.below(10), r.below(20), r.below(50)),
        5 => {
            // A NIR with a wrong key.
            let n = nir(r).replace(' ', "");
            let key: u32 = n[13..].parse().unwrap_or(0);
            format!("{}{:02}", &n[..13], key % 97 + 1)
        }
        6 => format!("CMD-2026-{}", r.digits(6)),
        7 => format!("{} {}", r.digits(3), r.digits(3)),
        _ => r.digits(16),
    }
}

pub const KINDS: [PiiKind; 9] = [
    PiiKind::Email,
    PiiKind::Phone,
    PiiKind::Nir,
    PiiKind::Iban,
    PiiKind::Siren,
    PiiKind::Siret,
    PiiKind::Card,
    PiiKind::Ipv4,
    PiiKind::Ipv6,
];

pub fn value(kind: PiiKind, r: &mut Rng) -> String {
    match kind {
        PiiKind::Email => email(r),
        PiiKind::Phone => phone(r),
        PiiKind::Nir => nir(r),
        PiiKind::Iban => iban(r),
        PiiKind::Siren => siren(r),
        PiiKind::Siret => siret(r),
        PiiKind::Card => card(r),
        PiiKind::Ipv4 => ipv4(r),
        PiiKind::Ipv6 => ipv6(r),
        _ => decoy(r),
    }
}

/// A sentence of French prose holding one value at a known place.
pub fn sentence(r: &mut Rng, kind: PiiKind) -> (String, usize, usize, String) {
    let lead = r.pick(&[
        "Suite à la réunion du conseil, l'agent a noté",
        "Mme Éloïse Dupré, née à Ajaccio, a transmis",
        "Délibération n° 2026-42 : le procès-verbal mentionne",
        "Pour la forêt communale, l'élu référent indique",
    ]);
    let label = match kind {
        PiiKind::Siren => "le SIREN",
        PiiKind::Siret => "le SIRET",
        PiiKind::Nir => "son numéro de sécurité sociale",
        PiiKind::Phone => "son téléphone",
        _ => "la donnée",
    };
    let v = value(kind, r);
    let prefix = format!("{lead} {label} : ");
    let tail = r.pick(&[
        " ; dossier traité.",
        ". Reçu à la préfecture.",
        " — à vérifier.",
    ]);
    let start = prefix.len();
    let end = start + v.len();
    (format!("{prefix}{v}{tail}"), start, end, v)
}

/// Precision and recall of one kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct Score {
    pub tp: u32,
    pub fp: u32,
    pub fn_: u32,
}

impl Score {
    pub fn precision(&self) -> f64 {
        f64::from(self.tp) / f64::from((self.tp + self.fp).max(1))
    }
    pub fn recall(&self) -> f64 {
        f64::from(self.tp) / f64::from((self.tp + self.fn_).max(1))
    }
}

/// Scores the text scanner on `n` sentences per kind plus `n` decoy
/// sentences, by exact span.
pub fn evaluate_text(seed: u64, n: usize) -> Vec<(PiiKind, Score)> {
    let mut r = Rng(seed);
    let mut scores: Vec<(PiiKind, Score)> = KINDS.iter().map(|k| (*k, Score::default())).collect();
    let mut cases: Vec<(Option<PiiKind>, String, usize, usize)> = Vec::new();
    for k in KINDS {
        for _ in 0..n {
            let (t, s, e, _) = sentence(&mut r, k);
            cases.push((Some(k), t, s, e));
        }
    }
    for _ in 0..n {
        let d = decoy(&mut r);
        cases.push((
            None,
            format!("Référence du dossier : {d}, classée sans suite."),
            0,
            0,
        ));
    }
    for (truth, t, s, e) in cases {
        let found = crate::text::scan(&t);
        let mut hit = false;
        for f in &found {
            let Some(sc) = scores.iter_mut().find(|(k, _)| *k == f.kind) else {
                continue;
            };
            if Some(f.kind) == truth && f.start == s && f.end == e {
                sc.1.tp += 1;
                hit = true;
            } else {
                sc.1.fp += 1;
            }
        }
        if let (Some(k), false) = (truth, hit)
            && let Some(sc) = scores.iter_mut().find(|(x, _)| *x == k)
        {
            sc.1.fn_ += 1;
        }
    }
    scores
}

const PROSE_FIRST: &[&str] = &[
    "Éloïse", "Yann", "Camille", "Théo", "Maëlys", "Lucas", "Inès", "Hugo", "Chloé", "Nathan",
    "Léa", "Jules", "Manon", "Louis", "Zoé", "Gabriel",
];
const PROSE_LAST: &[&str] = &[
    "Dupré",
    "Le Gall",
    "Martin",
    "Bernard",
    "Lefèvre",
    "Moreau",
    "Garnier",
    "Roux",
    "Faure",
    "Girard",
    "Mercier",
    "de La Fontaine",
    "Bonnet",
    "Lambert",
];
const TOWNS: &[(&str, &str)] = &[
    ("39000", "Lons-le-Saunier"),
    ("39300", "Champagnole"),
    ("39200", "Saint-Claude"),
    ("25000", "Besançon"),
    ("75011", "Paris"),
    ("69003", "Lyon"),
];
const STREETS: &[&str] = &[
    "rue des Lilas",
    "avenue Victor Hugo",
    "chemin du Moulin",
    "place de la Mairie",
    "impasse des Tilleuls",
    "boulevard Gambetta",
    "route de Dole",
    "allée des Peupliers",
];

/// A person's name as French prose writes it: with or without a civility
/// title, the surname sometimes in capitals.
pub fn person_name(r: &mut Rng) -> String {
    let first = r.pick(PROSE_FIRST);
    let last = r.pick(PROSE_LAST);
    let last = if r.below(3) == 0 {
        last.to_uppercase()
    } else {
        last.to_owned()
    };
    match r.below(3) {
        0 => format!(
            "{} {first} {last}",
            r.pick(&["M.", "Mme", "Madame", "Monsieur", "Dr"])
        ),
        1 => format!("{} {last}", r.pick(&["M.", "Mme", "Madame", "Monsieur"])),
        _ => format!("{first} {last}"),
    }
}

/// A postal address: number, street, and often the postcode and town.
pub fn postal_address(r: &mut Rng) -> String {
    let n = 1 + r.below(180);
    let bis = if r.below(6) == 0 { " bis" } else { "" };
    let street = r.pick(STREETS);
    let (pc, town) = TOWNS[usize::try_from(r.below(TOWNS.len() as u64)).unwrap_or(0)];
    match r.below(3) {
        0 => format!("{n}{bis} {street}"),
        1 => format!("{pc} {town}"),
        _ => format!("{n}{bis} {street}, {pc} {town}"),
    }
}

/// Prose without a name or an address, written to tempt the rules:
/// functions after titles, capitalised institutions, streets without a
/// number, numbers before other nouns, postcode-like counts.
const PROSE_DECOYS: &[&str] = &[
    "Madame la Maire a ouvert la séance du Conseil Municipal.",
    "Monsieur le Président remercie les élus présents.",
    "La rue principale sera fermée pour travaux en Mars.",
    "Les 12 rues du centre-ville seront rénovées par la Région.",
    "La commune compte 39000 habitants selon l'Insee.",
    "Le Syndicat Intercommunal gère la Forêt Communale.",
    "Délibération n° 2026-42 : Budget Primitif adopté.",
    "Saint-Claude et Morez forment le Haut-Jura.",
    "Le Tribunal Administratif de Besançon a rendu sa décision.",
    "La Place du Marché accueille la Fête de la Musique.",
];

/// Scores names and addresses in prose (`prose::scan`) by exact span, on
/// `n` sentences of each and `n` decoy sentences.
pub fn evaluate_prose(seed: u64, n: usize) -> Vec<(PiiKind, Score)> {
    let mut r = Rng(seed);
    let kinds = [PiiKind::PersonName, PiiKind::PostalAddress];
    let mut scores: Vec<(PiiKind, Score)> = kinds.iter().map(|k| (*k, Score::default())).collect();
    let mut cases: Vec<(Option<PiiKind>, String, usize, usize)> = Vec::new();
    for _ in 0..n {
        let v = person_name(&mut r);
        let (pre, post) = *r.pick2(&[
            ("Courrier de ", ", reçu le 3 mars."),
            ("Rendez-vous avec ", " à la mairie."),
            ("Le dossier de ", " est complet."),
            ("Signé : ", "."),
        ]);
        cases.push((
            Some(PiiKind::PersonName),
            format!("{pre}{v}{post}"),
            pre.len(),
            pre.len() + v.len(),
        ));
        let v = postal_address(&mut r);
        let (pre, post) = *r.pick2(&[
            ("Adresse : ", "."),
            ("Le colis a été livré au ", " ; merci."),
            ("Nouvelle adresse du demandeur : ", ", depuis janvier."),
        ]);
        cases.push((
            Some(PiiKind::PostalAddress),
            format!("{pre}{v}{post}"),
            pre.len(),
            pre.len() + v.len(),
        ));
        cases.push((None, r.pick(PROSE_DECOYS).to_owned(), 0, 0));
    }
    for (truth, t, s, e) in cases {
        let mut hit = false;
        for f in crate::prose::scan(&t) {
            let Some(sc) = scores.iter_mut().find(|(k, _)| *k == f.kind) else {
                continue;
            };
            if Some(f.kind) == truth && f.start == s && f.end == e {
                sc.1.tp += 1;
                hit = true;
            } else {
                sc.1.fp += 1;
            }
        }
        if let (Some(k), false) = (truth, hit)
            && let Some(sc) = scores.iter_mut().find(|(x, _)| *x == k)
        {
            sc.1.fn_ += 1;
        }
    }
    scores
}

/// First names given in France that the shipped lexicon leaves out on
/// purpose (`data/prenoms.txt` says so): what the names pass finds
/// without knowing the first name (issue 19).
pub const HELD_OUT_FIRST: &[&str] = &[
    "Gwendal",
    "Tancrède",
    "Hadrien",
    "Maxens",
    "Kylan",
    "Ilhan",
    "Soën",
    "Thyméo",
    "Aloys",
    "Ombeline",
    "Isaline",
    "Lorélei",
    "Aubéri",
    "Enguerrand",
    "Héloïs",
    "Sibylle",
    "Gauthier",
    "Aurian",
    "Loeva",
    "Nahel",
    "Kélian",
    "Maïwenn",
    "Lisandru",
    "Marin",
    "Mahé",
    "Anatolie",
    "Ophélia",
    "Nolann",
    "Jehanne",
    "Eliaz",
    "Kerian",
    "Iléana",
    "Jaouen",
    "Inaïa",
    "Tybalt",
    "Aldo",
    "Quentine",
    "Maxane",
    "Tyméo",
    "Elouane",
];

/// Surnames of the names set held out of the surname lexicon
/// (`data/noms.txt`): regional ones and three common ones left out on
/// purpose, so that a surname the lexicon does not know is measured too.
pub const HELD_OUT_LAST: &[&str] = &[
    "Benoît",
    "Ménard",
    "Rolland",
    "Tréguer",
    "Kerjean",
    "Etcheverry",
    "Santoni",
];

/// Surnames for the names set beside `PROSE_LAST`.
const MORE_LAST: &[&str] = &[
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Chevalier",
    "Boyer",
    "Gauthier",
    "Perrin",
    "Morin",
    "Nicolas",
    "Brun",
    "Guérin",
    "Caron",
    "Benoît",
    "Rolland",
    "Barbier",
    "Ménard",
    "Tréguer",
    "Kerjean",
    "Etcheverry",
    "Santoni",
];

/// Sentences naming places, buildings and prizes after people, and
/// communes; none names a person. Written before the rules were measured
/// on them, with words the rules do not list (théâtre, prix, promotion).
pub const NAME_DECOYS: &[&str] = &[
    "Le collège Antoine de Saint-Exupéry ouvre ses portes lundi.",
    "Travaux avenue Victor Hugo jusqu'au 12 mars.",
    "La place du Général de Gaulle est fermée au public.",
    "Réunion salle Jean Moulin à 18 h.",
    "L'école Jules Ferry accueille deux cents élèves.",
    "Le lycée Louis Pasteur recrute un agent d'entretien.",
    "Navette vers Saint-Jean-de-Luz et Saint-Claude.",
    "Le stade Pierre de Coubertin sera rénové.",
    "La rue Jean Jaurès passe en sens unique.",
    "Le quai Louis Blériot est inondé.",
    "La médiathèque Simone Veil ouvre le samedi.",
    "Le gymnase Marcel Cerdan change d'horaires.",
    "Le théâtre Jean Vilar affiche complet.",
    "Le prix Albert Londres a été remis hier.",
    "La promotion Simone Veil de l'INSP est sortie.",
    "Le lycée Saint-Exupéry et le collège Saint-Joseph.",
    "Marie-Galante et Basse-Terre sont en Guadeloupe.",
    "Le boulevard Jean Jaurès et l'allée Marie Curie.",
    "Le Conseil Départemental du Jura a voté.",
    "La Fête de la Musique aura lieu place Victor Hugo.",
];

/// Scores person names in prose by exact span, in the shapes French
/// writes them (« Prénom Nom », « Prénom NOM », « NOM Prénom », a
/// signature line, with a civility title), apart for first names the
/// lexicon knows (drawn from it) and first names held out of it
/// (`HELD_OUT_FIRST`), the latter with a surname the lexicon knows or one
/// held out of it (`HELD_OUT_LAST`); then decoy sentences, where every
/// finding is a false positive. Rows: known first names, held-out first
/// names with a known surname, held-out first names with a held-out
/// surname, decoys.
pub fn evaluate_names(seed: u64, n: usize) -> Vec<(&'static str, Score)> {
    let mut r = Rng(seed);
    let mut known: Vec<&'static str> = crate::lexicon::first_names().collect();
    known.sort_unstable();
    let surnames: Vec<&str> = PROSE_LAST.iter().chain(MORE_LAST).copied().collect();
    let mut rows = vec![
        ("first name in the lexicon", Score::default()),
        ("first name held out, surname known", Score::default()),
        ("first name and surname held out", Score::default()),
        ("decoys (places, prizes, communes)", Score::default()),
    ];
    for i in 0..2 * n {
        let held = i % 2 == 1;
        let first = if held {
            r.pick(HELD_OUT_FIRST).to_owned()
        } else {
            capitalise(known[r.below(known.len() as u64) as usize])
        };
        let last = r.pick(&surnames);
        let row = match (held, HELD_OUT_LAST.contains(&last)) {
            (false, _) => 0,
            (true, false) => 1,
            (true, true) => 2,
        };
        let (pre, name, post) = match r.below(6) {
            0 => (
                "Courrier de ",
                format!("{first} {last}"),
                ", reçu le 3 mars.",
            ),
            1 => (
                "Dossier suivi par ",
                format!("{first} {}", last.to_uppercase()),
                ".",
            ),
            2 => (
                "Présents : ",
                format!("{} {first}", last.to_uppercase()),
                " et le maire.",
            ),
            3 => (
                "Bien cordialement,\n",
                format!("{first} {}", last.to_uppercase()),
                "\nService état civil",
            ),
            4 => (
                "Rendez-vous avec ",
                format!(
                    "{} {first} {last}",
                    r.pick(&["M.", "Mme", "Madame", "Monsieur"])
                ),
                " à la mairie.",
            ),
            _ => (
                "Avis favorable de ",
                format!("{first} {last}"),
                " sur le projet.",
            ),
        };
        let t = format!("{pre}{name}{post}");
        let (s, e) = (pre.len(), pre.len() + name.len());
        let mut hit = false;
        for f in crate::prose::scan(&t) {
            if f.kind != PiiKind::PersonName {
                continue;
            }
            if (f.start, f.end) == (s, e) {
                rows[row].1.tp += 1;
                hit = true;
            } else {
                rows[row].1.fp += 1;
            }
        }
        if !hit {
            rows[row].1.fn_ += 1;
        }
    }
    for _ in 0..n {
        let t = r.pick(NAME_DECOYS);
        rows[3].1.fp += crate::prose::scan(t)
            .iter()
            .filter(|f| f.kind == PiiKind::PersonName)
            .count() as u32;
    }
    rows
}

fn capitalise(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    let mut up = true;
    for c in w.chars() {
        if up {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        up = c == '-';
    }
    out
}

/// Scores column classification: for every kind, columns of 50 values
/// (named neutrally or in French, but SIREN/SIRET always by name, as the
/// rule requires), mixed columns (70 % one kind, the rest decoys), and
/// decoy-only columns, which must get no kind.
pub fn evaluate_columns(seed: u64, per_kind: usize) -> Vec<(PiiKind, Score)> {
    let mut r = Rng(seed);
    let mut scores: Vec<(PiiKind, Score)> = KINDS.iter().map(|k| (*k, Score::default())).collect();
    let names = |k: PiiKind| match k {
        PiiKind::Email => "courriel",
        PiiKind::Phone => "tel_portable",
        PiiKind::Nir => "num_secu",
        PiiKind::Iban => "iban",
        PiiKind::Siren => "siren",
        PiiKind::Siret => "siret",
        PiiKind::Card => "carte",
        PiiKind::Ipv4 => "ip",
        _ => "adresse_ip",
    };
    let mut columns: Vec<(Option<PiiKind>, String, Vec<String>)> = Vec::new();
    for k in KINDS {
        for i in 0..per_kind {
            let named = i % 2 == 0 || matches!(k, PiiKind::Siren | PiiKind::Siret);
            let name = if named {
                names(k).to_owned()
            } else {
                format!("champ_{i}")
            };
            let mixed = i % 3 == 0;
            let values = (0..50)
                .map(|j| {
                    if mixed && j % 10 >= 7 {
                        decoy(&mut r)
                    } else {
                        value(k, &mut r)
                    }
                })
                .collect();
            columns.push((Some(k), name, values));
        }
    }
    for i in 0..per_kind * 2 {
        let name = ["reference", "montant", "numero_commande", "code"][i % 4].to_owned();
        columns.push((None, name, (0..50).map(|_| decoy(&mut r)).collect()));
    }
    for (truth, name, values) in columns {
        let got = crate::column::classify_column(&name, values.iter().map(String::as_str));
        let top = got.first().map(|c| c.kind);
        if let Some(k) = top
            && let Some(sc) = scores.iter_mut().find(|(x, _)| *x == k)
        {
            if Some(k) == truth {
                sc.1.tp += 1;
            } else {
                sc.1.fp += 1;
            }
        }
        if let Some(t) = truth
            && top != Some(t)
            && let Some(sc) = scores.iter_mut().find(|(x, _)| *x == t)
        {
            sc.1.fn_ += 1;
        }
    }
    scores
}
