//! Identity (F-43): what the hub can tell about who is really calling — the number itself,
//! its STIR/SHAKEN attestation, the account's block list, how often it has called — and the
//! risk it adds up to. The reasons are codes; clients put them in the agent's words.

use serde::{Deserialize, Serialize};

/// The phone validation card of a call from the phone network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identity {
    /// Whether the caller sent a number that is a valid one for its country.
    pub valid: bool,
    pub line_type: LineType,
    /// ISO 3166 code of the number's country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub attestation: Attestation,
    /// Why a SHAKEN PASSporT the carrier sent could not be trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shaken_problem: Option<ShakenProblem>,
    /// Whether the number is on the account's block list.
    pub blocked: bool,
    /// Calls from the number to the account before this one: in the last hour, and day.
    pub calls_last_hour: u32,
    pub calls_last_day: u32,
    pub risk: Risk,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<RiskReason>,
}

impl Identity {
    /// The card once the number went on (or off) the block list: the reason and the risk
    /// follow.
    pub fn set_blocked(&mut self, blocked: bool) {
        self.blocked = blocked;
        self.reasons.retain(|reason| *reason != RiskReason::Blocked);
        if blocked {
            self.reasons.push(RiskReason::Blocked);
        }
        self.risk = self
            .reasons
            .iter()
            .map(|reason| reason.risk())
            .max()
            .unwrap_or(Risk::Low);
    }
}

/// What kind of line a number is, as its numbering plan says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineType {
    Mobile,
    FixedLine,
    /// The plan does not say which (the US and Canada, say).
    FixedLineOrMobile,
    TollFree,
    PremiumRate,
    SharedCost,
    Voip,
    Personal,
    Pager,
    Voicemail,
    Unknown,
}

/// The STIR/SHAKEN attestation of the caller's number (ATIS-1000074), once its PASSporT's
/// signature and certificate are verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Attestation {
    /// Full: the carrier knows the customer and that they may use the number.
    A,
    /// Partial: the carrier knows the customer, not that the number is theirs.
    B,
    /// Gateway: the carrier only knows where the call entered its network.
    C,
    /// The call carried no PASSporT.
    None,
    /// It carried one that could not be trusted (see `shaken_problem`).
    Failed,
}

/// Why a PASSporT was not trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShakenProblem {
    /// Not a SHAKEN PASSporT (not a JWT, not ES256, missing claims).
    Malformed,
    /// Signed for another number than the caller's.
    NumberMismatch,
    /// Signed too long ago (a replayed call).
    Stale,
    /// The signing certificate could not be fetched.
    CertificateUnavailable,
    /// The certificate does not chain to a trusted STI certificate authority, or has expired.
    CertificateUntrusted,
    /// The signature does not match.
    BadSignature,
    /// This hub has no STI certificate authorities to check against.
    NoTrustAnchors,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Low,
    Medium,
    High,
}

/// One reason for the risk level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RiskReason {
    /// The caller withheld their number.
    NoNumber,
    InvalidNumber,
    PremiumRate,
    Blocked,
    /// The PASSporT did not verify: the number may be spoofed.
    SignatureFailed,
    /// No attestation at all.
    NotAttested,
    PartialAttestation,
    GatewayAttestation,
    ManyCallsLastHour,
    ManyCallsLastDay,
}

impl RiskReason {
    /// How much this reason weighs.
    pub fn risk(self) -> Risk {
        match self {
            RiskReason::Blocked | RiskReason::SignatureFailed | RiskReason::InvalidNumber => {
                Risk::High
            }
            RiskReason::NoNumber
            | RiskReason::PremiumRate
            | RiskReason::NotAttested
            | RiskReason::GatewayAttestation
            | RiskReason::PartialAttestation
            | RiskReason::ManyCallsLastHour
            | RiskReason::ManyCallsLastDay => Risk::Medium,
        }
    }
}

/// Body of `POST /api/v1/calls/{id}/voiceprint`: keep the caller's voiceprint for a contact,
/// from what they said on this call. Only with the caller's consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolVoice {
    pub contact_id: crate::Id,
    /// The caller agreed to have their voiceprint kept.
    pub consent: bool,
}

/// How the live caller's voice compares with a contact's voiceprint (or, after enrolling,
/// that it is kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoiceCheck {
    pub status: VoiceStatus,
    /// Similarity to the voiceprint (1 is identical); the hub's threshold decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    pub threshold: f32,
    /// Speech heard from the caller so far, and how much a decision needs.
    pub speech_seconds: f32,
    pub needed_seconds: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VoiceStatus {
    /// The contact has no voiceprint.
    NotEnrolled,
    /// The caller has not said enough yet.
    NotEnoughSpeech,
    /// The caller's voice matches the voiceprint.
    Authenticated,
    /// It does not.
    NotAuthenticated,
    /// The voiceprint was just kept.
    Enrolled,
}
