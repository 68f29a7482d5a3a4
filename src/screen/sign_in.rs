//! The sign-in screen: which hub, email, password, "keep me signed in".

use iced::widget::{button, checkbox, column, container, row, text, text_input};
use iced::{Alignment, Length};
use switchboard_client::{Error, Hub};

use crate::widget::Element;
use crate::{fl, font, theme};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// The hub built into this program.
    BuiltIn,
    Remote,
}

#[derive(Debug, Clone)]
pub struct SignIn {
    server: Server,
    /// Whether "this computer" can be offered (it is, unless `--hub` forced a remote hub).
    builtin_url: Option<String>,
    remote_url: String,
    email: String,
    password: String,
    remember: bool,
    busy: bool,
    error: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Message {
    ServerPicked(Server),
    RemoteUrlChanged(String),
    EmailChanged(String),
    PasswordChanged(String),
    RememberToggled(bool),
    Submit,
}

pub enum Action {
    None,
    /// Sign in to `hub`; the app runs it and answers with [`SignIn::failed`] on error.
    SignIn {
        hub: Hub,
        email: String,
        password: String,
        remember: bool,
        builtin: bool,
    },
}

impl SignIn {
    /// `builtin_url`: the built-in hub if it runs; `remote_url`: the last remote hub used.
    pub fn new(
        builtin_url: Option<String>,
        remote_url: Option<String>,
        email: String,
        remember: bool,
        error: Option<String>,
    ) -> Self {
        let server = if remote_url.is_some() || builtin_url.is_none() {
            Server::Remote
        } else {
            Server::BuiltIn
        };
        Self {
            server,
            builtin_url,
            remote_url: remote_url.unwrap_or_default(),
            email,
            password: String::new(),
            remember,
            busy: false,
            error,
        }
    }

    pub fn email(&self) -> &str {
        &self.email
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn is_busy(&self) -> bool {
        self.busy
    }

    /// The sign-in the app ran failed: say why and let the agent try again.
    pub fn failed(&mut self, error: &Error) {
        self.busy = false;
        self.password.clear();
        self.error = Some(super::describe(error));
    }

    pub fn update(&mut self, message: Message) -> Action {
        match message {
            Message::ServerPicked(server) => {
                if server == Server::BuiltIn && self.builtin_url.is_none() {
                    return Action::None;
                }
                self.server = server;
                self.error = None;
            }
            Message::RemoteUrlChanged(url) => self.remote_url = url,
            Message::EmailChanged(email) => self.email = email,
            Message::PasswordChanged(password) => self.password = password,
            Message::RememberToggled(remember) => self.remember = remember,
            Message::Submit => return self.submit(),
        }
        Action::None
    }

    fn submit(&mut self) -> Action {
        if self.busy {
            return Action::None;
        }
        if self.email.trim().is_empty() || self.password.is_empty() {
            self.error = Some(fl!("error-missing-fields"));
            return Action::None;
        }
        let address = match (self.server, &self.builtin_url) {
            (Server::BuiltIn, Some(url)) => url.clone(),
            _ => self.remote_url.clone(),
        };
        let hub = match Hub::new(&address) {
            Ok(hub) => hub,
            Err(error) => {
                self.error = Some(super::describe(&error));
                return Action::None;
            }
        };
        self.busy = true;
        self.error = None;
        Action::SignIn {
            hub,
            email: self.email.trim().to_owned(),
            password: self.password.clone(),
            remember: self.remember,
            builtin: self.server == Server::BuiltIn,
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        let server: Element<'_, Message> = {
            let mut choices = column![text(fl!("sign-in-server")).size(14)].spacing(6);
            if self.builtin_url.is_some() {
                // Two toggle buttons rather than radios: their labels are real text, which
                // screen readers and tests find.
                let choice = |label: String, server: Server| {
                    button(text(label).size(14))
                        .padding([6, 12])
                        .style(theme::button::nav(self.server == server))
                        .on_press(Message::ServerPicked(server))
                };
                choices = choices.push(
                    row![
                        choice(fl!("sign-in-server-builtin"), Server::BuiltIn),
                        choice(fl!("sign-in-server-remote"), Server::Remote),
                    ]
                    .spacing(8),
                );
            }
            if self.server == Server::Remote {
                choices = choices.push(
                    text_input(&fl!("sign-in-server-placeholder"), &self.remote_url)
                        .id("server")
                        .on_input(Message::RemoteUrlChanged)
                        .on_submit(Message::Submit)
                        .padding(8),
                );
            }
            choices.into()
        };

        let submit = button(
            text(if self.busy {
                fl!("sign-in-busy")
            } else {
                fl!("sign-in-submit")
            })
            .width(Length::Fill)
            .align_x(Alignment::Center),
        )
        .width(Length::Fill)
        .padding(10)
        .style(theme::button::primary)
        .on_press_maybe((!self.busy).then_some(Message::Submit));

        let mut form = column![
            text(fl!("sign-in-title")).size(24).font(font::BOLD),
            server,
            column![
                text(fl!("sign-in-email")).size(14),
                text_input(&fl!("sign-in-email-placeholder"), &self.email)
                    .id("email")
                    .on_input(Message::EmailChanged)
                    .on_submit(Message::Submit)
                    .padding(8),
            ]
            .spacing(6),
            column![
                text(fl!("sign-in-password")).size(14),
                text_input("", &self.password)
                    .id("password")
                    .secure(true)
                    .on_input(Message::PasswordChanged)
                    .on_submit(Message::Submit)
                    .padding(8),
            ]
            .spacing(6),
            row![
                checkbox(self.remember).on_toggle(Message::RememberToggled),
                button(text(fl!("sign-in-remember")).size(14))
                    .padding(0)
                    .style(theme::button::bare)
                    .on_press(Message::RememberToggled(!self.remember)),
            ]
            .spacing(8)
            .align_y(Alignment::Center),
        ]
        .spacing(18)
        .width(380);

        if let Some(error) = &self.error {
            form = form.push(
                container(text(error.clone()).size(14))
                    .padding(10)
                    .width(Length::Fill)
                    .style(theme::container::error_banner),
            );
        }
        form = form.push(submit);
        if self.server == Server::BuiltIn {
            form = form.push(
                text(fl!(
                    "sign-in-demo-hint",
                    email = crate::builtin::DEMO_AGENT_EMAIL,
                    password = crate::builtin::DEMO_PASSWORD
                ))
                .size(13)
                .style(theme::text::muted),
            );
        }

        container(container(form).padding(32).style(theme::container::panel))
            .center(Length::Fill)
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen() -> SignIn {
        SignIn::new(
            Some("http://127.0.0.1:9".into()),
            None,
            String::new(),
            false,
            None,
        )
    }

    #[test]
    fn submitting_without_a_password_says_what_is_missing() {
        let mut screen = screen();
        screen.update(Message::EmailChanged("ana@x.test".into()));
        assert!(matches!(screen.update(Message::Submit), Action::None));
        assert_eq!(screen.error(), Some(fl!("error-missing-fields").as_str()));
        assert!(!screen.is_busy());
    }

    #[test]
    fn submitting_asks_the_app_to_sign_in_once() {
        let mut screen = screen();
        screen.update(Message::EmailChanged("  ana@x.test ".into()));
        screen.update(Message::PasswordChanged("secret".into()));
        screen.update(Message::RememberToggled(true));
        let Action::SignIn {
            hub,
            email,
            password,
            remember,
            builtin,
        } = screen.update(Message::Submit)
        else {
            panic!("expected a sign-in");
        };
        assert_eq!(hub.address(), "http://127.0.0.1:9");
        assert_eq!(
            (email.as_str(), password.as_str(), remember, builtin),
            ("ana@x.test", "secret", true, true)
        );
        assert!(screen.is_busy());
        // A second press while busy does nothing.
        assert!(matches!(screen.update(Message::Submit), Action::None));
    }

    #[test]
    fn a_bad_remote_address_is_refused_before_any_network() {
        let mut screen = screen();
        screen.update(Message::ServerPicked(Server::Remote));
        screen.update(Message::RemoteUrlChanged("ftp://nope".into()));
        screen.update(Message::EmailChanged("ana@x.test".into()));
        screen.update(Message::PasswordChanged("secret".into()));
        assert!(matches!(screen.update(Message::Submit), Action::None));
        assert!(screen.error().is_some_and(|e| e.contains("ftp://nope")));
    }

    #[test]
    fn a_failed_sign_in_keeps_the_email_and_clears_the_password() {
        let mut screen = screen();
        screen.update(Message::EmailChanged("ana@x.test".into()));
        screen.update(Message::PasswordChanged("wrong".into()));
        screen.update(Message::Submit);
        screen.failed(&Error::Hub {
            status: 401,
            code: switchboard_protocol::ErrorCode::InvalidCredentials,
            message: "the email or password is not right".into(),
        });
        assert_eq!(screen.email(), "ana@x.test");
        assert_eq!(screen.password, "");
        assert_eq!(screen.error(), Some(fl!("error-wrong-password").as_str()));
        assert!(!screen.is_busy());
    }
}
