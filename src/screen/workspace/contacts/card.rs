//! What Contacts shows: the search and its list, the contact picked (its card, the form
//! editing it, or the search for the contact to merge with it).

use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Length};
use switchboard_protocol::Contact;

use super::{Contacts, Found, MIN_QUERY, Merge, Message, Mode, Search, Shown};
use crate::widget::{Element, international};
use crate::{fl, font, theme};

impl Contacts {
    pub fn view(&self, may_call: bool) -> Element<'_, Message> {
        let shown = self.contact().map(|c| c.id);
        let list = column![
            text(fl!("nav-contacts")).size(22).font(font::BOLD),
            text_input(&fl!("contacts-search"), &self.search.query)
                .id("contacts-search")
                .on_input(Message::QueryChanged)
                .padding(8),
            results(&self.search, shown, Message::Picked),
        ]
        .spacing(12)
        .width(320);
        let detail: Element<'_, Message> = match &self.shown {
            None => container(text(fl!("contacts-pick")).style(theme::text::muted))
                .padding(20)
                .into(),
            Some(Shown::Loading(_)) => text(fl!("contacts-loading"))
                .style(theme::text::muted)
                .into(),
            Some(Shown::Failed(_, reason)) => text(fl!("contacts-load-failed", reason = reason))
                .style(theme::text::warning)
                .into(),
            Some(Shown::Contact { contact, mode }) => match mode {
                Mode::Reading => card(contact, may_call),
                Mode::Editing(form) => form.view(),
                Mode::Merging(merge) => merging(contact, merge),
            },
        };
        row![
            list,
            container(detail).width(Length::Fill).height(Length::Fill)
        ]
        .spacing(24)
        .into()
    }
}

/// The contacts found, each a button that picks it.
fn results<'a>(
    search: &'a Search,
    shown: Option<switchboard_protocol::Id>,
    pick: impl Fn(switchboard_protocol::Id) -> Message + 'a,
) -> Element<'a, Message> {
    let note = |words: String| text(words).size(13).style(theme::text::muted).into();
    match &search.found {
        Found::TooShort => note(fl!("contacts-search-hint", count = MIN_QUERY)),
        Found::Searching => note(fl!("contacts-searching")),
        Found::Failed(reason) => text(fl!("contacts-search-failed", reason = reason.clone()))
            .size(13)
            .style(theme::text::warning)
            .into(),
        Found::Contacts(contacts) if contacts.is_empty() => {
            note(fl!("contacts-none", query = search.query.trim().to_owned()))
        }
        Found::Contacts(contacts) => {
            let mut list = column![].spacing(4);
            for contact in contacts {
                list = list.push(
                    button(summary(contact))
                        .width(Length::Fill)
                        .padding([8, 10])
                        .style(if shown == Some(contact.id) {
                            theme::button::item
                        } else {
                            theme::button::bare
                        })
                        .on_press(pick(contact.id)),
                );
            }
            scrollable(list).height(Length::Fill).into()
        }
    }
}

/// A contact in a list: name, then company and first number or address.
fn summary(contact: &Contact) -> Element<'_, Message> {
    let mut under = Vec::new();
    if !contact.company.is_empty() {
        under.push(contact.company.clone());
    }
    if let Some(phone) = contact.phones.first() {
        under.push(international(&phone.number));
    } else if let Some(email) = contact.emails.first() {
        under.push(email.clone());
    }
    column![
        text(&contact.name).size(14).font(font::BOLD),
        text(under.join(" · ")).size(12).style(theme::text::muted),
    ]
    .spacing(2)
    .into()
}

/// The contact's card: numbers (each with Call), addresses, and what can be done with it.
fn card(contact: &Contact, may_call: bool) -> Element<'_, Message> {
    let mut card = column![text(&contact.name).size(22).font(font::BOLD)].spacing(10);
    if !contact.company.is_empty() {
        card = card.push(text(&contact.company).style(theme::text::muted));
    }
    card = card.push(text(fl!("contacts-numbers")).font(font::BOLD));
    if contact.phones.is_empty() {
        card = card.push(text(fl!("contacts-no-numbers")).style(theme::text::muted));
    }
    for phone in &contact.phones {
        let mut line = row![text(international(&phone.number)).width(180)]
            .spacing(12)
            .align_y(Alignment::Center);
        if !phone.label.is_empty() {
            line = line.push(text(&phone.label).size(13).style(theme::text::muted));
        }
        line = line.push(space().width(Length::Fill)).push(
            button(text(fl!("contacts-call")).size(13))
                .padding([5, 12])
                .style(theme::button::item)
                .on_press_maybe(may_call.then(|| Message::Call {
                    number: phone.number.clone(),
                    name: contact.name.clone(),
                })),
        );
        card = card.push(line);
    }
    card = card.push(text(fl!("contacts-emails")).font(font::BOLD));
    if contact.emails.is_empty() {
        card = card.push(text(fl!("contacts-no-emails")).style(theme::text::muted));
    }
    for email in &contact.emails {
        card = card.push(text(email));
    }
    card = card.push(
        row![
            button(text(fl!("contacts-open-conversation")))
                .padding([8, 16])
                .style(theme::button::primary)
                .on_press(Message::OpenConversation),
            button(text(fl!("contacts-edit")))
                .padding([8, 16])
                .style(theme::button::item)
                .on_press(Message::Edit),
            button(text(fl!("contacts-merge")))
                .padding([8, 16])
                .style(theme::button::item)
                .on_press(Message::MergeStarted),
        ]
        .spacing(10),
    );
    scrollable(card.max_width(620)).into()
}

/// Finding the contact that is the same person as `contact`, and confirming the merge.
fn merging<'a>(contact: &'a Contact, merge: &'a Merge) -> Element<'a, Message> {
    let mut panel = column![
        text(fl!("contacts-merge-title", name = contact.name.clone()))
            .size(18)
            .font(font::BOLD),
        text(fl!("contacts-merge-explain"))
            .size(13)
            .style(theme::text::muted),
        text_input(&fl!("contacts-search"), &merge.search.query)
            .id("contacts-merge-search")
            .on_input_maybe((!merge.merging).then_some(Message::MergeQueryChanged))
            .padding(8),
    ]
    .spacing(10);
    let cancel = button(text(fl!("call-contact-cancel")))
        .padding([8, 16])
        .style(theme::button::item)
        .on_press_maybe((!merge.merging).then_some(Message::Cancelled));
    let Some(other) = &merge.picked else {
        return panel
            .push(results(&merge.search, None, Message::MergePicked))
            .push(cancel)
            .max_width(620)
            .into();
    };
    panel = panel.push(
        container(
            column![
                text(fl!(
                    "contacts-merge-confirm",
                    other = other.name.clone(),
                    name = contact.name.clone()
                )),
                summary(other),
            ]
            .spacing(8),
        )
        .padding(10)
        .width(Length::Fill)
        .style(theme::container::highlight),
    );
    if let Some(problem) = &merge.problem {
        panel = panel.push(
            container(text(problem.clone()).size(13))
                .padding(8)
                .width(Length::Fill)
                .style(theme::container::error_banner),
        );
    }
    let label = if merge.merging {
        fl!("contacts-merging")
    } else {
        fl!("contacts-merge-do")
    };
    let merge_button = button(text(label))
        .padding([8, 16])
        .style(theme::button::primary)
        .on_press_maybe((!merge.merging).then_some(Message::MergeConfirmed));
    panel
        .push(row![merge_button, cancel].spacing(10))
        .max_width(620)
        .into()
}
