//! The application: which screen is up, and everything that crosses screens — start-up,
//! signing in and out, saved settings. Screens ask through `Action`s; only this acts.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use iced::widget::{center, text};
use iced::{Subscription, Task, Theme};
use switchboard_client::config::Language;
use switchboard_client::environment::Environment;
use switchboard_client::local::Local;
use switchboard_client::secrets::Keychain;
use switchboard_client::{Config, Error};
use switchboard_protocol::Bootstrap;
use time::OffsetDateTime;

use crate::screen::{self, sign_in, workspace};
use crate::session::{self, Outcome, Session, Started};
use crate::widget::Element;
use crate::{builtin, fl, i18n, theme};

/// What `main` decided before the window opened.
#[derive(Debug, Clone)]
pub struct Flags {
    pub env: Environment,
    pub config: Config,
    /// `--hub URL`: use this hub instead of the configured one or the built-in one.
    pub hub: Option<String>,
    /// Print when the signed-in workspace first reaches the screen (for `bench/`).
    pub report_first_frame: bool,
    /// Call audio devices (or WAV files standing in for them).
    pub audio: crate::call::Audio,
}

pub struct App {
    flags: Flags,
    config: Config,
    builtin: Option<Arc<builtin::Hub>>,
    keychain: Option<Keychain>,
    screen: Screen,
}

enum Screen {
    Starting,
    SignIn(sign_in::SignIn),
    Workspace(Box<workspace::Workspace>),
}

#[derive(Debug, Clone)]
pub enum Message {
    Started(Started),
    SignIn(sign_in::Message),
    SignedIn(Result<(Session, Box<Bootstrap>), Error>),
    /// Boxed: the workspace's messages carry whole calls.
    Workspace(Box<workspace::Message>),
    ConfigSaved(Result<(), Error>),
    /// A frame of the signed-in workspace was presented (only with `report_first_frame`).
    Frame,
}

impl Message {
    fn workspace(message: workspace::Message) -> Self {
        Self::Workspace(Box::new(message))
    }
}

impl App {
    pub fn new(flags: Flags) -> (Self, Task<Message>) {
        i18n::select(flags.config.language);
        let start = Task::perform(
            session::start(flags.env.clone(), flags.config.clone(), flags.hub.clone()),
            Message::Started,
        );
        let app = Self {
            config: flags.config.clone(),
            flags,
            builtin: None,
            keychain: None,
            screen: Screen::Starting,
        };
        (app, start)
    }

    pub fn title(&self) -> String {
        fl!("app-title")
    }

    pub fn theme(&self) -> Theme {
        theme::theme(self.config.theme)
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Started(started) => {
                self.builtin = started.builtin;
                self.keychain = started.keychain;
                match started.outcome {
                    Outcome::SignedIn(session, boot) => self.enter_workspace(session, *boot),
                    Outcome::SignIn(error) => {
                        self.show_sign_in(error.as_ref().map(screen::describe));
                        Task::none()
                    }
                    Outcome::BuiltinHubFailed(reason) => {
                        self.show_sign_in(Some(fl!("error-builtin-hub", reason = reason)));
                        Task::none()
                    }
                }
            }
            Message::SignIn(message) => {
                let Screen::SignIn(sign_in) = &mut self.screen else {
                    return Task::none();
                };
                match sign_in.update(message) {
                    sign_in::Action::None => Task::none(),
                    sign_in::Action::SignIn {
                        hub,
                        email,
                        password,
                        remember,
                        builtin,
                    } => {
                        self.config.remember = remember;
                        let keychain = self.keychain.clone();
                        Task::perform(
                            async move {
                                session::sign_in(
                                    hub,
                                    &email,
                                    &password,
                                    remember,
                                    builtin,
                                    keychain.as_ref(),
                                )
                                .await
                                .map(|(session, boot)| (session, Box::new(boot)))
                            },
                            Message::SignedIn,
                        )
                    }
                }
            }
            Message::SignedIn(Ok((session, boot))) => self.enter_workspace(session, *boot),
            Message::SignedIn(Err(error)) => {
                if let Screen::SignIn(sign_in) = &mut self.screen {
                    sign_in.failed(&error);
                }
                Task::none()
            }
            Message::Workspace(message) => {
                let Screen::Workspace(workspace) = &mut self.screen else {
                    return Task::none();
                };
                match workspace.update(*message) {
                    workspace::Action::None => Task::none(),
                    workspace::Action::Run(task) => task.map(Message::workspace),
                    workspace::Action::SignOut => {
                        let session = workspace.session().clone();
                        let email = workspace.me().email.clone();
                        let keychain = self.keychain.clone();
                        self.config.remember = false;
                        self.show_sign_in(None);
                        Task::batch([
                            self.save_config(),
                            Task::future(session::sign_out(session, email, keychain)).discard(),
                        ])
                    }
                    workspace::Action::SessionLost => {
                        let (address, email) = (
                            workspace.session().hub.address().to_owned(),
                            workspace.me().email.clone(),
                        );
                        let keychain = self.keychain.clone();
                        self.show_sign_in(Some(fl!("error-session-expired")));
                        Task::future(async move {
                            if let Some(keychain) = keychain {
                                let _ = keychain.delete(&address, &email);
                            }
                        })
                        .discard()
                    }
                    workspace::Action::LanguagePicked(language) => self.set_language(language),
                    workspace::Action::ThemePicked(theme) => {
                        self.config.theme = theme;
                        self.save_config()
                    }
                    workspace::Action::DevicesPicked(devices) => {
                        self.config.devices = devices;
                        self.save_config()
                    }
                    workspace::Action::DialCountryPicked(country, then) => {
                        self.config.dial_country = Some(country);
                        Task::batch([self.save_config(), then.map(Message::workspace)])
                    }
                }
            }
            Message::ConfigSaved(result) => {
                if let Err(error) = result {
                    tracing::warn!(%error, "settings not saved");
                }
                Task::none()
            }
            // Several frames may be queued before the subscription ends: report the first.
            Message::Frame if !self.flags.report_first_frame => Task::none(),
            Message::Frame => {
                self.flags.report_first_frame = false;
                let at = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or(Duration::ZERO)
                    .as_millis();
                Task::future(async move { eprintln!("switchboard-first-frame-ms {at}") }).discard()
            }
        }
    }

    fn enter_workspace(&mut self, session: Session, boot: Bootstrap) -> Task<Message> {
        self.config.email = boot.me.email.clone();
        self.config.remember = session.remembered;
        self.config.hub_url = (!session.builtin).then(|| session.hub.address().to_owned());
        let mut workspace = workspace::Workspace::new(session, boot, OffsetDateTime::now_utc())
            .with_audio(self.flags.audio.clone())
            .with_devices(self.config.devices.clone())
            .with_dial_country(self.config.dial_country.as_deref())
            .with_local(Local::at(self.flags.env.data_dir.join("local.sqlite3")))
            .with_downloads(self.flags.env.downloads_dir.clone());
        let start = workspace.start().map(Message::workspace);
        self.screen = Screen::Workspace(Box::new(workspace));
        Task::batch([self.save_config(), start])
    }

    fn show_sign_in(&mut self, error: Option<String>) {
        let builtin_url = self.builtin.as_ref().map(|hub| hub.url());
        let remote = self.flags.hub.clone().or(self.config.hub_url.clone());
        self.screen = Screen::SignIn(sign_in::SignIn::new(
            builtin_url,
            remote,
            self.config.email.clone(),
            self.config.remember,
            error,
        ));
    }

    fn set_language(&mut self, language: Language) -> Task<Message> {
        self.config.language = language;
        i18n::select(language);
        self.save_config()
    }

    fn save_config(&self) -> Task<Message> {
        let config = self.config.clone();
        let path = self.flags.env.config_file();
        Task::perform(
            async move {
                tokio::task::spawn_blocking(move || config.save(&path))
                    .await
                    .map_err(|e| Error::Protocol(e.to_string()))?
            },
            Message::ConfigSaved,
        )
    }

    pub fn subscription(&self) -> Subscription<Message> {
        match &self.screen {
            Screen::Workspace(workspace) => {
                let mut subscriptions = vec![workspace.subscription().map(Message::workspace)];
                if self.flags.report_first_frame {
                    subscriptions.push(iced::window::frames().map(|_| Message::Frame));
                }
                Subscription::batch(subscriptions)
            }
            _ => Subscription::none(),
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        match &self.screen {
            Screen::Starting => center(text(fl!("starting")).size(18)).into(),
            Screen::SignIn(sign_in) => sign_in.view().map(Message::SignIn),
            Screen::Workspace(workspace) => workspace.view(&self.config).map(Message::workspace),
        }
    }
}
