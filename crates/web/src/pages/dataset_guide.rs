//! The guided dataset editor (issue 18): the system's live tables and
//! columns in forms, filled with what Vigie proposes (keys, discovery
//! findings) or what the dataset already says; the DPO ticks, chooses and
//! saves, and the dataset is written as TOML for those who read it.

use std::collections::HashMap;

use askama::Template;
use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use jiff::Timestamp;
use vigie_domain::{
    dataset::{ColumnRef, ColumnSpec, Dataset, Erasure, IdentityKind, Masking, TableSpec},
    role::Permission,
};
use vigie_service::{
    ServiceError,
    dataset_guide::{self, Guide},
    systems::{self, SystemInput},
};

use super::forms::{render, render_status, see_other};
use crate::{
    AppState,
    auth::{TenantCtx, require_traced},
    error::PageError,
    i18n::Msgs,
    layout::Layout,
};

/// One choice of a select.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct ColumnView {
    pub j: usize,
    pub name: String,
    pub data_type: String,
    /// What discovery found, in the reader's words.
    pub found: String,
    pub on: bool,
    pub category: String,
    pub identities: Vec<Opt>,
    pub references: Vec<Opt>,
    pub maskings: Vec<Opt>,
    pub fixed: String,
    pub rectifiable: bool,
}

pub struct TableView {
    pub i: usize,
    pub name: String,
    pub on: bool,
    pub keys: Vec<Opt>,
    pub anonymise: bool,
    pub columns: Vec<ColumnView>,
}

#[derive(Template)]
#[template(path = "dataset_guide.html")]
struct GuidePage {
    l: Layout,
    action: String,
    back: String,
    tables: Vec<TableView>,
    scan: Option<i64>,
    problems: Vec<String>,
}

/// The masking codes of the form, as the dataset names them.
const MASKINGS: [&str; 6] = ["keep", "null", "keyed_hash", "fake", "year_only", "fixed"];

fn masking_code(m: &Masking) -> &'static str {
    match m {
        Masking::Keep => "keep",
        Masking::Null => "null",
        Masking::KeyedHash => "keyed_hash",
        Masking::Fake => "fake",
        Masking::YearOnly => "year_only",
        Masking::Fixed(_) => "fixed",
    }
}

fn masking_label(m: &'static Msgs, code: &str) -> &'static str {
    match code {
        "null" => m.guide_mask_null,
        "keyed_hash" => m.guide_mask_hash,
        "fake" => m.guide_mask_fake,
        "year_only" => m.guide_mask_year,
        "fixed" => m.guide_mask_fixed,
        _ => m.guide_mask_keep,
    }
}

/// The forms for the live tables, filled from `d`.
fn views(m: &'static Msgs, guide: &Guide, d: &Dataset) -> Vec<TableView> {
    guide
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let spec = d.table(&t.name);
            let pk = spec
                .map(|s| s.primary_key.clone())
                .or_else(|| t.primary_key.clone())
                .unwrap_or_default();
            TableView {
                i,
                name: t.name.clone(),
                on: spec.is_some(),
                keys: t
                    .columns
                    .iter()
                    .map(|c| Opt {
                        value: c.name.clone(),
                        label: c.name.clone(),
                        selected: c.name == pk,
                    })
                    .collect(),
                anonymise: spec.is_none_or(|s| s.erasure == Erasure::Anonymise),
                columns: t
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(j, c)| {
                        let cs = spec.and_then(|s| s.column(&c.name));
                        let masking = cs.map(|c| &c.masking).unwrap_or(&Masking::Keep);
                        let reference = cs
                            .and_then(|c| c.references.as_ref())
                            .map(ToString::to_string)
                            .unwrap_or_default();
                        let mut targets: Vec<String> =
                            c.references.iter().map(ToString::to_string).collect();
                        if !reference.is_empty() && !targets.contains(&reference) {
                            targets.push(reference.clone());
                        }
                        ColumnView {
                            j,
                            name: c.name.clone(),
                            data_type: c.data_type.clone(),
                            found: c
                                .found
                                .as_ref()
                                .map(|(kind, conf)| {
                                    format!(
                                        "{} ({} %)",
                                        crate::labels::pii_kind(m, kind),
                                        (conf * 100.0).round()
                                    )
                                })
                                .unwrap_or_default(),
                            on: cs.is_some(),
                            category: cs.and_then(|c| c.category.clone()).unwrap_or_default(),
                            identities: std::iter::once(Opt {
                                value: String::new(),
                                label: m.guide_id_none.to_owned(),
                                selected: cs.and_then(|c| c.identity).is_none(),
                            })
                            .chain(IdentityKind::ALL.iter().map(|k| Opt {
                                value: k.as_str().to_owned(),
                                label: crate::labels::identity_kind(m, *k).to_owned(),
                                selected: cs.and_then(|c| c.identity) == Some(*k),
                            }))
                            .collect(),
                            references: std::iter::once(Opt {
                                value: String::new(),
                                label: m.guide_ref_none.to_owned(),
                                selected: reference.is_empty(),
                            })
                            .chain(targets.into_iter().map(|r| Opt {
                                selected: r == reference,
                                label: r.clone(),
                                value: r,
                            }))
                            .collect(),
                            maskings: MASKINGS
                                .iter()
                                .map(|code| Opt {
                                    value: (*code).to_owned(),
                                    label: masking_label(m, code).to_owned(),
                                    selected: masking_code(masking) == *code,
                                })
                                .collect(),
                            fixed: match masking {
                                Masking::Fixed(v) => v.clone(),
                                _ => String::new(),
                            },
                            rectifiable: cs.is_some_and(|c| c.rectifiable),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The dataset the form says, with what it does not show (markers,
/// history, links, matching) kept from the current one.
fn dataset_of(f: &HashMap<String, String>, current: Option<&Dataset>) -> Dataset {
    let get = |k: String| f.get(&k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let mut d = Dataset::default();
    for i in 0.. {
        let Some(name) = f.get(&format!("t{i}")) else {
            break;
        };
        if !f.contains_key(&format!("t{i}_on")) {
            continue;
        }
        let before = current.and_then(|c| c.table(name));
        let primary_key = get(format!("t{i}_pk"));
        let mut t = TableSpec {
            name: name.clone(),
            primary_key: primary_key.clone(),
            erasure: if get(format!("t{i}_erasure")) == "delete" {
                Erasure::Delete
            } else {
                Erasure::Anonymise
            },
            restrict: before.and_then(|b| b.restrict.clone()),
            object: before.and_then(|b| b.object.clone()),
            history: before.is_some_and(|b| b.history),
            columns: Vec::new(),
        };
        for j in 0.. {
            let key = |suffix: &str| format!("t{i}c{j}{suffix}");
            let Some(column) = f.get(&key("")) else {
                break;
            };
            if !f.contains_key(&key("_on")) || *column == primary_key {
                continue;
            }
            let was = before.and_then(|b| b.column(column));
            let masking = match get(key("_mask")).as_str() {
                "null" => Masking::Null,
                "keyed_hash" => Masking::KeyedHash,
                "fake" => Masking::Fake,
                "year_only" => Masking::YearOnly,
                "fixed" => Masking::Fixed(get(key("_fixed"))),
                _ => Masking::Keep,
            };
            let category = get(key("_cat"));
            t.columns.push(ColumnSpec {
                name: column.clone(),
                category: (!category.is_empty()).then_some(category),
                identity: IdentityKind::parse(&get(key("_id"))),
                references: get(key("_ref")).parse::<ColumnRef>().ok(),
                masking,
                rectifiable: f.contains_key(&key("_rect")),
                matching: was.map(|c| c.matching).unwrap_or_default(),
                link: was.map(|c| c.link).unwrap_or_default(),
            });
        }
        d.tables.push(t);
    }
    d
}

fn page(
    state: &AppState,
    ctx: &TenantCtx,
    system: &vigie_store::System,
    guide: &Guide,
    d: &Dataset,
    problems: Vec<String>,
) -> GuidePage {
    let m = ctx.me.client.lang.msgs();
    let base = format!("{}/systemes/{}", ctx.base(), system.id);
    GuidePage {
        l: Layout::for_tenant(
            ctx,
            &format!("{} — {}", m.guide_title, system.name),
            state.settings.demo,
        ),
        action: format!("{base}/jeu-de-donnees"),
        back: base,
        tables: views(m, guide, d),
        scan: guide.scan,
        problems,
    }
}

/// The guide, or why the database could not be read (said on the page).
async fn guide_of(
    state: &AppState,
    ctx: &TenantCtx,
    system: &vigie_store::System,
) -> Result<Result<Guide, String>, PageError> {
    let m = ctx.me.client.lang.msgs();
    match dataset_guide::guide(state.ctx(), &ctx.scope, system).await {
        Ok(g) => Ok(Ok(g)),
        Err(ServiceError::Exec(vigie_connect::ExecError::Connect(c))) => {
            Ok(Err(crate::labels::connect_message(m, &c)))
        }
        Err(ServiceError::Invalid {
            field: "system",
            message,
        }) => Ok(Err(format!("{} {message}", m.guide_unreadable))),
        Err(e) => Err(super::service_error(e)),
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageSystems, "systems.guide").await?;
    let s = super::systems::system_of(&state, &ctx, &id).await?;
    let guide = guide_of(&state, &ctx, &s).await?;
    ctx.trace(&state, "systems.guide", &format!("system:{}", s.id))
        .await?;
    match guide {
        Ok(g) => {
            let proposed = g.proposed.clone();
            render(page(&state, &ctx, &s, &g, &proposed, Vec::new()))
        }
        Err(why) => render_status(
            StatusCode::SERVICE_UNAVAILABLE,
            page(
                &state,
                &ctx,
                &s,
                &Guide::default(),
                &Dataset::default(),
                vec![why],
            ),
        ),
    }
}

pub async fn save(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageSystems, "systems.update").await?;
    let m = ctx.me.client.lang.msgs();
    let s = super::systems::system_of(&state, &ctx, &id).await?;
    let current = vigie_connect::parse_dataset(&s.dataset).ok();
    let d = dataset_of(&f, current.as_ref());
    let mut problems: Vec<String> = d.problems().iter().map(ToString::to_string).collect();
    if problems.is_empty() {
        let input = SystemInput {
            name: s.name.clone(),
            url: String::new(),
            dataset: vigie_connect::dataset_text(&d),
        };
        let actor = ctx.me.user.name.as_str().to_owned();
        match systems::update(
            state.ctx(),
            &ctx.scope,
            s.clone(),
            &input,
            &actor,
            Timestamp::now(),
        )
        .await
        {
            Ok(saved) => {
                ctx.trace(&state, "systems.update", &format!("system:{}", saved.id))
                    .await?;
                return Ok(see_other(
                    &format!("{}/systemes/{}", ctx.base(), saved.id),
                    "system_saved",
                ));
            }
            Err(err) => {
                let e = super::systems::errors(m, &err).ok_or_else(|| super::service_error(err))?;
                problems = e.dataset;
                problems.extend(e.url);
                problems.extend(e.name.map(str::to_owned));
            }
        }
    }
    let guide = match guide_of(&state, &ctx, &s).await? {
        Ok(g) => g,
        Err(why) => {
            problems.push(why);
            Guide::default()
        }
    };
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        page(&state, &ctx, &s, &guide, &d, problems),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_back_the_tables_ticked() {
        let f: HashMap<String, String> = [
            ("t0", "contacts"),
            ("t0_on", "on"),
            ("t0_pk", "id"),
            ("t0_erasure", "anonymise"),
            ("t0c0", "email"),
            ("t0c0_on", "on"),
            ("t0c0_cat", "contact.email"),
            ("t0c0_id", "email"),
            ("t0c0_mask", "keyed_hash"),
            ("t0c0_rect", "on"),
            ("t0c1", "id"),
            ("t0c1_on", "on"),
            ("t0c2", "nom"),
            ("t0c2_on", "on"),
            ("t0c2_mask", "fixed"),
            ("t0c2_fixed", " Anonyme "),
            ("t0c3", "fonction"),
            ("t1", "journaux"),
            ("t1_pk", "id"),
            ("t2", "demandes"),
            ("t2_on", "on"),
            ("t2_pk", "id"),
            ("t2_erasure", "delete"),
            ("t2c0", "contact_id"),
            ("t2c0_on", "on"),
            ("t2c0_ref", "contacts.id"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let d = dataset_of(&f, None);
        assert_eq!(d.tables.len(), 2, "journaux not ticked");
        let c = &d.tables[0];
        assert_eq!(c.erasure, Erasure::Anonymise);
        let names: Vec<&str> = c.columns.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(
            names,
            ["email", "nom"],
            "the key is not a column; fonction not ticked"
        );
        assert_eq!(c.columns[0].identity, Some(IdentityKind::Email));
        assert!(c.columns[0].rectifiable);
        assert_eq!(c.columns[1].masking, Masking::Fixed("Anonyme".into()));
        assert_eq!(d.tables[1].erasure, Erasure::Delete);
        assert_eq!(
            d.tables[1].columns[0].references,
            Some("contacts.id".parse().unwrap())
        );
        assert_eq!(d.problems(), vec![]);
    }
}
