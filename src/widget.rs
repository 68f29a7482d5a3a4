//! Small stateless pieces shared by the screens.

use iced::widget::{button, column, container, row, text};
use iced::{Color, Length, alignment};
use switchboard_protocol::{StatusDef, StatusKey, StatusKind};

use crate::{fl, font, theme};

pub type Element<'a, Message> = iced::Element<'a, Message>;

/// A filled circle of `size` pixels.
pub fn dot<'a, Message: 'a>(color: Color, size: f32) -> Element<'a, Message> {
    container(text(""))
        .width(size)
        .height(size)
        .style(theme::container::dot(color))
        .into()
}

/// The twelve phone keys, 0–9 * #, in three columns; `key_width` and `text_size` set how
/// big (the dial pad's keys are larger than the in-call keypad's).
pub fn keypad<'a, Message: Clone + 'a>(
    key_width: f32,
    text_size: f32,
    on_key: impl Fn(char) -> Message,
) -> Element<'a, Message> {
    let spacing = key_width / 9.0;
    let mut grid = column![].spacing(spacing);
    for keys in ["123", "456", "789", "*0#"] {
        let mut line = row![].spacing(spacing);
        for key in keys.chars() {
            line = line.push(
                button(text(key.to_string()).size(text_size).center())
                    .width(key_width)
                    .padding([text_size / 2.2, 0.0])
                    .style(theme::button::item)
                    .on_press(on_key(key)),
            );
        }
        grid = grid.push(line);
    }
    grid.into()
}

/// The round avatar with the agent's initials, ringed in their status colour.
pub fn avatar<'a, Message: 'a>(name: &str, status: Color) -> Element<'a, Message> {
    container(text(initials(name)).size(15).font(font::BOLD))
        .width(Length::Fixed(40.0))
        .height(Length::Fixed(40.0))
        .align_x(alignment::Horizontal::Center)
        .align_y(alignment::Vertical::Center)
        .style(theme::container::avatar(status))
        .into()
}

/// "Lucía Fernández" -> "LF"; one name gives one letter.
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let pick = |word: &str| word.chars().next().into_iter().flat_map(char::to_uppercase);
    match words.as_slice() {
        [] => "?".to_owned(),
        [only] => pick(only).collect(),
        [first, .., last] => pick(first).chain(pick(last)).collect(),
    }
}

/// `mm:ss`, or `h:mm:ss` past an hour; negative spans (clock skew) read as zero.
pub fn duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (h, m, s) = (seconds / 3600, (seconds / 60) % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// A number in E.164 as people read it: "+44 20 7183 8750".
pub fn international(e164: &str) -> String {
    phonenumber::parse(None, e164)
        .map(|n| {
            n.format()
                .mode(phonenumber::Mode::International)
                .to_string()
        })
        .unwrap_or_else(|_| e164.to_string())
}

/// The agent's time zone, read from the system once at start ([`read_time_zone`]); UTC
/// until then (and in tests).
static ZONE: std::sync::OnceLock<jiff::tz::TimeZone> = std::sync::OnceLock::new();

/// Reads the system's time zone, before the window opens (views must not read files).
pub fn read_time_zone() {
    let _ = ZONE.set(jiff::tz::TimeZone::system());
}

/// When something happened, in the agent's time zone: the time today, "Yesterday" and the
/// time, else the date and time.
pub fn when(at: time::OffsetDateTime, now: time::OffsetDateTime) -> String {
    let zone = ZONE.get().cloned().unwrap_or(jiff::tz::TimeZone::UTC);
    let local = |t: time::OffsetDateTime| {
        jiff::Timestamp::from_second(t.unix_timestamp())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned(zone.clone())
    };
    let (at, now) = (local(at), local(now));
    let clock = at.strftime("%H:%M").to_string();
    if at.date() == now.date() {
        clock
    } else if now.date().yesterday().is_ok_and(|d| d == at.date()) {
        fl!("when-yesterday", time = clock)
    } else {
        at.strftime("%Y-%m-%d %H:%M").to_string()
    }
}

/// A status's name in the agent's language (custom statuses carry their own).
pub fn status_label(key: &StatusKey, statuses: &[StatusDef]) -> String {
    match key.kind() {
        StatusKind::Available => fl!("status-available"),
        StatusKind::Away => fl!("status-away"),
        StatusKind::OnCall => fl!("status-on_call"),
        StatusKind::AfterCallWork => fl!("status-after_call_work"),
        StatusKind::Offline => fl!("status-offline"),
        StatusKind::Custom => statuses
            .iter()
            .find(|def| &def.key == key)
            .map(|def| def.label.clone())
            .unwrap_or_else(|| key.to_string()),
    }
}

pub fn status_color(key: &StatusKey, statuses: &[StatusDef]) -> Color {
    statuses
        .iter()
        .find(|def| &def.key == key)
        .map(|def| theme::parse_hex(&def.color))
        .unwrap_or_else(|| theme::parse_hex(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_first_and_last_names() {
        assert_eq!(initials("Lucía Fernández"), "LF");
        assert_eq!(initials("Ana María de la Cruz"), "AC");
        assert_eq!(initials("Cher"), "C");
        assert_eq!(initials("  "), "?");
        assert_eq!(initials("élise durand"), "ÉD");
    }

    #[test]
    fn durations_read_as_a_clock() {
        assert_eq!(duration(0), "00:00");
        assert_eq!(duration(75), "01:15");
        assert_eq!(duration(3599), "59:59");
        assert_eq!(duration(3600), "1:00:00");
        assert_eq!(duration(3600 * 26 + 61), "26:01:01");
        assert_eq!(duration(-5), "00:00");
    }
}
