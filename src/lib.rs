//! Switchboard, the desktop agent workspace (iced). `main.rs` starts [`app::App`]; the tests
//! drive the same screens headless.

pub mod app;
pub mod builtin;
pub mod call;
pub mod font;
pub mod i18n;
pub mod screen;
pub mod session;
pub mod theme;
pub mod widget;
