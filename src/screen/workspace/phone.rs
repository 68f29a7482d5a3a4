//! The phone line: at most one call — being placed, ringing in, live or held — with its
//! controls (mute, hold, keypad, blind transfer, hang up). It follows the hub's call events
//! and the engine's own reports (a leg that dies ends the call here too, with a reason).

use iced::{Subscription, Task};
use switchboard_client::{Error, Hub};
use switchboard_protocol::{Call as CallInfo, CallRecord, Contact, Id, Target, TransferCall};
use switchboard_voice::peer::Event as EngineEvent;
use time::OffsetDateTime;

use super::dialpad;

mod bar;
mod caller;
mod snapshot;
mod sync;
mod transfer;

use crate::call::{Audio, Engine, Failure, Reports};
use crate::fl;
use bar::other_party;
use caller::Caller;
use sync::Known;

/// Identifies the ringing of one incoming call on one device.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Ring {
    call: Id,
    ringer: Option<String>,
}

/// Rings until the subscription ends (the call is answered, declined or gone), which drops
/// the ringtone's stream.
fn ring(key: &Ring) -> impl futures::Stream<Item = Message> + use<> {
    let ringer = key.ringer.clone();
    iced::stream::channel(1, async move |_| crate::call::ring(ringer).await)
}

/// Loss (percent, over a second) from which the bar warns of a poor connection.
const POOR_LOSS: u8 = 10;

#[derive(Debug, Clone, Default)]
pub struct Phone {
    call: Option<Call>,
    /// Who calls from the phone network, as Contacts know them (the Snapshot's cards).
    caller: Option<Caller>,
    /// The newest version of each recent call the hub described.
    known: Known,
}

#[derive(Debug, Clone)]
pub enum Call {
    /// Devices opening and the hub being asked; nothing rings yet. News of our new call may
    /// come before the hub's answer says its id: the newest is kept until then.
    Dialing {
        to: String,
        early: Option<CallInfo>,
    },
    /// Our call rings at the other agent (or, handed on by a transfer, at a new one).
    Ringing {
        call: CallInfo,
        engine: Engine,
    },
    /// Someone calls us.
    Incoming {
        call: CallInfo,
        answering: bool,
    },
    Live(Box<Live>),
}

#[derive(Debug, Clone)]
pub struct Live {
    pub call: CallInfo,
    /// The colleague this agent consults about the call (it waits on hold meanwhile).
    pub consult: Option<CallInfo>,
    /// An outside number typed in the transfer panel.
    pub transfer_number: String,
    engine: Engine,
    since: OffsetDateTime,
    pub muted: bool,
    pub panel: Panel,
    /// Keys sent from the keypad during this call.
    pub keys: String,
    pub poor_connection: bool,
}

/// What opens under the call bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Panel {
    #[default]
    None,
    Keypad,
    Transfer,
}

#[derive(Debug, Clone)]
pub enum Message {
    /// Call an agent or a number; `name` is what the bar shows while it connects.
    Dial {
        target: Target,
        name: String,
    },
    Dialed(Result<(CallInfo, Engine), Failure>),
    Accept,
    Answered(Result<(CallInfo, Engine), Failure>),
    Decline,
    HangUp,
    MuteToggled,
    HoldToggled,
    KeypadToggled,
    Key(char),
    TransferToggled,
    /// Hand the call on (blind transfer) to an agent or a ring group.
    TransferTo(TransferCall),
    TransferNumberChanged(String),
    TransferToNumber,
    ConsultNumber,
    /// Call a colleague, or a ring group's first taker, first (consult transfer), then
    /// complete or cancel.
    ConsultWith(TransferCall),
    Consulting(Result<CallInfo, Error>),
    EndConsult {
        complete: bool,
    },
    /// Everyone together: the caller, this agent and the colleague consulted.
    Conference,
    /// Put the caller's number on the account's block list (`true`) or take it off
    /// (supervisors).
    BlockCaller(bool),
    /// Pause (`true`) or resume the call's recording.
    RecordingPaused(bool),
    /// The hub's answer to a hang-up, decline, hold, resume or transfer.
    Done(Result<CallInfo, Error>),
    /// The engine of a call reported something.
    Engine(u64, EngineEvent),
    /// The contacts with a ringing caller's number.
    CallerLooked(Id, Result<Vec<Contact>, Error>),
    /// The past interactions of the caller's contact.
    PastLoaded(Id, Result<Vec<CallRecord>, Error>),
    /// Open a contact in the CRM that knows them.
    OpenLink(String),
    /// Show the caller's contact in Contacts (its own badge).
    ShowContact(Id),
    /// Add the unknown caller to Contacts: open the form, type, save, or leave it.
    NewContact,
    NewContactName(String),
    NewContactCompany(String),
    SaveContact,
    ContactSaved(Id, Result<Contact, Error>),
    CancelContact,
    LinkOpened(Result<(), String>),
    /// The hub's answer when told about media that died on our side.
    LostReported {
        name: String,
        reason: String,
        result: Result<CallInfo, Error>,
    },
}

pub enum Action {
    None,
    Run(Task<Message>),
    /// A hub request failed (the workspace decides: notice, or back to sign-in).
    Failed(Error),
    Notice(String),
    /// Show this contact in Contacts.
    ShowContact(Id),
}

/// What a call needs from the workspace.
pub struct Context<'a> {
    pub hub: &'a Hub,
    pub token: &'a str,
    pub audio: &'a Audio,
    pub me: Id,
    pub now: OffsetDateTime,
    /// Whether the window has the focus (else a call ringing in also notifies).
    pub focused: bool,
    /// The account's country: a number typed without its country code is read in it.
    pub country: &'a str,
}

impl Call {
    pub fn id(&self) -> Option<Id> {
        match self {
            Call::Dialing { .. } => None,
            Call::Ringing { call, .. } | Call::Incoming { call, .. } => Some(call.id),
            Call::Live(live) => Some(live.call.id),
        }
    }

    fn engine(&self) -> Option<&Engine> {
        match self {
            Call::Ringing { engine, .. } => Some(engine),
            Call::Live(live) => Some(&live.engine),
            Call::Dialing { .. } | Call::Incoming { .. } => None,
        }
    }
}

impl Live {
    /// A call just connected on `engine`.
    fn new(call: CallInfo, engine: Engine, since: OffsetDateTime) -> Self {
        Self {
            call,
            engine,
            since,
            muted: false,
            panel: Panel::None,
            keys: String::new(),
            consult: None,
            transfer_number: String::new(),
            poor_connection: false,
        }
    }

    pub fn engine_id(&self) -> u64 {
        self.engine.id()
    }
}

impl Phone {
    pub fn call(&self) -> Option<&Call> {
        self.call.as_ref()
    }

    pub fn is_idle(&self) -> bool {
        self.call.is_none()
    }

    pub fn update(&mut self, message: Message, cx: &Context<'_>) -> Action {
        match message {
            Message::Dial { target, name } => {
                if self.call.is_some() {
                    return Action::None;
                }
                self.call = Some(Call::Dialing {
                    to: name,
                    early: None,
                });
                return Action::Run(Task::perform(
                    crate::call::dial(
                        cx.hub.clone(),
                        cx.token.to_owned(),
                        target,
                        cx.audio.clone(),
                    ),
                    Message::Dialed,
                ));
            }
            Message::Dialed(Ok((info, engine))) => {
                let Some(Call::Dialing { early, .. }) = self.call.take() else {
                    // Hung up while dialing: dropping the engine ends its media; tell the hub.
                    return hub_call(cx, move |hub, token| async move {
                        hub.hang_up(&token, info.id).await
                    });
                };
                self.call = Some(Call::Ringing {
                    call: info.clone(),
                    engine,
                });
                let look_up = info
                    .to
                    .number
                    .clone()
                    .and_then(|number| self.look_up(info.id, number, cx));
                let latest = early
                    .filter(|e| e.id == info.id && e.newer_than(&info))
                    .unwrap_or(info);
                return match (self.updated(latest, cx), look_up) {
                    (action, None) => action,
                    (Action::None, Some(task)) => Action::Run(task),
                    (Action::Run(then), Some(task)) => Action::Run(Task::batch([then, task])),
                    (action, Some(_)) => action,
                };
            }
            Message::Dialed(Err(failure)) | Message::Answered(Err(failure)) => {
                self.call = None;
                return failed(failure);
            }
            Message::Accept => {
                if let Some(Call::Incoming { call, answering }) = &mut self.call {
                    *answering = true;
                    return Action::Run(Task::perform(
                        crate::call::answer(
                            cx.hub.clone(),
                            cx.token.to_owned(),
                            call.id,
                            cx.audio.clone(),
                        ),
                        Message::Answered,
                    ));
                }
            }
            Message::Answered(Ok((info, engine))) => {
                // The call as the newest news has it (the event stream may have moved on).
                let call = match &self.call {
                    Some(Call::Incoming {
                        call,
                        answering: true,
                    }) if call.id == info.id => {
                        if call.newer_than(&info) {
                            call.clone()
                        } else {
                            self.known.fresh(&info);
                            info
                        }
                    }
                    // Over by now (the caller hung up as it was answered): the engine goes.
                    _ => return Action::None,
                };
                self.call = Some(Call::Live(Box::new(Live::new(call, engine, cx.now))));
            }
            Message::Decline => {
                if let Some(Call::Incoming { call, .. }) = self.call.take() {
                    return hub_call(cx, move |hub, token| async move {
                        hub.decline_call(&token, call.id).await
                    });
                }
            }
            Message::HangUp => {
                // Dropping the call drops its engine: media stops at once.
                if let Some(id) = self.call.take().and_then(|call| call.id()) {
                    return hub_call(cx, move |hub, token| async move {
                        hub.hang_up(&token, id).await
                    });
                }
            }
            Message::MuteToggled => {
                if let Some(Call::Live(live)) = &mut self.call {
                    live.muted = !live.muted;
                    live.engine.set_muted(live.muted);
                }
            }
            Message::HoldToggled => {
                if let Some(Call::Live(live)) = &self.call {
                    let id = live.call.id;
                    let on = match live.call.held_by {
                        None => true,
                        Some(holder) if holder == cx.me => false,
                        // Held by the other party: only they can resume.
                        Some(_) => return Action::None,
                    };
                    return hub_call(cx, move |hub, token| async move {
                        hub.hold(&token, id, on).await
                    });
                }
            }
            Message::RecordingPaused(pause) => {
                if let Some(Call::Live(live)) = &self.call {
                    let id = live.call.id;
                    return hub_call(cx, move |hub, token| async move {
                        hub.pause_recording(&token, id, pause).await
                    });
                }
            }
            Message::BlockCaller(block) => {
                if let Some(id) = self.call.as_ref().and_then(Call::id) {
                    return hub_call(cx, move |hub, token| async move {
                        hub.block_caller(&token, id, block).await
                    });
                }
            }
            Message::KeypadToggled => self.toggle(Panel::Keypad),
            Message::TransferToggled => self.toggle(Panel::Transfer),
            Message::Key(key) => {
                if let Some(Call::Live(live)) = &mut self.call {
                    match live.engine.send_dtmf(key) {
                        Ok(()) => live.keys.push(key),
                        Err(reason) => return Action::Notice(reason),
                    }
                }
            }
            Message::TransferTo(to) => return self.hand_on(to, cx),
            Message::ConsultWith(to) => return self.consult(to, cx),
            Message::Consulting(Ok(consult)) => {
                if let Some(Call::Live(live)) = &mut self.call
                    && consult.consult_of == Some(live.call.id)
                    && self.known.fresh(&consult)
                {
                    live.consult = Some(consult);
                }
            }
            Message::Consulting(Err(error)) => return Action::Failed(error),
            Message::Conference => {
                if let Some(Call::Live(live)) = &self.call {
                    let id = live.call.id;
                    return hub_call(cx, move |hub, token| async move {
                        hub.conference(&token, id).await
                    });
                }
            }
            Message::EndConsult { complete } => {
                if let Some(Call::Live(live)) = &self.call {
                    let id = live.call.id;
                    return hub_call(cx, move |hub, token| async move {
                        hub.end_consult(&token, id, complete).await
                    });
                }
            }
            Message::TransferNumberChanged(number) => {
                if let Some(Call::Live(live)) = &mut self.call {
                    live.transfer_number = number;
                }
            }
            Message::TransferToNumber => {
                return match self.typed_number(cx) {
                    Ok(number) => self.hand_on(TransferCall::number(number), cx),
                    Err(action) => action,
                };
            }
            Message::ConsultNumber => {
                return match self.typed_number(cx) {
                    Ok(number) => self.consult(TransferCall::number(number), cx),
                    Err(action) => action,
                };
            }
            Message::Done(Ok(info)) => return self.updated(info, cx),
            Message::Done(Err(error)) => {
                // The call may already be over at the hub (the other side hung up first).
                if error.code() != Some(switchboard_protocol::ErrorCode::NotFound) {
                    return Action::Failed(error);
                }
            }
            Message::Engine(engine, event) => return self.engine_event(engine, event, cx),
            message @ (Message::CallerLooked(..)
            | Message::PastLoaded(..)
            | Message::NewContact
            | Message::NewContactName(_)
            | Message::NewContactCompany(_)
            | Message::CancelContact
            | Message::SaveContact
            | Message::ContactSaved(..)) => return self.update_caller(message, cx),
            Message::ShowContact(contact) => return Action::ShowContact(contact),
            Message::OpenLink(url) => {
                // The desktop's handler opens it (a browser, or the CRM's own app).
                return Action::Run(Task::perform(
                    async move { open::that_detached(&url).map_err(|e| e.to_string()) },
                    Message::LinkOpened,
                ));
            }
            Message::LinkOpened(Ok(())) => {}
            Message::LinkOpened(Err(reason)) => {
                return Action::Notice(fl!("call-link-failed", reason = reason));
            }
            Message::LostReported {
                name,
                reason,
                result,
            } => {
                let over_already = matches!(
                    &result,
                    Err(error) if error.code() == Some(switchboard_protocol::ErrorCode::NotFound)
                );
                // Ended normally at the hub (its event says how); else the media died here.
                if !over_already {
                    return Action::Notice(fl!("call-lost", name = name, reason = reason));
                }
            }
        }
        Action::None
    }

    /// Blind transfer of the live call; the panel closes.
    fn hand_on(&mut self, to: TransferCall, cx: &Context<'_>) -> Action {
        let Some(Call::Live(live)) = &mut self.call else {
            return Action::None;
        };
        live.panel = Panel::None;
        let id = live.call.id;
        hub_call(cx, move |hub, token| async move {
            hub.transfer(&token, id, &to).await
        })
    }

    /// Consults someone about the live call; the panel closes.
    fn consult(&mut self, to: TransferCall, cx: &Context<'_>) -> Action {
        let Some(Call::Live(live)) = &mut self.call else {
            return Action::None;
        };
        live.panel = Panel::None;
        let id = live.call.id;
        let (hub, token) = (cx.hub.clone(), cx.token.to_owned());
        Action::Run(Task::perform(
            async move { hub.consult(&token, id, &to).await },
            Message::Consulting,
        ))
    }

    /// The number typed in the transfer panel, in E.164, or why there is none to dial.
    fn typed_number(&self, cx: &Context<'_>) -> Result<String, Action> {
        let Some(Call::Live(live)) = &self.call else {
            return Err(Action::None);
        };
        match dialpad::read(&live.transfer_number, cx.country) {
            dialpad::Reading::Valid { e164, .. } => Ok(e164),
            dialpad::Reading::Empty => Err(Action::None),
            dialpad::Reading::Invalid => Err(Action::Notice(fl!(
                "call-transfer-number-not-dialable",
                number = live.transfer_number.trim().to_owned()
            ))),
        }
    }

    fn toggle(&mut self, panel: Panel) {
        if let Some(Call::Live(live)) = &mut self.call {
            live.panel = if live.panel == panel {
                Panel::None
            } else {
                panel
            };
        }
    }

    fn engine_event(&mut self, engine: u64, event: EngineEvent, cx: &Context<'_>) -> Action {
        let current = self.call.as_ref().and_then(Call::engine).map(Engine::id);
        if current != Some(engine) {
            return Action::None;
        }
        match event {
            EngineEvent::Ended { reason } => {
                let Some(call) = self.call.take() else {
                    return Action::None;
                };
                let (id, name) = match &call {
                    Call::Ringing { call, .. } => (call.id, other_party(call, cx.me)),
                    Call::Live(live) => (live.call.id, other_party(&live.call, cx.me)),
                    Call::Dialing { .. } | Call::Incoming { .. } => return Action::None,
                };
                // Tell the hub, which may not know yet; its answer says whether the call
                // had already ended normally.
                let (hub, token) = (cx.hub.clone(), cx.token.to_owned());
                return Action::Run(Task::perform(
                    async move { hub.hang_up(&token, id).await },
                    move |result| Message::LostReported {
                        name: name.clone(),
                        reason: reason.clone(),
                        result,
                    },
                ));
            }
            EngineEvent::Loss(percent) => {
                if let Some(Call::Live(live)) = &mut self.call {
                    live.poor_connection = percent >= POOR_LOSS;
                }
            }
            EngineEvent::Connected | EngineEvent::Dtmf(_) => {}
        }
        Action::None
    }

    /// Ends the call at once (signing out): media drops now, the hub is told.
    pub fn end(&mut self, cx: &Context<'_>) -> Option<Task<Message>> {
        let id = self.call.take()?.id()?;
        let (hub, token) = (cx.hub.clone(), cx.token.to_owned());
        Some(Task::perform(
            async move { hub.hang_up(&token, id).await },
            Message::Done,
        ))
    }

    /// Follows the engine of the call, if it has one; rings while a call rings in.
    pub fn subscription(&self, audio: &Audio) -> Subscription<Message> {
        match &self.call {
            Some(Call::Incoming {
                call,
                answering: false,
            }) if !audio.headless() => Subscription::run_with(
                Ring {
                    call: call.id,
                    ringer: audio.devices.ringer.clone(),
                },
                ring,
            ),
            call => match call.as_ref().and_then(Call::engine) {
                Some(engine) => Subscription::run_with(engine.reports(), follow),
                None => Subscription::none(),
            },
        }
    }

    /// The call as the hub last described it, once it has an id.
    pub fn info(&self) -> Option<&CallInfo> {
        match self.call.as_ref()? {
            Call::Dialing { .. } => None,
            Call::Ringing { call, .. } | Call::Incoming { call, .. } => Some(call),
            Call::Live(live) => Some(&live.call),
        }
    }
}

fn failed(failure: Failure) -> Action {
    match failure {
        Failure::Hub(error) => Action::Failed(error),
        Failure::Audio(reason) => Action::Notice(fl!("call-no-audio", reason = reason)),
        Failure::Media(reason) => Action::Notice(fl!("call-failed", reason = reason)),
        Failure::NoRelay(reason) => Action::Notice(fl!("call-no-relay", reason = reason)),
    }
}

/// Runs a hub request about the call; its answer comes back as [`Message::Done`].
fn hub_call<F>(cx: &Context<'_>, request: impl FnOnce(Hub, String) -> F) -> Action
where
    F: Future<Output = Result<CallInfo, Error>> + Send + 'static,
{
    let future = request(cx.hub.clone(), cx.token.to_owned());
    Action::Run(Task::perform(future, Message::Done))
}

/// The engine's reports, from its channel (read on a thread of its own) into messages.
fn follow(reports: &Reports) -> impl futures::Stream<Item = Message> + use<> {
    let reports = reports.clone();
    iced::stream::channel(16, async move |mut sender| {
        use futures::{SinkExt, StreamExt};
        let Some(events) = reports.take() else {
            return;
        };
        let (tx, mut rx) = futures::channel::mpsc::unbounded();
        // Ends when the engine stops (its channel closes) or nobody listens any more.
        let reader = std::thread::Builder::new()
            .name("engine-events".into())
            .spawn(move || {
                for event in events {
                    if tx.unbounded_send(event).is_err() {
                        break;
                    }
                }
            });
        if reader.is_err() {
            return;
        }
        while let Some(event) = rx.next().await {
            if sender
                .send(Message::Engine(reports.engine(), event))
                .await
                .is_err()
            {
                break;
            }
        }
    })
}
