//! The agents' side of rights requests (C11–C16): the list with what is
//! late or due soon, recording a letter, and one request's page with its
//! facts, execution per system, timeline (exportable) and the actions its
//! status allows.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use jiff::{Timestamp, civil::Date};
use serde::Deserialize;
use vigie_domain::{
    RequestId,
    calendar::Calendar,
    dataset::IdentityKind,
    rights::{Intake, RequestStatus, Step, Verification},
    role::Permission,
    tenant::TenantSlug,
};
use vigie_service::{
    ServiceError,
    rights::{self, IdentityCheck},
};
use vigie_store::{RightsRequest, StoreError, TaskState};

use super::{
    forms::{render, render_status, see_other},
    public::{ExportTable, attachment, export_files},
    request_form::{FormErrors, FormView, RequestForm},
};
use crate::request_list::{due_of, filter_for, today, urgency_of};
use crate::{
    AppState,
    auth::{TenantCtx, require_traced},
    error::PageError,
    labels::{self, Choice},
    layout::{Layout, Pager, query_of},
};

pub struct Row {
    pub id: i64,
    pub reference: String,
    pub person: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub due: String,
    /// "late", "soon" or "".
    pub urgency: &'static str,
    /// A task failed or held: which system, why.
    pub problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "requests.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    pager: Pager,
    base: String,
    q: String,
    filters: Vec<Choice>,
    calendars: Vec<Choice>,
    can_write: bool,
    public_form: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    /// "open" (default), "soon", "late", "stalled" or "all".
    #[serde(default)]
    due: String,
    page: Option<u32>,
    flash: Option<String>,
}

/// "Échec — Système : raison" lines, by request.
pub fn stalled_by_request(
    m: &crate::i18n::Msgs,
    tasks: Vec<vigie_store::StalledTask>,
) -> std::collections::BTreeMap<vigie_domain::RequestId, Vec<String>> {
    let mut out: std::collections::BTreeMap<_, Vec<String>> = Default::default();
    for t in tasks {
        let state = if t.state == vigie_store::TaskState::Held {
            m.stalled_held
        } else {
            m.stalled_failed
        };
        out.entry(t.request)
            .or_default()
            .push(format!("{state} — {} : {}", t.system, t.message));
    }
    out
}

pub async fn list(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "rights.list").await?;
    let m = ctx.me.client.lang.msgs();
    let today = today();
    // A word the list does not know shows the open requests, as an empty one.
    let due = due_of(&q.due).unwrap_or("open");
    let filter = filter_for(&q.q, due, today);
    let list = state
        .store
        .requests(
            &ctx.scope,
            &filter,
            vigie_domain::page::Page::new(q.page, None),
        )
        .await?;
    let l = Layout::for_tenant(&ctx, m.requests_title, state.settings.demo)
        .with_flash(super::forms::flash_text(m, q.flash.as_deref()));
    let problems = stalled_by_request(m, state.store.stalled_tasks(Some(ctx.tenant.id)).await?);
    let rows = list
        .items
        .iter()
        .map(|r| Row {
            problems: problems.get(&r.id).cloned().unwrap_or_default(),
            id: r.id.0,
            reference: r.reference.clone(),
            person: r.subject_name.clone(),
            kind: labels::kind(m, r.kind),
            status: labels::status(m, r.status),
            due: r.due_on.map(|d| d.to_string()).unwrap_or_default(),
            urgency: urgency_of(r, today),
        })
        .collect();
    let base = format!("{}/demandes", ctx.base());
    let calendar = state.store.calendar(&ctx.scope).await?;
    ctx.trace(&state, "rights.list", &format!("tenant:{}", ctx.tenant.id))
        .await?;
    let filters = [
        ("open", m.requests_open),
        ("soon", m.requests_soon),
        ("late", m.requests_late),
        ("stalled", m.requests_stalled),
        ("all", m.requests_all),
    ]
    .into_iter()
    .map(|(value, label)| Choice {
        value,
        label,
        selected: value == due,
    })
    .collect();
    render(ListPage {
        pager: Pager::new(&list, &base, &query_of(&[("q", &q.q), ("due", due)])),
        rows,
        q: q.q.clone(),
        filters,
        calendars: labels::choices(
            &[Calendar::France, Calendar::AlsaceMoselle],
            Calendar::as_str,
            |c| labels::calendar(m, c),
            |c| c == calendar,
        ),
        can_write: ctx.scope.allows(Permission::Write),
        public_form: format!("/p/{}/droits", ctx.tenant.slug),
        base,
        l,
    })
}

#[derive(Deserialize)]
pub struct CalendarInput {
    #[serde(default)]
    calendar: String,
}

pub async fn set_calendar(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(f): Form<CalendarInput>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "rights.calendar").await?;
    let c = Calendar::parse(&f.calendar).ok_or(PageError::NOT_FOUND)?;
    state.store.set_calendar(&ctx.scope, c).await?;
    ctx.trace(&state, "rights.calendar", c.as_str()).await?;
    Ok(see_other(&format!("{}/demandes", ctx.base()), "saved"))
}

#[derive(Template)]
#[template(path = "request_new.html")]
struct NewPage {
    l: Layout,
    action: String,
    v: FormView,
    intakes: Vec<Choice>,
}

fn new_page(state: &AppState, ctx: &TenantCtx, mut f: RequestForm, e: FormErrors) -> NewPage {
    let m = ctx.me.client.lang.msgs();
    if f.received_on.is_empty() {
        f.received_on = today().to_string();
    }
    let intake = if f.intake.is_empty() {
        "letter".to_owned()
    } else {
        f.intake.clone()
    };
    NewPage {
        l: Layout::for_tenant(ctx, m.requests_new, state.settings.demo),
        action: format!("{}/demandes", ctx.base()),
        intakes: labels::choices(
            &[Intake::Letter, Intake::Email],
            Intake::as_str,
            |i| labels::intake(m, i),
            |i| i.as_str() == intake,
        ),
        v: FormView {
            email_required: false,
            ..f.view(m, e)
        },
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: TenantCtx,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "rights.new").await?;
    render(new_page(
        &state,
        &ctx,
        RequestForm::default(),
        FormErrors::default(),
    ))
}

pub async fn record(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(f): Form<RequestForm>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "rights.record").await?;
    let m = ctx.me.client.lang.msgs();
    let received: Option<Date> = f.received_on.trim().parse().ok();
    let intake = Intake::parse(&f.intake).filter(|i| matches!(i, Intake::Letter | Intake::Email));
    let parsed = f.parse(m, false);
    let (Ok(input), Some(received), Some(intake)) = (&parsed, received, intake) else {
        let mut e = parsed.err().unwrap_or_default();
        if received.is_none() {
            e.received_on = Some(m.date_invalid);
        }
        let page = new_page(&state, &ctx, f, e);
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, page);
    };
    let actor = ctx.me.user.name.as_str().to_owned();
    match rights::record(
        state.ctx(),
        &ctx.scope,
        &actor,
        input,
        intake,
        received,
        Timestamp::now(),
    )
    .await
    {
        Ok(r) => {
            ctx.trace(&state, "rights.record", &format!("request:{}", r.id))
                .await?;
            Ok(see_other(
                &format!("{}/demandes/{}", ctx.base(), r.id),
                "recorded",
            ))
        }
        Err(ServiceError::Store(e)) => Err(e.into()),
        Err(e) => {
            let errs = FormErrors::from_service(m, &e)
                .ok_or_else(|| PageError::Internal(e.to_string()))?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                new_page(&state, &ctx, f, errs),
            )
        }
    }
}

pub struct TaskRow {
    pub id: i64,
    /// Waits for an agent's confirmation (identities matched someone else).
    pub held: bool,
    pub system: String,
    pub state: &'static str,
    pub found: i64,
    pub changed: i64,
    pub message: String,
}

pub struct EventRow {
    pub at: String,
    pub actor: String,
    pub step: String,
    pub detail: String,
}

/// What an erasure does to a table of a preview, in the reader's words.
fn erasure_effect(
    m: &'static crate::i18n::Msgs,
    e: Option<vigie_domain::dataset::Erasure>,
) -> &'static str {
    match e {
        Some(vigie_domain::dataset::Erasure::Delete) => m.preview_deleted,
        Some(vigie_domain::dataset::Erasure::Anonymise) => m.preview_anonymised,
        None => m.preview_mentions_only,
    }
}

/// What an agent typed in an action form, put back after an error.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ActInput {
    #[serde(default)]
    method: String,
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    client: String,
    /// Rectification: `category = new value` per line.
    #[serde(default)]
    corrections: String,
    /// The held task an agent confirms.
    #[serde(default)]
    task: String,
    /// `prove_{n}` for each identifier (by position) the agent checked.
    #[serde(flatten)]
    ticks: std::collections::HashMap<String, String>,
}

impl ActInput {
    /// The request's identifiers whose box is ticked.
    fn proven(&self, r: &RightsRequest) -> Vec<(IdentityKind, String)> {
        r.identities
            .iter()
            .enumerate()
            .filter(|(n, _)| self.ticks.contains_key(&format!("prove_{n}")))
            .map(|(_, i)| (i.kind, i.value.clone()))
            .collect()
    }
}

/// One of the person's identifiers, with its proof.
pub struct IdentityRow {
    /// Its position, named by its checkbox.
    pub n: usize,
    pub text: String,
    pub proof: String,
    pub proven: bool,
    pub ticked: bool,
}

#[derive(Template)]
#[template(path = "request.html")]
struct ShowPage {
    l: Layout,
    base: String,
    r: RightsRequest,
    kind: &'static str,
    status: &'static str,
    intake: &'static str,
    verification: &'static str,
    received: String,
    due: String,
    urgency: &'static str,
    identities: Vec<IdentityRow>,
    channels: Vec<&'static str>,
    tasks: Vec<TaskRow>,
    events: Vec<EventRow>,
    exports: Vec<ExportTable>,
    json_name: String,
    /// The export's files hold the person's data: downloaded by those who
    /// act on the request only.
    can_download: bool,
    /// How the answer goes, who acts for the person (with the proof seen).
    answer_by: &'static str,
    representative: Option<String>,
    /// The answer printed as a letter: once written, for those who act.
    letter: bool,
    methods: Vec<Choice>,
    clients: Vec<ClientOption>,
    can: Can,
    draft: ActInput,
    error: Option<String>,
    /// Rectification: the columns the connected systems may write, with
    /// their data category.
    categories: Vec<String>,
    is_rectification: bool,
    /// What the systems hold, read on the agent's demand before approval.
    previews: Vec<rights::Preview>,
    /// An erasure is approved only from its preview, confirmed (issue 18).
    is_erasure: bool,
    /// The documents the person sent with replies.
    attachments: Vec<vigie_store::RequestAttachment>,
    /// After an erasure ran: the person's data it left in undeclared
    /// columns of the rows kept, by system.
    left_after: Option<Vec<(String, vigie_connect::left::Left)>>,
}

/// A client organisation a provider may forward a request to (C14).
pub struct ClientOption {
    pub slug: String,
    pub name: String,
    pub selected: bool,
}

/// Which action forms the request's status and the agent's role allow.
#[derive(Default)]
pub struct Can {
    pub verify: bool,
    pub ask: bool,
    pub extend: bool,
    pub approve: bool,
    pub retry: bool,
    pub answer: bool,
    pub refuse: bool,
    pub close: bool,
    pub forward: bool,
}

async fn show_page(
    state: &AppState,
    ctx: &TenantCtx,
    r: RightsRequest,
    flash: Option<&str>,
    draft: ActInput,
    error: Option<String>,
) -> Result<ShowPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(
        ctx,
        &format!("{} {}", m.request_kind, r.reference),
        state.settings.demo,
    )
    .with_flash(super::forms::flash_text(m, flash));
    let tasks = state.store.tasks(&ctx.scope, r.id).await?;
    let events = state.store.events(&ctx.scope, r.id).await?;
    let (exports, json_name) =
        if r.kind.exports() && tasks.iter().any(|t| t.state == TaskState::Done) {
            let (files, tables) = export_files(state, &r).await?;
            (
                tables,
                files.first().map(|f| f.name.clone()).unwrap_or_default(),
            )
        } else {
            (Vec::new(), String::new())
        };
    let is_erasure = r.kind == vigie_domain::rights::RequestKind::Erasure;
    let left_after = if is_erasure && tasks.iter().any(|t| t.state == TaskState::Done) {
        let systems = rights::export(state.ctx(), &r)
            .await
            .map_err(super::service_error)?;
        Some(
            systems
                .into_iter()
                .flat_map(|(system, o)| {
                    o.left
                        .into_iter()
                        .filter(|x| x.stays)
                        .map(move |x| (system.clone(), x))
                })
                .collect(),
        )
    } else {
        None
    };
    let write = ctx.scope.allows(Permission::Write);
    let allowed = |s: Step| write && s.apply(r.status).is_ok();
    // An extension is offered only while the first month runs (Art. 12(3)).
    let calendar = state.store.calendar(&ctx.scope).await?;
    let may_extend = r
        .received_at
        .is_some_and(|at| vigie_domain::rights::may_extend(at, calendar, today()));
    let can = Can {
        verify: allowed(Step::Verify)
            || (write
                && r.status == RequestStatus::Verified
                && r.identities.unproven().next().is_some()),
        ask: allowed(Step::AskInformation),
        extend: allowed(Step::Extend) && !r.extended && may_extend,
        approve: allowed(Step::Approve) && r.kind.executes(),
        retry: write
            && r.status == RequestStatus::Executing
            && tasks.iter().any(|t| t.state == TaskState::Failed),
        answer: allowed(Step::Answer),
        refuse: allowed(Step::Refuse),
        close: allowed(Step::Close),
        forward: allowed(Step::Forward) && is_provider_inbox(ctx),
    };
    let clients = if can.forward {
        let all = state
            .store
            .list_tenants("", vigie_domain::page::Page::new(Some(1), Some(200)))
            .await?;
        all.items
            .into_iter()
            .filter(|t| t.id != ctx.tenant.id)
            .map(|t| ClientOption {
                selected: t.slug.as_str() == draft.client,
                slug: t.slug.to_string(),
                name: t.name.as_str().to_owned(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let method = if draft.method.is_empty() {
        "email_code"
    } else {
        draft.method.as_str()
    };
    let is_rectification = r.kind == vigie_domain::rights::RequestKind::Rectification;
    let mut categories = Vec::new();
    if is_rectification && can.approve {
        for s in state.store.all_systems(&ctx.scope).await? {
            if let Ok(d) = vigie_connect::parse_dataset(&s.dataset) {
                categories.extend(d.rectifiable_columns());
            }
        }
        categories.sort();
        categories.dedup();
    }
    Ok(ShowPage {
        base: format!("{}/demandes/{}", ctx.base(), r.id),
        kind: labels::kind(m, r.kind),
        status: labels::status(m, r.status),
        intake: labels::intake(m, r.intake),
        verification: r
            .verification
            .map(|v| labels::verification(m, v))
            .unwrap_or(""),
        received: r.received_at.map(|t| l.day_of(t)).unwrap_or_default(),
        due: r.due_on.map(|d| l.day(d)).unwrap_or_default(),
        urgency: urgency_of(&r, today()),
        identities: r
            .identities
            .iter()
            .enumerate()
            .map(|(n, i)| IdentityRow {
                n,
                text: format!("{} : {}", labels::identity_kind(m, i.kind), i.value),
                proof: match &i.proof {
                    Some(p) => format!(
                        "{} — {}, {}, {}",
                        m.identity_proven,
                        labels::verification(m, p.method),
                        p.by,
                        l.when(p.at)
                    ),
                    None => m.identity_unproven.to_owned(),
                },
                proven: i.is_proven(),
                ticked: draft.ticks.contains_key(&format!("prove_{n}")),
            })
            .collect(),
        channels: r.channels.iter().map(|c| labels::channel(m, *c)).collect(),
        tasks: tasks
            .iter()
            .map(|t| TaskRow {
                id: t.id,
                held: t.state == TaskState::Held && ctx.scope.allows(Permission::Write),
                system: t.system_name.clone(),
                state: labels::task_state(m, t.state),
                found: t.found,
                changed: t.changed,
                message: t.message.clone(),
            })
            .collect(),
        events: events
            .iter()
            .map(|e| EventRow {
                at: l.when(e.at),
                actor: e.actor.clone(),
                step: labels::event_step(m, &e.step),
                // Vigie's own lines in the reader's language (issue 18); a
                // person's words as typed.
                detail: if ctx.me.client.lang == crate::i18n::Lang::En && !e.detail_en.is_empty() {
                    e.detail_en.clone()
                } else {
                    e.detail.clone()
                },
            })
            .collect(),
        exports,
        json_name,
        can_download: write,
        answer_by: labels::answer_by(m, r.contact.answer_by),
        representative: r.contact.representative.as_ref().map(|rep| {
            format!(
                "{} ({}) — {}",
                rep.name,
                labels::capacity(m, rep.capacity),
                rep.mandate
            )
        }),
        letter: write && !r.answer.is_empty(),
        methods: labels::choices(
            &Verification::ALL,
            Verification::as_str,
            |v| labels::verification(m, v),
            |v| v.as_str() == method,
        ),
        clients,
        can,
        draft,
        error,
        categories,
        is_rectification,
        previews: vec![],
        is_erasure,
        left_after,
        attachments: state.store.request_attachments(&ctx.scope, r.id).await?,
        r,
        l,
    })
}

/// The provider's own organisation, seen by one of its administrators:
/// where requests about the clients' data are forwarded from (C14).
fn is_provider_inbox(ctx: &TenantCtx) -> bool {
    ctx.me.provider_inbox.as_ref() == Some(&ctx.tenant.slug)
}

fn request_id(id: &str) -> Result<RequestId, PageError> {
    id.parse().map_err(|_| PageError::NOT_FOUND)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<super::forms::FlashQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "rights.show").await?;
    let r = state.store.request(&ctx.scope, request_id(&id)?).await?;
    ctx.trace(&state, "rights.show", &format!("request:{}", r.id))
        .await?;
    render(
        show_page(
            &state,
            &ctx,
            r,
            q.flash.as_deref(),
            ActInput::default(),
            None,
        )
        .await?,
    )
}

pub async fn act(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id, action)): Path<(String, String, String)>,
    Form(f): Form<ActInput>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, &format!("rights.{action}")).await?;
    let m = ctx.me.client.lang.msgs();
    let r = state.store.request(&ctx.scope, request_id(&id)?).await?;
    let actor = ctx.me.user.name.as_str().to_owned();
    let now = Timestamp::now();
    let c = state.ctx();
    if action == "preview" {
        // Read only: the page again, with what each system holds.
        let (previews, error) = match rights::preview(c, &r).await {
            Ok(p) => (p, None),
            Err(ServiceError::Store(e)) => return Err(e.into()),
            Err(e) => (vec![], Some(e.to_string())),
        };
        ctx.trace(&state, "rights.preview", &format!("request:{}", r.id))
            .await?;
        let mut page = show_page(&state, &ctx, r, None, f, error).await?;
        page.previews = previews;
        return render(page);
    }
    let mut flash = "done";
    let result: Result<(), ServiceError> = match action.as_str() {
        "verify" => {
            let method = Verification::parse(&f.method).ok_or(PageError::NOT_FOUND)?;
            let check = IdentityCheck {
                proven: f.proven(&r),
                added: if f.account_id.trim().is_empty() {
                    vec![]
                } else {
                    vec![(IdentityKind::AccountId, f.account_id.trim().to_owned())]
                },
            };
            if r.status == RequestStatus::Verified {
                rights::check_identities(c, &r, method, check, &actor, now).await
            } else {
                rights::verify(c, &r, method, check, &actor, now).await
            }
            .map(drop)
        }
        "ask" => rights::ask_information(c, &r, &f.message, &actor, now)
            .await
            .map(drop),
        "extend" => rights::extend(c, &r, &f.reason, &actor, now)
            .await
            .map(drop),
        // An erasure cannot be undone: approved only from its preview,
        // with the box that says it was read (issue 18).
        "approve"
            if r.kind == vigie_domain::rights::RequestKind::Erasure
                && !f.ticks.contains_key("confirm_erasure") =>
        {
            Err(ServiceError::Invalid {
                field: "confirm_erasure",
                message: m.request_erasure_confirm_needed.to_owned(),
            })
        }
        "approve" => match rights::parse_corrections(&f.corrections) {
            Ok(corrections) => rights::approve(c, &r, corrections, &actor, now)
                .await
                .map(drop),
            Err(e) => Err(e),
        },
        "retry" => rights::retry_failed(c, &r, now).await.map(drop),
        "confirm" => {
            let task = f.task.trim().parse().map_err(|_| PageError::NOT_FOUND)?;
            rights::confirm_task(c, &r, task, &actor, now).await
        }
        "answer" => rights::answer(c, &ctx.tenant, &r, &f.answer, &actor, now)
            .await
            .map(drop),
        "refuse" => rights::refuse(c, &r, &f.reason, &actor, now)
            .await
            .map(drop),
        "close" => rights::close(c, &r, &actor, now).await.map(drop),
        "forward" if is_provider_inbox(&ctx) => {
            let slug = TenantSlug::parse(&f.client).map_err(|_| PageError::NOT_FOUND)?;
            let client = state.store.tenant_by_slug(&slug).await?;
            rights::forward(c, &r, &ctx.tenant, &client, &actor, now)
                .await
                .map(|f| {
                    flash = if f.told == 0 {
                        "forwarded_nobody"
                    } else {
                        "forwarded"
                    };
                })
        }
        _ => return Err(PageError::NOT_FOUND),
    };
    let error = match result {
        Ok(()) => {
            ctx.trace(
                &state,
                &format!("rights.{action}"),
                &format!("request:{}", r.id),
            )
            .await?;
            return Ok(see_other(
                &format!("{}/demandes/{}", ctx.base(), r.id),
                flash,
            ));
        }
        Err(ServiceError::Step(_)) => m.request_step_refused.to_owned(),
        Err(ServiceError::Store(StoreError::Conflict(_))) => m.request_conflict.to_owned(),
        Err(ServiceError::TooLateToExtend(d)) => format!("{} ({d})", m.request_too_late),
        Err(ServiceError::Invalid {
            field: "corrections",
            message,
        }) => format!("{} — {message}", m.request_required),
        Err(ServiceError::Invalid {
            field: "confirm_erasure",
            message,
        }) => message,
        Err(ServiceError::Invalid { .. }) => m.request_required.to_owned(),
        Err(ServiceError::Store(e)) => return Err(e.into()),
        Err(e) => e.to_string(),
    };
    let fresh = state.store.request(&ctx.scope, r.id).await?;
    let page = show_page(&state, &ctx, fresh, None, f, Some(error)).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// The timeline as CSV, for the CNIL (C16).
pub async fn timeline_csv(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "rights.timeline.export").await?;
    let r = state.store.request(&ctx.scope, request_id(&id)?).await?;
    let events = state.store.events(&ctx.scope, r.id).await?;
    let bytes = timeline_csv_bytes(&r, &events)
        .ok_or_else(|| PageError::Internal("timeline CSV".into()))?;
    ctx.trace(
        &state,
        "rights.timeline.export",
        &format!("request:{}", r.id),
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"demande-{}-historique.csv\"",
                    r.reference
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A request's timeline as CSV for a spreadsheet (`;`, a BOM, cells
/// that cannot run as formulas); `None` if it could not be written.
pub(crate) fn timeline_csv_bytes(
    r: &vigie_store::RightsRequest,
    events: &[vigie_store::RequestEvent],
) -> Option<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    let header = [
        "reference",
        "at_utc",
        "actor",
        "step",
        "detail",
        "detail_en",
    ];
    let mut ok = w.write_record(header).is_ok();
    for e in events {
        ok &= w
            .write_record(
                [
                    r.reference.as_str(),
                    &e.at.to_string(),
                    &e.actor,
                    &e.step,
                    &e.detail,
                    &e.detail_en,
                ]
                .map(vigie_domain::cell::spreadsheet_safe),
            )
            .is_ok();
    }
    let bytes = w.into_inner().ok()?;
    ok.then_some(bytes)
}

/// The answer as a letter to print and post (issue 18): the organisation
/// sheet as letterhead, the addressee (the representative when someone
/// acts for the person) with the postal address, the answer, the CNIL.
pub async fn letter(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "rights.letter").await?;
    let r = state.store.request(&ctx.scope, request_id(&id)?).await?;
    if r.answer.is_empty() {
        return Err(PageError::NOT_FOUND);
    }
    let frame = super::register::print_frame(&state, &ctx).await?;
    let doc = answer_letter(&frame, &r);
    let file = format!("reponse-{}", r.reference);
    super::register::deliver(
        &state,
        &ctx,
        &doc,
        &file,
        super::register::Print::Pdf,
        "rights.letter",
    )
    .await
}

/// The letter of a request's answer under `frame`'s letterhead.
pub(crate) fn answer_letter(
    frame: &super::activity_text::PrintFrame,
    r: &vigie_store::RightsRequest,
) -> crate::print::Document {
    let m = frame.m;
    let mut cover = super::activity_text::cover(m, frame.sheet.as_ref());
    let addressee = match &r.contact.representative {
        Some(rep) => format!(
            "{} ({}) — {} {}",
            rep.name,
            labels::capacity(m, rep.capacity),
            m.letter_for,
            r.subject_name
        ),
        None => r.subject_name.clone(),
    };
    cover.push((
        m.letter_to.to_owned(),
        [addressee, r.contact.postal_address.clone()]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
    ));
    let object = format!(
        "{} : {} — {} {}",
        m.letter_object,
        labels::right(m, r.kind),
        m.rights_reference,
        r.reference
    );
    let body: Vec<String> = r.answer.lines().map(str::to_owned).collect();
    let dpo = frame
        .sheet
        .as_ref()
        .map(|s| s.dpo_line())
        .filter(|d| !d.is_empty());
    let mut fields = vec![(m.request_answer.to_owned(), body)];
    if let Some(d) = dpo {
        fields.push((m.act_dpo.to_owned(), vec![d]));
    }
    fields.push((
        m.letter_complaint.to_owned(),
        vec![m.rights_cnil.to_owned()],
    ));
    frame.document(
        &object,
        cover,
        vec![crate::print::Section::follows(object.clone(), fields)],
    )
}

/// A document the person sent, to those who act on the request (it may be
/// an identity document): as a download, never shown inline.
pub async fn sent_document(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id, attachment)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "rights.attachment").await?;
    let (meta, bytes) = state
        .store
        .request_attachment(&ctx.scope, request_id(&id)?, attachment)
        .await?;
    ctx.trace(
        &state,
        "rights.attachment",
        &format!("request:{}/attachment:{attachment}", meta.request),
    )
    .await?;
    Ok(super::document_download(&meta.name, meta.kind, bytes))
}

pub async fn export_file(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id, file)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "rights.export.download").await?;
    let r = state.store.request(&ctx.scope, request_id(&id)?).await?;
    let (files, _) = export_files(&state, &r).await?;
    let f = files
        .into_iter()
        .find(|f| f.name == file)
        .ok_or(PageError::NOT_FOUND)?;
    ctx.trace(
        &state,
        "rights.export.download",
        &format!("request:{}/{file}", r.id),
    )
    .await?;
    Ok(attachment(f))
}
