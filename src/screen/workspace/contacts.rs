//! Contacts: the account's contacts found by name, company, number or address (three
//! characters at least), one shown with its numbers and addresses, its conversation opened,
//! its card edited, or merged with another contact found to be the same person.

mod card;
mod form;

use iced::Task;
use switchboard_client::{Error, Hub};
use switchboard_protocol::{Contact, Id, Target, Thread};

pub use form::Form;

/// Fewer characters than this say too little to search for.
pub const MIN_QUERY: usize = 3;

#[derive(Debug, Clone, Default)]
pub struct Contacts {
    search: Search,
    /// The contact shown beside the list.
    shown: Option<Shown>,
}

/// A search as typed, and what the hub found for it.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub query: String,
    pub found: Found,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Found {
    /// Fewer than [`MIN_QUERY`] characters typed.
    #[default]
    TooShort,
    Searching,
    Contacts(Vec<Contact>),
    Failed(String),
}

// One per screen, and mostly a contact: boxing it would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Shown {
    Loading(Id),
    Failed(Id, String),
    Contact { contact: Contact, mode: Mode },
}

/// What is being done with the contact shown.
#[derive(Debug, Clone, Default)]
pub enum Mode {
    #[default]
    Reading,
    Editing(Form),
    /// Looking for the contact that is the same person.
    Merging(Merge),
}

#[derive(Debug, Clone, Default)]
pub struct Merge {
    pub search: Search,
    /// The one picked: to be confirmed.
    pub picked: Option<Contact>,
    pub merging: bool,
    pub problem: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Message {
    QueryChanged(String),
    Found(String, Result<Vec<Contact>, Error>),
    Picked(Id),
    Loaded(Id, Result<Contact, Error>),
    OpenConversation,
    Call {
        number: String,
        name: String,
    },
    Edit,
    Form(form::Message),
    Saved(Result<Contact, Error>),
    MergeStarted,
    MergeQueryChanged(String),
    MergeFound(String, Result<Vec<Contact>, Error>),
    MergePicked(Id),
    MergeConfirmed,
    /// The merge is done: the contact left (the one shown).
    Merged(Result<Id, Error>),
    /// Back to reading the contact (the form or the merge left as they were).
    Cancelled,
}

pub enum Action {
    None,
    Run(Task<Message>),
    /// The hub no longer accepts the session.
    Failed(Error),
    /// Open this contact's conversation (the Conversations screen finds or makes it).
    OpenConversation(Id),
    Call {
        target: Target,
        name: String,
    },
}

impl Contacts {
    pub fn search(&self) -> &Search {
        &self.search
    }

    pub fn shown(&self) -> Option<&Shown> {
        self.shown.as_ref()
    }

    /// The contact shown, if it has loaded.
    pub fn contact(&self) -> Option<&Contact> {
        match &self.shown {
            Some(Shown::Contact { contact, .. }) => Some(contact),
            _ => None,
        }
    }

    /// Shows this contact (from a call's Contacts badge, or the list).
    pub fn show(&mut self, id: Id, hub: &Hub, token: &str) -> Task<Message> {
        self.shown = Some(Shown::Loading(id));
        fetch(id, hub, token)
    }

    pub fn update(&mut self, message: Message, hub: &Hub, token: &str) -> Action {
        match message {
            Message::QueryChanged(query) => {
                let task = search(&mut self.search, query, hub, token);
                return run(task.map(|(q, r)| Message::Found(q, r)));
            }
            Message::Found(query, result) => {
                if let Some(error) = found(&mut self.search, query, result) {
                    return Action::Failed(error);
                }
            }
            Message::Picked(id) => return Action::Run(self.show(id, hub, token)),
            Message::Loaded(id, result) => {
                // Only the contact still wanted.
                let wanted = match &self.shown {
                    Some(Shown::Loading(loading)) => *loading == id,
                    Some(Shown::Contact { contact, .. }) => contact.id == id,
                    _ => false,
                };
                if !wanted {
                    return Action::None;
                }
                match result {
                    Ok(contact) => self.loaded(contact),
                    Err(error) if error.is_session_lost() => return Action::Failed(error),
                    Err(error) => {
                        self.shown = Some(Shown::Failed(id, super::super::describe(&error)));
                    }
                }
            }
            Message::OpenConversation => {
                if let Some(contact) = self.contact() {
                    return Action::OpenConversation(contact.id);
                }
            }
            Message::Call { number, name } => {
                return Action::Call {
                    target: Target::Number {
                        e164: number,
                        caller_id: None,
                    },
                    name,
                };
            }
            Message::Edit => {
                if let Some(Shown::Contact { contact, mode }) = &mut self.shown {
                    *mode = Mode::Editing(Form::of(contact));
                }
            }
            Message::Form(message) => {
                let Some(Shown::Contact {
                    contact,
                    mode: Mode::Editing(form),
                }) = &mut self.shown
                else {
                    return Action::None;
                };
                if let Some(edit) = form.update(message) {
                    let (hub, token, id) = (hub.clone(), token.to_owned(), contact.id);
                    return run(Task::perform(
                        async move { hub.update_contact(&token, id, &edit).await },
                        Message::Saved,
                    ));
                }
            }
            Message::Saved(Ok(contact)) => {
                // The list shows the new name too.
                if let Found::Contacts(listed) = &mut self.search.found
                    && let Some(entry) = listed.iter_mut().find(|c| c.id == contact.id)
                {
                    *entry = contact.clone();
                }
                self.shown = Some(Shown::Contact {
                    contact,
                    mode: Mode::Reading,
                });
            }
            Message::Saved(Err(error)) => {
                if error.is_session_lost() {
                    return Action::Failed(error);
                }
                if let Some(Shown::Contact {
                    mode: Mode::Editing(form),
                    ..
                }) = &mut self.shown
                {
                    form.refused(super::super::describe(&error));
                }
            }
            Message::MergeStarted => {
                if let Some(Shown::Contact { mode, .. }) = &mut self.shown {
                    *mode = Mode::Merging(Merge::default());
                }
            }
            Message::MergeQueryChanged(query) => {
                if let Some(merge) = self.merge() {
                    merge.picked = None;
                    let task = search(&mut merge.search, query, hub, token);
                    return run(task.map(|(q, r)| Message::MergeFound(q, r)));
                }
            }
            Message::MergeFound(query, result) => {
                let me = self.contact().map(|c| c.id);
                if let Some(merge) = self.merge()
                    && let Some(error) = found(&mut merge.search, query, result)
                {
                    return Action::Failed(error);
                }
                // The contact shown cannot be merged with itself: it is not offered.
                if let Some(merge) = self.merge()
                    && let Found::Contacts(listed) = &mut merge.search.found
                {
                    listed.retain(|c| Some(c.id) != me);
                }
            }
            Message::MergePicked(id) => {
                if let Some(merge) = self.merge()
                    && let Found::Contacts(found) = &merge.search.found
                {
                    merge.picked = found.iter().find(|c| c.id == id).cloned();
                    merge.problem = None;
                }
            }
            Message::MergeConfirmed => {
                let into = self.contact().map(|c| c.id);
                if let (Some(into), Some(merge)) = (into, self.merge())
                    && let Some(from) = merge.picked.as_ref().map(|c| c.id)
                    && !merge.merging
                {
                    merge.merging = true;
                    let (hub, token) = (hub.clone(), token.to_owned());
                    return run(Task::perform(
                        async move {
                            let thread = hub.merge_contacts(&token, into, from).await?;
                            Ok(thread.contact_id)
                        },
                        Message::Merged,
                    ));
                }
            }
            Message::Merged(Ok(survivor)) => {
                let from = self
                    .merge()
                    .and_then(|merge| merge.picked.as_ref().map(|c| c.id));
                if let (Some(from), Found::Contacts(listed)) = (from, &mut self.search.found) {
                    listed.retain(|c| c.id != from);
                }
                // Its numbers and addresses are the survivor's now.
                return run(self.show(survivor, hub, token));
            }
            Message::Merged(Err(error)) => {
                if error.is_session_lost() {
                    return Action::Failed(error);
                }
                if let Some(merge) = self.merge() {
                    merge.merging = false;
                    merge.problem = Some(super::super::describe(&error));
                }
            }
            Message::Cancelled => {
                if let Some(Shown::Contact { mode, .. }) = &mut self.shown {
                    *mode = Mode::Reading;
                }
            }
        }
        Action::None
    }

    fn loaded(&mut self, contact: Contact) {
        // A fresh copy of the one being edited or merged keeps what the agent was doing.
        let mode = match self.shown.take() {
            Some(Shown::Contact { contact: old, mode }) if old.id == contact.id => mode,
            _ => Mode::Reading,
        };
        self.shown = Some(Shown::Contact { contact, mode });
    }

    fn merge(&mut self) -> Option<&mut Merge> {
        match &mut self.shown {
            Some(Shown::Contact {
                mode: Mode::Merging(merge),
                ..
            }) => Some(merge),
            _ => None,
        }
    }

    /// Contact `from` was merged into `into` (here or by a colleague): shown, it becomes
    /// `into`; listed, it goes.
    pub fn merged(&mut self, from: Id, into: Id, hub: &Hub, token: &str) -> Task<Message> {
        if let Found::Contacts(listed) = &mut self.search.found {
            listed.retain(|c| c.id != from);
        }
        let shown = match &self.shown {
            Some(Shown::Contact { contact, .. }) => Some(contact.id),
            Some(Shown::Loading(id) | Shown::Failed(id, _)) => Some(*id),
            None => None,
        };
        if shown == Some(from) {
            return self.show(into, hub, token);
        }
        if shown == Some(into) {
            // It gained numbers and addresses.
            return fetch(into, hub, token);
        }
        Task::none()
    }

    /// A contact's conversation changed; its name may have (edited by a colleague).
    pub fn renamed(&mut self, thread: &Thread, hub: &Hub, token: &str) -> Task<Message> {
        let stale = |c: &Contact| c.id == thread.contact_id && c.name != thread.contact_name;
        if let Found::Contacts(listed) = &mut self.search.found
            && let Some(entry) = listed.iter_mut().find(|c| stale(c))
        {
            entry.name = thread.contact_name.clone();
        }
        match self.contact() {
            // Its numbers may have changed with it: read it again.
            Some(contact) if stale(contact) => fetch(contact.id, hub, token),
            _ => Task::none(),
        }
    }
}

/// Reads a contact from the hub again.
fn fetch(id: Id, hub: &Hub, token: &str) -> Task<Message> {
    let (hub, token) = (hub.clone(), token.to_owned());
    Task::perform(async move { hub.contact(&token, id).await }, move |r| {
        Message::Loaded(id, r)
    })
}

fn run(task: Task<Message>) -> Action {
    Action::Run(task)
}

/// The query typed; a search of the hub when it says enough (its answer names its query,
/// so a slow answer to an older one is ignored).
fn search(
    search: &mut Search,
    query: String,
    hub: &Hub,
    token: &str,
) -> Task<(String, Result<Vec<Contact>, Error>)> {
    search.query = query;
    let text = search.query.trim().to_owned();
    if text.chars().count() < MIN_QUERY {
        search.found = Found::TooShort;
        return Task::none();
    }
    if !matches!(search.found, Found::Contacts(_)) {
        search.found = Found::Searching;
    }
    let (hub, token) = (hub.clone(), token.to_owned());
    Task::perform(
        async move {
            let result = hub.search_contacts(&token, &text).await;
            (text, result)
        },
        |answer| answer,
    )
}

/// Keeps the hub's answer if it is for what is typed now; a lost session is handed back.
fn found(search: &mut Search, query: String, result: Result<Vec<Contact>, Error>) -> Option<Error> {
    if query != search.query.trim() {
        return None;
    }
    match result {
        Ok(contacts) => search.found = Found::Contacts(contacts),
        Err(error) if error.is_session_lost() => return Some(error),
        Err(error) => search.found = Found::Failed(super::super::describe(&error)),
    }
    None
}
