//! Switchboard's media engine without a GUI: the Opus codec, the adaptive jitter buffer with
//! loss concealment, RFC 4733 DTMF, WebRTC legs, sound cards, tones, and WAV files standing
//! in for audio devices.

pub mod analysis;
pub mod codec;
#[cfg(feature = "devices")]
pub mod device;
pub mod dtmf;
pub mod g711;
pub mod ice;
pub mod jitter;
pub mod ogg_opus;
pub mod peer;
pub mod recording;
pub mod speaker;
pub mod tone;
pub mod wav;

/// Every leg runs at 48 kHz mono.
pub const SAMPLE_RATE: u32 = 48_000;
/// 20 ms frames.
pub const FRAME_SAMPLES: usize = 960;
pub const FRAME_MS: u32 = 20;

/// One 20 ms frame of 16-bit PCM.
pub type Frame = [i16; FRAME_SAMPLES];

/// The WebRTC session every leg uses, at both ends: Opus, and RFC 4733 telephone events at
/// 48 kHz and at 8 kHz (browsers offer both).
pub fn rtc_config() -> str0m::RtcConfig {
    use str0m::format::{Codec, FormatParams};
    use str0m::media::{Frequency, Pt};
    let mut config = str0m::RtcConfig::new()
        .clear_codecs()
        .enable_opus(true, false);
    for (pt, rate) in [
        (110, Frequency::FORTY_EIGHT_KHZ),
        (126, Frequency::EIGHT_KHZ),
    ] {
        config.codec_config().add_config(
            Pt::new_with_value(pt),
            None,
            Codec::Tele,
            rate,
            None,
            FormatParams {
                telephone_event_max: Some(16),
                ..FormatParams::default()
            },
        );
    }
    config
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("opus: {0}")]
    Opus(String),
    #[error("wav: {0}")]
    Wav(String),
    #[error("{0}")]
    Invalid(String),
    /// Calls must go through a TURN relay and no server granted one (why, per server).
    #[error("calls must go through a TURN relay, and none could be had: {0}")]
    NoRelay(String),
}

impl From<opus::Error> for Error {
    fn from(error: opus::Error) -> Self {
        Error::Opus(error.to_string())
    }
}

impl From<hound::Error> for Error {
    fn from(error: hound::Error) -> Self {
        Error::Wav(error.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
