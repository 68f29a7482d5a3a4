//! Wrap-up (F-44): the call just ended, and what the agent still does about it — its notes,
//! disposition and contact — until they are done or the account's timeout ends it.

use iced::Task;
use iced::widget::{button, column, container, row, space, text};
use iced::{Alignment, Length};
use switchboard_protocol::{CallRecord, Id, Party};

use super::{Action, Message, Tab, Workspace, notes_context, phone, status};
use crate::widget::Element;
use crate::{fl, font, theme};

/// The call last talked on: what wrap-up shows (F-44).
#[derive(Debug, Clone)]
pub(super) struct LastCall {
    id: Id,
    other: Party,
}

impl Workspace {
    /// Wrap-up of a call that ended before this workspace started: its notes (typed here or
    /// kept by the hub) and its contact.
    pub(super) fn wrap_up(&mut self, call: CallRecord) -> Action {
        let me = self.me.id;
        let other = if call.from.is(me) {
            call.to.clone().unwrap_or_else(|| call.from.clone())
        } else {
            call.from.clone()
        };
        let mine = call.notes.iter().find(|n| n.agent_id == me).cloned();
        let cx = notes_context(&self.session, &self.me, self.now);
        let mut tasks = vec![self.notes.open(call.id, mine, &cx).map(Message::Notes)];
        if let Some(number) = other.number.clone() {
            let id = call.id;
            if let Some(task) = self.with_phone(|phone, cx| phone.look_up(id, number, cx)) {
                tasks.push(task.map(Message::Phone));
            }
        }
        self.last_call = Some(LastCall { id: call.id, other });
        Action::Run(Task::batch(tasks))
    }

    /// Follows the phone: a new call opens on its Snapshot; a connected call opens its notes
    /// (and is the one wrap-up shows once it ends).
    pub(super) fn follow_phone(&mut self) -> Option<Task<Message>> {
        let info = self.phone.info()?;
        let id = info.id;
        if self.tabs_for != Some(id) {
            self.tabs_for = Some(id);
            self.tab = Tab::Snapshot;
        }
        if !matches!(self.phone.call(), Some(phone::Call::Live(_))) {
            return None;
        }
        let other = info.other_party(self.me.id).clone();
        self.last_call = Some(LastCall { id, other });
        let cx = notes_context(&self.session, &self.me, self.now);
        Some(self.notes.open(id, None, &cx).map(Message::Notes))
    }

    /// After a call, while the agent is in after-call work: how long it has lasted, when the
    /// account's timeout ends it, and Done.
    pub(super) fn wrap_up_bar(&self) -> Option<Element<'_, Message>> {
        let wrapping_up =
            self.me.presence.status.kind() == switchboard_protocol::StatusKind::AfterCallWork;
        if !wrapping_up || !self.phone.is_idle() {
            return None;
        }
        let elapsed = status::elapsed(&self.me, self.now);
        let timeout = i64::from(self.account.settings.after_call_work_timeout_secs);
        let mut bar = row![
            text(fl!("wrap-up-title")).font(font::BOLD),
            text(crate::widget::duration(elapsed)),
        ]
        .spacing(12)
        .align_y(Alignment::Center);
        if timeout > 0 {
            bar = bar.push(
                text(fl!(
                    "wrap-up-ends-in",
                    time = crate::widget::duration((timeout - elapsed).max(0))
                ))
                .style(theme::text::muted),
            );
        }
        bar = bar.push(space().width(Length::Fill)).push(
            button(text(fl!("wrap-up-done")).size(14))
                .padding([6, 14])
                .style(theme::button::primary)
                .on_press(Message::WrapUpDone),
        );
        Some(
            container(bar)
                .padding([8, 16])
                .width(Length::Fill)
                .style(theme::container::call_bar)
                .into(),
        )
    }

    /// Wrap-up (F-44): the contact, the disposition and the notes of the call just ended.
    pub(super) fn wrap_up_panel(&self) -> Element<'_, Message> {
        let mut content = row![].spacing(16);
        if let Some(last) = &self.last_call {
            let contact: Element<'_, Message> = match &last.other.number {
                Some(number) => self.phone.contact(last.id, number).map(Message::Phone),
                None => column![
                    text(fl!("call-card-contact")).font(font::BOLD),
                    text(&last.other.name),
                ]
                .spacing(4)
                .width(Length::FillPortion(1))
                .into(),
            };
            content = content.push(contact);
            if self.notes.call() == Some(last.id)
                && let Some(notes) = self.notes.view(&self.dispositions)
            {
                content = content
                    .push(container(notes.map(Message::Notes)).width(Length::FillPortion(2)));
            }
        } else {
            content = content.push(text(fl!("wrap-up-no-call")).style(theme::text::muted));
        }
        container(content)
            .padding([10, 16])
            .width(Length::Fill)
            .style(theme::container::panel)
            .into()
    }
}
