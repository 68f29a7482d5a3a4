//! The tabs under the call bar (F-40): Snapshot, Notes and Identity, as the call's phase
//! allows.

use iced::Length;
use iced::widget::{button, column, container, row, text};

use super::{Message, Workspace, identity, phone};
use crate::widget::Element;
use crate::{fl, theme};

/// The tabs under the call bar (F-40): which ones a call has depends on its phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// Ringing, dialing, in call: how the call came in, its Context, who the customer is.
    #[default]
    Snapshot,
    /// In call: notes and a disposition.
    Notes,
    /// A customer's call (ringing or in call): who is really calling.
    Identity,
}

impl Tab {
    fn label(self) -> String {
        match self {
            Tab::Snapshot => fl!("tab-snapshot"),
            Tab::Notes => fl!("tab-notes"),
            Tab::Identity => fl!("tab-identity"),
        }
    }
}

impl Workspace {
    /// Under the call bar: the keypad or transfer list when opened, else the call's tabs.
    pub(super) fn call_panel(&self) -> Option<Element<'_, Message>> {
        if let Some(panel) = self.phone.panel(
            &self.agents,
            &self.statuses,
            &self.ring_groups,
            &self.account.settings.default_country,
        ) {
            return Some(panel.map(Message::Phone));
        }
        let snapshot = self.phone.snapshot(self.now);
        let live = matches!(self.phone.call(), Some(phone::Call::Live(_)));
        let mut tabs = Vec::new();
        if snapshot.is_some() {
            tabs.push(Tab::Snapshot);
        }
        if live && self.notes.call() == self.phone.info().map(|call| call.id) {
            tabs.push(Tab::Notes);
        }
        let customer = self
            .phone
            .info()
            .filter(|call| call.from.agent_id.is_none());
        if customer.is_some() {
            tabs.push(Tab::Identity);
        }
        let shown = if tabs.contains(&self.tab) {
            self.tab
        } else {
            *tabs.first()?
        };
        let content = match shown {
            Tab::Snapshot => snapshot?.map(Message::Phone),
            Tab::Notes => self.notes.view(&self.dispositions)?.map(Message::Notes),
            Tab::Identity if self.account.settings.identity => {
                let call = customer?;
                // Supervisors and administrators keep the block list.
                let may_block = self.me.role != switchboard_protocol::Role::Agent;
                let block: fn(bool) -> Message =
                    |block| Message::Phone(phone::Message::BlockCaller(block));
                column![
                    identity::card(call.identity.as_deref(), may_block.then_some(block)),
                    iced::widget::rule::horizontal(1),
                    self.voice
                        .view(self.phone.known_contact(call.id))
                        .map(Message::Voice),
                ]
                .spacing(10)
                .into()
            }
            Tab::Identity => identity::teaser(),
        };
        let mut strip = row![].spacing(4);
        for tab in tabs {
            strip = strip.push(
                button(text(tab.label()).size(14))
                    .padding([5, 14])
                    .style(theme::button::tab(tab == shown))
                    .on_press(Message::TabPicked(tab)),
            );
        }
        Some(
            container(column![strip, content].spacing(10))
                .padding([10, 16])
                .width(Length::Fill)
                .style(theme::container::panel)
                .into(),
        )
    }
}
