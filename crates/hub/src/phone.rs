//! Phone numbers as the hub stores them: E.164, read in the account's default country.

use phonenumber::Mode;
use phonenumber::country::Id as Country;

use switchboard_protocol::{ErrorCode, Id, Party};

use crate::{Error, Result, Store};

/// Normalises `input` (national or international, with any punctuation) to E.164.
pub fn to_e164(input: &str, default_country: &str) -> Result<String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(Error::refused_as(
            ErrorCode::InvalidNumber,
            "a phone number is required",
        ));
    }
    if trimmed.len() > 40 {
        return Err(Error::refused_as(
            ErrorCode::InvalidNumber,
            format!("{trimmed:?} is too long for a phone number"),
        ));
    }
    let country = default_country.parse::<Country>().ok();
    let number = phonenumber::parse(country, trimmed).map_err(|_| {
        Error::refused_as(
            ErrorCode::InvalidNumber,
            format!("{trimmed:?} is not a phone number"),
        )
    })?;
    if !phonenumber::is_valid(&number) {
        return Err(Error::refused_as(
            ErrorCode::InvalidNumber,
            format!("{trimmed:?} is not a valid phone number"),
        ));
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// A party on the phone network as agents see them: the contact's name when the account
/// knows the number (E.164), else the number.
pub async fn party(store: &Store, account: Id, e164: String) -> Party {
    let name = store
        .contacts_by_phone(account, &e164)
        .await
        .ok()
        .and_then(|found| found.into_iter().next())
        .map_or_else(|| e164.clone(), |contact| contact.name);
    Party::phone(e164, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_and_international_forms_meet_in_e164() {
        assert_eq!(to_e164("(415) 555-2671", "US").expect("us"), "+14155552671");
        assert_eq!(
            to_e164("+1 415-555-2671", "ES").expect("intl"),
            "+14155552671"
        );
        assert_eq!(to_e164("912 345 678", "ES").expect("es"), "+34912345678");
    }

    #[test]
    fn malformed_numbers_are_refused_with_a_reason() {
        for bad in ["", "   ", "hello", "12", "+999 123"] {
            assert!(
                matches!(
                    to_e164(bad, "US"),
                    Err(Error::Refused(ErrorCode::InvalidNumber, _))
                ),
                "{bad:?}"
            );
        }
    }
}
