//! Who calls from the phone network, as Contacts (and the CRMs) know them: looked up when
//! the call rings, added as a contact when unknown, with their past interactions.

use iced::widget::{button, column, row, text, text_input};
use iced::{Length, Task};
use switchboard_protocol::{CallRecord, Contact, Id};

use super::bar::action;
use super::{Action, Context, Message, Phone};
use crate::widget::{Element, international};
use crate::{fl, font, theme};

/// The contacts with the caller's number, for one call.
#[derive(Debug, Clone)]
pub(super) struct Caller {
    pub(super) call: Id,
    pub(super) number: String,
    pub(super) lookup: Lookup,
    /// An unknown caller being added to Contacts.
    pub(super) form: Option<ContactForm>,
    /// The contact's past interactions (once the contact is known).
    pub(super) past: Option<Result<Vec<CallRecord>, String>>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct ContactForm {
    name: String,
    company: String,
    saving: bool,
    error: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) enum Lookup {
    Pending,
    Found(Vec<Contact>),
    Failed(String),
}

impl Phone {
    /// What the agent does with the caller's contact (and what the hub answers).
    pub(super) fn update_caller(&mut self, message: Message, cx: &Context<'_>) -> Action {
        match message {
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
            _ => {}
        }
        Action::None
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
    pub(super) fn load_past(&mut self, call: Id, cx: &Context<'_>) -> Action {
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

/// The contact with the caller's number, and a badge for each place that knows them.
pub(super) fn contact_card<'a>(number: &str, lookup: Option<&'a Lookup>) -> Element<'a, Message> {
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
                    // Contacts' own badge opens inside the workspace; integrations open in
                    // their CRM.
                    let open = if badge.url.is_empty() {
                        Message::ShowContact(contact.id)
                    } else {
                        Message::OpenLink(badge.url.clone())
                    };
                    badges = badges.push(
                        button(text(badge.label.clone()).size(12))
                            .padding([3, 10])
                            .style(theme::button::item)
                            .on_press(open),
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
pub(super) fn contact_form<'a>(number: &str, form: &'a ContactForm) -> Element<'a, Message> {
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
