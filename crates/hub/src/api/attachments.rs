//! Files sent with messages over HTTP: an agent uploads one to a conversation (then sends it
//! with a reply or note) and downloads any of the account's. How a file is served is shared
//! with the chat widget: pictures shown in place, everything else only as a download, never
//! as a page of the hub's origin.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchboard_protocol::{Attachment, ErrorBody, ErrorCode, Id};

use crate::auth::Caller;
use crate::error::{Json, Path, Query};
use crate::store::{StoredFile, Uploader};
use crate::{AppState, Error, Result};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// The file's name (its folder, if any, is dropped).
    name: String,
}

/// Upload a file to a conversation, to send with a reply or note (`attachments` in the
/// message). Its type is found from its bytes; one never sent is removed after a day.
#[utoipa::path(
    post, path = "/conversations/{id}/attachments", tag = "conversations",
    params(("id" = Id, Path), UploadQuery),
    request_body(content = Vec<u8>, description = "The file's bytes", content_type = "application/octet-stream"),
    responses(
        (status = 201, body = Attachment),
        (status = 400, description = "Empty", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 413, description = "Larger than the hub accepts", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn upload(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> Result<(StatusCode, Json<Attachment>)> {
    let bytes = read_file(body, state.config.attachments.max_bytes).await?;
    let attachment = state
        .store
        .upload(
            caller.account_id,
            id,
            Uploader::Agent(caller.agent_id),
            &query.name,
            &bytes,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(attachment)))
}

/// A file sent in one of the account's conversations.
#[utoipa::path(
    get, path = "/attachments/{id}", tag = "conversations", params(("id" = Id, Path)),
    responses(
        (status = 200, description = "The file's bytes, as uploaded", content_type = "application/octet-stream"),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn download(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Response> {
    let file = state.store.attachment(caller.account_id, id).await?;
    Ok(serve(file))
}

/// Reads an uploaded file of at most `max` bytes; a larger one is refused with the limit.
pub async fn read_file(body: Body, max: usize) -> Result<Vec<u8>> {
    let too_large = || {
        Error::refused_as(
            ErrorCode::PayloadTooLarge,
            format!("a file may be at most {} MB", max / (1024 * 1024)),
        )
    };
    let bytes = axum::body::to_bytes(body, max).await.map_err(|error| {
        let limited = std::error::Error::source(&error)
            .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
        if limited {
            too_large()
        } else {
            Error::BadRequest(format!("the file did not arrive whole: {error}"))
        }
    })?;
    if bytes.is_empty() {
        return Err(Error::refused(ErrorCode::InvalidAttachment));
    }
    Ok(bytes.to_vec())
}

/// A file as a response: a picture in place; anything else a download of a type a browser
/// will not run (an HTML page or SVG is `application/octet-stream`), sandboxed either way.
pub fn serve(file: StoredFile) -> Response {
    let attachment = &file.attachment;
    let downloadable = matches!(
        attachment.content_type.as_str(),
        "application/pdf" | "application/zip" | "text/plain" | "text/csv"
    ) || attachment.content_type.starts_with("audio/")
        || attachment.content_type.starts_with("video/")
        || attachment.content_type.starts_with("application/vnd.");
    let (content_type, disposition) = if attachment.is_image() {
        (attachment.content_type.as_str(), "inline")
    } else if downloadable {
        (attachment.content_type.as_str(), "attachment")
    } else {
        ("application/octet-stream", "attachment")
    };
    let content_type = if content_type == "text/plain" {
        "text/plain; charset=utf-8"
    } else {
        content_type
    };
    // RFC 6266: an ASCII fallback, and the name itself percent-encoded.
    let fallback: String = attachment
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = url::form_urlencoded::byte_serialize(attachment.name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let disposition = format!("{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}");
    let mut response = file.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    response
}
