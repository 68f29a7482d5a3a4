//! A contact's card being edited: name, company, numbers (with labels) and addresses.

use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Length};
use switchboard_protocol::{Contact, ContactPhone, NewContact};

use crate::widget::{Element, international};
use crate::{fl, font, theme};

/// As many numbers and addresses as the hub keeps for a contact.
const MAX_EACH: usize = 20;

#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub name: String,
    pub company: String,
    /// (number as typed, label)
    pub phones: Vec<(String, String)>,
    pub emails: Vec<String>,
    pub saving: bool,
    /// Why the hub refused the last save, or what is missing.
    pub problem: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Name(String),
    Company(String),
    Number(usize, String),
    Label(usize, String),
    AddNumber,
    RemoveNumber(usize),
    Email(usize, String),
    AddEmail,
    RemoveEmail(usize),
    Save,
}

impl Form {
    pub fn of(contact: &Contact) -> Self {
        Self {
            name: contact.name.clone(),
            company: contact.company.clone(),
            phones: contact
                .phones
                .iter()
                .map(|p| (international(&p.number), p.label.clone()))
                .collect(),
            emails: contact.emails.clone(),
            saving: false,
            problem: None,
        }
    }

    /// Applies an edit; answers the contact to save when the agent saves a card that has a
    /// name (blank numbers and addresses are left out; the hub checks the rest).
    pub fn update(&mut self, message: Message) -> Option<NewContact> {
        match message {
            Message::Name(name) => self.name = name,
            Message::Company(company) => self.company = company,
            Message::Number(i, number) => {
                if let Some(phone) = self.phones.get_mut(i) {
                    phone.0 = number;
                }
            }
            Message::Label(i, label) => {
                if let Some(phone) = self.phones.get_mut(i) {
                    phone.1 = label;
                }
            }
            Message::AddNumber if self.phones.len() < MAX_EACH => {
                self.phones.push(Default::default());
            }
            Message::RemoveNumber(i) if i < self.phones.len() => {
                self.phones.remove(i);
            }
            Message::Email(i, email) => {
                if let Some(address) = self.emails.get_mut(i) {
                    *address = email;
                }
            }
            Message::AddEmail if self.emails.len() < MAX_EACH => {
                self.emails.push(String::new());
            }
            Message::RemoveEmail(i) if i < self.emails.len() => {
                self.emails.remove(i);
            }
            Message::Save if !self.saving => {
                if self.name.trim().is_empty() {
                    self.problem = Some(fl!("call-contact-name-needed"));
                    return None;
                }
                self.saving = true;
                self.problem = None;
                return Some(NewContact {
                    name: self.name.trim().to_owned(),
                    company: self.company.trim().to_owned(),
                    phones: self
                        .phones
                        .iter()
                        .filter(|(number, _)| !number.trim().is_empty())
                        .map(|(number, label)| ContactPhone {
                            number: number.trim().to_owned(),
                            label: label.trim().to_owned(),
                        })
                        .collect(),
                    emails: self
                        .emails
                        .iter()
                        .map(|e| e.trim().to_owned())
                        .filter(|e| !e.is_empty())
                        .collect(),
                });
            }
            Message::AddNumber
            | Message::RemoveNumber(_)
            | Message::AddEmail
            | Message::RemoveEmail(_)
            | Message::Save => {}
        }
        None
    }

    /// The hub refused the card: say why, and let the agent correct it.
    pub fn refused(&mut self, reason: String) {
        self.saving = false;
        self.problem = Some(reason);
    }

    pub fn view(&self) -> Element<'_, super::Message> {
        let editable = !self.saving;
        let input = |placeholder: String, value: &str, id: String| {
            text_input(&placeholder, value).id(id).padding(8)
        };
        let mut card = column![
            text(fl!("contacts-edit-title")).size(18).font(font::BOLD),
            input(fl!("call-contact-name"), &self.name, "contact-name".into())
                .on_input_maybe(editable.then_some(|s| super::Message::Form(Message::Name(s))))
                .on_submit(super::Message::Form(Message::Save)),
            input(
                fl!("call-contact-company"),
                &self.company,
                "contact-company".into()
            )
            .on_input_maybe(editable.then_some(|s| super::Message::Form(Message::Company(s)))),
            text(fl!("contacts-numbers")).font(font::BOLD),
        ]
        .spacing(10);
        for (i, (number, label)) in self.phones.iter().enumerate() {
            card = card.push(
                row![
                    input(
                        fl!("contacts-number"),
                        number,
                        format!("contact-number-{i}")
                    )
                    .on_input_maybe(
                        editable.then_some(move |s| super::Message::Form(Message::Number(i, s)))
                    )
                    .width(Length::FillPortion(3)),
                    input(fl!("contacts-label"), label, format!("contact-label-{i}"))
                        .on_input_maybe(
                            editable.then_some(move |s| super::Message::Form(Message::Label(i, s)))
                        )
                        .width(Length::FillPortion(2)),
                    remove(editable.then_some(super::Message::Form(Message::RemoveNumber(i)))),
                ]
                .spacing(8)
                .align_y(Alignment::Center),
            );
        }
        card = card.push(add(
            fl!("contacts-add-number"),
            (editable && self.phones.len() < MAX_EACH)
                .then_some(super::Message::Form(Message::AddNumber)),
        ));
        card = card.push(text(fl!("contacts-emails")).font(font::BOLD));
        for (i, email) in self.emails.iter().enumerate() {
            card = card.push(
                row![
                    input(fl!("contacts-email"), email, format!("contact-email-{i}"))
                        .on_input_maybe(
                            editable.then_some(move |s| super::Message::Form(Message::Email(i, s)))
                        ),
                    remove(editable.then_some(super::Message::Form(Message::RemoveEmail(i)))),
                ]
                .spacing(8)
                .align_y(Alignment::Center),
            );
        }
        card = card.push(add(
            fl!("contacts-add-email"),
            (editable && self.emails.len() < MAX_EACH)
                .then_some(super::Message::Form(Message::AddEmail)),
        ));
        if let Some(problem) = &self.problem {
            card = card.push(
                container(text(problem.clone()).size(13))
                    .padding(8)
                    .width(Length::Fill)
                    .style(theme::container::error_banner),
            );
        }
        let save = if self.saving {
            fl!("contacts-saving")
        } else {
            fl!("contacts-save")
        };
        card = card.push(
            row![
                button(text(save))
                    .padding([8, 16])
                    .style(theme::button::primary)
                    .on_press_maybe(editable.then_some(super::Message::Form(Message::Save))),
                button(text(fl!("call-contact-cancel")))
                    .padding([8, 16])
                    .style(theme::button::item)
                    .on_press_maybe(editable.then_some(super::Message::Cancelled)),
                space().width(Length::Fill),
            ]
            .spacing(10),
        );
        scrollable(card.max_width(620).padding(iced::Padding {
            right: 14.0,
            ..iced::Padding::ZERO
        }))
        .into()
    }
}

fn remove<'a>(press: Option<super::Message>) -> Element<'a, super::Message> {
    button(text(fl!("contacts-remove")).size(12))
        .padding([6, 10])
        .style(theme::button::item)
        .on_press_maybe(press)
        .into()
}

fn add<'a>(label: String, press: Option<super::Message>) -> Element<'a, super::Message> {
    button(text(label).size(13))
        .padding([6, 12])
        .style(theme::button::item)
        .on_press_maybe(press)
        .into()
}
