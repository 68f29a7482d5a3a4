//! The Settings view: who is signed in, language, theme, devices, the hub.

use iced::Alignment;
use iced::widget::{button, column, pick_list, row, scrollable, text};
use switchboard_client::Config;
use switchboard_client::config::{self, Language};

use super::{Message, Workspace};
use crate::widget::Element;
use crate::{fl, font, theme};

impl Workspace {
    pub(super) fn settings<'a>(&'a self, config: &'a Config) -> Element<'a, Message> {
        let languages: Vec<LanguageChoice> =
            Language::ALL.into_iter().map(LanguageChoice).collect();
        let themes: Vec<ThemeChoice> = [config::Theme::Light, config::Theme::Dark]
            .into_iter()
            .map(ThemeChoice)
            .collect();
        let hub = if self.session.builtin {
            fl!("settings-hub-builtin")
        } else {
            self.session.hub.address().to_owned()
        };
        let page = column![
            text(fl!("settings-title")).size(22).font(font::BOLD),
            text(fl!(
                "settings-signed-in-as",
                name = self.me.name.clone(),
                email = self.me.email.clone()
            )),
            text(fl!("settings-hub", hub = hub)).style(theme::text::muted),
            row![
                text(fl!("settings-language")).width(160),
                pick_list(languages, Some(LanguageChoice(config.language)), |choice| {
                    Message::LanguagePicked(choice.0)
                })
                .width(240),
            ]
            .align_y(Alignment::Center),
            row![
                text(fl!("settings-theme")).width(160),
                pick_list(themes, Some(ThemeChoice(config.theme)), |choice| {
                    Message::ThemePicked(choice.0)
                })
                .width(240),
            ]
            .align_y(Alignment::Center),
            self.devices.view(&self.audio).map(Message::Devices),
            button(text(fl!("sign-out")))
                .padding([10, 16])
                .style(theme::button::primary)
                .on_press(Message::SignOut),
        ]
        .spacing(18);
        scrollable(page).into()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LanguageChoice(Language);

impl std::fmt::Display for LanguageChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&match self.0 {
            Language::System => fl!("settings-language-system"),
            Language::English => fl!("language-english"),
            Language::Spanish => fl!("language-spanish"),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ThemeChoice(config::Theme);

impl std::fmt::Display for ThemeChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&match self.0 {
            config::Theme::Light => fl!("settings-theme-light"),
            config::Theme::Dark => fl!("settings-theme-dark"),
        })
    }
}
