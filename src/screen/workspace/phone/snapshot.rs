//! The Snapshot of a call with the phone network (F-40): how it came in, its Context, who
//! the customer is, and their last interactions.

use iced::Length;
use iced::widget::{column, row, text};
use switchboard_protocol::{Call as CallInfo, CallRecord, Id};
use time::OffsetDateTime;

use super::Message;
use super::Phone;
use crate::widget::{self, Element, international};
use crate::{fl, font, theme};

impl Phone {
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
}

/// Most past interactions the Snapshot lists (History has them all).
pub(super) const PAST_SHOWN: usize = 3;

/// The customer's last interactions: when, which way, who took it, how long, the disposition
/// and the first line of the notes.
pub(super) fn past_card(
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
pub(super) fn ring_group_card(call: &CallInfo) -> Element<'_, Message> {
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
pub(super) fn context_card(call: &CallInfo) -> Element<'_, Message> {
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
