//! Calls the hub places through a carrier: the INVITE (with digest answers to 401 and 407
//! challenges), ringing, the answer and its ACK, CANCEL when the agent gives up, and the
//! dialog until either side hangs up.
//!
//! Built on `ezk-sip-ua`'s INVITE initiator and session rather than its `OutboundCall`:
//! that one answers only 401 challenges (carriers commonly send 407) and its CANCEL carries
//! a branch of its own, which RFC 3261 §9.1 forbids and phones answer with 481.

use std::time::Duration;

use bytes::Bytes;
use bytesstr::BytesStr;
use ezk_sip_auth::{
    ClientAuthenticator, DigestAuthenticator, DigestCredentials, DigestUser, RequestParts,
    ResponseParts,
};
use ezk_sip_core::transaction::TsxResponse;
use ezk_sip_core::transport::{OutgoingParts, OutgoingRequest};
use ezk_sip_core::{Endpoint, Request};
use ezk_sip_types::header::typed::{CSeq, Contact, ContentType};
use ezk_sip_types::uri::NameAddr;
use ezk_sip_types::{Method, Name, StatusCode};
use ezk_sip_ua::invite::create_ack;
use ezk_sip_ua::invite::initiator::{Early, EarlyResponse, InviteInitiator, Response};
use ezk_sip_ua::invite::session::{InviteSession, InviteSessionEvent};

use crate::media::{Control, LegId};
use crate::store::Carrier;

/// Why a call to the phone network did not start (or its dialog failed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialFailure {
    /// The carrier answered with this final status (486 busy, 404 no such number…).
    #[error("the carrier answered {0}")]
    Refused(u16),
    /// The carrier never answered.
    #[error("the carrier did not answer")]
    NoResponse,
    /// The hub could not place it (bad number for SIP, media, transport).
    #[error("{0}")]
    Local(String),
}

impl From<ezk_sip_core::Error> for DialFailure {
    fn from(error: ezk_sip_core::Error) -> Self {
        match error {
            ezk_sip_core::Error::RequestTimedOut => Self::NoResponse,
            other => Self::Local(other.to_string()),
        }
    }
}

/// How often a challenged INVITE is sent again with answers (a wrong password fails here).
const AUTH_ATTEMPTS: usize = 2;

/// Digest answers with the carrier's credentials (none: every challenge fails).
pub(super) fn authenticator(carrier: &Carrier) -> DigestAuthenticator {
    let mut credentials = DigestCredentials::new();
    if let (Some(user), Some(password)) = (&carrier.username, &carrier.password) {
        credentials.set_default(DigestUser::new(user.clone(), password.clone()));
    }
    DigestAuthenticator::new(credentials)
}

/// What the far end answered with, before our ACK.
struct Answer {
    session: InviteSession,
    response: TsxResponse,
}

/// A call placed through the carrier: ringing, or answered and waiting to be connected.
pub struct Dialing {
    endpoint: Endpoint,
    media: Control,
    initiator: InviteInitiator,
    earlies: Vec<Early>,
    answer: Option<Answer>,
    /// Our SDP offer (re-INVITEs of the running call are answered with it).
    offer: String,
    /// The call's trunk leg at the media bridge (it carries audio once answered).
    pub leg: LegId,
}

/// Sends the INVITE and returns once the carrier says more than 100 Trying: the call rings
/// (an early dialog) or was answered at once. Challenges are answered with the carrier's
/// credentials.
#[allow(clippy::too_many_arguments)]
pub(super) async fn invite(
    endpoint: Endpoint,
    media: Control,
    carrier: &Carrier,
    id: NameAddr,
    contact: Contact,
    target: ezk_sip_types::uri::SipUri,
    leg: LegId,
    offer: String,
) -> Result<Dialing, DialFailure> {
    let mut initiator = InviteInitiator::new(endpoint.clone(), id, contact, target);
    let mut auth = authenticator(carrier);
    let mut attempts = 0;
    'send: loop {
        attempts += 1;
        let mut request = initiator.create_invite();
        request
            .headers
            .insert_named(&ContentType(BytesStr::from_static("application/sdp")));
        request.body = Bytes::from(offer.clone());
        auth.authorize_request(&mut request.headers);
        initiator.send_invite(request).await?;
        loop {
            match initiator.receive().await? {
                Response::Provisional(_) | Response::EarlyEvent => {}
                Response::Failure(response) => {
                    let code = response.line.code.into_u16();
                    if !matches!(code, 401 | 407) || attempts >= AUTH_ATTEMPTS {
                        return Err(DialFailure::Refused(code));
                    }
                    let Some(tsx) = initiator.transaction() else {
                        return Err(DialFailure::Refused(code));
                    };
                    let sent = &tsx.request().msg;
                    auth.handle_rejection(
                        RequestParts {
                            line: &sent.line,
                            headers: &sent.headers,
                            body: &sent.body,
                        },
                        ResponseParts {
                            line: &response.line,
                            headers: &response.headers,
                            body: &response.body,
                        },
                    )
                    .map_err(|_| DialFailure::Refused(code))?;
                    continue 'send;
                }
                Response::Early(early, ..) => {
                    return Ok(Dialing {
                        endpoint,
                        media,
                        initiator,
                        earlies: vec![early],
                        answer: None,
                        offer,
                        leg,
                    });
                }
                Response::Session(session, response) => {
                    return Ok(Dialing {
                        endpoint,
                        media,
                        initiator,
                        earlies: Vec::new(),
                        answer: Some(Answer { session, response }),
                        offer,
                        leg,
                    });
                }
                Response::Finished => return Err(DialFailure::NoResponse),
            }
        }
    }
}

impl Dialing {
    /// Waits until the far end answers (cancel-safe: the call can still be cancelled when
    /// this is dropped), then ACKs and hands the answer's SDP to the media bridge.
    pub async fn answer(&mut self) -> Result<Connected, DialFailure> {
        let answer = match self.answer.take() {
            Some(answer) => answer,
            None => self.wait_for_answer().await?,
        };
        let Answer {
            mut session,
            response,
        } = answer;
        let sdp = std::str::from_utf8(&response.body)
            .ok()
            .filter(|body| !body.trim().is_empty())
            .map(str::to_owned);
        let mut ack = create_ack(&session.dialog, response.base_headers.cseq.cseq).await?;
        self.endpoint
            .send_outgoing_request(&mut ack)
            .await
            .map_err(|e| DialFailure::Local(format!("ACK: {e}")))?;
        self.initiator.set_acknowledge(&session, ack);
        let Some(sdp) = sdp else {
            let _ = session.terminate().await;
            return Err(DialFailure::Local("the answer carried no SDP".into()));
        };
        if let Err(error) = self.media.answer_trunk_leg(self.leg, sdp).await {
            let _ = session.terminate().await;
            return Err(DialFailure::Local(error.to_string()));
        }
        Ok(Connected {
            session,
            offer: self.offer.clone(),
            leg: self.leg,
        })
    }

    async fn wait_for_answer(&mut self) -> Result<Answer, DialFailure> {
        loop {
            match self.initiator.receive().await? {
                Response::Provisional(_) => {}
                Response::Failure(response) => {
                    return Err(DialFailure::Refused(response.line.code.into_u16()));
                }
                Response::Early(early, ..) => self.earlies.push(early),
                Response::Session(session, response) => return Ok(Answer { session, response }),
                // A response went to one of the early dialogs: its 200 answers the call.
                Response::EarlyEvent => {
                    for early in &mut self.earlies {
                        let polled = std::future::poll_fn(|cx| {
                            std::task::Poll::Ready(early.poll_receive(cx))
                        })
                        .await;
                        if let std::task::Poll::Ready(Ok(EarlyResponse::Success(
                            session,
                            response,
                        ))) = polled
                        {
                            return Ok(Answer { session, response });
                        }
                    }
                }
                Response::Finished => return Err(DialFailure::NoResponse),
            }
        }
    }

    /// CANCEL: the agent gave up (or the number rang out) before the far end answered.
    /// Sent with the INVITE's own Via branch, as RFC 3261 §9.1 requires; the INVITE then
    /// ends with 487, or, when the answer crossed the CANCEL, the call is hung up.
    pub async fn cancel(mut self) {
        let _ = self.media.remove(self.leg);
        if let Some(mut answer) = self.answer.take() {
            let _ = answer.session.terminate().await;
            return;
        }
        let Some(tsx) = self.initiator.transaction() else {
            return;
        };
        let invite = tsx.request();
        let mut cancel = Request::new(Method::CANCEL, invite.msg.line.uri.clone());
        for name in [Name::VIA, Name::FROM, Name::TO, Name::CALL_ID, Name::ROUTE] {
            if let Some(value) = invite.msg.headers.get_raw(&name).next() {
                cancel.headers.insert(name, value.clone());
            }
        }
        cancel.headers.insert(Name::MAX_FORWARDS, "70");
        if let Ok(cseq) = invite.msg.headers.get_named::<CSeq>() {
            cancel
                .headers
                .insert_named(&CSeq::new(cseq.cseq, Method::CANCEL));
        }
        let mut outgoing = OutgoingRequest {
            msg: cancel,
            parts: OutgoingParts {
                transport: invite.parts.transport.clone(),
                destination: invite.parts.destination,
                buffer: Bytes::new(),
            },
        };
        // Over UDP the CANCEL may be lost: sent again until the INVITE ends.
        let ended = async {
            loop {
                match self.initiator.receive().await {
                    Ok(Response::Session(mut session, ..)) => {
                        let _ = session.terminate().await;
                        return;
                    }
                    Ok(Response::Failure(_) | Response::Finished) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        let resend = async {
            for _ in 0..6 {
                outgoing.parts.buffer = Bytes::new();
                if let Err(error) = self.endpoint.send_outgoing_request(&mut outgoing).await {
                    tracing::debug!(%error, "CANCEL not sent");
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            std::future::pending::<()>().await
        };
        let _ = tokio::time::timeout(Duration::from_secs(32), async {
            tokio::select! {
                () = ended => {}
                () = resend => {}
            }
        })
        .await;
    }
}

/// An answered call with the phone network (placed by the hub or taken from the carrier).
pub struct Connected {
    session: InviteSession,
    /// Our SDP in the call (re-INVITEs of the running call are answered with it).
    offer: String,
    /// The call's trunk leg at the media bridge.
    pub leg: LegId,
}

impl Connected {
    pub(super) fn new(session: InviteSession, sdp: String, leg: LegId) -> Self {
        Self {
            session,
            offer: sdp,
            leg,
        }
    }

    /// Keeps the dialog alive (session refreshes, the far end's re-INVITEs) until the far
    /// end hangs up.
    pub async fn until_hung_up(&mut self) -> Result<(), DialFailure> {
        loop {
            match self.session.run().await? {
                InviteSessionEvent::RefreshNeeded => {
                    if let Err(error) = self.session.refresh().await {
                        return Err(DialFailure::Local(format!("session refresh: {error}")));
                    }
                }
                InviteSessionEvent::ReInviteReceived(reinvite) => {
                    // The leg keeps its address and codec: the answer is our offer again.
                    let mut response = self.session.dialog.create_response(
                        &reinvite.invite,
                        StatusCode::OK,
                        None,
                    )?;
                    response
                        .msg
                        .headers
                        .insert_named(&ContentType(BytesStr::from_static("application/sdp")));
                    response.msg.body = Bytes::from(self.offer.clone());
                    self.session
                        .handle_reinvite_success(reinvite, response)
                        .await?;
                }
                InviteSessionEvent::Bye(bye) => {
                    self.session.handle_bye(bye).await?;
                    return Ok(());
                }
                InviteSessionEvent::Terminated => return Ok(()),
                InviteSessionEvent::Notify(_) => {}
            }
        }
    }

    /// Sends BYE: the hub ends the call (the agent hung up).
    pub async fn hang_up(mut self) -> Result<(), DialFailure> {
        self.session.terminate().await?;
        Ok(())
    }
}
