//! The account's contacts: searched, looked up by number, added, edited.

use std::sync::Arc;

use axum::extract::State;
use serde::Deserialize;
use switchboard_protocol::{Contact, ErrorBody, ErrorCode, Id, NewContact as NewContactBody};

use crate::auth::Caller;
use crate::error::{Json, Path, Query};
use crate::{AppState, Error, Result, phone};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// Text found in a name, company, email or number.
    q: String,
}

/// Search the account's contacts.
#[utoipa::path(
    get, path = "/contacts", tag = "contacts", params(SearchQuery),
    responses((status = 200, body = [Contact]), (status = 400, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn search_contacts(
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
pub struct LookupQuery {
    /// A phone number in any form; national numbers are read in the account's country.
    phone: String,
}

/// Contacts with this phone number (normalised to E.164).
#[utoipa::path(
    get, path = "/contacts/lookup", tag = "contacts", params(LookupQuery),
    responses((status = 200, body = [Contact]), (status = 400, description = "Not a phone number", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn lookup_contacts(
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
pub async fn create_contact(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Json(body): Json<NewContactBody>,
) -> Result<(axum::http::StatusCode, Json<Contact>)> {
    let new = checked(&state, caller.account_id, &body).await?;
    let id = state.store.create_contact(caller.account_id, &new).await?;
    tracing::info!(contact = id, agent = caller.agent_id, "contact created");
    Ok((
        axum::http::StatusCode::CREATED,
        Json(state.store.contact(caller.account_id, id).await?),
    ))
}

/// Changes a contact: its name, company, numbers and email addresses (the whole list of
/// each, as the agent left it). Numbers and addresses are how a customer who writes is
/// recognised, so one that another contact has is refused: merge the two instead.
#[utoipa::path(
    put, path = "/contacts/{id}", tag = "contacts", request_body = NewContactBody,
    params(("id" = Id, Path)),
    responses(
        (status = 200, body = Contact),
        (status = 400, description = "No name, a bad number or email", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Another contact has one of the numbers or addresses", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn update_contact(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<NewContactBody>,
) -> Result<Json<Contact>> {
    let edit = checked(&state, caller.account_id, &body).await?;
    state
        .store
        .update_contact(caller.account_id, id, &edit, state.events.retention)
        .await?;
    state.events.notifier.notify(caller.account_id);
    tracing::info!(contact = id, agent = caller.agent_id, "contact edited");
    Ok(Json(state.store.contact(caller.account_id, id).await?))
}

/// A contact as an agent wrote it, checked: a name, numbers in E.164 (national ones read
/// in the account's country), emails that look like emails, nothing oversized.
async fn checked(
    state: &AppState,
    account_id: Id,
    body: &NewContactBody,
) -> Result<crate::store::NewContact> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::refused(ErrorCode::ContactNameRequired));
    }
    if body.company.chars().count() > 200 || body.phones.len() > 20 || body.emails.len() > 20 {
        return Err(Error::refused(ErrorCode::ContactTooLarge));
    }
    let account = state.store.account(account_id).await?;
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
    Ok(crate::store::NewContact {
        name: name.to_owned(),
        company: body.company.trim().to_owned(),
        phones,
        emails: body.emails.iter().map(|e| e.trim().to_owned()).collect(),
        links: Vec::new(),
    })
}

/// One contact of the caller's account.
#[utoipa::path(
    get, path = "/contacts/{id}", tag = "contacts",
    params(("id" = Id, Path)),
    responses((status = 200, body = Contact), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn contact(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Contact>> {
    Ok(Json(state.store.contact(caller.account_id, id).await?))
}
