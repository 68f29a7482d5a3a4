//! The hub's news of calls, into the phone: a call rings in, ours is answered, held, handed
//! on or ends. Each call's snapshots carry a version: the newest wins, whether it came as
//! the hub's answer or as an event, so older news never undoes newer.

use iced::Task;
use switchboard_protocol::{Call as CallInfo, CallOutcome, CallState, Id};

use super::bar::other_party;
use super::{Action, Call, Context, Live, Message, Phone};
use crate::fl;

/// The newest version of the last few calls the hub described (in answers or events): an
/// older snapshot — an answer overtaken by the event stream, or the reverse — is old news.
#[derive(Debug, Clone, Default)]
pub(super) struct Known {
    versions: std::collections::VecDeque<(Id, u64)>,
}

impl Known {
    /// Calls remembered; more than an agent has in hand at once.
    const KEPT: usize = 32;

    /// Whether `call` is newer than anything known of it (it is then the newest known).
    pub(super) fn fresh(&mut self, call: &CallInfo) -> bool {
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

impl Phone {
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
    pub(super) fn ringing_in(&mut self, info: CallInfo, cx: &Context<'_>) -> Action {
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
}
