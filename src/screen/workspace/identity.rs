//! The Identity tab (F-43) of a call from the phone network: the phone validation card —
//! risk and its reasons, the number's validity, line type and country, its STIR/SHAKEN
//! attestation, the block list and how often it has called — or, for an account without
//! Identity, what it would bring.

use iced::widget::{button, column, container, row, text};
use iced::{Alignment, Length};
use switchboard_protocol::{Attestation, Identity, LineType, Risk, RiskReason, ShakenProblem};

use crate::widget::Element;
use crate::{fl, font, theme};

/// The card, or a word that the check is still running. `block` puts the number on the
/// block list or takes it off (for supervisors; none for agents).
pub fn card<'a, Message: Clone + 'a>(
    identity: Option<&Identity>,
    block: Option<fn(bool) -> Message>,
) -> Element<'a, Message> {
    let Some(identity) = identity else {
        return text(fl!("identity-checking"))
            .style(theme::text::muted)
            .into();
    };
    let (risk, style): (String, fn(&iced::Theme) -> text::Style) = match identity.risk {
        Risk::Low => (fl!("identity-risk-low"), theme::text::success),
        Risk::Medium => (fl!("identity-risk-medium"), theme::text::warning),
        Risk::High => (fl!("identity-risk-high"), theme::text::danger),
    };
    let mut summary = column![text(risk).size(18).font(font::BOLD).style(style)].spacing(4);
    if identity.reasons.is_empty() {
        summary = summary.push(text(fl!("identity-no-concerns")).style(theme::text::muted));
    }
    for reason in &identity.reasons {
        summary = summary.push(text(format!("• {}", reason_text(*reason, identity))).size(14));
    }
    let facts = column![
        fact(
            fl!("identity-number"),
            if identity.valid {
                fl!("identity-valid")
            } else {
                fl!("identity-invalid")
            }
        ),
        fact(fl!("identity-line-type"), line_type(identity.line_type)),
        fact(
            fl!("identity-country"),
            identity.country.clone().unwrap_or_else(|| "—".into())
        ),
        fact(fl!("identity-attestation"), attestation(identity)),
        fact(
            fl!("identity-block-list"),
            if identity.blocked {
                fl!("identity-blocked")
            } else {
                fl!("identity-not-blocked")
            }
        ),
        fact(
            fl!("identity-velocity"),
            fl!(
                "identity-velocity-counts",
                hour = identity.calls_last_hour,
                day = identity.calls_last_day
            )
        ),
    ]
    .spacing(4);
    if let Some(block) = block {
        let label = if identity.blocked {
            fl!("identity-unblock")
        } else {
            fl!("identity-block")
        };
        summary = summary.push(
            button(text(label).size(14))
                .padding([6, 14])
                .style(theme::button::item)
                .on_press(block(!identity.blocked)),
        );
    }
    row![
        container(summary).width(Length::FillPortion(2)),
        container(facts).width(Length::FillPortion(3)),
    ]
    .spacing(16)
    .into()
}

/// For accounts without Identity: what it would show.
pub fn teaser<'a, Message: 'a>() -> Element<'a, Message> {
    column![
        text(fl!("identity-teaser-title")).size(16).font(font::BOLD),
        text(fl!("identity-teaser-body")),
        text(fl!("identity-teaser-ask")).style(theme::text::muted),
    ]
    .spacing(6)
    .into()
}

fn fact<'a, Message: 'a>(label: String, value: String) -> Element<'a, Message> {
    row![
        text(label).width(150).style(theme::text::muted),
        text(value),
    ]
    .spacing(8)
    .align_y(Alignment::Center)
    .into()
}

fn line_type(kind: LineType) -> String {
    match kind {
        LineType::Mobile => fl!("line-mobile"),
        LineType::FixedLine => fl!("line-fixed"),
        LineType::FixedLineOrMobile => fl!("line-fixed-or-mobile"),
        LineType::TollFree => fl!("line-toll-free"),
        LineType::PremiumRate => fl!("line-premium-rate"),
        LineType::SharedCost => fl!("line-shared-cost"),
        LineType::Voip => fl!("line-voip"),
        LineType::Personal => fl!("line-personal"),
        LineType::Pager => fl!("line-pager"),
        LineType::Voicemail => fl!("line-voicemail"),
        LineType::Unknown => fl!("line-unknown"),
    }
}

fn attestation(identity: &Identity) -> String {
    match identity.attestation {
        Attestation::A => fl!("attestation-a"),
        Attestation::B => fl!("attestation-b"),
        Attestation::C => fl!("attestation-c"),
        Attestation::None => fl!("attestation-none"),
        Attestation::Failed => fl!(
            "attestation-failed",
            reason = identity
                .shaken_problem
                .map(problem)
                .unwrap_or_else(|| fl!("shaken-malformed"))
        ),
    }
}

fn problem(problem: ShakenProblem) -> String {
    match problem {
        ShakenProblem::Malformed => fl!("shaken-malformed"),
        ShakenProblem::NumberMismatch => fl!("shaken-number-mismatch"),
        ShakenProblem::Stale => fl!("shaken-stale"),
        ShakenProblem::CertificateUnavailable => fl!("shaken-certificate-unavailable"),
        ShakenProblem::CertificateUntrusted => fl!("shaken-certificate-untrusted"),
        ShakenProblem::BadSignature => fl!("shaken-bad-signature"),
        ShakenProblem::NoTrustAnchors => fl!("shaken-no-trust-anchors"),
    }
}

fn reason_text(reason: RiskReason, identity: &Identity) -> String {
    match reason {
        RiskReason::NoNumber => fl!("risk-no-number"),
        RiskReason::InvalidNumber => fl!("risk-invalid-number"),
        RiskReason::PremiumRate => fl!("risk-premium-rate"),
        RiskReason::Blocked => fl!("risk-blocked"),
        RiskReason::SignatureFailed => fl!("risk-signature-failed"),
        RiskReason::NotAttested => fl!("risk-not-attested"),
        RiskReason::PartialAttestation => fl!("risk-partial-attestation"),
        RiskReason::GatewayAttestation => fl!("risk-gateway-attestation"),
        RiskReason::ManyCallsLastHour => {
            fl!("risk-many-calls-hour", count = identity.calls_last_hour)
        }
        RiskReason::ManyCallsLastDay => fl!("risk-many-calls-day", count = identity.calls_last_day),
    }
}
