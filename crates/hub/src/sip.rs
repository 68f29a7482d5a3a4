//! The SIP trunk's signalling (RFC 3261, over UDP and TCP): the carrier's INVITEs come in
//! here and leave as [`Incoming`] calls for the call engine to ring, answer or refuse. The
//! SIP stack is `ezk-sip` (transactions, dialogs, session timers); media never goes through
//! it: the SDP offer goes to the media bridge, which answers with a trunk leg of its own
//! (plain RTP, G.711, transcoded to the agents' Opus).

use std::future::Future;
use std::net::SocketAddr;

use bytesstr::BytesStr;
use ezk_sdp_types::SessionDescription;
use ezk_sip_core::{Endpoint, IncomingRequest, Layer, MayTake};
use ezk_sip_types::header::typed::{Allow, Contact};
use ezk_sip_types::uri::{NameAddr, SipUri, SipUriUserPart};
use ezk_sip_types::{Method, StatusCode};
pub use ezk_sip_ua::Registration;
use ezk_sip_ua::dialog::DialogLayer;
use ezk_sip_ua::invite::InviteLayer;
use ezk_sip_ua::{Call, CallEvent, InboundCall, MediaBackend, RegistrarConfig};

mod dial;
use dial::authenticator;
pub use dial::{Connected, DialFailure, Dialing};
use tokio::sync::mpsc;

use crate::media::{Control, LegId};
use crate::store::{Carrier, Transport};
use crate::{Error, Result};

/// The running SIP endpoint; dropping every handle stops listening.
#[derive(Clone)]
pub struct Trunk {
    endpoint: Endpoint,
    pub addr: SocketAddr,
    media: Control,
}

impl std::fmt::Debug for Trunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trunk").field("addr", &self.addr).finish()
    }
}

impl Trunk {
    /// Listens on `addr` (UDP and TCP, the same port) and hands each INVITE to the returned
    /// receiver.
    pub async fn start(
        addr: SocketAddr,
        media: Control,
    ) -> Result<(Self, mpsc::UnboundedReceiver<Incoming>)> {
        if addr.port() == 0 {
            return Err(Error::Internal(
                "the SIP trunk needs a fixed port: carriers are told where to send".into(),
            ));
        }
        let (calls, incoming) = mpsc::unbounded_channel();
        let contact = Contact::new(NameAddr::uri(
            format!("sip:{addr}")
                .parse::<SipUri>()
                .map_err(|e| Error::Internal(format!("SIP contact: {e:?}")))?,
        ));
        let mut builder = Endpoint::builder();
        builder.user_agent("Switchboard");
        builder.add_layer(DialogLayer::default());
        builder.add_layer(InviteLayer::default());
        builder.add_layer(Inbound {
            calls,
            media: media.clone(),
            contact,
        });
        let bound = |e: std::io::Error| Error::Internal(format!("SIP {addr}: {e}"));
        builder.bind_udp(addr).await.map_err(bound)?;
        builder.listen_tcp(addr).await.map_err(bound)?;
        let endpoint = builder.build();
        tracing::info!(%addr, "SIP trunk listening");
        Ok((
            Self {
                endpoint,
                addr,
                media,
            },
            incoming,
        ))
    }

    /// Calls `number` (E.164) through the account's carrier, presenting `caller_id` (E.164;
    /// none: anonymous). Returns once the carrier answers anything but 100 Trying: the call
    /// rings (or was answered at once), or it failed with the carrier's reason.
    pub async fn dial(
        &self,
        carrier: &Carrier,
        number: &str,
        caller_id: Option<&str>,
    ) -> std::result::Result<Dialing, DialFailure> {
        let target = carrier_uri(&carrier.proxy, number, carrier.transport)
            .map_err(|e| DialFailure::Local(e.to_string()))?;
        let from_user = caller_id.unwrap_or("anonymous");
        let from = carrier_uri(&carrier.proxy, from_user, carrier.transport)
            .map_err(|e| DialFailure::Local(e.to_string()))?;
        let id = NameAddr::uri(from);
        let contact_user = carrier.username.as_deref().unwrap_or(from_user);
        let contact = Contact::new(NameAddr::uri(
            format!("sip:{contact_user}@{}", self.addr)
                .parse::<SipUri>()
                .map_err(|e| DialFailure::Local(format!("SIP contact: {e:?}")))?,
        ));
        let (leg, offer) = self
            .media
            .offer_trunk_leg()
            .await
            .map_err(|e| DialFailure::Local(e.to_string()))?;
        dial::invite(
            self.endpoint.clone(),
            self.media.clone(),
            carrier,
            id,
            contact,
            target,
            leg,
            offer,
        )
        .await
        .inspect_err(|_| {
            let _ = self.media.remove(leg);
        })
    }

    /// Keeps a registration with the carrier up while the returned value lives.
    pub async fn register(&self, carrier: &Carrier) -> Result<Registration> {
        let user = carrier
            .username
            .clone()
            .ok_or_else(|| Error::BadRequest("registering needs a user name".into()))?;
        // Checked as a carrier address; the registrar's own URI has no user part.
        carrier_uri(&carrier.proxy, &user, carrier.transport)?;
        let params = match carrier.transport {
            Transport::Udp => "",
            Transport::Tcp => ";transport=tcp",
        };
        let registrar = format!("sip:{}{params}", carrier.proxy)
            .parse::<SipUri>()
            .map_err(|e| Error::BadRequest(format!("registrar {}: {e:?}", carrier.proxy)))?;
        let mut config = RegistrarConfig::new(user.clone(), registrar);
        config.override_contact = Some(Contact::new(NameAddr::uri(
            format!("sip:{user}@{}", self.addr)
                .parse::<SipUri>()
                .map_err(|e| Error::Internal(format!("SIP contact: {e:?}")))?,
        )));
        Registration::register(self.endpoint.clone(), config, authenticator(carrier))
            .await
            .map_err(|e| Error::Internal(format!("registration with {}: {e}", carrier.proxy)))
    }
}

/// `sip:user@proxy`, with `;transport=tcp` for TCP; `proxy` is `host[:port]`.
pub fn carrier_uri(proxy: &str, user: &str, transport: Transport) -> Result<SipUri> {
    let bad = || {
        Error::BadRequest(format!(
            "{proxy:?} is not a SIP proxy address (host[:port])"
        ))
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    if proxy.is_empty() || !proxy.chars().all(plain) {
        return Err(bad());
    }
    let user_ok =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '_' | '*' | '#');
    if user.is_empty() || !user.chars().all(user_ok) {
        return Err(Error::BadRequest(format!(
            "{user:?} cannot go in a SIP address"
        )));
    }
    let params = match transport {
        Transport::Udp => "",
        Transport::Tcp => ";transport=tcp",
    };
    format!("sip:{user}@{proxy}{params}")
        .parse::<SipUri>()
        .map_err(|_| bad())
}

/// Takes INVITEs (and answers OPTIONS keep-alives) outside any dialog.
struct Inbound {
    calls: mpsc::UnboundedSender<Incoming>,
    media: Control,
    contact: Contact,
}

#[async_trait::async_trait]
impl Layer for Inbound {
    fn name(&self) -> &'static str {
        "switchboard-inbound"
    }

    async fn receive(&self, endpoint: &Endpoint, request: MayTake<'_, IncomingRequest>) {
        match request.line.method {
            Method::OPTIONS => {
                let mut options = request.take();
                let response = endpoint.create_response(&options, StatusCode::OK, None);
                let tsx = endpoint.create_server_tsx(&mut options);
                if let Err(error) = tsx.respond(response).await {
                    tracing::debug!(?error, "OPTIONS not answered");
                }
            }
            Method::INVITE => {
                let invite = request.take();
                let to = user_of(&invite.line.uri);
                let to_header = user_of(&invite.base_headers.to.uri.uri);
                let from = user_of(&invite.base_headers.from.uri.uri);
                let call = match InboundCall::from_invite(
                    endpoint.clone(),
                    invite,
                    self.contact.clone(),
                ) {
                    Ok(call) => call,
                    Err(refused) => {
                        let (mut invite, error) = *refused;
                        tracing::info!(?error, "a malformed INVITE was refused");
                        let response =
                            endpoint.create_response(&invite, StatusCode::BAD_REQUEST, None);
                        let tsx = endpoint.create_server_inv_tsx(&mut invite);
                        let _ = tsx.respond_failure(response).await;
                        return;
                    }
                };
                let mut call = call.with_media(BridgeMedia {
                    media: self.media.clone(),
                    leg: None,
                });
                if let Err(error) = call.respond_provisional(StatusCode::TRYING).await {
                    tracing::debug!(?error, "100 Trying not sent");
                }
                if !call.has_sdp_offer() {
                    // Offerless INVITEs (the answer would carry our offer) are not taken.
                    let _ = call
                        .decline(
                            StatusCode::NOT_ACCEPTABLE_HERE,
                            Some(BytesStr::from_static("an SDP offer is required")),
                        )
                        .await;
                    return;
                }
                tracing::info!(%from, %to, "incoming call on the trunk");
                let incoming = Incoming {
                    to,
                    to_header,
                    from,
                    call,
                };
                if let Err(refused) = self.calls.send(incoming) {
                    let _ = refused
                        .0
                        .call
                        .decline(StatusCode::TEMPORARILY_UNAVAILABLE, None)
                        .await;
                }
            }
            // Requests of a dialog the trunk does not know (BYE, CANCEL, ACK…) are the
            // endpoint's to answer (481); anything else is a method a trunk does not take.
            Method::ACK
            | Method::BYE
            | Method::CANCEL
            | Method::PRACK
            | Method::UPDATE
            | Method::INFO => {}
            _ => {
                let mut refused = request.take();
                let mut response =
                    endpoint.create_response(&refused, StatusCode::METHOD_NOT_ALLOWED, None);
                let allowed = [
                    Method::INVITE,
                    Method::ACK,
                    Method::BYE,
                    Method::CANCEL,
                    Method::OPTIONS,
                ]
                .map(Allow)
                .to_vec();
                response.msg.headers.insert_named(&allowed);
                let tsx = endpoint.create_server_tsx(&mut refused);
                if let Err(error) = tsx.respond(response).await {
                    tracing::debug!(?error, "405 not sent");
                }
            }
        }
    }
}

/// The user part of a SIP URI: the number, for a trunk.
fn user_of(uri: &SipUri) -> String {
    match &uri.user_part {
        SipUriUserPart::User(user) => user.to_string(),
        SipUriUserPart::UserPw(user) => user.user.to_string(),
        SipUriUserPart::Empty => String::new(),
    }
}

/// An INVITE from the carrier, waiting for the call engine's decision.
pub struct Incoming {
    /// The number dialled (the Request-URI's user part).
    pub to: String,
    /// The To header's user part: the number dialled when the carrier sends calls to the
    /// hub's registration (the Request-URI then names the registered user).
    pub to_header: String,
    /// The caller (the From URI's user part): a number, or a name for private callers.
    pub from: String,
    call: InboundCall<BridgeMedia>,
}

impl Incoming {
    /// 180 Ringing: the caller hears ringback from their carrier.
    pub async fn ring(&mut self) -> Result<()> {
        self.call
            .respond_provisional(StatusCode::RINGING)
            .await
            .map_err(|e| Error::Internal(format!("SIP: {e:?}")))
    }

    /// Refuses the call (404 for a number nobody has, 486 busy, 480 nobody available…).
    pub async fn reject(self, code: u16) -> Result<()> {
        self.call
            .decline(StatusCode::from(code), None)
            .await
            .map_err(|e| Error::Internal(format!("SIP: {e:?}")))
    }

    /// Resolves when the caller gives up before the call is answered (CANCEL).
    pub fn cancelled(&mut self) -> impl Future<Output = ()> + '_ {
        self.call.cancelled()
    }

    /// 200 OK with the bridge's answer: the call's media is the returned leg.
    pub async fn answer(self) -> Result<Answered> {
        let mut call = self
            .call
            .accept()
            .await
            .map_err(|e| Error::Internal(format!("SIP: {e:?}")))?;
        let leg = call
            .media()
            .leg
            .ok_or_else(|| Error::Internal("the call was answered without media".into()))?;
        Ok(Answered { call, leg })
    }
}

/// An answered call from the trunk.
pub struct Answered {
    call: Call<BridgeMedia>,
    /// The call's trunk leg at the media bridge.
    pub leg: LegId,
}

impl Answered {
    /// Keeps the dialog alive (session refreshes, re-INVITEs) until the caller hangs up.
    pub async fn until_hung_up(&mut self) -> Result<()> {
        loop {
            match self.call.run().await {
                Ok(CallEvent::Internal(event)) => self
                    .call
                    .handle_internal_event(event)
                    .await
                    .map_err(|e| Error::Internal(format!("SIP: {e:?}")))?,
                Ok(CallEvent::Terminated) => return Ok(()),
                Ok(CallEvent::Media(never)) => match never {},
                Err(error) => return Err(Error::Internal(format!("SIP: {error:?}"))),
            }
        }
    }

    /// Sends BYE: the agent hung up.
    pub async fn hang_up(self) -> Result<()> {
        self.call
            .terminate()
            .await
            .map_err(|e| Error::Internal(format!("SIP: {e:?}")))
    }
}

/// Hands the carrier's SDP to the media bridge; the bridge's trunk leg answers it.
pub struct BridgeMedia {
    media: Control,
    leg: Option<LegId>,
}

impl MediaBackend for BridgeMedia {
    type Error = Error;
    type Event = std::convert::Infallible;

    fn has_media(&self) -> bool {
        self.leg.is_some()
    }

    async fn create_sdp_offer(&mut self) -> Result<SessionDescription> {
        Err(Error::BadRequest(
            "the trunk answers offers; it does not make them".into(),
        ))
    }

    async fn receive_sdp_answer(&mut self, _sdp: SessionDescription) -> Result<()> {
        Err(Error::BadRequest("no offer was made".into()))
    }

    async fn receive_sdp_offer(&mut self, sdp: SessionDescription) -> Result<SessionDescription> {
        if self.leg.is_some() {
            // A re-INVITE: the leg already runs and keeps its address and codec.
            return Err(Error::BadRequest(
                "changing a running trunk call's media is not supported".into(),
            ));
        }
        let (leg, answer) = self.media.add_trunk_leg(sdp.to_string()).await?;
        self.leg = Some(leg);
        SessionDescription::parse(&BytesStr::from(answer))
            .map_err(|e| Error::Internal(format!("our own SDP answer: {e}")))
    }

    async fn run(&mut self) -> Result<Self::Event> {
        std::future::pending().await
    }
}
