//! Conversations (F-50, F-51): the agent's inbox — their conversations and those waiting in
//! their groups — and the thread opened from it, with a composer whose messages are kept on
//! this machine until the hub has them (sent once, after a restart too), canned replies, and
//! take / hand on / resolve.

mod composer;
mod events;
mod files;
mod handing;
mod inbox;
mod thread;
mod view;

pub use composer::Canned;
pub use handing::{HandTo, Pick};

pub use thread::{PAGE, WINDOW};

use std::collections::HashSet;

use iced::Task;
use iced::widget::{scrollable, text_editor};
use switchboard_client::api::conversations::{Kind, Page};
use switchboard_client::outbox::{self, Outbox, Outgoing};
use switchboard_client::{Error, Hub};
use switchboard_protocol::{
    AgentSummary, AssignEpisode, Attachment, CannedReply, Disposition, EpisodeState, Id,
    MAX_MESSAGE_CHARS, Message as Sent, MessagePage, RingGroup, Thread,
};
use time::OffsetDateTime;

use crate::fl;

/// How often, at most, colleagues and the customer are told the agent is typing.
const TYPING_EVERY_SECS: i64 = 3;

/// What the conversations need from the workspace.
pub struct Context<'a> {
    pub hub: &'a Hub,
    /// What the outbox knows this hub as (see [`outbox::hub_name`]).
    pub hub_name: String,
    pub token: &'a str,
    pub me: Id,
    pub now: OffsetDateTime,
}

#[derive(Debug)]
pub struct Conversations {
    outbox: Outbox,
    inbox: Vec<Thread>,
    /// Whether the inbox was fetched once, and whether a fetch is in flight (and another is
    /// owed after it).
    loaded: bool,
    fetching: bool,
    fetch_again: bool,
    /// Conversations already announced as waiting (each rings once).
    announced: HashSet<Id>,
    open: Option<thread::Open>,
    composer: text_editor::Content,
    kind: Kind,
    /// When the customer was last told the agent is typing.
    typing_sent: Option<OffsetDateTime>,
    /// Resolving: the disposition asked for.
    resolving: Option<Option<Id>>,
    /// Handing on: to whom.
    handing: Option<Option<HandTo>>,
    /// The outbox is being sent (after a start or a reconnection).
    resending: bool,
    problem: Option<String>,
    files: files::Files,
}

impl Clone for Conversations {
    fn clone(&self) -> Self {
        Self {
            outbox: self.outbox.clone(),
            inbox: self.inbox.clone(),
            loaded: self.loaded,
            fetching: self.fetching,
            fetch_again: self.fetch_again,
            announced: self.announced.clone(),
            open: self.open.clone(),
            composer: text_editor::Content::with_text(&self.composer.text()),
            kind: self.kind,
            typing_sent: self.typing_sent,
            resolving: self.resolving,
            handing: self.handing.clone(),
            resending: self.resending,
            problem: self.problem.clone(),
            files: self.files.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    InboxLoaded(Result<Vec<Thread>, Error>),
    Opened(Id),
    /// A contact's thread, found or made (from Contacts).
    ThreadFound(Result<Thread, Error>),
    Paged(Id, Page, Result<MessagePage, Error>),
    /// The agent's messages in a thread that the hub does not have yet.
    OutboxRead(Id, Result<Vec<Outgoing>, Error>),
    CannedLoaded(Id, Result<Vec<CannedReply>, Error>),
    Scrolled(scrollable::Viewport),
    Edited(text_editor::Action),
    KindPicked(Kind),
    CannedPicked(Canned),
    Send,
    /// The message is kept on this machine: now it goes to the hub.
    Kept(Outgoing, Result<(), Error>),
    Delivered(Outgoing, Result<Sent, Error>),
    Retry(String),
    Discard(String),
    Retried(Result<Option<Outgoing>, Error>),
    Discarded(String, Result<(), Error>),
    /// The outbox was sent after a start or a reconnection: what reached the hub.
    Resent(Result<Vec<Sent>, Error>),
    Take(Id),
    ResolveAsked,
    DispositionPicked(Pick),
    ResolveConfirmed,
    HandAsked,
    HandToPicked(HandTo),
    HandConfirmed,
    Cancel,
    /// The hub's answer to take, resolve or hand on.
    Changed(Result<Thread, Error>),
    Told(Result<(), Error>),
    Read(Result<Thread, Error>),
    Close,
    ProblemDismissed,
    /// Save a file sent in the conversation on this computer.
    Save(Attachment),
    FileSaved(Attachment, Result<std::path::PathBuf, String>),
    FileNoticeDismissed,
}

pub enum Action {
    None,
    Run(Task<Message>),
    /// The session is gone.
    Failed(Error),
    /// A conversation is waiting for someone to take it: notify (the window may be hidden).
    Waiting {
        name: String,
    },
}

impl Conversations {
    pub fn new(outbox: Outbox) -> Self {
        Self {
            outbox,
            inbox: Vec::new(),
            loaded: false,
            fetching: false,
            fetch_again: false,
            announced: HashSet::new(),
            open: None,
            composer: text_editor::Content::new(),
            kind: Kind::Reply,
            typing_sent: None,
            resolving: None,
            handing: None,
            resending: false,
            problem: None,
            files: files::Files::default(),
        }
    }

    pub fn inbox(&self) -> &[Thread] {
        &self.inbox
    }

    pub fn open_thread(&self) -> Option<&Thread> {
        self.open.as_ref().map(|open| &open.thread)
    }

    /// The opened thread's messages in memory (a window of it).
    pub fn shown(&self) -> Vec<&Sent> {
        self.open
            .as_ref()
            .map(|open| open.messages().collect())
            .unwrap_or_default()
    }

    /// The opened thread's messages not yet confirmed by the hub.
    pub fn outgoing(&self) -> &[Outgoing] {
        self.open.as_ref().map_or(&[], |open| &open.outgoing)
    }

    pub fn composer_text(&self) -> String {
        self.composer.text()
    }

    /// Files from conversations go into `folder` (the agent's Downloads).
    pub fn save_files_in(&mut self, folder: std::path::PathBuf) {
        self.files.folder = Some(folder);
    }

    /// The last file saved (its name and where), or why it could not be.
    pub fn file_saved(&self) -> Option<&Result<(String, std::path::PathBuf), String>> {
        self.files.outcome.as_ref()
    }

    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// Waiting conversations nobody has taken, for the navigation badge.
    pub fn waiting(&self, me: Id) -> usize {
        self.inbox
            .iter()
            .filter(|t| {
                for_me(t, me)
                    && (t.unread > 0 || t.episode.as_ref().is_some_and(|e| e.assignee.is_none()))
            })
            .count()
    }

    /// Fetches the inbox (once in flight; a request meanwhile fetches again after it).
    pub fn refresh(&mut self, cx: &Context<'_>) -> Task<Message> {
        if self.fetching {
            self.fetch_again = true;
            return Task::none();
        }
        self.fetching = true;
        let (hub, token) = (cx.hub.clone(), cx.token.to_owned());
        Task::perform(async move { hub.inbox(&token).await }, Message::InboxLoaded)
    }

    /// Sends what the outbox holds (after a start, or once the connection is back).
    pub fn resend(&mut self, cx: &Context<'_>) -> Task<Message> {
        if self.resending {
            return Task::none();
        }
        self.resending = true;
        let (hub, token, outbox, me) = (
            cx.hub.clone(),
            cx.token.to_owned(),
            self.outbox.clone(),
            cx.me,
        );
        let name = cx.hub_name.clone();
        Task::perform(
            async move {
                let mut reached = Vec::new();
                for message in outbox.waiting(&name, me).await? {
                    match outbox::deliver(&hub, &token, &outbox, &message, crate::screen::describe)
                        .await
                    {
                        Ok(stored) => reached.push(stored),
                        // Refused for good: kept with its reason, shown with Retry.
                        Err(error) if error.is_refusal() => {}
                        // Still unreachable: the rest waits for the next reconnection.
                        Err(error) => return Err(error),
                    }
                }
                Ok(reached)
            },
            Message::Resent,
        )
    }

    /// Opens a contact's thread (from Contacts or a call).
    pub fn open_contact(&mut self, contact: Id, cx: &Context<'_>) -> Task<Message> {
        let (hub, token) = (cx.hub.clone(), cx.token.to_owned());
        Task::perform(
            async move { hub.contact_conversation(&token, contact).await },
            Message::ThreadFound,
        )
    }

    fn open(&mut self, thread: Thread, cx: &Context<'_>) -> Task<Message> {
        let id = thread.id;
        if self.open.as_ref().is_some_and(|open| open.id() == id) {
            return Task::none();
        }
        self.open = Some(thread::Open::new(thread));
        self.composer = text_editor::Content::new();
        self.kind = Kind::Reply;
        self.resolving = None;
        self.handing = None;
        let (hub, token) = (cx.hub.clone(), cx.token.to_owned());
        let (outbox, address, me) = (self.outbox.clone(), cx.hub_name.clone(), cx.me);
        Task::batch([
            fetch(cx, id, Page::Newest),
            Task::perform(
                async move { outbox.of_thread(&address, me, id).await },
                move |found| Message::OutboxRead(id, found),
            ),
            Task::perform(
                async move { hub.canned_replies(&token, id).await },
                move |found| Message::CannedLoaded(id, found),
            ),
            thread::to_newest(),
        ])
    }

    pub fn update(&mut self, message: Message, cx: &Context<'_>) -> Action {
        match message {
            Message::InboxLoaded(result) => {
                self.fetching = false;
                let again = std::mem::take(&mut self.fetch_again).then(|| self.refresh(cx));
                match result {
                    Ok(threads) => {
                        self.loaded = true;
                        self.inbox = threads;
                        if let Some(open) = &mut self.open
                            && let Some(fresh) = self.inbox.iter().find(|t| t.id == open.id())
                            && fresh.newer_than(&open.thread)
                        {
                            open.thread = fresh.clone();
                        }
                        let waiting = self.announce();
                        return match (waiting, again) {
                            (Some(name), _) => Action::Waiting { name },
                            (None, Some(task)) => Action::Run(task),
                            (None, None) => Action::None,
                        };
                    }
                    Err(error) => return self.failed(error),
                }
            }
            Message::Opened(id) => {
                if let Some(thread) = self.inbox.iter().find(|t| t.id == id).cloned() {
                    return Action::Run(self.open(thread, cx));
                }
            }
            Message::ThreadFound(Ok(thread)) => return Action::Run(self.open(thread, cx)),
            Message::ThreadFound(Err(error)) => return self.failed(error),
            Message::Paged(id, page, result) => {
                let Some(open) = self.open.as_mut().filter(|open| open.id() == id) else {
                    return Action::None;
                };
                match result {
                    Ok(answer) => {
                        open.paged(page, answer);
                        return Action::Run(self.mark_read(cx));
                    }
                    Err(error) => {
                        open.fetching = None;
                        return self.failed(error);
                    }
                }
            }
            Message::OutboxRead(id, Ok(found)) => {
                if let Some(open) = self.open.as_mut().filter(|open| open.id() == id) {
                    let shown: HashSet<String> = open
                        .messages()
                        .filter_map(|m| m.client_key.clone())
                        .collect();
                    for outgoing in found {
                        if !shown.contains(&outgoing.key)
                            && !open.outgoing.iter().any(|o| o.key == outgoing.key)
                        {
                            open.outgoing.push(outgoing);
                        }
                    }
                }
            }
            Message::OutboxRead(_, Err(error)) => return self.failed(error),
            Message::CannedLoaded(id, Ok(canned)) => {
                if let Some(open) = self.open.as_mut().filter(|open| open.id() == id) {
                    open.canned = canned;
                }
            }
            // Canned replies are a help, not the conversation: the thread works without them.
            Message::CannedLoaded(_, Err(error)) => {
                tracing::warn!(%error, "canned replies not loaded");
            }
            Message::Scrolled(viewport) => {
                let (top, bottom) = thread::ends(&viewport);
                let Some(open) = &mut self.open else {
                    return Action::None;
                };
                let page = (top.then(|| open.next_page(true)).flatten())
                    .or_else(|| bottom.then(|| open.next_page(false)).flatten());
                if let Some(page) = page {
                    open.fetching = Some(page);
                    return Action::Run(fetch(cx, open.id(), page));
                }
            }
            Message::Edited(action) => {
                let edit = action.is_edit();
                self.composer.perform(action);
                if edit && self.kind == Kind::Reply {
                    return Action::Run(self.tell_typing(cx));
                }
            }
            Message::KindPicked(kind) => self.kind = kind,
            Message::CannedPicked(Canned(reply)) => {
                let mut text = self.composer.text();
                if !text.trim().is_empty() && !text.ends_with(char::is_whitespace) {
                    text.push(' ');
                }
                text.push_str(&reply.text);
                self.composer = text_editor::Content::with_text(&text);
                self.composer
                    .perform(text_editor::Action::Move(text_editor::Motion::DocumentEnd));
            }
            Message::Send => return self.send(cx),
            Message::Kept(outgoing, Ok(())) => {
                let (hub, token, outbox) =
                    (cx.hub.clone(), cx.token.to_owned(), self.outbox.clone());
                return Action::Run(Task::perform(
                    {
                        let outgoing = outgoing.clone();
                        async move {
                            outbox::deliver(
                                &hub,
                                &token,
                                &outbox,
                                &outgoing,
                                crate::screen::describe,
                            )
                            .await
                        }
                    },
                    move |result| Message::Delivered(outgoing.clone(), result),
                ));
            }
            Message::Kept(outgoing, Err(error)) => {
                // Not kept on this machine: it stays in the composer rather than be lost.
                if let Some(open) = &mut self.open {
                    open.outgoing.retain(|o| o.key != outgoing.key);
                }
                self.composer = text_editor::Content::with_text(&outgoing.text);
                return self.failed(error);
            }
            Message::Delivered(outgoing, Ok(stored)) => {
                if let Some(open) = self.open.as_mut().filter(|o| o.id() == outgoing.thread) {
                    open.created(stored);
                    open.outgoing.retain(|o| o.key != outgoing.key);
                }
            }
            Message::Delivered(outgoing, Err(error)) => {
                if error.is_session_lost() {
                    return Action::Failed(error);
                }
                if error.is_refusal()
                    && let Some(open) = self.open.as_mut().filter(|o| o.id() == outgoing.thread)
                    && let Some(shown) = open.outgoing.iter_mut().find(|o| o.key == outgoing.key)
                {
                    shown.refused = Some(crate::screen::describe(&error));
                }
                // Not reached: it stays pending here and goes out on reconnection.
            }
            Message::Retry(key) => {
                let (outbox, hub) = (self.outbox.clone(), cx.hub_name.clone());
                return Action::Run(Task::perform(
                    async move { outbox.retry(&hub, &key).await },
                    Message::Retried,
                ));
            }
            Message::Retried(Ok(Some(outgoing))) => {
                if let Some(open) = &mut self.open
                    && let Some(shown) = open.outgoing.iter_mut().find(|o| o.key == outgoing.key)
                {
                    shown.refused = None;
                }
                return self.update(Message::Kept(outgoing, Ok(())), cx);
            }
            Message::Retried(Ok(None)) => {}
            Message::Retried(Err(error)) => return self.failed(error),
            Message::Discard(key) => {
                let (outbox, hub) = (self.outbox.clone(), cx.hub_name.clone());
                return Action::Run(Task::perform(
                    {
                        let key = key.clone();
                        async move { outbox.discard(&hub, &key).await }
                    },
                    move |result| Message::Discarded(key.clone(), result),
                ));
            }
            Message::Discarded(key, Ok(())) => {
                if let Some(open) = &mut self.open {
                    open.outgoing.retain(|o| o.key != key);
                }
            }
            Message::Discarded(_, Err(error)) => return self.failed(error),
            Message::Resent(result) => {
                self.resending = false;
                match result {
                    Ok(reached) => {
                        for stored in reached {
                            if let Some(open) =
                                self.open.as_mut().filter(|o| o.id() == stored.thread_id)
                            {
                                open.created(stored);
                            }
                        }
                        // Those refused meanwhile show why.
                        if let Some(open) = &self.open {
                            let (outbox, address, me, id) =
                                (self.outbox.clone(), cx.hub_name.clone(), cx.me, open.id());
                            return Action::Run(Task::perform(
                                async move { outbox.of_thread(&address, me, id).await },
                                move |found| Message::OutboxRead(id, found),
                            ));
                        }
                    }
                    Err(error) if error.is_session_lost() => return Action::Failed(error),
                    // Unreachable again: the next reconnection tries again.
                    Err(error) => tracing::info!(%error, "outbox not sent yet"),
                }
            }
            Message::Take(id) => {
                let (hub, token) = (cx.hub.clone(), cx.token.to_owned());
                let take =
                    Task::perform(async move { hub.take(&token, id).await }, Message::Changed);
                let open = self
                    .inbox
                    .iter()
                    .find(|t| t.id == id)
                    .cloned()
                    .map(|thread| self.open(thread, cx));
                return Action::Run(Task::batch([take].into_iter().chain(open)));
            }
            Message::ResolveAsked => {
                self.handing = None;
                self.resolving = Some(None);
            }
            Message::DispositionPicked(Pick(id, _)) => self.resolving = Some(Some(id)),
            Message::ResolveConfirmed => {
                let (Some(disposition), Some(open)) = (self.resolving.take(), &self.open) else {
                    return Action::None;
                };
                let (hub, token, id) = (cx.hub.clone(), cx.token.to_owned(), open.id());
                return Action::Run(Task::perform(
                    async move { hub.resolve(&token, id, disposition).await },
                    Message::Changed,
                ));
            }
            Message::HandAsked => {
                self.resolving = None;
                self.handing = Some(None);
            }
            Message::HandToPicked(to) => self.handing = Some(Some(to)),
            Message::HandConfirmed => {
                let (Some(Some(to)), Some(open)) = (self.handing.take(), &self.open) else {
                    return Action::None;
                };
                let note = self.composer.text().trim().to_owned();
                let body = match to {
                    HandTo::Agent(id, _) => AssignEpisode {
                        agent_id: Some(id),
                        group_id: None,
                        note,
                    },
                    HandTo::Group(id, _) => AssignEpisode {
                        agent_id: None,
                        group_id: Some(id),
                        note,
                    },
                };
                self.composer = text_editor::Content::new();
                let (hub, token, id) = (cx.hub.clone(), cx.token.to_owned(), open.id());
                return Action::Run(Task::perform(
                    async move { hub.assign(&token, id, &body).await },
                    Message::Changed,
                ));
            }
            Message::Cancel => {
                self.resolving = None;
                self.handing = None;
            }
            Message::Changed(Ok(thread)) => self.thread_updated(thread, cx.me),
            Message::Changed(Err(error)) => return self.failed(error),
            // Typing signs and read marks are best effort: the conversation goes on without.
            Message::Told(Err(error)) if error.is_session_lost() => return Action::Failed(error),
            Message::Told(_) => {}
            Message::Read(Ok(thread)) => self.thread_updated(thread, cx.me),
            Message::Read(Err(error)) if error.is_session_lost() => return Action::Failed(error),
            Message::Read(Err(_)) => {}
            Message::Close => self.open = None,
            Message::ProblemDismissed => self.problem = None,
            Message::Save(file) => {
                let task = self.files.save(file, cx.hub, cx.token);
                return Action::Run(task.map(|(file, saved)| Message::FileSaved(file, saved)));
            }
            Message::FileSaved(file, saved) => self.files.saved(&file, saved),
            Message::FileNoticeDismissed => self.files.outcome = None,
        }
        Action::None
    }

    fn send(&mut self, cx: &Context<'_>) -> Action {
        let text = self.composer.text().trim().to_owned();
        let Some(open) = &mut self.open else {
            return Action::None;
        };
        if text.is_empty() {
            return Action::None;
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            self.problem = Some(fl!("conversation-too-long", max = MAX_MESSAGE_CHARS));
            return Action::None;
        }
        let outgoing = Outgoing::new(&cx.hub_name, cx.me, open.id(), self.kind, text);
        open.outgoing.push(outgoing.clone());
        self.composer = text_editor::Content::new();
        self.typing_sent = None;
        let outbox = self.outbox.clone();
        Action::Run(Task::batch([
            Task::perform(
                {
                    let outgoing = outgoing.clone();
                    async move { outbox.keep(&outgoing).await }
                },
                move |result| Message::Kept(outgoing.clone(), result),
            ),
            thread::to_newest(),
        ]))
    }

    fn tell_typing(&mut self, cx: &Context<'_>) -> Task<Message> {
        let Some(open) = &self.open else {
            return Task::none();
        };
        if self
            .typing_sent
            .is_some_and(|at| cx.now - at < time::Duration::seconds(TYPING_EVERY_SECS))
        {
            return Task::none();
        }
        self.typing_sent = Some(cx.now);
        let (hub, token, id) = (cx.hub.clone(), cx.token.to_owned(), open.id());
        Task::perform(async move { hub.typing(&token, id).await }, Message::Told)
    }

    /// Marks the customer's messages read when the agent has the thread open.
    fn mark_read(&self, cx: &Context<'_>) -> Task<Message> {
        let Some(open) = &self.open else {
            return Task::none();
        };
        let Some(newest) = open.newest_from_contact() else {
            return Task::none();
        };
        if newest <= open.thread.read_upto {
            return Task::none();
        }
        let (hub, token, id) = (cx.hub.clone(), cx.token.to_owned(), open.id());
        Task::perform(
            async move { hub.read_upto(&token, id, newest).await },
            Message::Read,
        )
    }

    fn failed(&mut self, error: Error) -> Action {
        if error.is_session_lost() {
            return Action::Failed(error);
        }
        self.problem = Some(crate::screen::describe(&error));
        Action::None
    }

    /// Conversations newly waiting in the inbox: remembered, and the first one's contact
    /// named (to notify).
    fn announce(&mut self) -> Option<String> {
        let mut first = None;
        for thread in &self.inbox {
            let waiting = thread
                .episode
                .as_ref()
                .is_some_and(|e| e.state == EpisodeState::Open && e.assignee.is_none());
            if waiting && self.announced.insert(thread.id) && first.is_none() {
                first = Some(thread.contact_name.clone());
            }
        }
        first
    }
}

/// Whether a thread is open work for the agent: theirs, or waiting for someone to take it.
fn for_me(thread: &Thread, me: Id) -> bool {
    thread
        .episode
        .as_ref()
        .is_some_and(|e| e.state == EpisodeState::Open && e.assignee.is_none_or(|a| a == me))
}

/// What the view needs from the workspace.
pub struct Look<'a> {
    pub me: Id,
    pub now: OffsetDateTime,
    pub agents: &'a [AgentSummary],
    pub groups: &'a [RingGroup],
    pub dispositions: &'a [Disposition],
}

fn fetch(cx: &Context<'_>, thread: Id, page: Page) -> Task<Message> {
    let (hub, token) = (cx.hub.clone(), cx.token.to_owned());
    Task::perform(
        async move { hub.messages(&token, thread, page, PAGE).await },
        move |result| Message::Paged(thread, page, result),
    )
}
