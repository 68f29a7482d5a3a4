//! The hub's REST API as async functions. A `Hub` is cheap to clone.

use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use switchboard_protocol::{
    AcceptCall, Bootstrap, Call, CallNotes, CallRecord, Contact, EnrolVoice, ErrorBody, ErrorCode,
    Health, IceServers, Id, MediaAnswer, NewContact, Presence, SaveNotes, SetStatus, SignIn,
    SignedIn, StartCall, StatusKey, Target, TransferCall, VoiceCheck,
};
use url::Url;

use crate::{Error, Result};

pub mod conversations;

#[derive(Debug, Clone)]
pub struct Hub {
    base: Url,
    http: reqwest::Client,
}

impl Hub {
    /// A client for the hub at `address` (`https://hub.example.com`, or `host:port`).
    pub fn new(address: &str) -> Result<Self> {
        let base = parse_base(address)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Protocol(e.to_string()))?;
        Ok(Self { base, http })
    }

    /// The hub's address as the user would write it; also the keychain key.
    pub fn address(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// `ws(s)://…/api/v1/events`.
    pub fn events_url(&self, after: u64) -> Url {
        let mut url = self.endpoint("events");
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        // Both schemes are special, so switching between them cannot fail.
        let _ = url.set_scheme(scheme);
        url.query_pairs_mut()
            .append_pair("after", &after.to_string());
        url
    }

    fn endpoint(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(&format!(
            "{}/api/{}/{path}",
            self.base.path().trim_end_matches('/'),
            switchboard_protocol::API_VERSION
        ));
        url
    }

    fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let request = self.http.request(method, self.endpoint(path));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    async fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T> {
        let response = self.succeed(request).await?;
        if response.status() == StatusCode::NO_CONTENT {
            return serde_json::from_value(serde_json::Value::Null)
                .map_err(|e| Error::Protocol(e.to_string()));
        }
        response
            .json()
            .await
            .map_err(|e| Error::Protocol(e.to_string()))
    }

    /// The response, if the hub says yes; its error in words if not.
    async fn succeed(&self, request: RequestBuilder) -> Result<reqwest::Response> {
        let response = request.send().await.map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        Err(match serde_json::from_str::<ErrorBody>(&body) {
            Ok(error) => Error::Hub {
                status: status.as_u16(),
                code: error.code,
                message: error.message,
            },
            // Something that is not a Switchboard hub answered (a proxy, another server).
            Err(_) => Error::Hub {
                status: status.as_u16(),
                code: ErrorCode::Unknown,
                message: format!("the server answered {status}"),
            },
        })
    }

    fn unreachable(&self, error: &reqwest::Error) -> Error {
        let mut reason = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            reason = inner.to_string();
            source = inner.source();
        }
        Error::Unreachable {
            url: self.address().to_owned(),
            reason,
        }
    }

    pub async fn health(&self) -> Result<Health> {
        self.send(self.request(Method::GET, "health", None)).await
    }

    pub async fn sign_in(&self, email: &str, password: &str, remember: bool) -> Result<SignedIn> {
        let body = SignIn {
            email: email.to_owned(),
            password: password.to_owned(),
            remember,
        };
        self.send(self.request(Method::POST, "sessions", None).json(&body))
            .await
    }

    pub async fn sign_out(&self, token: &str) -> Result<()> {
        self.send(self.request(Method::DELETE, "sessions/current", Some(token)))
            .await
    }

    pub async fn bootstrap(&self, token: &str) -> Result<Bootstrap> {
        self.send(self.request(Method::GET, "bootstrap", Some(token)))
            .await
    }

    pub async fn set_status(&self, token: &str, status: StatusKey) -> Result<Presence> {
        self.put(token, "me/status", &SetStatus { status }).await
    }

    /// Done with after-call work: back to the status before the call.
    pub async fn wrap_up_done(&self, token: &str) -> Result<Presence> {
        self.send(self.request(Method::POST, "me/wrap-up", Some(token)))
            .await
    }

    pub async fn search_contacts(&self, token: &str, text: &str) -> Result<Vec<Contact>> {
        self.send(
            self.request(Method::GET, "contacts", Some(token))
                .query(&[("q", text)]),
        )
        .await
    }

    pub async fn lookup_contacts(&self, token: &str, phone: &str) -> Result<Vec<Contact>> {
        self.send(
            self.request(Method::GET, "contacts/lookup", Some(token))
                .query(&[("phone", phone)]),
        )
        .await
    }

    /// Adds a contact to the account (an unknown caller).
    pub async fn create_contact(&self, token: &str, contact: &NewContact) -> Result<Contact> {
        self.send(
            self.request(Method::POST, "contacts", Some(token))
                .json(contact),
        )
        .await
    }

    pub async fn contact(&self, token: &str, contact: Id) -> Result<Contact> {
        let path = format!("contacts/{contact}");
        self.send(self.request(Method::GET, &path, Some(token)))
            .await
    }

    /// Replaces a contact's name, company, numbers and addresses.
    pub async fn update_contact(
        &self,
        token: &str,
        contact: Id,
        edit: &NewContact,
    ) -> Result<Contact> {
        let path = format!("contacts/{contact}");
        self.send(self.request(Method::PUT, &path, Some(token)).json(edit))
            .await
    }

    /// Calls another agent; `offer` is this engine's SDP.
    pub async fn start_call(
        &self,
        token: &str,
        target: &Target,
        offer: String,
    ) -> Result<MediaAnswer> {
        let body = match target {
            Target::Agent(agent) => StartCall {
                to_agent: Some(*agent),
                to_number: None,
                caller_id: None,
                offer,
            },
            Target::Number { e164, caller_id } => StartCall {
                to_agent: None,
                to_number: Some(e164.clone()),
                caller_id: *caller_id,
                offer,
            },
        };
        self.send(self.request(Method::POST, "calls", Some(token)).json(&body))
            .await
    }

    /// The STUN and TURN servers to gather from before offering (fresh TURN credentials).
    pub async fn ice_servers(&self, token: &str) -> Result<IceServers> {
        self.send(self.request(Method::GET, "media/ice-servers", Some(token)))
            .await
    }

    pub async fn accept_call(&self, token: &str, call: Id, offer: String) -> Result<MediaAnswer> {
        let path = format!("calls/{call}/accept");
        self.send(
            self.request(Method::POST, &path, Some(token))
                .json(&AcceptCall { offer }),
        )
        .await
    }

    pub async fn decline_call(&self, token: &str, call: Id) -> Result<Call> {
        self.call_action(token, call, "decline").await
    }

    pub async fn hang_up(&self, token: &str, call: Id) -> Result<Call> {
        self.call_action(token, call, "hangup").await
    }

    /// Puts the other party on hold (`true`) or takes the call off hold.
    pub async fn hold(&self, token: &str, call: Id, on: bool) -> Result<Call> {
        self.call_action(token, call, if on { "hold" } else { "resume" })
            .await
    }

    /// Blind transfer: hands the other party to an agent, a ring group or a number.
    pub async fn transfer(&self, token: &str, call: Id, to: &TransferCall) -> Result<Call> {
        let path = format!("calls/{call}/transfer");
        self.send(self.request(Method::POST, &path, Some(token)).json(to))
            .await
    }

    /// Puts the other party on hold and calls an agent or a number about the call (consult
    /// transfer); answers the consulting call.
    pub async fn consult(&self, token: &str, call: Id, to: &TransferCall) -> Result<Call> {
        let path = format!("calls/{call}/consult");
        self.send(self.request(Method::POST, &path, Some(token)).json(to))
            .await
    }

    /// Keeps the agent's notes and disposition for a call; answers what the hub keeps.
    pub async fn save_notes(&self, token: &str, call: Id, notes: &SaveNotes) -> Result<CallNotes> {
        let path = format!("calls/{call}/notes");
        self.send(self.request(Method::PUT, &path, Some(token)).json(notes))
            .await
    }

    /// The agent's recent calls, newest first.
    pub async fn my_calls(&self, token: &str, limit: u32) -> Result<Vec<CallRecord>> {
        self.send(
            self.request(Method::GET, "me/calls", Some(token))
                .query(&[("limit", limit)]),
        )
        .await
    }

    /// A contact's past calls, newest first.
    pub async fn contact_calls(&self, token: &str, contact: Id) -> Result<Vec<CallRecord>> {
        let path = format!("contacts/{contact}/calls");
        self.send(self.request(Method::GET, &path, Some(token)))
            .await
    }

    /// How the live caller's voice compares with `contact`'s voiceprint.
    pub async fn voice_check(&self, token: &str, call: Id, contact: Id) -> Result<VoiceCheck> {
        let path = format!("calls/{call}/voice");
        self.send(
            self.request(Method::GET, &path, Some(token))
                .query(&[("contact", contact)]),
        )
        .await
    }

    /// Keeps the caller's voiceprint for `contact` (they consented).
    pub async fn enrol_voice(&self, token: &str, call: Id, contact: Id) -> Result<VoiceCheck> {
        let path = format!("calls/{call}/voiceprint");
        self.send(
            self.request(Method::POST, &path, Some(token))
                .json(&EnrolVoice {
                    contact_id: contact,
                    consent: true,
                }),
        )
        .await
    }

    /// Joins the consultation and the call it is about into a three-way call.
    pub async fn conference(&self, token: &str, call: Id) -> Result<Call> {
        self.call_action(token, call, "consult/conference").await
    }

    /// Completes (`true`) or cancels the consultation about `call`.
    pub async fn end_consult(&self, token: &str, call: Id, complete: bool) -> Result<Call> {
        let action = if complete {
            "consult/complete"
        } else {
            "consult/cancel"
        };
        self.call_action(token, call, action).await
    }

    /// Puts the caller's number on the account's block list (`true`) or takes it off, from
    /// their call (supervisors); answers the call with its card updated.
    pub async fn block_caller(&self, token: &str, call: Id, block: bool) -> Result<Call> {
        let method = if block { Method::POST } else { Method::DELETE };
        let path = format!("calls/{call}/block");
        self.send(self.request(method, &path, Some(token))).await
    }

    /// Pauses (`true`) or resumes a call's recording.
    pub async fn pause_recording(&self, token: &str, call: Id, pause: bool) -> Result<Call> {
        let action = if pause {
            "recording/pause"
        } else {
            "recording/resume"
        };
        self.call_action(token, call, action).await
    }

    /// A call's recording: Opus in Ogg.
    pub async fn recording(&self, token: &str, call: Id) -> Result<Vec<u8>> {
        self.download(token, &format!("calls/{call}/recording"))
            .await
    }

    /// The bytes at `path`: a recording or a file, megabytes, so with a long timeout.
    pub(crate) async fn download(&self, token: &str, path: &str) -> Result<Vec<u8>> {
        let request = self
            .request(Method::GET, path, Some(token))
            .timeout(Duration::from_secs(120));
        let response = self.succeed(request).await?;
        Ok(response
            .bytes()
            .await
            .map_err(|e| self.unreachable(&e))?
            .to_vec())
    }

    async fn call_action(&self, token: &str, call: Id, action: &str) -> Result<Call> {
        let path = format!("calls/{call}/{action}");
        self.send(self.request(Method::POST, &path, Some(token)))
            .await
    }

    /// The hub's host and port, for finding the local address that reaches it.
    pub fn host_port(&self) -> Option<(String, u16)> {
        Some((
            self.base.host_str()?.to_owned(),
            self.base.port_or_known_default()?,
        ))
    }

    async fn put<T: DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T> {
        self.send(self.request(Method::PUT, path, Some(token)).json(body))
            .await
    }
}

fn parse_base(address: &str) -> Result<Url> {
    let address = address.trim();
    if address.is_empty() {
        return Err(Error::BadUrl("an empty text".into()));
    }
    let with_scheme = if address.contains("://") {
        address.to_owned()
    } else {
        format!("https://{address}")
    };
    let url = Url::parse(&with_scheme).map_err(|_| Error::BadUrl(format!("{address:?}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::BadUrl(format!("{address:?}")));
    }
    Ok(url)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_the_way_people_type_them() {
        assert_eq!(
            Hub::new("hub.example.test").unwrap().address(),
            "https://hub.example.test"
        );
        assert_eq!(
            Hub::new("http://127.0.0.1:7300/").unwrap().address(),
            "http://127.0.0.1:7300"
        );
        let hub = Hub::new("https://example.test/switchboard").unwrap();
        assert_eq!(
            hub.events_url(42).as_str(),
            "wss://example.test/switchboard/api/v1/events?after=42"
        );
        for bad in ["", "   ", "ftp://x", "http://"] {
            assert!(matches!(Hub::new(bad), Err(Error::BadUrl(_))), "{bad:?}");
        }
    }
}
