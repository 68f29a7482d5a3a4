//! The phone line: at most one call — being placed, ringing in, live or held — with its
//! controls (mute, hold, keypad, blind transfer, hang up). It follows the hub's call events
//! and the engine's own reports (a leg that dies ends the call here too, with a reason).

use iced::widget::{button, column, container, row, space, text, text_input};
use iced::{Alignment, Length, Subscription, Task};
use switchboard_client::{Error, Hub};
use switchboard_protocol::{
    AgentSummary, Call as CallInfo, CallOutcome, CallRecord, CallState, Contact, Id, Recording,
    RingGroup, StatusDef, Target, TransferCall,
};
use switchboard_voice::peer::Event as EngineEvent;
use time::OffsetDateTime;

use super::dialpad;
use crate::call::{Audio, Engine, Failure, Reports};
use crate::widget::{self, Element, international};
use crate::{fl, font, theme};

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

/// The newest version of the last few calls the hub described (in answers or events): an
/// older snapshot — an answer overtaken by the event stream, or the reverse — is old news.
#[derive(Debug, Clone, Default)]
struct Known {
    versions: std::collections::VecDeque<(Id, u64)>,
}

impl Known {
    /// Calls remembered; more than an agent has in hand at once.
    const KEPT: usize = 32;

    /// Whether `call` is newer than anything known of it (it is then the newest known).
    fn fresh(&mut self, call: &CallInfo) -> bool {
        // A hub that does not version its calls: every snapshot counts.
        if call.version == 0 {
            return true;
        }
        match self.versions.iter_mut().find(|(id, _)| *id == call.id) {
            Some((_, known)) if *known >= call.version => false,
            Some((_, known)) => {
                *known = call.version;
                true
            }
            None => {
                if self.versions.len() == Self::KEPT {
                    self.versions.pop_front();
                }
                self.versions.push_back((call.id, call.version));
                true
            }
        }
    }
}

/// The contacts with the caller's number, for one call.
#[derive(Debug, Clone)]
struct Caller {
    call: Id,
    number: String,
    lookup: Lookup,
    /// An unknown caller being added to Contacts.
    form: Option<ContactForm>,
    /// The contact's past interactions (once the contact is known).
    past: Option<Result<Vec<CallRecord>, String>>,
}

#[derive(Debug, Clone, Default)]
struct ContactForm {
    name: String,
    company: String,
    saving: bool,
    error: Option<String>,
}

#[derive(Debug, Clone)]
enum Lookup {
    Pending,
    Found(Vec<Contact>),
    Failed(String),
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
            Message::CallerLooked(id, found) => {
                if let Some(caller) = self.caller.as_mut().filter(|c| c.call == id) {
                    caller.lookup = match found {
                        Ok(contacts) => Lookup::Found(contacts),
                        Err(error) => Lookup::Failed(crate::screen::describe(&error)),
                    };
                    return self.load_past(id, cx);
                }
            }
            Message::PastLoaded(id, past) => {
                if let Some(caller) = self.caller.as_mut().filter(|c| c.call == id) {
                    caller.past = Some(past.map_err(|error| crate::screen::describe(&error)));
                }
            }
            Message::NewContact => {
                if let Some(caller) = &mut self.caller {
                    caller.form = Some(ContactForm::default());
                }
            }
            Message::NewContactName(name) => {
                if let Some(form) = self.caller.as_mut().and_then(|c| c.form.as_mut()) {
                    form.name = name;
                }
            }
            Message::NewContactCompany(company) => {
                if let Some(form) = self.caller.as_mut().and_then(|c| c.form.as_mut()) {
                    form.company = company;
                }
            }
            Message::CancelContact => {
                if let Some(caller) = &mut self.caller {
                    caller.form = None;
                }
            }
            Message::SaveContact => {
                let Some(caller) = &mut self.caller else {
                    return Action::None;
                };
                let Some(form) = caller.form.as_mut().filter(|f| !f.saving) else {
                    return Action::None;
                };
                if form.name.trim().is_empty() {
                    form.error = Some(fl!("call-contact-name-needed"));
                    return Action::None;
                }
                form.saving = true;
                form.error = None;
                let contact = switchboard_protocol::NewContact {
                    name: form.name.trim().to_owned(),
                    company: form.company.trim().to_owned(),
                    phones: vec![switchboard_protocol::ContactPhone {
                        number: caller.number.clone(),
                        label: String::new(),
                    }],
                    emails: Vec::new(),
                };
                let (hub, token, id) = (cx.hub.clone(), cx.token.to_owned(), caller.call);
                return Action::Run(Task::perform(
                    async move { hub.create_contact(&token, &contact).await },
                    move |saved| Message::ContactSaved(id, saved),
                ));
            }
            Message::ContactSaved(id, saved) => {
                if let Some(caller) = self.caller.as_mut().filter(|c| c.call == id) {
                    match saved {
                        Ok(contact) => {
                            caller.lookup = Lookup::Found(vec![contact]);
                            caller.form = None;
                            return self.load_past(id, cx);
                        }
                        Err(error) => {
                            if let Some(form) = &mut caller.form {
                                form.saving = false;
                                form.error = Some(crate::screen::describe(&error));
                            }
                        }
                    }
                }
            }
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

    /// A call event from the hub: someone rings us, our call was answered, held, handed on
    /// or ended.
    pub fn updated(&mut self, info: CallInfo, cx: &Context<'_>) -> Action {
        if let Some(Call::Dialing { early, .. }) = &mut self.call {
            if info.from.is(cx.me) && early.as_ref().is_none_or(|e| info.newer_than(e)) {
                *early = Some(info);
            }
            return Action::None;
        }
        if !self.known.fresh(&info) {
            // Older news than the newest already taken (or the same again).
            return Action::None;
        }
        let current = self.call.as_ref().and_then(Call::id);
        // News of the colleague this agent consults (the call it is about waits on hold).
        if let Some(Call::Live(live)) = &mut self.call
            && info.consult_of == Some(live.call.id)
        {
            if info.state == CallState::Ended {
                live.consult = None;
                let name = info.to.name.clone();
                let notice = match info.outcome {
                    Some(CallOutcome::Declined) => Some(fl!("call-declined", name = name)),
                    Some(CallOutcome::Busy) => Some(fl!("call-busy", name = name)),
                    Some(CallOutcome::NoAnswer) => Some(fl!("call-no-answer", name = name)),
                    Some(CallOutcome::Unreachable) => Some(fl!("call-unreachable", name = name)),
                    Some(CallOutcome::Failed) => Some(fl!("call-not-placed", name = name)),
                    _ => None,
                };
                return notice.map_or(Action::None, Action::Notice);
            } else {
                live.consult = Some(info);
            }
            return Action::None;
        }
        // A consulting call that was completed: this agent now talks on the call it was
        // about, over the same media; that call's news follows.
        if let (Some(Call::Live(live)), Some(merged)) = (&mut self.call, info.merged_into)
            && current == Some(info.id)
        {
            live.call.id = merged;
            live.call.consult_of = None;
            return Action::None;
        }
        if current != Some(info.id) {
            if info.rings_at(cx.me) && self.call.is_none() {
                return self.ringing_in(info, cx);
            }
            return Action::None;
        }
        if matches!(self.call, Some(Call::Incoming { .. }))
            && !info.rings_at(cx.me)
            && !info.involves(cx.me)
        {
            // Offered by a ring group and taken by someone else, or no longer offered here.
            self.call = None;
            // Or handed here, and it rang out: it went back to whoever handed it on.
            let rang_out = info.returned.as_ref().is_some_and(|returned| {
                returned.to.is(cx.me) && returned.outcome == CallOutcome::NoAnswer
            });
            if rang_out {
                return Action::Notice(fl!("call-missed", name = other_party(&info, cx.me)));
            }
            return Action::None;
        }
        if !info.involves(cx.me) && !info.rings_at(cx.me) {
            // We handed the call on. (A ring group's offer involves us only by ringing here;
            // its news — Context attached, the caller's identity — keeps it ringing.)
            self.call = None;
            return Action::Notice(fl!("call-transferred", name = info.to.name.clone()));
        }
        let Some(call) = self.call.take() else {
            return Action::None;
        };
        let (next, notice) = match (call, info.state) {
            (call, CallState::Ended) => {
                let other = other_party(&info, cx.me);
                let placing = matches!(call, Call::Ringing { .. }) && info.from.is(cx.me);
                // A call to this agent's desk that stopped ringing before they took it.
                let missed = matches!(call, Call::Incoming { .. }) && info.to.is(cx.me);
                let notice = match info.outcome {
                    Some(CallOutcome::NoAnswer | CallOutcome::Cancelled) if missed => {
                        Some(fl!("call-missed", name = other))
                    }
                    Some(CallOutcome::Declined) if info.from.is(cx.me) => {
                        Some(fl!("call-declined", name = other))
                    }
                    Some(CallOutcome::Busy) => Some(fl!("call-busy", name = other)),
                    Some(CallOutcome::NoAnswer) if placing => {
                        Some(fl!("call-no-answer", name = other))
                    }
                    Some(CallOutcome::Unreachable) => Some(fl!("call-unreachable", name = other)),
                    Some(CallOutcome::Failed) if placing => {
                        Some(fl!("call-not-placed", name = other))
                    }
                    Some(CallOutcome::Failed) => Some(fl!("call-ended-failed", name = other)),
                    _ => None,
                };
                (None, notice)
            }
            (Call::Ringing { engine, .. }, CallState::Live | CallState::Held) => (
                Some(Call::Live(Box::new(Live::new(info, engine, cx.now)))),
                None,
            ),
            (Call::Live(mut live), CallState::Live | CallState::Held) => {
                live.call = info;
                (Some(Call::Live(live)), None)
            }
            // Handed on by the other agent: we wait, with music, while it rings elsewhere.
            (Call::Live(live), CallState::Ringing) => {
                if live.muted {
                    live.engine.set_muted(false);
                }
                (
                    Some(Call::Ringing {
                        call: info,
                        engine: live.engine,
                    }),
                    None,
                )
            }
            (Call::Ringing { engine, .. }, CallState::Ringing) => {
                (Some(Call::Ringing { call: info, engine }), None)
            }
            // Ringing still, or (being answered here) answered: the answer brings the media.
            (Call::Incoming { answering, .. }, CallState::Ringing)
            | (Call::Incoming { answering, .. }, CallState::Live | CallState::Held)
                if answering || info.state == CallState::Ringing =>
            {
                (
                    Some(Call::Incoming {
                        call: info,
                        answering,
                    }),
                    None,
                )
            }
            (call, _) => (Some(call), None),
        };
        self.call = next;
        notice.map_or(Action::None, Action::Notice)
    }

    /// A call rings in: it rings on the ringer device (see `subscription`), a notification
    /// tells an agent whose window is in the background, and with auto-answer it is
    /// answered at once.
    fn ringing_in(&mut self, info: CallInfo, cx: &Context<'_>) -> Action {
        let name = info.from.name.clone();
        let number = info.from.number.clone();
        let id = info.id;
        self.call = Some(Call::Incoming {
            call: info,
            answering: false,
        });
        let mut tasks = Vec::new();
        // A customer from the phone network: who Contacts (and the CRMs) know them as.
        if let Some(number) = number {
            tasks.extend(self.look_up(id, number, cx));
        }
        if !cx.focused {
            tasks.push(
                Task::future(crate::call::notify(
                    fl!("notify-incoming"),
                    fl!("notify-incoming-body", name = name),
                ))
                .discard(),
            );
        }
        if cx.audio.devices.auto_answer
            && let Action::Run(answer) = self.update(Message::Accept, cx)
        {
            tasks.push(answer);
        }
        if tasks.is_empty() {
            Action::None
        } else {
            Action::Run(Task::batch(tasks))
        }
    }

    /// Looks up who Contacts (and the CRMs) know the phone party of `call` as, unless it is
    /// known already: the Snapshot's and the wrap-up's contact card.
    pub fn look_up(&mut self, call: Id, number: String, cx: &Context<'_>) -> Option<Task<Message>> {
        if self
            .caller
            .as_ref()
            .is_some_and(|caller| caller.call == call)
        {
            return None;
        }
        self.caller = Some(Caller {
            call,
            number: number.clone(),
            lookup: Lookup::Pending,
            form: None,
            past: None,
        });
        let (hub, token) = (cx.hub.clone(), cx.token.to_owned());
        Some(Task::perform(
            async move { hub.lookup_contacts(&token, &number).await },
            move |found| Message::CallerLooked(call, found),
        ))
    }

    /// Asks for the past interactions of the caller's contact, once they are known.
    fn load_past(&mut self, call: Id, cx: &Context<'_>) -> Action {
        let Some(caller) = self.caller.as_mut().filter(|c| c.call == call) else {
            return Action::None;
        };
        let Lookup::Found(contacts) = &caller.lookup else {
            return Action::None;
        };
        let Some(contact) = contacts.first().map(|c| c.id) else {
            return Action::None;
        };
        let (hub, token) = (cx.hub.clone(), cx.token.to_owned());
        Action::Run(Task::perform(
            async move { hub.contact_calls(&token, contact).await },
            move |past| Message::PastLoaded(call, past),
        ))
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

    /// The call bar: who, how long, and the controls.
    pub fn bar(
        &self,
        me: Id,
        now: OffsetDateTime,
        may_pause: bool,
    ) -> Option<Element<'_, Message>> {
        let call = self.call.as_ref()?;
        let content = match call {
            Call::Dialing { to, .. } => row![
                text(fl!("call-calling", name = to.clone())).font(font::BOLD),
                space().width(Length::Fill),
                action(fl!("call-hang-up"), Some(Message::HangUp), true),
            ],
            Call::Ringing { call, .. } => {
                let mut bar = row![];
                if let Some(returned) = &call.returned {
                    // Handed on, not taken there: it rings again where it came from.
                    bar = bar.push(
                        text(fl!(
                            "call-returned-waiting",
                            to = party_name(&returned.to),
                            name = call.to.name.clone()
                        ))
                        .font(font::BOLD),
                    );
                } else if let Some(by) = &call.transferred_by {
                    bar = bar.push(
                        text(fl!(
                            "call-transferred-by",
                            by = by.name.clone(),
                            name = call.to.name.clone()
                        ))
                        .font(font::BOLD),
                    );
                } else if call.alerting {
                    bar = bar.push(
                        text(fl!("call-ringing-out", name = other_party(call, me)))
                            .font(font::BOLD),
                    );
                } else {
                    bar = bar.push(
                        text(fl!("call-calling", name = other_party(call, me))).font(font::BOLD),
                    );
                }
                bar.push(space().width(Length::Fill)).push(action(
                    fl!("call-hang-up"),
                    Some(Message::HangUp),
                    true,
                ))
            }
            Call::Incoming { call, answering } => row![
                incoming_title(call, me, now),
                space().width(Length::Fill),
                action(
                    fl!("call-accept"),
                    (!answering).then_some(Message::Accept),
                    true
                ),
                action(fl!("call-decline"), Some(Message::Decline), false),
            ],
            Call::Live(live) => live_bar(live, me, now, may_pause),
        };
        Some(
            container(content.spacing(12).align_y(Alignment::Center))
                .padding([8, 16])
                .width(Length::Fill)
                .style(theme::container::call_bar)
                .into(),
        )
    }

    /// The keypad or the transfer list, when opened from the bar (over the call's tabs).
    pub fn panel<'a>(
        &'a self,
        agents: &'a [AgentSummary],
        statuses: &'a [StatusDef],
        groups: &'a [RingGroup],
        country: &str,
    ) -> Option<Element<'a, Message>> {
        let Some(Call::Live(live)) = &self.call else {
            return None;
        };
        match live.panel {
            Panel::None => None,
            Panel::Keypad => Some(keypad(&live.keys)),
            Panel::Transfer => Some(transfer_list(live, agents, statuses, groups, country)),
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

    /// The Snapshot of a call with the phone network (F-40): how it came in (inbound), its
    /// Context, and who the customer is.
    pub fn snapshot(&self, now: OffsetDateTime) -> Option<Element<'_, Message>> {
        let call = self.info()?;
        let number = call.from.number.as_deref().or(call.to.number.as_deref())?;
        let mut cards = row![].spacing(12);
        if call.from.number.is_some() {
            cards = cards.push(ring_group_card(call));
        }
        cards = cards
            .push(context_card(call))
            .push(self.contact(call.id, number));
        let past = self
            .caller
            .as_ref()
            .filter(|caller| caller.call == call.id)
            .and_then(|caller| caller.past.as_ref());
        Some(match past {
            Some(past) => column![cards, past_card(past, call.id, now)]
                .spacing(12)
                .into(),
            None => cards.into(),
        })
    }

    /// The contact the phone party of `call` is known as (the first with their number).
    pub fn known_contact(&self, call: Id) -> Option<&Contact> {
        match &self
            .caller
            .as_ref()
            .filter(|caller| caller.call == call)?
            .lookup
        {
            Lookup::Found(contacts) => contacts.first(),
            Lookup::Pending | Lookup::Failed(_) => None,
        }
    }

    /// The contact card for the phone party of `call` (Snapshot, wrap-up): who Contacts know
    /// them as, or the form to add them.
    pub fn contact<'a>(&'a self, call: Id, number: &'a str) -> Element<'a, Message> {
        let caller = self.caller.as_ref().filter(|caller| caller.call == call);
        match caller.and_then(|caller| caller.form.as_ref()) {
            Some(form) => contact_form(number, form),
            None => contact_card(number, caller.map(|caller| &caller.lookup)),
        }
    }
}

/// Most past interactions the Snapshot lists (History has them all).
const PAST_SHOWN: usize = 3;

/// The customer's last interactions: when, which way, who took it, how long, the disposition
/// and the first line of the notes.
fn past_card(
    past: &Result<Vec<CallRecord>, String>,
    current: Id,
    now: OffsetDateTime,
) -> Element<'_, Message> {
    let mut card = column![text(fl!("call-card-past")).font(font::BOLD)].spacing(4);
    let calls: Vec<&CallRecord> = match past {
        Ok(calls) => calls.iter().filter(|c| c.id != current).collect(),
        Err(reason) => {
            return card
                .push(
                    text(fl!("call-card-past-failed", reason = reason.clone()))
                        .style(theme::text::warning),
                )
                .into();
        }
    };
    if calls.is_empty() {
        card = card.push(text(fl!("call-card-past-none")).style(theme::text::muted));
    }
    for call in calls.iter().take(PAST_SHOWN) {
        let (arrow, agent) = match call.direction {
            switchboard_protocol::Direction::Outbound => ("↗", Some(&call.from)),
            _ => ("↙", call.transferred_to.last().or(call.to.as_ref())),
        };
        let mut facts = vec![widget::when(call.started_at, now)];
        match (call.talk_seconds(), agent) {
            (Some(seconds), Some(agent)) => {
                facts.push(agent.name.clone());
                facts.push(widget::duration(seconds));
            }
            _ => facts.push(fl!("history-missed")),
        }
        let notes = call.notes.first();
        if let Some(disposition) = notes.and_then(|n| n.disposition.as_ref()) {
            facts.push(disposition.label.clone());
        }
        let mut line = column![text(format!("{arrow} {}", facts.join(" · "))).size(13)];
        if let Some(first) = notes
            .and_then(|n| n.notes.lines().next())
            .filter(|l| !l.is_empty())
        {
            line = line.push(text(first.to_owned()).size(13).style(theme::text::muted));
        }
        card = card.push(line);
    }
    if calls.len() > PAST_SHOWN {
        let more: usize = calls.len() - PAST_SHOWN;
        card = card.push(
            text(fl!("call-card-past-more", count = more))
                .size(13)
                .style(theme::text::muted),
        );
    }
    card.width(Length::Fill).into()
}

/// How a customer's call came in: the number they dialled and the ring group that offers it.
fn ring_group_card(call: &CallInfo) -> Element<'_, Message> {
    let mut card = column![text(fl!("call-card-ring-group")).font(font::BOLD)].spacing(4);
    match &call.ring_group {
        Some(group) => card = card.push(text(group.clone())),
        None => {
            card = card.push(text(fl!("call-card-no-ring-group")).style(theme::text::muted));
        }
    }
    if let Some(dialled) = &call.dialled {
        card = card.push(
            text(fl!("call-card-dialled", number = international(dialled)))
                .size(13)
                .style(theme::text::muted),
        );
    }
    card.width(Length::FillPortion(1)).into()
}

/// What the call flow, outside systems and agents learnt about why the customer calls.
fn context_card(call: &CallInfo) -> Element<'_, Message> {
    let mut card = column![text(fl!("call-card-context")).font(font::BOLD)].spacing(4);
    if call.context.is_empty() {
        card = card.push(text(fl!("call-card-context-empty")).style(theme::text::muted));
    }
    for item in &call.context {
        card = card.push(
            row![
                text(item.key.clone()).style(theme::text::muted),
                text(item.value.clone()),
            ]
            .spacing(8),
        );
    }
    card.width(Length::FillPortion(1)).into()
}

/// The contact with the caller's number, and a badge for each place that knows them.
fn contact_card<'a>(number: &str, lookup: Option<&'a Lookup>) -> Element<'a, Message> {
    let mut card = column![text(fl!("call-card-contact")).font(font::BOLD)].spacing(4);
    let number = international(number);
    match lookup {
        None | Some(Lookup::Pending) => {
            card = card
                .push(text(fl!("call-card-looking-up", number = number)).style(theme::text::muted));
        }
        Some(Lookup::Failed(reason)) => {
            card = card.push(
                text(fl!("call-card-lookup-failed", reason = reason.clone()))
                    .style(theme::text::warning),
            );
        }
        Some(Lookup::Found(contacts)) => match contacts.as_slice() {
            [] => {
                card = card
                    .push(
                        text(fl!("call-card-no-contact", number = number))
                            .style(theme::text::muted),
                    )
                    .push(action(
                        fl!("call-contact-create"),
                        Some(Message::NewContact),
                        false,
                    ));
            }
            [contact, others @ ..] => {
                let mut name = text(contact.name.clone()).font(font::BOLD);
                if !contact.company.is_empty() {
                    name = text(fl!(
                        "call-card-name-company",
                        name = contact.name.clone(),
                        company = contact.company.clone()
                    ))
                    .font(font::BOLD);
                }
                card = card.push(name);
                for phone in &contact.phones {
                    let line = if phone.label.is_empty() {
                        international(&phone.number)
                    } else {
                        format!("{} · {}", international(&phone.number), phone.label)
                    };
                    card = card.push(text(line).size(13));
                }
                for email in &contact.emails {
                    card = card.push(text(email.clone()).size(13));
                }
                let mut badges = row![].spacing(6);
                for badge in &contact.badges {
                    // Contacts' own badge opens inside the workspace (its view comes later);
                    // integrations open in their CRM.
                    let open =
                        (!badge.url.is_empty()).then(|| Message::OpenLink(badge.url.clone()));
                    badges = badges.push(
                        button(text(badge.label.clone()).size(12))
                            .padding([3, 10])
                            .style(theme::button::item)
                            .on_press_maybe(open),
                    );
                }
                card = card.push(badges.wrap());
                if !others.is_empty() {
                    card = card.push(
                        text(fl!("call-card-more-contacts", count = others.len()))
                            .size(13)
                            .style(theme::text::muted),
                    );
                }
            }
        },
    }
    card.width(Length::FillPortion(1)).into()
}

/// Adding an unknown caller to Contacts: a name (needed) and a company, with their number.
fn contact_form<'a>(number: &str, form: &'a ContactForm) -> Element<'a, Message> {
    let editable = !form.saving;
    let mut card = column![
        text(fl!(
            "call-contact-create-title",
            number = international(number)
        ))
        .font(font::BOLD),
        text_input(&fl!("call-contact-name"), &form.name)
            .on_input_maybe(editable.then_some(Message::NewContactName))
            .on_submit_maybe(editable.then_some(Message::SaveContact))
            .padding(6),
        text_input(&fl!("call-contact-company"), &form.company)
            .on_input_maybe(editable.then_some(Message::NewContactCompany))
            .on_submit_maybe(editable.then_some(Message::SaveContact))
            .padding(6),
    ]
    .spacing(6);
    if let Some(error) = &form.error {
        card = card.push(text(error.clone()).style(theme::text::warning));
    }
    card = card.push(
        row![
            action(
                fl!("call-contact-save"),
                editable.then_some(Message::SaveContact),
                true
            ),
            action(
                fl!("call-contact-cancel"),
                Some(Message::CancelContact),
                false
            ),
        ]
        .spacing(8),
    );
    card.width(Length::FillPortion(1)).into()
}

fn live_bar(
    live: &Live,
    me: Id,
    now: OffsetDateTime,
    may_pause: bool,
) -> iced::widget::Row<'_, Message> {
    let call = &live.call;
    let held_by_other = call.held_by.is_some_and(|holder| holder != me);
    let mut bar = row![
        text(fl!("call-live", name = other_party(call, me))).font(font::BOLD),
        text(widget::duration((now - live.since).whole_seconds())),
    ];
    if let Some(consult) = live.consult.as_ref().filter(|_| call.conference) {
        let status = fl!(
            "call-three-way",
            first = other_party(call, me),
            second = consult.to.name.clone()
        );
        return with_status(bar.push(recording_badge(call.recording)), status)
            .push(action(
                fl!("call-three-way-drop", name = consult.to.name.clone()),
                Some(Message::EndConsult { complete: false }),
                false,
            ))
            .push(action(
                fl!("call-three-way-leave"),
                Some(Message::HangUp),
                true,
            ));
    }
    if call.conference && live.consult.is_none() {
        // The colleague's view of a three-way call: holding or handing it on is the
        // consulting agent's to do.
        let mute_label = if live.muted {
            fl!("call-unmute")
        } else {
            fl!("call-mute")
        };
        let status = fl!("call-three-way-joined", name = other_party(call, me));
        return with_status(bar.push(recording_badge(call.recording)), status)
            .push(action(mute_label, Some(Message::MuteToggled), false))
            .push(action(fl!("call-hang-up"), Some(Message::HangUp), true));
    }
    if let Some(consult) = &live.consult {
        let line = if consult.state == CallState::Ringing {
            fl!("call-consult-ringing", name = consult.to.name.clone())
        } else {
            fl!("call-consult-talking", name = consult.to.name.clone())
        };
        let complete =
            (consult.state == CallState::Live).then_some(Message::EndConsult { complete: true });
        // The colleagues' talk is not recorded: the call's recording waits meanwhile.
        let paused = call
            .recording
            .and_then(|_| recording_badge(Some(Recording::Paused)));
        return with_status(bar.push(paused), line)
            .push(action(
                fl!("call-three-way-start"),
                (consult.state == CallState::Live).then_some(Message::Conference),
                false,
            ))
            .push(action(fl!("call-consult-complete"), complete, true))
            .push(action(
                fl!("call-consult-cancel"),
                Some(Message::EndConsult { complete: false }),
                false,
            ));
    }
    bar = bar.push(recording_badge(call.recording));
    if call.held_by == Some(me) {
        bar = bar.push(text(fl!("call-on-hold")).style(theme::text::warning));
    } else if held_by_other {
        bar = bar.push(
            text(fl!("call-held-by-other", name = other_party(call, me)))
                .style(theme::text::warning),
        );
    }
    if live.poor_connection {
        bar = bar.push(text(fl!("call-poor-connection")).style(theme::text::warning));
    }
    let hold_label = if call.held_by == Some(me) {
        fl!("call-resume")
    } else {
        fl!("call-hold")
    };
    let mute_label = if live.muted {
        fl!("call-unmute")
    } else {
        fl!("call-mute")
    };
    let mut bar = bar
        .push(space().width(Length::Fill))
        .push(action(mute_label, Some(Message::MuteToggled), false))
        .push(action(
            hold_label,
            (!held_by_other).then_some(Message::HoldToggled),
            false,
        ))
        .push(action(
            fl!("call-keypad"),
            Some(Message::KeypadToggled),
            false,
        ))
        .push(action(
            fl!("call-transfer"),
            (!held_by_other).then_some(Message::TransferToggled),
            false,
        ));
    if let Some(state) = call.recording.filter(|_| may_pause) {
        let (label, pause) = match state {
            Recording::Recording => (fl!("call-recording-pause"), true),
            Recording::Paused => (fl!("call-recording-resume"), false),
        };
        bar = bar.push(action(label, Some(Message::RecordingPaused(pause)), false));
    }
    bar.push(action(fl!("call-hang-up"), Some(Message::HangUp), true))
}

/// The bar's headline (who, how long, the recording) with a line under it saying what is
/// going on; together they take the room the buttons leave, so the buttons stay whole.
fn with_status<'a>(
    headline: iced::widget::Row<'a, Message>,
    status: String,
) -> iced::widget::Row<'a, Message> {
    row![
        column![
            headline.spacing(12).align_y(Alignment::Center),
            text(status).size(14).style(theme::text::warning),
        ]
        .spacing(2)
        .width(Length::Fill)
    ]
}

/// Everyone on a recorded call sees that it is, and whether it is paused.
fn recording_badge<'a>(recording: Option<Recording>) -> Option<Element<'a, Message>> {
    Some(match recording? {
        Recording::Recording => row![
            widget::dot(iced::Color::from_rgb8(0xd6, 0x45, 0x45), 10.0),
            text(fl!("call-recording")).style(theme::text::danger),
        ]
        .spacing(6)
        .align_y(Alignment::Center)
        .into(),
        Recording::Paused => text(fl!("call-recording-paused"))
            .style(theme::text::warning)
            .into(),
    })
}

/// The twelve keys, sending DTMF as they are pressed.
fn keypad(sent: &str) -> Element<'_, Message> {
    let grid = widget::keypad(56.0, 18.0, Message::Key);
    let sent = if sent.is_empty() {
        text(fl!("call-keypad-hint")).style(theme::text::muted)
    } else {
        text(fl!("call-keys-sent", keys = sent.to_owned()))
    };
    container(row![grid, sent].spacing(20).align_y(Alignment::Center))
        .padding([10, 16])
        .width(Length::Fill)
        .style(theme::container::panel)
        .into()
}

/// Agents who can take the call now (callable status, not a party of it).
fn transfer_list<'a>(
    live: &'a Live,
    agents: &'a [AgentSummary],
    statuses: &'a [StatusDef],
    groups: &'a [RingGroup],
    country: &str,
) -> Element<'a, Message> {
    let call = &live.call;
    let callable = |agent: &AgentSummary| {
        statuses
            .iter()
            .find(|def| def.key == agent.presence.status)
            .is_some_and(|def| def.callable)
    };
    let mut list = row![text(fl!("call-transfer-to")).font(font::BOLD)]
        .spacing(8)
        .align_y(Alignment::Center);
    let mut any = false;
    for agent in agents
        .iter()
        .filter(|agent| !call.involves(agent.id) && callable(agent))
    {
        any = true;
        list = list.push(action(
            agent.name.clone(),
            Some(Message::TransferTo(TransferCall::agent(agent.id))),
            false,
        ));
    }
    if !any {
        list = list.push(text(fl!("call-transfer-nobody")).style(theme::text::muted));
    }
    let mut panel = column![list.wrap()].spacing(8);
    // Talk to a colleague first, then hand the call over (or not).
    let mut consult = row![text(fl!("call-consult-with")).font(font::BOLD)]
        .spacing(8)
        .align_y(Alignment::Center);
    for agent in agents
        .iter()
        .filter(|agent| !call.involves(agent.id) && callable(agent))
    {
        consult = consult.push(action(
            agent.name.clone(),
            Some(Message::ConsultWith(TransferCall::agent(agent.id))),
            false,
        ));
    }
    if any {
        panel = panel.push(consult.wrap());
    }
    // A customer who called in can also go back to a queue.
    let customer = call.from.agent_id.is_none() && call.from.number.is_some();
    if customer && !groups.is_empty() {
        panel = panel.push(group_row(fl!("call-transfer-to-group"), groups, |group| {
            Message::TransferTo(TransferCall::group(group))
        }));
    }
    // Whoever of a ring group takes it first can be consulted.
    if !groups.is_empty() {
        panel = panel.push(group_row(fl!("call-consult-group"), groups, |group| {
            Message::ConsultWith(TransferCall::group(group))
        }));
    }
    // Or out to the phone network: the number as it will be dialled, once it is one.
    let reading = dialpad::read(&live.transfer_number, country);
    let valid = matches!(reading, dialpad::Reading::Valid { .. });
    let hint = match reading {
        dialpad::Reading::Valid { e164, .. } => Some(text(international(&e164))),
        dialpad::Reading::Invalid => {
            Some(text(fl!("call-transfer-number-invalid")).style(theme::text::muted))
        }
        dialpad::Reading::Empty => None,
    };
    panel = panel.push(
        row![
            text(fl!("call-transfer-to-number")).font(font::BOLD),
            text_input(&fl!("call-transfer-number"), &live.transfer_number)
                .id("transfer-number")
                .on_input(Message::TransferNumberChanged)
                .on_submit(Message::TransferToNumber)
                .padding(6)
                .width(220),
            action(
                fl!("call-transfer-go"),
                valid.then_some(Message::TransferToNumber),
                false,
            ),
            action(
                fl!("call-consult-number"),
                valid.then_some(Message::ConsultNumber),
                false,
            ),
        ]
        .push(hint)
        .spacing(8)
        .align_y(Alignment::Center),
    );
    container(panel)
        .padding([10, 16])
        .width(Length::Fill)
        .style(theme::container::panel)
        .into()
}

/// A labelled row of the account's ring groups, each a button.
fn group_row<'a>(
    label: String,
    groups: &'a [RingGroup],
    on_press: impl Fn(Id) -> Message,
) -> Element<'a, Message> {
    let mut row = row![text(label).font(font::BOLD)]
        .spacing(8)
        .align_y(Alignment::Center);
    for group in groups {
        row = row.push(action(group.name.clone(), Some(on_press(group.id)), false));
    }
    row.wrap().into()
}

fn action<'a>(label: String, message: Option<Message>, primary: bool) -> Element<'a, Message> {
    // A button's label stays on one line, whatever the bar's text takes.
    button(text(label).size(14).wrapping(text::Wrapping::None))
        .padding([6, 14])
        .style(if primary {
            theme::button::primary
        } else {
            theme::button::item
        })
        .on_press_maybe(message)
        .into()
}

fn other_party(call: &CallInfo, me: Id) -> String {
    party_name(call.other_party(me))
}

/// A party as the agent reads it: the name, or the number when that is all there is.
fn party_name(party: &switchboard_protocol::Party) -> String {
    if party.name.is_empty() {
        return fl!("call-unknown-caller");
    }
    match party.number.as_deref() {
        // No contact by that number: the number, as people read it.
        Some(number) if number == party.name => international(number),
        _ => party.name.clone(),
    }
}

/// Who calls; for a call from the phone network, also how it came in.
fn incoming_title<'a>(call: &CallInfo, me: Id, now: OffsetDateTime) -> Element<'a, Message> {
    let title = if let Some(returned) = call.returned.as_ref().filter(|_| call.to.is(me)) {
        // Handed on by this agent, and back.
        returned_title(&other_party(call, me), returned)
    } else if call.consult_of.is_some() {
        fl!("call-incoming-consult", name = other_party(call, me))
    } else {
        fl!("call-incoming", name = other_party(call, me))
    };
    let title = text(title).font(font::BOLD);
    // A consultation offered through a ring group says which.
    let via_group = call
        .ring_group
        .as_ref()
        .filter(|_| call.consult_of.is_some())
        .map(|group| fl!("call-incoming-via-group", group = group.clone()));
    match via_group.or_else(|| phone_details(call, now)) {
        Some(details) => column![title, text(details).size(13).style(theme::text::muted)]
            .spacing(2)
            .into(),
        None => title.into(),
    }
}

/// A call that came back from a transfer: who, and why.
fn returned_title(name: &str, returned: &switchboard_protocol::Returned) -> String {
    let (name, to) = (name.to_owned(), party_name(&returned.to));
    match returned.outcome {
        CallOutcome::Declined => fl!("call-returned-declined", name = name, to = to),
        CallOutcome::Busy => fl!("call-returned-busy", name = name, to = to),
        CallOutcome::NoAnswer => fl!("call-returned-no-answer", name = name, to = to),
        CallOutcome::Unreachable => fl!("call-returned-unreachable", name = name, to = to),
        _ => fl!("call-returned-failed", name = name, to = to),
    }
}

/// For a call from the phone network: the caller's number (when the name is a contact's),
/// the ring group that offered it and the number dialled.
fn phone_details(call: &CallInfo, now: OffsetDateTime) -> Option<String> {
    let dialled = call.dialled.as_deref()?;
    // The caller's number (when the title shows a contact's name) and its country.
    let number = call.from.number.as_deref().map(|number| {
        let country = phonenumber::parse(None, number)
            .ok()
            .and_then(|parsed| parsed.country().id())
            .map(|id| id.as_ref().to_owned());
        match (number != call.from.name, country) {
            (true, Some(country)) => format!("{} ({country})", international(number)),
            (true, None) => international(number),
            (false, Some(country)) => country,
            (false, None) => String::new(),
        }
    });
    let number = number.filter(|shown| !shown.is_empty());
    let group = call.ring_group.clone().unwrap_or_default();
    let via = fl!(
        "call-incoming-via",
        group = group,
        number = international(dialled)
    );
    let waited = call.waiting_since.map(|since| {
        fl!(
            "call-incoming-waited",
            time = widget::duration((now - since).whole_seconds().max(0))
        )
    });
    Some(
        [number, Some(via), waited]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
    )
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
