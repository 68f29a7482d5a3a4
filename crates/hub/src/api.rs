//! The REST API under `/api/v1`, and its OpenAPI document generated from these handlers.

mod agents;
pub(crate) mod attachments;
mod biometrics;
mod calls;
mod canned;
mod contacts;
mod conversations;
mod history;
mod hours;
mod presence;
mod recordings;
mod sessions;
mod widgets;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use switchboard_protocol::{Health, MAX_BODY_BYTES};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Json;
use crate::{AppState, Error, events};

#[derive(OpenApi)]
#[openapi(
    info(title = "Switchboard hub API", description = "The contact-center server behind the Switchboard agent workspace."),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    tags(
        (name = "system"), (name = "sessions"), (name = "presence"),
        (name = "agents"), (name = "contacts"), (name = "events"), (name = "calls"), (name = "conversations"),
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
        .routes(routes!(sessions::sign_in))
        .routes(routes!(sessions::sign_out))
        .routes(routes!(sessions::bootstrap))
        .routes(routes!(sessions::me))
        .routes(routes!(presence::set_status))
        .routes(routes!(presence::wrap_up_done))
        .routes(routes!(agents::agents))
        .routes(routes!(agents::agent))
        .routes(routes!(contacts::search_contacts))
        .routes(routes!(contacts::lookup_contacts))
        .routes(routes!(contacts::contact))
        .routes(routes!(contacts::create_contact))
        .routes(routes!(contacts::update_contact))
        .routes(routes!(conversations::inbox))
        .routes(routes!(conversations::search))
        .routes(routes!(conversations::thread))
        .routes(routes!(conversations::messages, conversations::reply))
        .routes(routes!(conversations::note))
        .routes(routes!(conversations::take))
        .routes(routes!(conversations::assign))
        .routes(routes!(conversations::resolve))
        .routes(routes!(conversations::read))
        .routes(routes!(conversations::of_contact))
        .routes(routes!(conversations::merge))
        .routes(routes!(attachments::upload))
        .routes(routes!(hours::set))
        .routes(routes!(attachments::download))
        .routes(routes!(conversations::typing))
        .routes(routes!(conversations::block))
        .routes(routes!(canned::list))
        .routes(routes!(canned::set, canned::remove))
        .routes(routes!(canned::for_conversation))
        .routes(routes!(widgets::list, widgets::create))
        .routes(routes!(widgets::remove))
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
        .routes(routes!(history::save_notes, history::my_notes))
        .routes(routes!(history::my_calls))
        .routes(routes!(history::contact_calls))
        .routes(routes!(biometrics::enrol))
        .routes(routes!(biometrics::verify))
        .routes(routes!(biometrics::forget))
        .routes(routes!(calls::pause_recording))
        .routes(routes!(calls::resume_recording))
        .routes(routes!(recordings::download, recordings::remove))
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
        .merge(crate::widget::routes())
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
