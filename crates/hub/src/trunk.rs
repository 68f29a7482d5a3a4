//! The SIP trunk (RFC 3261, over UDP and TCP): the carrier's INVITEs come in here and leave
//! as [`Incoming`] calls ([`inbound`] answers them, or refuses); outside numbers are dialled
//! from here ([`dialog`]); carriers that want it are registered with ([`registration`]). The
//! SIP stack is `ezk-sip` (transactions, dialogs, session timers); media never goes through
//! it: the SDP offer goes to the media bridge, which answers with a trunk leg of its own
//! (plain RTP, G.711, transcoded to the agents' Opus).

use std::future::Future;
use std::net::SocketAddr;

use bytesstr::BytesStr;
use ezk_sdp_types::SessionDescription;
use ezk_sip_core::{Endpoint, IncomingRequest, Layer, MayTake};
use ezk_sip_types::header::typed::{Allow, Contact, ContentType};
use ezk_sip_types::uri::{NameAddr, SipUri, SipUriUserPart};
use ezk_sip_types::{Method, StatusCode};
use ezk_sip_ua::RegistrarConfig;
pub use ezk_sip_ua::Registration;
use ezk_sip_ua::dialog::Dialog;
use ezk_sip_ua::dialog::DialogLayer;
use ezk_sip_ua::invite::InviteLayer;
use ezk_sip_ua::invite::acceptor::InviteAcceptor;

mod dial;
pub mod dialog;
pub mod inbound;
pub mod registration;
use dial::authenticator;
pub use dial::{Connected, DialFailure, Dialing};
use tokio::sync::mpsc;

use crate::media::Control;
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
        let target = carrier_uri(&carrier.proxy, Some(number), carrier.transport)
            .map_err(|e| DialFailure::Local(e.to_string()))?;
        let from_user = caller_id.unwrap_or("anonymous");
        let from = carrier_uri(&carrier.proxy, Some(from_user), carrier.transport)
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
        // The registrar's own URI has no user part.
        let registrar = carrier_uri(&carrier.proxy, None, carrier.transport)?;
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

/// `sip:user@proxy` (or `sip:proxy`), with `;transport=tcp` for TCP; `proxy` is
/// `host[:port]`.
pub fn carrier_uri(proxy: &str, user: Option<&str>, transport: Transport) -> Result<SipUri> {
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
    let user = match user {
        Some(user) if user.is_empty() || !user.chars().all(user_ok) => {
            return Err(Error::BadRequest(format!(
                "{user:?} cannot go in a SIP address"
            )));
        }
        Some(user) => format!("{user}@"),
        None => String::new(),
    };
    let params = match transport {
        Transport::Udp => "",
        Transport::Tcp => ";transport=tcp",
    };
    format!("sip:{user}{proxy}{params}")
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
                // The caller's STIR/SHAKEN PASSporT, if the carrier signed the call.
                let identity = invite
                    .headers
                    .get_raw(&IDENTITY)
                    .next()
                    .map(|value| value.to_string());
                // The reason phrase stays the standard one but for 488, which says what
                // to send instead; the log says why.
                let refuse = async |mut invite: IncomingRequest, code, why: &'static str| {
                    tracing::info!(why, "an INVITE was refused");
                    let reason = (code == StatusCode::NOT_ACCEPTABLE_HERE)
                        .then(|| BytesStr::from_static(why));
                    let response = endpoint.create_response(&invite, code, reason);
                    let tsx = endpoint.create_server_inv_tsx(&mut invite);
                    let _ = tsx.respond_failure(response).await;
                };
                let is_sdp = invite
                    .headers
                    .get_named::<ContentType>()
                    .is_ok_and(|t| t.0.eq_ignore_ascii_case("application/sdp"));
                if !is_sdp || invite.body.is_empty() {
                    // Offerless INVITEs (our answer would carry the offer) are not taken.
                    return refuse(
                        invite,
                        StatusCode::NOT_ACCEPTABLE_HERE,
                        "an SDP offer is required",
                    )
                    .await;
                }
                let offer = match std::str::from_utf8(&invite.body) {
                    Ok(body) if SessionDescription::parse(&BytesStr::from(body)).is_ok() => {
                        body.to_owned()
                    }
                    _ => {
                        return refuse(
                            invite,
                            StatusCode::BAD_REQUEST,
                            "the SDP offer is malformed",
                        )
                        .await;
                    }
                };
                let dialog =
                    match Dialog::new_server(endpoint.clone(), &invite, self.contact.clone()) {
                        Ok(dialog) => dialog,
                        Err(_) => {
                            return refuse(invite, StatusCode::BAD_REQUEST, "malformed INVITE")
                                .await;
                        }
                    };
                let mut acceptor = InviteAcceptor::new(dialog, invite);
                if let Ok(trying) = acceptor.create_response(StatusCode::TRYING, None).await
                    && let Err(error) = acceptor.respond_provisional(trying).await
                {
                    tracing::debug!(?error, "100 Trying not sent");
                }
                let call = Pending {
                    acceptor,
                    offer,
                    media: self.media.clone(),
                };
                tracing::info!(%from, %to, "incoming call on the trunk");
                let incoming = Incoming {
                    to,
                    to_header,
                    from,
                    identity,
                    call,
                };
                if let Err(refused) = self.calls.send(incoming) {
                    let _ = refused.0.reject(480).await;
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

/// RFC 8224's header (its compact form is `y`).
const IDENTITY: ezk_sip_types::Name = ezk_sip_types::Name::custom("Identity", &["identity", "y"]);

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
    /// The `Identity` header (RFC 8224), as sent.
    pub identity: Option<String>,
    call: Pending,
}

/// The INVITE's server side (built on `ezk-sip-ua`'s acceptor rather than its
/// `InboundCall`, whose call sends a second BYE after the caller's own and cannot answer
/// the session refreshes carriers send).
struct Pending {
    acceptor: InviteAcceptor,
    offer: String,
    media: Control,
}

impl Incoming {
    /// 180 Ringing: the caller hears ringback from their carrier.
    pub async fn ring(&mut self) -> Result<()> {
        let acceptor = &mut self.call.acceptor;
        let ringing = acceptor
            .create_response(StatusCode::RINGING, None)
            .await
            .map_err(|e| Error::Internal(format!("SIP: {e:?}")))?;
        acceptor
            .respond_provisional(ringing)
            .await
            .map_err(|e| Error::Internal(format!("SIP: {e:?}")))
    }

    /// Refuses the call (404 for a number nobody has, 486 busy, 480 nobody available…).
    pub async fn reject(self, code: u16) -> Result<()> {
        let acceptor = self.call.acceptor;
        let response = acceptor
            .create_response(StatusCode::from(code), None)
            .await
            .map_err(|e| Error::Internal(format!("SIP: {e:?}")))?;
        acceptor
            .respond_failure(response)
            .await
            .map_err(|e| Error::Internal(format!("SIP: {e:?}")))
    }

    /// Resolves when the caller gives up before the call is answered (CANCEL).
    pub fn cancelled(&mut self) -> impl Future<Output = ()> + '_ {
        self.call.acceptor.cancelled()
    }

    /// 200 OK with the media bridge's answer (a trunk leg of its own); the call is up once
    /// the carrier's ACK arrives. An offer the bridge cannot take is refused with 488.
    pub async fn answer(self) -> Result<Answered> {
        let Pending {
            acceptor,
            offer,
            media,
        } = self.call;
        let (leg, answer) = match media.add_trunk_leg(offer).await {
            Ok(added) => added,
            Err(error) => {
                if let Ok(refusal) = acceptor
                    .create_response(StatusCode::NOT_ACCEPTABLE_HERE, None)
                    .await
                {
                    let _ = acceptor.respond_failure(refusal).await;
                }
                return Err(error);
            }
        };
        let mut ok = match acceptor.create_response(StatusCode::OK, None).await {
            Ok(ok) => ok,
            Err(error) => {
                let _ = media.remove(leg);
                return Err(Error::Internal(format!("SIP: {error:?}")));
            }
        };
        ok.msg
            .headers
            .insert_named(&ContentType(BytesStr::from_static("application/sdp")));
        ok.msg.body = answer.clone().into();
        match acceptor.respond_success(ok).await {
            Ok((session, _ack)) => Ok(Connected::new(session, answer, leg)),
            Err(error) => {
                let _ = media.remove(leg);
                Err(Error::Internal(format!("SIP: {error:?}")))
            }
        }
    }
}

/// An answered call from the trunk (the same dialog driver as calls the hub places).
pub type Answered = Connected;
