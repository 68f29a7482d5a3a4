//! The signed-in workspace: navigation, the top bar with the status widget, the live
//! directory, and the connection to the hub's event stream.

pub mod contacts;
pub mod conversations;
pub mod devices;
pub mod dialpad;
pub mod directory;
pub mod history;
pub mod identity;
mod messaging;
pub mod notes;
pub mod phone;
mod settings;
pub mod status;
mod stream;
mod tabs;
pub mod voice;
mod wrap_up;

use messaging::conversations_context;
use stream::{StreamKey, connect};
pub use tabs::Tab;
use wrap_up::LastCall;

use std::time::Duration;

use iced::widget::{
    button, column, container, mouse_area, opaque, row, scrollable, space, stack, text,
};
use iced::{Alignment, Length, Subscription, Task};
use switchboard_client::config::{self, Language};
use switchboard_client::events::Update;
use switchboard_client::{Config, Error};
use switchboard_protocol::{
    Account, AgentSummary, Bootstrap, CallRecord, CallerId, Disposition, Id, Me, Presence,
    StatusDef, StatusKey,
};
use time::OffsetDateTime;

use switchboard_client::local::Local;
use switchboard_client::notes::Drafts;
use switchboard_client::outbox::Outbox;

use crate::call::Audio;
use crate::session::Session;
use crate::widget::Element;
use crate::{fl, font, theme};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Dialer,
    Conversations,
    Contacts,
    History,
    Settings,
}

impl View {
    const NAVIGATION: [View; 5] = [
        View::Dialer,
        View::Conversations,
        View::Contacts,
        View::History,
        View::Settings,
    ];

    fn label(self) -> String {
        match self {
            View::Dialer => fl!("nav-dialer"),
            View::Conversations => fl!("nav-conversations"),
            View::Contacts => fl!("nav-contacts"),
            View::History => fl!("nav-history"),
            View::Settings => fl!("nav-settings"),
        }
    }
}

/// The state of the event stream, as the banner shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Online,
    /// Lost; the stream is retrying by itself.
    Lost {
        reason: String,
    },
}

#[derive(Debug, Clone)]
pub struct Workspace {
    session: Session,
    me: Me,
    account: Account,
    statuses: Vec<StatusDef>,
    agents: Vec<AgentSummary>,
    caller_ids: Vec<CallerId>,
    dispositions: Vec<Disposition>,
    ring_groups: Vec<switchboard_protocol::RingGroup>,
    /// Where the event stream started; fixed for the subscription's lifetime (the stream
    /// itself tracks where it is).
    stream_from: u64,
    view: View,
    status_menu: bool,
    directory: Option<directory::Directory>,
    connection: Connection,
    now: OffsetDateTime,
    notice: Option<String>,
    phone: phone::Phone,
    dialpad: dialpad::DialPad,
    audio: Audio,
    devices: devices::Devices,
    /// Whether the window has the keyboard focus (else an incoming call also notifies).
    focused: bool,
    tab: Tab,
    /// The call the tabs are about (a new one opens on its Snapshot).
    tabs_for: Option<Id>,
    notes: notes::Notes,
    conversations: conversations::Conversations,
    contacts: contacts::Contacts,
    last_call: Option<LastCall>,
    history: history::History,
    voice: voice::Voice,
}

// A call update (its parties, offers, numbers) is the largest message; messages are moved
// once per event, so boxing it would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Message {
    Navigate(View),
    StatusMenuToggled,
    StatusPicked(StatusKey),
    StatusSet(Result<Presence, Error>),
    /// Done with after-call work (F-44).
    WrapUpDone,
    DirectoryOpened,
    Directory(directory::Message),
    /// Something from the hub's event stream.
    Stream(Update),
    /// The bootstrap reloaded after a resync.
    Reloaded(Result<Box<Bootstrap>, Error>),
    /// A second passed (drives the status timers).
    Tick(OffsetDateTime),
    LanguagePicked(Language),
    ThemePicked(config::Theme),
    SignOut,
    /// Signing out waited for the call to be hung up.
    SignOutReady,
    NoticeDismissed,
    /// Call this agent (from Call an Agent).
    CallAgent(Id),
    Phone(phone::Message),
    DialPad(dialpad::Message),
    Devices(devices::Message),
    /// The window gained or lost the focus.
    Focused(bool),
    TabPicked(Tab),
    Notes(notes::Message),
    Conversations(conversations::Message),
    Contacts(contacts::Message),
    History(history::Message),
    Voice(voice::Message),
    /// The agent's last call, to wrap up after a restart.
    LastCall(Result<Vec<CallRecord>, Error>),
}

pub enum Action {
    None,
    Run(Task<Message>),
    SignOut,
    /// The hub no longer accepts the session: back to sign-in.
    SessionLost,
    LanguagePicked(Language),
    ThemePicked(config::Theme),
    /// The agent picked a dial-pad country: remember it, and run the task (the number's
    /// lookup in that country).
    DialCountryPicked(String, Task<Message>),
    /// The agent changed the audio devices or auto-answer: remember them.
    DevicesPicked(config::Devices),
}

impl Action {
    /// This action, and `task` run beside it (dropped if the workspace is being left).
    fn also(self, task: Option<Task<Message>>) -> Self {
        match (self, task) {
            (action, None) => action,
            (Action::None, Some(task)) => Action::Run(task),
            (Action::Run(first), Some(task)) => Action::Run(Task::batch([first, task])),
            (action, Some(_)) => action,
        }
    }
}

impl Workspace {
    pub fn new(session: Session, boot: Bootstrap, now: OffsetDateTime) -> Self {
        let dialpad =
            dialpad::DialPad::new(&boot.account.settings.default_country, &boot.caller_ids);
        Self {
            session,
            me: boot.me,
            account: boot.account,
            statuses: boot.statuses,
            agents: boot.agents,
            stream_from: boot.event_seq,
            view: View::default(),
            status_menu: false,
            directory: None,
            connection: Connection::Connecting,
            now,
            notice: None,
            phone: phone::Phone::default(),
            dialpad,
            caller_ids: boot.caller_ids,
            dispositions: boot.dispositions,
            ring_groups: boot.ring_groups,
            audio: Audio::default(),
            devices: devices::Devices::default(),
            focused: true,
            tab: Tab::default(),
            tabs_for: None,
            notes: notes::Notes::new(Drafts::in_memory()),
            conversations: conversations::Conversations::new(Outbox::new(Local::in_memory())),
            contacts: contacts::Contacts::default(),
            last_call: None,
            history: history::History::default(),
            voice: voice::Voice::default(),
        }
    }

    /// Where notes are kept as they are typed (the app's data folder).
    pub fn with_drafts(mut self, drafts: Drafts) -> Self {
        self.notes = notes::Notes::new(drafts);
        self
    }

    /// The store on this computer for notes being typed and messages on their way.
    pub fn with_local(mut self, local: Local) -> Self {
        self.notes = notes::Notes::new(Drafts::new(local.clone()));
        self.conversations = conversations::Conversations::new(Outbox::new(local));
        self
    }

    /// Files saved from conversations go into `folder`.
    pub fn with_downloads(mut self, folder: std::path::PathBuf) -> Self {
        self.conversations.save_files_in(folder);
        self
    }

    /// What the workspace does once shown: send the notes the hub lacks, and in after-call
    /// work, bring back the call being wrapped up (the app may have been restarted).
    pub fn start(&mut self) -> Task<Message> {
        let resend = Task::batch([
            self.notes.resend(&self.notes_context()).map(Message::Notes),
            self.conversations_start(),
        ]);
        if self.me.presence.status.kind() != switchboard_protocol::StatusKind::AfterCallWork {
            return resend;
        }
        let (hub, token) = (self.session.hub.clone(), self.session.token.clone());
        Task::batch([
            resend,
            Task::perform(
                async move { hub.my_calls(&token, 1).await },
                Message::LastCall,
            ),
        ])
    }

    pub fn tab(&self) -> Tab {
        self.tab
    }

    pub fn history(&self) -> &history::History {
        &self.history
    }

    pub fn notes(&self) -> &notes::Notes {
        &self.notes
    }

    pub fn conversations(&self) -> &conversations::Conversations {
        &self.conversations
    }

    pub fn contacts(&self) -> &contacts::Contacts {
        &self.contacts
    }

    /// The dial pad starts at the country the agent picked last, if any.
    pub fn with_dial_country(mut self, country: Option<&str>) -> Self {
        if let Some(country) = country {
            self.dialpad = dialpad::DialPad::new(country, &self.caller_ids);
        }
        self
    }

    pub fn dialpad(&self) -> &dialpad::DialPad {
        &self.dialpad
    }

    /// Where call audio comes from and goes (devices, or WAV files).
    pub fn with_audio(mut self, audio: Audio) -> Self {
        self.audio = audio;
        self
    }

    pub fn call(&self) -> Option<&phone::Call> {
        self.phone.call()
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn me(&self) -> &Me {
        &self.me
    }

    pub fn agents(&self) -> &[AgentSummary] {
        &self.agents
    }

    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    pub fn view_shown(&self) -> View {
        self.view
    }

    pub fn status_menu_open(&self) -> bool {
        self.status_menu
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Seconds in the current status, as the widget shows them.
    pub fn status_elapsed(&self) -> i64 {
        status::elapsed(&self.me, self.now)
    }

    pub fn update(&mut self, message: Message) -> Action {
        match message {
            Message::Conversations(message) => return self.conversations_update(message),
            Message::Contacts(message) => return self.contacts_update(message),
            Message::Navigate(view) => {
                self.view = view;
                self.status_menu = false;
                if view == View::History {
                    let load = self.history.load(&self.session.hub, &self.session.token);
                    return Action::Run(load.map(Message::History));
                }
                if view == View::Settings && !self.audio.headless() {
                    return Action::Run(devices::list().map(Message::Devices));
                }
                if view == View::Conversations {
                    return Action::Run(self.conversations_refresh());
                }
            }
            Message::StatusMenuToggled => self.status_menu = !self.status_menu,
            Message::StatusPicked(status) => {
                self.status_menu = false;
                if status == self.me.presence.status {
                    return Action::None;
                }
                let hub = self.session.hub.clone();
                let token = self.session.token.clone();
                return Action::Run(Task::perform(
                    async move { hub.set_status(&token, status).await },
                    Message::StatusSet,
                ));
            }
            Message::WrapUpDone => {
                self.status_menu = false;
                let hub = self.session.hub.clone();
                let token = self.session.token.clone();
                return Action::Run(Task::perform(
                    async move { hub.wrap_up_done(&token).await },
                    Message::StatusSet,
                ));
            }
            Message::StatusSet(Ok(presence)) => self.set_my_presence(presence),
            Message::StatusSet(Err(error)) => return self.failed(&error),
            Message::DirectoryOpened => {
                self.directory.get_or_insert_with(Default::default);
            }
            Message::Directory(message) => {
                if let Some(directory) = &mut self.directory {
                    match directory.update(message) {
                        directory::Action::None => {}
                        directory::Action::Close => self.directory = None,
                        directory::Action::Call(agent) => {
                            return self.update(Message::CallAgent(agent));
                        }
                    }
                }
            }
            Message::CallAgent(agent) => {
                let name = self
                    .agents
                    .iter()
                    .find(|a| a.id == agent)
                    .map(|a| a.name.clone())
                    .unwrap_or_default();
                return self.phone_update(phone::Message::Dial {
                    target: switchboard_protocol::Target::Agent(agent),
                    name,
                });
            }
            Message::Phone(message) => return self.phone_update(message),
            Message::DialPad(message) => {
                match self
                    .dialpad
                    .update(message, &self.session.hub, &self.session.token)
                {
                    dialpad::Action::None => {}
                    dialpad::Action::Run(task) => return Action::Run(task.map(Message::DialPad)),
                    dialpad::Action::CountryPicked(country, lookup) => {
                        return Action::DialCountryPicked(country, lookup.map(Message::DialPad));
                    }
                    dialpad::Action::Call { target, name } => {
                        return self.phone_update(phone::Message::Dial { target, name });
                    }
                }
            }
            Message::Stream(update) => return self.stream(update),
            Message::Reloaded(Ok(boot)) => {
                let boot = *boot;
                self.me = boot.me;
                self.account = boot.account;
                self.statuses = boot.statuses;
                self.agents = boot.agents;
                self.caller_ids = boot.caller_ids;
                self.dispositions = boot.dispositions;
                self.ring_groups = boot.ring_groups;
            }
            Message::Reloaded(Err(error)) => return self.failed(&error),
            Message::Tick(now) => self.now = now,
            Message::LanguagePicked(language) => return Action::LanguagePicked(language),
            Message::ThemePicked(theme) => return Action::ThemePicked(theme),
            Message::SignOut => {
                self.status_menu = false;
                // Hang up first, so the other party is not left talking to nobody.
                if let Some(hang_up) = self.with_phone(|phone, cx| phone.end(cx)) {
                    return Action::Run(hang_up.map(|_| Message::SignOutReady));
                }
                return Action::SignOut;
            }
            Message::SignOutReady => return Action::SignOut,
            Message::NoticeDismissed => self.notice = None,
            Message::Devices(message) => match self.devices.update(message, &self.audio.devices) {
                devices::Action::None => {}
                devices::Action::Run(task) => return Action::Run(task.map(Message::Devices)),
                devices::Action::Picked(picked) => {
                    self.audio.devices = picked.clone();
                    return Action::DevicesPicked(picked);
                }
            },
            Message::Focused(focused) => self.focused = focused,
            Message::TabPicked(tab) => {
                self.tab = tab;
                if tab == Tab::Identity {
                    return self.update(Message::Voice(voice::Message::Poll));
                }
            }
            Message::Voice(message) => {
                let about = self.voice_about();
                let task =
                    self.voice
                        .update(message, about, &self.session.hub, &self.session.token);
                return Action::Run(task.map(Message::Voice));
            }
            Message::History(message) => {
                match self
                    .history
                    .update(message, &self.session.hub, &self.session.token)
                {
                    history::Action::None => {}
                    history::Action::Run(task) => return Action::Run(task.map(Message::History)),
                    history::Action::Call { target, name } => {
                        return self.phone_update(phone::Message::Dial { target, name });
                    }
                }
            }
            Message::Notes(message) => {
                let cx = notes_context(&self.session, &self.me, self.now);
                let task = self.notes.update(message, &cx);
                return Action::Run(task.map(Message::Notes));
            }
            Message::LastCall(Ok(calls)) => {
                let Some(call) = calls.into_iter().next() else {
                    return Action::None;
                };
                return self.wrap_up(call);
            }
            Message::LastCall(Err(error)) => return self.failed(&error),
        }
        Action::None
    }

    /// The customer's call whose voice can be checked, and their contact: while the
    /// Identity tab of an account with Identity is open.
    fn voice_about(&self) -> Option<(Id, Id)> {
        if self.tab != Tab::Identity || !self.account.settings.identity {
            return None;
        }
        let call = self
            .phone
            .info()
            .filter(|call| call.from.agent_id.is_none())?;
        let contact = self.phone.known_contact(call.id)?;
        Some((call.id, contact.id))
    }

    pub fn voice(&self) -> &voice::Voice {
        &self.voice
    }

    fn notes_context(&self) -> notes::Context<'_> {
        notes_context(&self.session, &self.me, self.now)
    }

    /// The devices the agent picked (and auto-answer), as remembered in the settings.
    pub fn with_devices(mut self, picked: config::Devices) -> Self {
        self.audio.devices = picked;
        self
    }

    pub fn audio(&self) -> &Audio {
        &self.audio
    }

    /// Runs `f` on the phone with what it needs from the workspace (borrowed beside it).
    fn with_phone<R>(&mut self, f: impl FnOnce(&mut phone::Phone, &phone::Context<'_>) -> R) -> R {
        let cx = context(
            &self.session,
            &self.audio,
            &self.me,
            self.now,
            self.focused,
            &self.account,
        );
        f(&mut self.phone, &cx)
    }

    fn phone_update(&mut self, message: phone::Message) -> Action {
        let action = self.with_phone(|phone, cx| phone.update(message, cx));
        self.phone_action(action)
    }

    fn phone_action(&mut self, action: phone::Action) -> Action {
        let action = match action {
            phone::Action::None => Action::None,
            phone::Action::Run(task) => Action::Run(task.map(Message::Phone)),
            phone::Action::Failed(error) => self.failed(&error),
            phone::Action::Notice(notice) => {
                self.notice = Some(notice);
                Action::None
            }
            phone::Action::ShowContact(contact) => self.show_contact(contact),
        };
        let notes = self.follow_phone();
        action.also(notes)
    }

    fn failed(&mut self, error: &Error) -> Action {
        if error.is_session_lost() {
            return Action::SessionLost;
        }
        self.notice = Some(super::describe(error));
        Action::None
    }

    pub fn subscription(&self) -> Subscription<Message> {
        let key = StreamKey {
            address: self.session.hub.address().to_owned(),
            token: self.session.token.clone(),
            after: self.stream_from,
        };
        let mut subscriptions = vec![
            Subscription::run_with(key, connect).map(Message::Stream),
            iced::time::every(Duration::from_secs(1)).map(tick),
            self.phone.subscription(&self.audio).map(Message::Phone),
            iced::event::listen_with(focus),
        ];
        if self.view == View::Settings {
            subscriptions.push(self.devices.subscription(&self.audio).map(Message::Devices));
        }
        if !self.audio.headless() {
            subscriptions.push(
                self.history
                    .subscription(self.audio.devices.speaker.as_deref())
                    .map(Message::History),
            );
        }
        // The hub hears more of the caller as the call goes on: ask again every few seconds.
        if self.voice_about().is_some() {
            subscriptions.push(
                iced::time::every(Duration::from_secs(2))
                    .map(|_| Message::Voice(voice::Message::Poll)),
            );
        }
        Subscription::batch(subscriptions)
    }

    pub fn view<'a>(&'a self, config: &'a Config) -> Element<'a, Message> {
        let top_bar = container(
            row![
                text(fl!("app-title")).size(18).font(font::BOLD),
                text(&self.account.name).size(14).style(theme::text::muted),
                space().width(Length::Fill),
                status::widget(&self.me, &self.statuses, self.now),
            ]
            .spacing(14)
            .align_y(Alignment::Center),
        )
        .padding([6, 16])
        .width(Length::Fill)
        .style(theme::container::top_bar);

        let mut navigation = column![].spacing(4).padding(10).width(190);
        let waiting = self.conversations.waiting(self.me.id);
        for view in View::NAVIGATION {
            let label = if view == View::Conversations && waiting > 0 {
                fl!("nav-conversations-waiting", count = waiting)
            } else {
                view.label()
            };
            navigation = navigation.push(
                button(text(label).size(15))
                    .width(Length::Fill)
                    .padding([9, 12])
                    .style(theme::button::nav(view == self.view))
                    .on_press(Message::Navigate(view)),
            );
        }
        let sidebar = container(navigation)
            .height(Length::Fill)
            .style(theme::container::sidebar);

        let content: Element<'_, Message> = match self.view {
            View::Dialer => self.dialer(),
            View::Conversations => self
                .conversations
                .view(conversations::Look {
                    me: self.me.id,
                    now: self.now,
                    agents: &self.agents,
                    groups: &self.ring_groups,
                    dispositions: &self.dispositions,
                })
                .map(Message::Conversations),
            View::Contacts => self
                .contacts
                .view(self.phone.is_idle())
                .map(Message::Contacts),
            View::History => self
                .history
                .view(self.me.id, self.now, self.phone.is_idle())
                .map(Message::History),
            View::Settings => self.settings(config),
        };

        let mut page = column![top_bar];
        let may_pause = self.account.settings.recording_pause;
        if let Some(bar) = self.phone.bar(self.me.id, self.now, may_pause) {
            page = page.push(bar.map(Message::Phone));
            if let Some(panel) = self.call_panel() {
                page = page.push(panel);
            }
        }
        if let Some(wrap_up) = self.wrap_up_bar() {
            page = page.push(wrap_up);
            page = page.push(self.wrap_up_panel());
        }
        if let Connection::Lost { reason } = &self.connection {
            page = page.push(
                container(
                    row![
                        text(fl!("connection-lost")).font(font::BOLD),
                        text(reason.clone()).size(12),
                    ]
                    .spacing(12)
                    .align_y(Alignment::Center),
                )
                .padding([8, 16])
                .width(Length::Fill)
                .style(theme::container::warning_banner),
            );
        }
        if let Some(notice) = &self.notice {
            page = page.push(
                container(
                    row![
                        text(notice.clone()).width(Length::Fill),
                        button(text(fl!("dismiss")).size(13))
                            .style(theme::button::item)
                            .on_press(Message::NoticeDismissed),
                    ]
                    .align_y(Alignment::Center),
                )
                .padding([6, 16])
                .width(Length::Fill)
                .style(theme::container::error_banner),
            );
        }
        page = page.push(row![
            sidebar,
            container(content).padding(20).width(Length::Fill)
        ]);

        if self.status_menu {
            let dismiss = mouse_area(space().width(Length::Fill).height(Length::Fill))
                .on_press(Message::StatusMenuToggled);
            let menu = container(opaque(status::menu(&self.me, &self.statuses)))
                .padding(iced::Padding {
                    top: 64.0,
                    right: 12.0,
                    ..iced::Padding::ZERO
                })
                .align_right(Length::Fill);
            stack![page, opaque(dismiss), menu].into()
        } else {
            page.into()
        }
    }
    fn dialer(&self) -> Element<'_, Message> {
        let main = column![
            text(fl!("nav-dialer")).size(22).font(font::BOLD),
            self.dialpad
                .view(&self.caller_ids, self.me.can_choose_caller_id)
                .map(Message::DialPad),
            button(text(fl!("directory-open")))
                .padding([10, 16])
                .style(theme::button::item)
                .on_press(Message::DirectoryOpened),
        ]
        .spacing(16);
        // The call bar's panels can leave the dial pad little room: it scrolls.
        let main = scrollable(main).width(Length::Fill);
        match &self.directory {
            Some(directory) => row![
                main,
                directory
                    .view(&self.agents, &self.statuses, self.now)
                    .map(Message::Directory)
            ]
            .spacing(20)
            .into(),
            None => main.into(),
        }
    }
}

/// What the phone needs from the workspace (free-standing so the phone can be borrowed
/// mutably beside it).
fn context<'a>(
    session: &'a Session,
    audio: &'a Audio,
    me: &Me,
    now: OffsetDateTime,
    focused: bool,
    account: &'a Account,
) -> phone::Context<'a> {
    phone::Context {
        hub: &session.hub,
        token: &session.token,
        audio,
        me: me.id,
        now,
        focused,
        country: &account.settings.default_country,
    }
}

/// What the notes need from the workspace (free-standing, as `context`).
fn notes_context<'a>(session: &'a Session, me: &Me, now: OffsetDateTime) -> notes::Context<'a> {
    notes::Context {
        hub: &session.hub,
        token: &session.token,
        me: me.id,
        now,
    }
}

fn focus(event: iced::Event, _: iced::event::Status, _: iced::window::Id) -> Option<Message> {
    match event {
        iced::Event::Window(iced::window::Event::Focused) => Some(Message::Focused(true)),
        iced::Event::Window(iced::window::Event::Unfocused) => Some(Message::Focused(false)),
        _ => None,
    }
}

fn tick(_: std::time::Instant) -> Message {
    Message::Tick(OffsetDateTime::now_utc())
}
