//! The REST API under `/api/v1`, and its OpenAPI document generated from these handlers.

mod calls;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::StatusCode;
use serde::Deserialize;
use switchboard_protocol::{
    AgentSummary, Bootstrap, Contact, ErrorBody, ErrorCode, Health, Id, MAX_BODY_BYTES, Me,
    NewContact as NewContactBody, Presence, SetStatus, SignIn, SignedIn, StatusKey, StatusKind,
};
use time::OffsetDateTime;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{self, Caller};
use crate::error::{Json, Path, Query};
use crate::presence::Cause;
use crate::store::{now_ms, to_ms};
use crate::{AppState, Error, Result, events, phone};

#[derive(OpenApi)]
#[openapi(
    info(title = "Switchboard hub API", description = "The contact-center server behind the Switchboard agent workspace."),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    tags(
        (name = "system"), (name = "sessions"), (name = "presence"),
        (name = "agents"), (name = "contacts"), (name = "events"), (name = "calls"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(sign_in))
        .routes(routes!(sign_out))
        .routes(routes!(bootstrap))
        .routes(routes!(me))
        .routes(routes!(set_status))
        .routes(routes!(wrap_up_done))
        .routes(routes!(agents))
        .routes(routes!(agent))
        .routes(routes!(search_contacts))
        .routes(routes!(lookup_contacts))
        .routes(routes!(contact))
        .routes(routes!(create_contact))
        .routes(routes!(events::stream))
        .routes(routes!(calls::start))
        .routes(routes!(calls::accept))
        .routes(routes!(calls::decline))
        .routes(routes!(calls::hang_up))
        .routes(routes!(calls::hold))
        .routes(routes!(calls::resume))
        .routes(routes!(calls::transfer))
        .routes(routes!(calls::consult))
        .routes(routes!(calls::complete_consult))
        .routes(routes!(calls::cancel_consult))
        .routes(routes!(calls::three_way))
        .routes(routes!(calls::attach_context))
        .routes(routes!(
            crate::history::save_notes,
            crate::history::my_notes
        ))
        .routes(routes!(crate::history::my_calls))
        .routes(routes!(crate::history::contact_calls))
        .routes(routes!(crate::biometrics::enrol))
        .routes(routes!(crate::biometrics::verify))
        .routes(routes!(crate::biometrics::forget))
        .routes(routes!(calls::pause_recording))
        .routes(routes!(calls::resume_recording))
        .routes(routes!(
            crate::recording::download,
            crate::recording::remove
        ))
        .routes(routes!(calls::block, calls::unblock))
        .routes(routes!(crate::ice::servers))
        .split_for_parts();
    let openapi = Arc::new(openapi);
    let api = api.route(
        "/openapi.json",
        axum::routing::get(move || {
            let openapi = openapi.clone();
            async move { axum::Json(openapi.as_ref().clone()) }
        }),
    );
    Router::new()
        .nest("/api/v1", api.fallback(not_found))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found() -> Error {
    Error::NotFound("route")
}

/// Whether the hub is up.
#[utoipa::path(get, path = "/health", tag = "system", responses((status = 200, body = Health)))]
async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        api: switchboard_protocol::API_VERSION.into(),
    })
}

/// Sign in with email and password; answers a session token.
#[utoipa::path(
    post, path = "/sessions", tag = "sessions", request_body = SignIn,
    responses(
        (status = 200, body = SignedIn),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins; see Retry-After", body = ErrorBody),
    )
)]
async fn sign_in(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(body): Json<SignIn>,
) -> Result<Json<SignedIn>> {
    let email = crate::store::agents::normalize_email(&body.email);
    if email.is_empty() || body.password.is_empty() {
        return Err(Error::refused(ErrorCode::CredentialsRequired));
    }
    state.limiter.check(&email, peer.ip())?;
    let found = state.store.agent_for_sign_in(&email).await?;
    let hash = match &found {
        Some((_, hash)) => hash.clone(),
        None => auth::DUMMY_HASH.clone(),
    };
    let verified = auth::verify_password_blocking(body.password, hash).await;
    let agent = match found {
        Some((agent, _)) if verified => agent,
        _ => {
            state.limiter.record_failure(&email, peer.ip());
            tracing::warn!(%email, peer = %peer.ip(), "failed sign-in");
            return Err(Error::InvalidCredentials);
        }
    };
    state.limiter.record_success(&email);

    let ttl = if body.remember {
        state.config.auth.remember_ttl
    } else {
        state.config.auth.session_ttl
    };
    let expires_at = OffsetDateTime::now_utc() + ttl;
    let token = auth::new_token();
    state
        .store
        .create_session(agent.id, &auth::token_hash(&token), to_ms(expires_at))
        .await?;
    if agent.status().kind() == StatusKind::Offline {
        state
            .presence
            .set_status(
                agent.account_id,
                agent.id,
                &StatusKey::available(),
                Cause::SignIn,
            )
            .await?;
    }
    let me = state.store.agent(agent.account_id, agent.id).await?.me();
    tracing::info!(agent = agent.id, "signed in");
    Ok(Json(SignedIn {
        token,
        expires_at,
        me,
    }))
}

/// Sign out: revokes this session; the last session's sign-out sets the agent Offline.
#[utoipa::path(
    delete, path = "/sessions/current", tag = "sessions",
    responses((status = 204), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
async fn sign_out(State(state): State<Arc<AppState>>, caller: Caller) -> Result<StatusCode> {
    let live_left = state
        .store
        .end_session(caller.session_id, caller.agent_id, now_ms())
        .await?;
    if live_left == 0 {
        state
            .presence
            .set_status(
                caller.account_id,
                caller.agent_id,
                &StatusKey::offline(),
                Cause::SignOut,
            )
            .await?;
    }
    tracing::info!(agent = caller.agent_id, "signed out");
    Ok(StatusCode::NO_CONTENT)
}

/// Everything a client shows after sign-in, and the event seq to stream from.
#[utoipa::path(
    get, path = "/bootstrap", tag = "sessions",
    responses((status = 200, body = Bootstrap), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
async fn bootstrap(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<Bootstrap>> {
    // The seq is read before the state: every event up to it is already in what follows, and
    // events after it are replayed by the stream (presence events are idempotent).
    let event_seq = state.store.event_head().await?;
    let store = &state.store;
    let agents = store.agents(caller.account_id).await?;
    let me = agents
        .iter()
        .find(|a| a.id == caller.agent_id)
        .ok_or(Error::Unauthorized)?
        .me();
    Ok(Json(Bootstrap {
        me,
        account: store.account(caller.account_id).await?,
        statuses: store.statuses(caller.account_id).await?,
        agents: agents
            .iter()
            .filter(|a| a.id != caller.agent_id)
            .map(|a| a.summary())
            .collect(),
        caller_ids: store.caller_ids(caller.account_id).await?,
        dispositions: store.dispositions(caller.account_id).await?,
        ring_groups: store.ring_group_list(caller.account_id).await?,
        event_seq,
    }))
}

/// The signed-in agent.
#[utoipa::path(
    get, path = "/me", tag = "sessions",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
async fn me(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<Me>> {
    Ok(Json(
        state
            .store
            .agent(caller.account_id, caller.agent_id)
            .await?
            .me(),
    ))
}

/// Change the signed-in agent's status by hand (F-30).
#[utoipa::path(
    put, path = "/me/status", tag = "presence", request_body = SetStatus,
    responses(
        (status = 200, body = Presence),
        (status = 400, description = "No such status, or one set only by the hub", body = ErrorBody),
        (status = 409, description = "In after-call work: the status is locked", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn set_status(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Json(body): Json<SetStatus>,
) -> Result<Json<Presence>> {
    state
        .presence
        .set_status(
            caller.account_id,
            caller.agent_id,
            &body.status,
            Cause::Manual,
        )
        .await
        .map(Json)
}

/// The agent is done with after-call work (F-44): back to the status they had before the
/// call. (The account's after-call-work timeout does the same by itself.)
#[utoipa::path(
    post, path = "/me/wrap-up", tag = "presence",
    responses(
        (status = 200, body = Presence),
        (status = 409, description = "Not in after-call work", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn wrap_up_done(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Presence>> {
    let agent = state
        .store
        .agent(caller.account_id, caller.agent_id)
        .await?;
    if agent.status().kind() != StatusKind::AfterCallWork {
        return Err(Error::refused(ErrorCode::NotInWrapUp));
    }
    state
        .presence
        .wrap_up_done(caller.account_id, caller.agent_id)
        .await
        .map(Json)
}

/// Every agent of the caller's account, the caller included.
#[utoipa::path(
    get, path = "/agents", tag = "agents",
    responses((status = 200, body = [AgentSummary]), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
async fn agents(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Vec<AgentSummary>>> {
    let agents = state.store.agents(caller.account_id).await?;
    Ok(Json(agents.iter().map(|a| a.summary()).collect()))
}

/// One agent of the caller's account.
#[utoipa::path(
    get, path = "/agents/{id}", tag = "agents",
    params(("id" = Id, Path)),
    responses((status = 200, body = AgentSummary), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
async fn agent(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<AgentSummary>> {
    Ok(Json(
        state.store.agent(caller.account_id, id).await?.summary(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct SearchQuery {
    /// Text found in a name, company, email or number.
    q: String,
}

/// Search the account's contacts.
#[utoipa::path(
    get, path = "/contacts", tag = "contacts", params(SearchQuery),
    responses((status = 200, body = [Contact]), (status = 400, body = ErrorBody)),
    security(("bearer" = []))
)]
async fn search_contacts(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Vec<Contact>>> {
    if query.q.trim().is_empty() || query.q.len() > 200 {
        return Err(Error::refused(ErrorCode::InvalidSearch));
    }
    Ok(Json(
        state
            .store
            .search_contacts(caller.account_id, &query.q)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct LookupQuery {
    /// A phone number in any form; national numbers are read in the account's country.
    phone: String,
}

/// Contacts with this phone number (normalised to E.164).
#[utoipa::path(
    get, path = "/contacts/lookup", tag = "contacts", params(LookupQuery),
    responses((status = 200, body = [Contact]), (status = 400, description = "Not a phone number", body = ErrorBody)),
    security(("bearer" = []))
)]
async fn lookup_contacts(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(query): Query<LookupQuery>,
) -> Result<Json<Vec<Contact>>> {
    let account = state.store.account(caller.account_id).await?;
    let e164 = phone::to_e164(&query.phone, &account.settings.default_country)?;
    Ok(Json(
        state
            .store
            .contacts_by_phone(caller.account_id, &e164)
            .await?,
    ))
}

/// Adds a contact to the agent's account (an unknown caller, say): its numbers are kept in
/// E.164, its emails must look like emails.
#[utoipa::path(
    post, path = "/contacts", tag = "contacts", request_body = NewContactBody,
    responses(
        (status = 201, body = Contact),
        (status = 400, description = "No name, a bad number or email", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn create_contact(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Json(body): Json<NewContactBody>,
) -> Result<(axum::http::StatusCode, Json<Contact>)> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::refused(ErrorCode::ContactNameRequired));
    }
    if body.company.chars().count() > 200 || body.phones.len() > 20 || body.emails.len() > 20 {
        return Err(Error::refused(ErrorCode::ContactTooLarge));
    }
    let account = state.store.account(caller.account_id).await?;
    let mut phones = Vec::new();
    for phone in &body.phones {
        let e164 = phone::to_e164(&phone.number, &account.settings.default_country)?;
        phones.push((e164, phone.label.trim().chars().take(50).collect()));
    }
    for email in &body.emails {
        let email = email.trim();
        let plausible = email.len() <= 254
            && email
                .split_once('@')
                .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'))
            && !email.contains(char::is_whitespace);
        if !plausible {
            return Err(Error::refused_as(
                ErrorCode::InvalidEmail,
                format!("{email:?} is not an email address"),
            ));
        }
    }
    let id = state
        .store
        .create_contact(
            caller.account_id,
            &crate::store::NewContact {
                name: name.to_owned(),
                company: body.company.trim().to_owned(),
                phones,
                emails: body.emails.iter().map(|e| e.trim().to_owned()).collect(),
                links: Vec::new(),
            },
        )
        .await?;
    tracing::info!(contact = id, agent = caller.agent_id, "contact created");
    Ok((
        axum::http::StatusCode::CREATED,
        Json(state.store.contact(caller.account_id, id).await?),
    ))
}

/// One contact of the caller's account.
#[utoipa::path(
    get, path = "/contacts/{id}", tag = "contacts",
    params(("id" = Id, Path)),
    responses((status = 200, body = Contact), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
async fn contact(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Contact>> {
    Ok(Json(state.store.contact(caller.account_id, id).await?))
}
