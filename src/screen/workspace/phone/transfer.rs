//! What opens under the call bar: the keypad, and the transfer panel (colleagues, ring groups,
//! a number; hand on blind, or consult first).

use iced::widget::{column, container, row, text, text_input};
use iced::{Alignment, Length};
use switchboard_protocol::{AgentSummary, Id, RingGroup, StatusDef, TransferCall};

use super::bar::action;
use super::{Call, Live, Message, Panel, Phone, dialpad};
use crate::widget::{self, Element, international};
use crate::{fl, font, theme};

impl Phone {
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
}

/// The twelve keys, sending DTMF as they are pressed.
pub(super) fn keypad(sent: &str) -> Element<'_, Message> {
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
pub(super) fn transfer_list<'a>(
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
pub(super) fn group_row<'a>(
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
