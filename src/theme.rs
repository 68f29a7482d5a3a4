//! Colours and named styles. Widgets take `.style(theme::button::primary)`, never inline
//! closures, so the look lives here.

use iced::theme::Palette;
use iced::{Color, Theme, color};
use switchboard_client::config;

pub fn theme(choice: config::Theme) -> Theme {
    match choice {
        config::Theme::Light => Theme::custom(
            "Switchboard Light",
            Palette {
                background: color!(0xf6f7f9),
                text: color!(0x1d2330),
                primary: color!(0x2f5bd3),
                success: color!(0x2e9d4f),
                warning: color!(0xc98a00),
                danger: color!(0xc93c3c),
            },
        ),
        config::Theme::Dark => Theme::custom(
            "Switchboard Dark",
            Palette {
                background: color!(0x171a21),
                text: color!(0xe6e9ef),
                primary: color!(0x6d8ff0),
                success: color!(0x4cc06f),
                warning: color!(0xe0b040),
                danger: color!(0xe06060),
            },
        ),
    }
}

/// `#rrggbb` from the hub, or grey when it cannot be read.
pub fn parse_hex(hex: &str) -> Color {
    let digits = hex.trim_start_matches('#');
    if digits.len() == 6
        && let Ok(value) = u32::from_str_radix(digits, 16)
    {
        return Color::from_rgb8((value >> 16) as u8, (value >> 8) as u8, value as u8);
    }
    Color::from_rgb8(0x8a, 0x8f, 0x98)
}

pub mod container {
    use iced::widget::container::Style;
    use iced::{Border, Color, Theme};

    pub fn top_bar(theme: &Theme) -> Style {
        let palette = theme.extended_palette();
        Style::default()
            .background(palette.background.base.color)
            .border(Border {
                color: palette.background.strong.color,
                width: 1.0,
                radius: 0.0.into(),
            })
    }

    pub fn sidebar(theme: &Theme) -> Style {
        let palette = theme.extended_palette();
        Style::default().background(palette.background.weak.color)
    }

    pub fn panel(theme: &Theme) -> Style {
        let palette = theme.extended_palette();
        Style::default()
            .background(palette.background.base.color)
            .border(Border {
                color: palette.background.strong.color,
                width: 1.0,
                radius: 8.0.into(),
            })
    }

    /// A message the agents wrote to the customer.
    pub fn ours(theme: &Theme) -> Style {
        let colors = theme.extended_palette().primary;
        tinted(colors.weak, colors.base.color)
    }

    /// An internal note: the customer never sees it.
    pub fn note(theme: &Theme) -> Style {
        let colors = theme.extended_palette().warning;
        tinted(colors.weak, colors.base.color)
    }

    /// A row of a list that stands out (a conversation waiting for someone to take it).
    pub fn highlight(theme: &Theme) -> Style {
        let colors = theme.extended_palette().success;
        tinted(colors.weak, colors.base.color)
    }

    /// A rounded box in a weak shade of one of the palette's colours, edged with its base.
    fn tinted(weak: iced::theme::palette::Pair, edge: Color) -> Style {
        Style::default()
            .background(weak.color)
            .color(weak.text)
            .border(Border {
                color: edge,
                width: 1.0,
                radius: 8.0.into(),
            })
    }

    /// A floating menu: a panel with a stronger edge. (No shadow: tiny-skia draws blurred
    /// shadows over the menu's own content.)
    pub fn menu(theme: &Theme) -> Style {
        let palette = theme.extended_palette();
        panel(theme).border(Border {
            color: palette.background.strongest.color,
            width: 1.0,
            radius: 8.0.into(),
        })
    }

    pub fn warning_banner(theme: &Theme) -> Style {
        let palette = theme.extended_palette();
        Style::default()
            .background(palette.warning.weak.color)
            .color(palette.warning.weak.text)
    }

    pub fn call_bar(theme: &Theme) -> Style {
        let palette = theme.extended_palette();
        Style::default()
            .background(palette.success.weak.color)
            .color(palette.success.weak.text)
    }

    pub fn error_banner(theme: &Theme) -> Style {
        let palette = theme.extended_palette();
        Style::default()
            .background(palette.danger.weak.color)
            .color(palette.danger.weak.text)
            .border(Border {
                color: palette.danger.base.color,
                width: 1.0,
                radius: 6.0.into(),
            })
    }

    /// A round badge filled with `color` (status dots and the avatar).
    pub fn dot(color: Color) -> impl Fn(&Theme) -> Style {
        move |_theme| {
            Style::default()
                .background(color)
                .color(Color::WHITE)
                .border(Border {
                    color,
                    width: 0.0,
                    radius: 999.0.into(),
                })
        }
    }

    /// The avatar: the status colour as a thick ring around the initials.
    pub fn avatar(status: Color) -> impl Fn(&Theme) -> Style {
        move |theme| {
            let palette = theme.extended_palette();
            Style::default()
                .background(palette.primary.strong.color)
                .color(Color::WHITE)
                .border(Border {
                    color: status,
                    width: 3.0,
                    radius: 999.0.into(),
                })
        }
    }
}

pub mod button {
    use iced::widget::button::{Status, Style};
    use iced::{Background, Border, Theme};

    pub fn primary(theme: &Theme, status: Status) -> Style {
        iced::widget::button::primary(theme, status)
    }

    /// A navigation entry; the current one is highlighted.
    pub fn nav(active: bool) -> impl Fn(&Theme, Status) -> Style {
        move |theme, status| {
            let palette = theme.extended_palette();
            let background = match (active, status) {
                (true, _) => Some(Background::Color(palette.primary.weak.color)),
                (false, Status::Hovered | Status::Pressed) => {
                    Some(Background::Color(palette.background.strong.color))
                }
                _ => None,
            };
            Style {
                background,
                text_color: if active {
                    palette.primary.weak.text
                } else {
                    palette.background.base.text
                },
                border: Border {
                    radius: 6.0.into(),
                    ..Border::default()
                },
                ..Style::default()
            }
        }
    }

    /// A tab of the call panel; the open one is filled.
    pub fn tab(open: bool) -> impl Fn(&Theme, Status) -> Style {
        move |theme, status| {
            let palette = theme.extended_palette();
            let (background, text_color) = match (open, status) {
                (true, _) => (palette.primary.base.color, palette.primary.base.text),
                (false, Status::Hovered | Status::Pressed) => (
                    palette.background.strong.color,
                    palette.background.base.text,
                ),
                (false, _) => (palette.background.weak.color, palette.background.base.text),
            };
            Style {
                background: Some(Background::Color(background)),
                text_color,
                border: Border {
                    radius: 14.0.into(),
                    ..Border::default()
                },
                ..Style::default()
            }
        }
    }

    /// A row in a list or menu: flat until hovered.
    pub fn item(theme: &Theme, status: Status) -> Style {
        let palette = theme.extended_palette();
        let background = match status {
            Status::Hovered | Status::Pressed => {
                Some(Background::Color(palette.background.strong.color))
            }
            _ => None,
        };
        Style {
            background,
            text_color: if status == Status::Disabled {
                palette.background.strong.text.scale_alpha(0.5)
            } else {
                palette.background.base.text
            },
            border: Border {
                radius: 6.0.into(),
                ..Border::default()
            },
            ..Style::default()
        }
    }

    /// The status widget: transparent, so the avatar shows.
    pub fn bare(theme: &Theme, status: Status) -> Style {
        let palette = theme.extended_palette();
        Style {
            background: matches!(status, Status::Hovered | Status::Pressed)
                .then_some(Background::Color(palette.background.weak.color)),
            text_color: palette.background.base.text,
            border: Border {
                radius: 8.0.into(),
                ..Border::default()
            },
            ..Style::default()
        }
    }
}

pub mod text {
    use iced::Theme;
    use iced::widget::text::Style;

    pub fn muted(theme: &Theme) -> Style {
        Style {
            color: Some(
                theme
                    .extended_palette()
                    .background
                    .strong
                    .text
                    .scale_alpha(0.75),
            ),
        }
    }

    pub fn danger(theme: &Theme) -> Style {
        Style {
            color: Some(theme.extended_palette().danger.base.color),
        }
    }

    pub fn success(theme: &Theme) -> Style {
        Style {
            color: Some(theme.extended_palette().success.base.color),
        }
    }

    pub fn warning(theme: &Theme) -> Style {
        Style {
            color: Some(theme.extended_palette().warning.base.color),
        }
    }
}
