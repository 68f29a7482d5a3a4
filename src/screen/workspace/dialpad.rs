//! The dial pad (F-10–F-14): keys and typed or pasted input, a country picker starting at
//! the account's default (the agent's own choice is remembered), live E.164 normalisation
//! with the national format shown, the contact the number belongs to (looked up at the hub
//! once typing pauses, then cached), the caller ID the call will show, and Call.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use iced::widget::{button, column, container, pick_list, row, text, text_input};
use iced::{Alignment, Length, Task};
use phonenumber::Mode;
use switchboard_client::{Error, Hub};
use switchboard_protocol::{CallerId, Contact, Id, Target};

use crate::widget::{self, Element};
use crate::{fl, font, theme};

/// How long typing must pause before the number is looked up.
const LOOKUP_AFTER: Duration = Duration::from_millis(300);
/// Longest input kept (a number with an extension fits easily).
const MAX_INPUT: usize = 40;

/// A country as the picker shows it: its ISO code and calling code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    pub id: String,
    pub code: u16,
}

impl std::fmt::Display for Country {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} +{}", self.id, self.code)
    }
}

/// Every region phone numbers know, by ISO code.
static COUNTRIES: LazyLock<Vec<Country>> = LazyLock::new(|| {
    let mut all: Vec<Country> = phonenumber::metadata::DATABASE
        .iter()
        .filter(|meta| meta.id().len() == 2 && meta.id().chars().all(|c| c.is_ascii_uppercase()))
        .map(|meta| Country {
            id: meta.id().to_owned(),
            code: meta.country_code(),
        })
        .collect();
    all.sort_by(|a, b| a.id.cmp(&b.id));
    all
});

/// What the typed input reads as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    Empty,
    /// Not (yet) a number of the chosen country.
    Invalid,
    Valid {
        e164: String,
        national: String,
    },
}

/// Reads `input` as a number of `country` (an international `+…` form overrides it).
pub fn read(input: &str, country: &str) -> Reading {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Reading::Empty;
    }
    let id = country.parse::<phonenumber::country::Id>().ok();
    match phonenumber::parse(id, trimmed) {
        Ok(number) if phonenumber::is_valid(&number) => Reading::Valid {
            e164: number.format().mode(Mode::E164).to_string(),
            national: number.format().mode(Mode::National).to_string(),
        },
        _ => Reading::Invalid,
    }
}

#[derive(Debug, Clone)]
pub struct DialPad {
    input: String,
    country: String,
    reading: Reading,
    /// Contacts found per E.164 number (`None`: nobody has it).
    contacts: HashMap<String, Option<Contact>>,
    caller_id: Option<Id>,
}

#[derive(Debug, Clone)]
pub enum Message {
    InputChanged(String),
    Key(char),
    Backspace,
    CountryPicked(Country),
    CallerIdPicked(CallerIdChoice),
    /// Typing paused on this number: look it up unless known.
    LookupDue(String),
    LookedUp(String, Result<Vec<Contact>, Error>),
    Call,
}

pub enum Action {
    None,
    Run(Task<Message>),
    /// The agent picked another country: remember it (and run the lookup, if any, the
    /// number now reads as).
    CountryPicked(String, Task<Message>),
    Call {
        target: Target,
        name: String,
    },
}

/// A caller ID in the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdChoice(pub CallerId);

impl std::fmt::Display for CallerIdChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.0.label, self.0.number)
    }
}

impl DialPad {
    /// `country`: the agent's remembered choice, else the account's default.
    pub fn new(country: &str, caller_ids: &[CallerId]) -> Self {
        Self {
            input: String::new(),
            country: country.to_ascii_uppercase(),
            reading: Reading::Empty,
            contacts: HashMap::new(),
            caller_id: caller_ids.first().map(|c| c.id),
        }
    }

    pub fn reading(&self) -> &Reading {
        &self.reading
    }

    pub fn country(&self) -> &str {
        &self.country
    }

    /// The contact the current number belongs to, once known.
    pub fn contact(&self) -> Option<&Contact> {
        match &self.reading {
            Reading::Valid { e164, .. } => self.contacts.get(e164)?.as_ref(),
            _ => None,
        }
    }

    pub fn update(&mut self, message: Message, hub: &Hub, token: &str) -> Action {
        match message {
            Message::InputChanged(input) => return self.set_input(input),
            Message::Key(key) => {
                let mut input = self.input.clone();
                input.push(key);
                return self.set_input(input);
            }
            Message::Backspace => {
                let mut input = self.input.clone();
                input.pop();
                return self.set_input(input);
            }
            Message::CountryPicked(country) => {
                self.country = country.id.clone();
                let lookup = match self.reread() {
                    Action::Run(task) => task,
                    _ => Task::none(),
                };
                return Action::CountryPicked(country.id, lookup);
            }
            Message::CallerIdPicked(choice) => self.caller_id = Some(choice.0.id),
            Message::LookupDue(e164) => {
                let current =
                    matches!(&self.reading, Reading::Valid { e164: now, .. } if *now == e164);
                if current && !self.contacts.contains_key(&e164) {
                    let (hub, token) = (hub.clone(), token.to_owned());
                    let number = e164.clone();
                    return Action::Run(Task::perform(
                        async move { hub.lookup_contacts(&token, &number).await },
                        move |result| Message::LookedUp(e164.clone(), result),
                    ));
                }
            }
            Message::LookedUp(e164, Ok(found)) => {
                self.contacts.insert(e164, found.into_iter().next());
            }
            // A failed lookup only costs the name; the number can still be called.
            Message::LookedUp(_, Err(error)) => {
                tracing::warn!(%error, "contact lookup failed");
            }
            Message::Call => {
                if let Reading::Valid { e164, national } = &self.reading {
                    let name = self
                        .contact()
                        .map(|c| c.name.clone())
                        .unwrap_or_else(|| national.clone());
                    return Action::Call {
                        target: Target::Number {
                            e164: e164.clone(),
                            caller_id: self.caller_id,
                        },
                        name,
                    };
                }
            }
        }
        Action::None
    }

    /// The caller ID picked for calls to numbers.
    pub fn caller_id(&self) -> Option<Id> {
        self.caller_id
    }

    fn set_input(&mut self, input: String) -> Action {
        // Keep what a phone number can hold; pasted text loses letters and symbols.
        self.input = input
            .chars()
            .filter(|c| c.is_ascii_digit() || " +-().*#".contains(*c))
            .take(MAX_INPUT)
            .collect();
        self.reread()
    }

    /// Reads the input again; a new valid number is looked up once typing pauses.
    fn reread(&mut self) -> Action {
        self.reading = read(&self.input, &self.country);
        match &self.reading {
            Reading::Valid { e164, .. } if !self.contacts.contains_key(e164) => {
                let e164 = e164.clone();
                Action::Run(Task::perform(
                    async move {
                        tokio::time::sleep(LOOKUP_AFTER).await;
                        e164
                    },
                    Message::LookupDue,
                ))
            }
            _ => Action::None,
        }
    }

    pub fn view<'a>(
        &'a self,
        caller_ids: &'a [CallerId],
        can_choose_caller_id: bool,
    ) -> Element<'a, Message> {
        let country = COUNTRIES.iter().find(|c| c.id == self.country).cloned();
        let entry = row![
            pick_list(COUNTRIES.as_slice(), country, Message::CountryPicked).width(110),
            text_input(&fl!("dialpad-placeholder"), &self.input)
                .on_input(Message::InputChanged)
                .on_paste(Message::InputChanged)
                .on_submit(Message::Call)
                .size(20)
                .padding(8)
                .width(Length::Fill),
            button(text(fl!("dialpad-delete")).size(14))
                .padding([10, 12])
                .style(theme::button::item)
                .on_press_maybe((!self.input.is_empty()).then_some(Message::Backspace)),
        ]
        .spacing(8)
        .align_y(Alignment::Center);

        let reading: Element<'_, Message> = match &self.reading {
            Reading::Empty => text(fl!("dialpad-hint")).style(theme::text::muted).into(),
            Reading::Invalid => text(fl!("dialpad-invalid", country = self.country.clone()))
                .style(theme::text::danger)
                .into(),
            Reading::Valid { e164, national } => {
                let who = match self.contacts.get(e164) {
                    Some(Some(contact)) => text(contact.name.clone()).font(font::BOLD),
                    Some(None) => text(fl!("dialpad-unknown")).style(theme::text::muted),
                    None => text(fl!("dialpad-looking-up")).style(theme::text::muted),
                };
                column![
                    who,
                    text(fl!(
                        "dialpad-formatted",
                        national = national.clone(),
                        e164 = e164.clone()
                    ))
                    .style(theme::text::muted),
                ]
                .spacing(2)
                .into()
            }
        };

        let keys = widget::keypad(72.0, 22.0, Message::Key);

        let selected = caller_ids
            .iter()
            .find(|c| Some(c.id) == self.caller_id)
            .or(caller_ids.first());
        let caller_id: Element<'_, Message> = match selected {
            None => text(fl!("dialpad-no-caller-id"))
                .style(theme::text::muted)
                .into(),
            Some(current) if can_choose_caller_id => {
                let choices: Vec<CallerIdChoice> =
                    caller_ids.iter().cloned().map(CallerIdChoice).collect();
                // Label above the picker: in some languages both do not fit on one line of
                // the dial pad's width.
                column![
                    text(fl!("dialpad-caller-id")).size(13),
                    pick_list(
                        choices,
                        Some(CallerIdChoice(current.clone())),
                        Message::CallerIdPicked
                    ),
                ]
                .spacing(4)
                .into()
            }
            Some(current) => text(fl!(
                "dialpad-calls-out-as",
                label = current.label.clone(),
                number = current.number.clone()
            ))
            .style(theme::text::muted)
            .into(),
        };

        let valid = matches!(self.reading, Reading::Valid { .. });
        let call = button(text(fl!("dialpad-call")).size(16).center())
            .width(232)
            .padding([10, 0])
            .style(theme::button::primary)
            .on_press_maybe(valid.then_some(Message::Call));

        container(
            // The reading keeps its height, so the keys never move under the pointer.
            column![entry, container(reading).height(42), keys, caller_id, call]
                .spacing(14)
                .width(420),
        )
        .into()
    }
}
