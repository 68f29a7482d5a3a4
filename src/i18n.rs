//! Interface language: Fluent files embedded from `i18n/`, looked up with `fl!` (ids are
//! checked at compile time). English is the fallback and the source of truth.

use std::sync::LazyLock;

use i18n_embed::fluent::{FluentLanguageLoader, fluent_language_loader};
use i18n_embed::{DesktopLanguageRequester, LanguageLoader};
use rust_embed::RustEmbed;
use switchboard_client::config::Language;

#[derive(RustEmbed)]
#[folder = "i18n/"]
struct Localizations;

pub static LOADER: LazyLock<FluentLanguageLoader> = LazyLock::new(|| {
    let loader = fluent_language_loader!();
    if let Err(error) = loader.load_fallback_language(&Localizations) {
        tracing::error!(%error, "the English texts could not be loaded");
    }
    // Unicode isolation marks around arguments show up as boxes in iced. The setting applies
    // to the bundles loaded so far, so it is repeated after every language switch.
    loader.set_use_isolating(false);
    loader
});

/// `fl!("id")` or `fl!("id", name = value)`: the text in the current language.
#[macro_export]
macro_rules! fl {
    ($id:literal) => {{ i18n_embed_fl::fl!($crate::i18n::LOADER, $id) }};
    ($id:literal, $($args:tt)*) => {{ i18n_embed_fl::fl!($crate::i18n::LOADER, $id, $($args)*) }};
}

/// Switches the interface language; `System` follows the operating system.
pub fn select(language: Language) {
    let requested = match language {
        Language::English => vec!["en".parse().expect("valid language id")],
        Language::Spanish => vec!["es".parse().expect("valid language id")],
        Language::System => DesktopLanguageRequester::requested_languages(),
    };
    if let Err(error) = i18n_embed::select(&*LOADER, &Localizations, &requested) {
        tracing::warn!(%error, "language not available; keeping English");
    }
    LOADER.set_use_isolating(false);
}

/// The language texts are shown in now.
pub fn current() -> String {
    LOADER.current_language().language.to_string()
}
