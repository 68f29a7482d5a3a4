//! The status widget in the top-right corner (F-30, F-33, F-34): initials ringed in the
//! status colour, the time in this status under them, and a menu to change it.

use iced::widget::{button, column, container, row, rule, text};
use iced::{Alignment, Length};
use switchboard_protocol::{Me, StatusDef, StatusKind};
use time::OffsetDateTime;

use super::Message;
use crate::widget::{self, Element};
use crate::{fl, font, theme};

/// Seconds the agent has been in their current status.
pub fn elapsed(me: &Me, now: OffsetDateTime) -> i64 {
    (now - me.presence.since).whole_seconds().max(0)
}

/// The button in the top bar.
pub fn widget<'a>(
    me: &'a Me,
    statuses: &'a [StatusDef],
    now: OffsetDateTime,
) -> Element<'a, Message> {
    let status = &me.presence.status;
    let color = widget::status_color(status, statuses);
    button(
        row![
            column![
                widget::avatar(&me.name, color),
                text(widget::duration(elapsed(me, now)))
                    .size(12)
                    .font(font::BOLD),
            ]
            .spacing(2)
            .align_x(Alignment::Center),
            column![
                text(&me.name).size(14),
                row![
                    widget::dot(color, 9.0),
                    text(widget::status_label(status, statuses)).size(13),
                    text("▾").size(12),
                ]
                .spacing(6)
                .align_y(Alignment::Center),
            ]
            .spacing(2),
        ]
        .spacing(10)
        .align_y(Alignment::Center),
    )
    .padding([4, 8])
    .style(theme::button::bare)
    .on_press(Message::StatusMenuToggled)
    .into()
}

/// The menu of statuses the agent may pick, and sign-out.
pub fn menu<'a>(me: &'a Me, statuses: &'a [StatusDef]) -> Element<'a, Message> {
    let locked = me.presence.status.kind() == StatusKind::AfterCallWork;
    let mut items = column![
        text(fl!("status-menu-title"))
            .size(13)
            .style(theme::text::muted)
    ]
    .spacing(2)
    .width(260);
    if locked {
        items = items.push(
            text(fl!("status-locked"))
                .size(13)
                .style(theme::text::danger),
        );
    }
    for def in statuses.iter().filter(|def| def.selectable) {
        let current = def.key == me.presence.status;
        let entry = row![
            widget::dot(theme::parse_hex(&def.color), 10.0),
            text(widget::status_label(&def.key, statuses)).width(Length::Fill),
            text(if current { "✓" } else { "" }),
        ]
        .spacing(10)
        .align_y(Alignment::Center);
        items = items.push(
            button(entry)
                .width(Length::Fill)
                .padding([8, 8])
                .style(theme::button::item)
                .on_press_maybe((!locked).then(|| Message::StatusPicked(def.key.clone()))),
        );
    }
    items = items.push(rule::horizontal(1)).push(
        button(text(fl!("sign-out")))
            .width(Length::Fill)
            .padding([8, 8])
            .style(theme::button::item)
            .on_press(Message::SignOut),
    );
    container(items)
        .padding(10)
        .style(theme::container::menu)
        .into()
}
