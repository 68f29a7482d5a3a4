//! The interface in Spanish (a binary of its own: the language is process-wide).

#![allow(clippy::unwrap_used)]

mod common;

use common::{click, shows, workspace};
use switchboard_client::config::Language;

#[test]
fn the_workspace_reads_in_spanish() {
    switchboard::i18n::select(Language::Spanish);
    assert_eq!(switchboard::i18n::current(), "es");
    let mut ws = workspace("away");
    assert!(shows(&ws, "Ausente"));
    assert!(shows(&ws, "Conversaciones"));
    click(&mut ws, "Llamar a un agente");
    assert!(shows(&ws, "Escribe al menos 3 caracteres para filtrar."));
    assert!(shows(&ws, "Disponible para llamar"));
    click(&mut ws, "Ajustes");
    // Arguments carry no Unicode isolation marks (iced would draw them as boxes).
    assert!(shows(
        &ws,
        "Sesión iniciada como Alex Rivera (alex@acme.example)"
    ));

    switchboard::i18n::select(Language::English);
    assert!(shows(&ws, "Signed in as Alex Rivera (alex@acme.example)"));
}
