//! Every refusal the hub can send has words of its own on the desktop, in English and in
//! Spanish; the hub's own words (English, for logs) are never what the agent reads. (A binary
//! of its own: the language is process-wide.)

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use strum::IntoEnumIterator;
use switchboard::screen::describe;
use switchboard_client::Error;
use switchboard_client::config::Language;
use switchboard_protocol::ErrorCode;

const HUBS_WORDS: &str = "the hub's own English words";

fn refused(code: ErrorCode) -> Error {
    Error::Hub {
        status: 409,
        code,
        message: HUBS_WORDS.into(),
    }
}

#[test]
fn every_refusal_reads_in_english_and_in_spanish_never_in_the_hubs_words() {
    switchboard::i18n::select(Language::English);
    let mut english = HashMap::new();
    for code in ErrorCode::iter() {
        let words = describe(&refused(code));
        assert!(!words.is_empty(), "{code:?}");
        assert!(
            !words.contains(HUBS_WORDS),
            "{code:?} shows the hub's words"
        );
        english.insert(code, words);
    }
    // A code this version does not know (a newer hub) reads as a general sentence.
    let newer: ErrorCode = serde_json::from_str("\"a_newer_refusal\"").unwrap();
    assert_eq!(describe(&refused(newer)), english[&ErrorCode::Unknown]);

    switchboard::i18n::select(Language::Spanish);
    for code in ErrorCode::iter() {
        let words = describe(&refused(code));
        assert!(
            !words.contains(HUBS_WORDS),
            "{code:?} shows the hub's words"
        );
        // Words missing in Spanish fall back to English.
        assert_ne!(words, english[&code], "{code:?} has no Spanish words");
    }
    switchboard::i18n::select(Language::English);
}
