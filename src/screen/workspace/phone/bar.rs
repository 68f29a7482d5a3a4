//! The call bar: who, how long, and the controls, for each kind of call.

use iced::widget::{button, column, container, row, space, text};
use iced::{Alignment, Length};
use switchboard_protocol::{Call as CallInfo, CallOutcome, CallState, Id, Recording};
use time::OffsetDateTime;

use super::{Call, Live, Message, Phone};
use crate::widget::{self, Element, international};
use crate::{fl, font, theme};

impl Phone {
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
}

pub(super) fn live_bar(
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
pub(super) fn with_status<'a>(
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
pub(super) fn recording_badge<'a>(recording: Option<Recording>) -> Option<Element<'a, Message>> {
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

pub(super) fn action<'a>(
    label: String,
    message: Option<Message>,
    primary: bool,
) -> Element<'a, Message> {
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

pub(super) fn other_party(call: &CallInfo, me: Id) -> String {
    party_name(call.other_party(me))
}

/// A party as the agent reads it: the name, or the number when that is all there is.
pub(super) fn party_name(party: &switchboard_protocol::Party) -> String {
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
pub(super) fn incoming_title<'a>(
    call: &CallInfo,
    me: Id,
    now: OffsetDateTime,
) -> Element<'a, Message> {
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
pub(super) fn returned_title(name: &str, returned: &switchboard_protocol::Returned) -> String {
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
pub(super) fn phone_details(call: &CallInfo, now: OffsetDateTime) -> Option<String> {
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
