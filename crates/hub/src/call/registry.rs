//! Every call the hub carries. Asking a call something goes to its task and waits for the
//! answer; telling it something (the router, the phone network, the media bridge) does not
//! wait.

use std::sync::Arc;

use futures::future::BoxFuture;
use switchboard_protocol::{Call, Id};
use tokio::sync::{mpsc, oneshot};

use super::Services;
use super::actor::Actor;
use super::index::{Entry, Index};
use super::machine::{AgentId, CallId, DialogId, Effect, Input, Machine, Target};
use super::message::Message;
use crate::biometrics::Listening;
use crate::media::MediaEvent;
use crate::{Error, Result};

/// The calls the hub carries; cheap to clone.
#[derive(Clone)]
pub struct Calls {
    services: Services,
    index: Arc<Index>,
}

/// What a new call's task is handed besides its machine.
#[derive(Default)]
pub struct Attached {
    /// Effects of the machine's start (an outside number to dial).
    pub effects: Vec<Effect>,
    /// Dialogs already up (the caller's, answered): dropping the handle hangs up.
    pub dialogs: Vec<(DialogId, oneshot::Sender<()>)>,
    pub voice: Option<Listening>,
    /// The number's call flow, run while the call is in it.
    pub flow: Option<BoxFuture<'static, ()>>,
}

impl std::fmt::Debug for Calls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calls")
            .field("calls", &self.index.len())
            .finish()
    }
}

impl Calls {
    pub fn new(services: Services) -> Self {
        Self {
            services,
            index: Arc::default(),
        }
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    /// Starts a call's task; answers the call as its parties first see it (once they were
    /// told).
    pub async fn start(&self, machine: Machine, attached: Attached) -> Result<Call> {
        let (inbox, messages) = mpsc::unbounded_channel();
        self.index.insert(
            machine.id(),
            Entry {
                account: machine.account(),
                inbox: inbox.clone(),
                voice: attached.voice,
            },
        );
        let (reply, started) = oneshot::channel();
        let _ = inbox.send(Message::Start {
            effects: attached.effects,
            reply,
        });
        let actor = Actor::new(
            machine,
            self.services.clone(),
            self.index.clone(),
            messages,
            inbox,
            attached.dialogs,
            attached.flow,
        );
        tokio::spawn(actor.run());
        started.await.map_err(|_| gone())
    }

    /// Asks the call `call` (of `account`) to take `input`; answers the call as it now
    /// stands, or why not.
    pub async fn ask(&self, account: Id, call: CallId, input: Input) -> Result<Call> {
        let (reply, answer) = oneshot::channel();
        self.entry(account, call)?
            .inbox
            .send(Message::Ask {
                input,
                answer: call,
                reply,
            })
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Whether the call `call` would take `input` now; nothing changes. (A request whose
    /// preparation costs something — a media leg, a lookup — is checked first, so it is
    /// refused for what the call is before anything else.)
    pub async fn check(&self, account: Id, call: CallId, input: Input) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        self.entry(account, call)?
            .inbox
            .send(Message::Check { input, reply })
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// `agent` consults someone about the call; answers the consultation.
    pub async fn consult(
        &self,
        account: Id,
        call: CallId,
        agent: AgentId,
        to: Target,
    ) -> Result<Call> {
        let (reply, answer) = oneshot::channel();
        self.entry(account, call)?
            .inbox
            .send(Message::Consult {
                call,
                agent,
                to,
                reply,
            })
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Tells the call `call` something, without waiting (a call over by now ignores it).
    pub fn tell(&self, call: CallId, input: Input) {
        if let Some(entry) = self.index.get(call) {
            let _ = entry.inbox.send(Message::Tell(input));
        }
    }

    /// The call as `agent` sees it (any agent of the account when none): one of its parties,
    /// or ringing at their desk. Another account's call is as unknown as one that never was.
    pub async fn seen_by(&self, account: Id, call: CallId, agent: Option<AgentId>) -> Result<Call> {
        let (reply, answer) = oneshot::channel();
        self.entry(account, call)?
            .inbox
            .send(Message::Seen { call, agent, reply })
            .map_err(|_| gone())?;
        answer
            .await
            .map_err(|_| gone())?
            .ok_or(Error::NotFound("call"))
    }

    /// What the caller of a call `agent` sees has said so far (none: not a caller from the
    /// phone network, or an account without Identity).
    pub async fn voice(
        &self,
        account: Id,
        call: CallId,
        agent: AgentId,
    ) -> Result<Option<Listening>> {
        self.seen_by(account, call, Some(agent)).await?;
        Ok(self.entry(account, call)?.voice)
    }

    /// Follows the media bridge: keys pressed go to the call flow listening, and a leg that
    /// drops is told to its call.
    pub async fn follow_media(self, mut events: mpsc::UnboundedReceiver<MediaEvent>) {
        let keys = self.services.keys.clone();
        while let Some(event) = events.recv().await {
            match event {
                MediaEvent::Key { leg, key } => keys.pressed(leg, key),
                MediaEvent::Ended { leg, reason } => {
                    keys.stop(leg);
                    if let Some(call) = self.index.by_leg(leg) {
                        tracing::info!(call, leg, %reason, "a call's media ended");
                        self.tell(call, Input::LegEnded { media: leg });
                    }
                }
                MediaEvent::Connected(_) => {}
            }
        }
    }

    fn entry(&self, account: Id, call: CallId) -> Result<Entry> {
        self.index
            .get(call)
            .filter(|entry| entry.account == account)
            .ok_or(Error::NotFound("call"))
    }
}

/// A call whose task ended while it was asked: it is over.
fn gone() -> Error {
    Error::NotFound("call")
}
