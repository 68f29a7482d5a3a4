//! Fonts are embedded: a fresh machine may have none, and tests render identically everywhere.

use iced::Font;

pub const REGULAR_BYTES: &[u8] = include_bytes!("../resources/fonts/DejaVuSans.ttf");
pub const BOLD_BYTES: &[u8] = include_bytes!("../resources/fonts/DejaVuSans-Bold.ttf");

pub const REGULAR: Font = Font::with_name("DejaVu Sans");
pub const BOLD: Font = Font {
    weight: iced::font::Weight::Bold,
    ..REGULAR
};

/// Every font the app uses, for `application(..).font(..)` and test settings.
pub fn all() -> [&'static [u8]; 2] {
    [REGULAR_BYTES, BOLD_BYTES]
}
