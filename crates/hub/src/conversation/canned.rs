//! Canned replies: what a valid one looks like, and its placeholders filled in.

use switchboard_protocol::{ErrorCode, MAX_MESSAGE_CHARS, MAX_SHORTCUT_CHARS};

use crate::{Error, Result};

/// The placeholders a canned reply may use.
const PLACEHOLDERS: [&str; 3] = ["contact", "first_name", "agent"];

/// Refuses a shortcut that is not 1 to 32 of `a-z`, `0-9`, `-`, and text that is empty, too
/// long, or names a placeholder there is none of (a typo would reach the customer as is).
pub fn check(shortcut: &str, text: &str) -> Result<()> {
    let shortcut_ok = !shortcut.is_empty()
        && shortcut.chars().count() <= MAX_SHORTCUT_CHARS
        && shortcut
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let text_ok = !text.trim().is_empty() && text.chars().count() <= MAX_MESSAGE_CHARS;
    let mut rest = text;
    let mut placeholders_ok = true;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if PLACEHOLDERS.contains(&&after[..close]) => rest = &after[close + 1..],
            _ => {
                placeholders_ok = false;
                break;
            }
        }
    }
    if shortcut_ok && text_ok && placeholders_ok {
        Ok(())
    } else {
        Err(Error::refused(ErrorCode::InvalidCannedReply))
    }
}

/// The reply as it reads to `contact` from `agent` (each placeholder filled once: a name
/// that looks like a placeholder stays as it is).
pub fn fill(text: &str, contact: &str, agent: &str) -> String {
    let first_name = contact.split_whitespace().next().unwrap_or(contact);
    let mut filled = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        filled.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let value = match &after[..close] {
                "contact" => contact,
                "first_name" => first_name,
                "agent" => agent,
                _ => return None,
            };
            Some((value, close))
        });
        match value {
            Some((value, close)) => {
                filled.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                filled.push('{');
                rest = after;
            }
        }
    }
    filled.push_str(rest);
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_and_placeholders_are_checked() {
        let cases = [
            ("greeting", "Hi {first_name}, this is {agent}.", true),
            ("refund-2", "Dear {contact}: done.", true),
            ("", "Hello", false),
            ("Greeting", "Hello", false),
            ("with space", "Hello", false),
            (&*"x".repeat(33), "Hello", false),
            ("ok", "   ", false),
            ("ok", "Hi {firstname}", false),
            ("ok", "Hi {contact", false),
            ("ok", "A brace } alone is text", true),
        ];
        for (shortcut, text, valid) in cases {
            assert_eq!(
                check(shortcut, text).is_ok(),
                valid,
                "{shortcut:?} {text:?}"
            );
        }
    }

    #[test]
    fn placeholders_are_filled_for_the_conversation() {
        assert_eq!(
            fill(
                "Hi {first_name}, {agent} here. {contact}, thanks!",
                "Grace Hopper",
                "Ana"
            ),
            "Hi Grace, Ana here. Grace Hopper, thanks!"
        );
        // A contact's name that looks like a placeholder is not filled again.
        assert_eq!(fill("{contact}/{agent}", "{agent}", "Ana"), "{agent}/Ana");
    }
}
