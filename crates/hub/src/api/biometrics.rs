//! Voice biometrics over HTTP: enrol a caller's voiceprint (with consent), check the live
//! caller against one, forget one.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use switchboard_protocol::{EnrolVoice, ErrorBody, ErrorCode, Id, VoiceCheck, VoiceStatus};
use switchboard_voice::speaker::{MIN_SPEECH_SECONDS, THRESHOLD};

use crate::auth::Caller;
use crate::biometrics::{Listening, analyse};
use crate::error::{Json, Path, Query};
use crate::{AppState, Error, Result};

/// Keeps the caller's voiceprint for a contact, from what they said on this call so far.
#[utoipa::path(
    post, path = "/calls/{id}/voiceprint", tag = "calls", request_body = EnrolVoice,
    params(("id" = Id, Path)),
    responses(
        (status = 200, description = "Enrolled, or not enough speech yet (nothing kept)", body = VoiceCheck),
        (status = 400, description = "No consent", body = ErrorBody),
        (status = 404, description = "No such live call or contact in the account", body = ErrorBody),
        (status = 409, description = "No Identity, or not a call from the phone network", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn enrol(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<EnrolVoice>,
) -> Result<Json<VoiceCheck>> {
    if !body.consent {
        return Err(Error::refused(ErrorCode::ConsentRequired));
    }
    let tap = voice_of(&state, &caller, id).await?;
    state
        .store
        .contact(caller.account_id, body.contact_id)
        .await?;
    let (voice, speech) = analyse(&tap).await?;
    let Some(embedding) = voice else {
        return Ok(Json(check(VoiceStatus::NotEnoughSpeech, None, speech)));
    };
    state
        .store
        .save_voiceprint(
            caller.account_id,
            body.contact_id,
            &embedding,
            speech,
            id,
            caller.agent_id,
        )
        .await?;
    tracing::info!(
        call = id,
        contact = body.contact_id,
        agent = caller.agent_id,
        "voiceprint enrolled"
    );
    Ok(Json(check(VoiceStatus::Enrolled, None, speech)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct Against {
    /// The contact whose voiceprint the caller is checked against.
    contact: Id,
}

/// How the live caller's voice compares with a contact's voiceprint.
#[utoipa::path(
    get, path = "/calls/{id}/voice", tag = "calls", params(("id" = Id, Path), Against),
    responses(
        (status = 200, body = VoiceCheck),
        (status = 404, description = "No such live call or contact in the account", body = ErrorBody),
        (status = 409, description = "No Identity, or not a call from the phone network", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn verify(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Query(against): Query<Against>,
) -> Result<Json<VoiceCheck>> {
    let tap = voice_of(&state, &caller, id).await?;
    state
        .store
        .contact(caller.account_id, against.contact)
        .await?;
    let print = state
        .store
        .voiceprint(caller.account_id, against.contact)
        .await?;
    let (voice, speech) = analyse(&tap).await?;
    let Some(print) = print else {
        return Ok(Json(check(VoiceStatus::NotEnrolled, None, speech)));
    };
    let Some(voice) = voice else {
        return Ok(Json(check(VoiceStatus::NotEnoughSpeech, None, speech)));
    };
    let score = voice.similarity(&print);
    let status = if score >= THRESHOLD {
        VoiceStatus::Authenticated
    } else {
        VoiceStatus::NotAuthenticated
    };
    Ok(Json(check(status, Some(score), speech)))
}

/// Forgets a contact's voiceprint (the customer withdrew their consent).
#[utoipa::path(
    delete, path = "/contacts/{id}/voiceprint", tag = "contacts", params(("id" = Id, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn forget(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(contact): Path<Id>,
) -> Result<StatusCode> {
    state
        .store
        .delete_voiceprint(caller.account_id, contact)
        .await?;
    tracing::info!(contact, agent = caller.agent_id, "voiceprint deleted");
    Ok(StatusCode::NO_CONTENT)
}

fn check(status: VoiceStatus, score: Option<f32>, speech_seconds: f32) -> VoiceCheck {
    VoiceCheck {
        status,
        score,
        threshold: THRESHOLD,
        speech_seconds,
        needed_seconds: MIN_SPEECH_SECONDS,
    }
}

/// The caller a live call's agent hears, in an account with Identity.
async fn voice_of(state: &AppState, caller: &Caller, id: Id) -> Result<Listening> {
    let voice = state
        .calls
        .voice(caller.account_id, id, caller.agent_id)
        .await?;
    let account = state.store.account(caller.account_id).await?;
    if !account.settings.identity {
        return Err(Error::refused(ErrorCode::NoIdentity));
    }
    voice.ok_or_else(|| Error::refused(ErrorCode::NotAPhoneCaller))
}
