//! Identity (F-43): who is really calling. For each call from the phone network in an
//! account with Identity, the hub reads the number (valid? what kind of line? which
//! country?), verifies the STIR/SHAKEN PASSporT the carrier put in the INVITE's `Identity`
//! header (RFC 8224, RFC 8225, ATIS-1000074: an ES256 JWT whose certificate, fetched from its
//! `x5u`, must chain to one of the configured STI certificate authorities), looks the number
//! up in the account's block list, counts its recent calls, and sums it up as a risk level
//! with its reasons.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use serde::Deserialize;
use switchboard_protocol::{Attestation, Id, Identity, LineType, Risk, RiskReason, ShakenProblem};
use webpki::{EndEntityCert, KeyUsage};

use crate::config::IdentityConfig;
use crate::store::Store;
use crate::{Error, Result};

/// How long a fetched certificate (or the failure to fetch it) is reused.
const CERT_TTL: Duration = Duration::from_secs(3600);
const CERT_FAILURE_TTL: Duration = Duration::from_secs(60);
/// Largest certificate file fetched.
const MAX_CERT_BYTES: usize = 64 * 1024;
/// How long a call waits for its PASSporT's certificate.
const FETCH_TIMEOUT: Duration = Duration::from_secs(2);

/// id-kp-... for STI certificates has no standard EKU: a certificate that lists EKUs must
/// still allow this (anyExtendedKeyUsage would be too broad; none is the common case).
const EKU_ANY: &[u8] = &[0x55, 0x1d, 0x25, 0x00];

type Chain = Arc<Vec<CertificateDer<'static>>>;

/// Verifies PASSporTs against the STI certificate authorities of the configuration.
pub struct Verifier {
    anchors: Vec<TrustAnchor<'static>>,
    max_age: Duration,
    http: reqwest::Client,
    certs: Mutex<HashMap<String, (Instant, Option<Chain>)>>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("anchors", &self.anchors.len())
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// Reads the trust anchors; an unreadable file stops the start with the reason.
    pub fn new(config: &IdentityConfig) -> Result<Self> {
        let mut anchors = Vec::new();
        for path in &config.trust_anchors {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
                .map_err(|error| {
                    Error::Internal(format!("STI trust anchors in {}: {error}", path.display()))
                })?;
            if certs.is_empty() {
                return Err(Error::Internal(format!(
                    "{} holds no certificate",
                    path.display()
                )));
            }
            for cert in certs {
                let anchor = webpki::anchor_from_trusted_cert(&cert).map_err(|error| {
                    Error::Internal(format!("a trust anchor in {}: {error}", path.display()))
                })?;
                anchors.push(anchor.to_owned());
            }
        }
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(2))
            .build()
            .map_err(|error| Error::Internal(error.to_string()))?;
        Ok(Self {
            anchors,
            max_age: config.max_passport_age,
            http,
            certs: Mutex::default(),
        })
    }

    /// The attestation of the caller's number, from the INVITE's `Identity` header (if
    /// any); `caller` is the number the call came from (E.164).
    pub async fn verify(
        &self,
        header: Option<&str>,
        caller: Option<&str>,
    ) -> (Attestation, Option<ShakenProblem>) {
        let Some(header) = header else {
            return (Attestation::None, None);
        };
        match self.check(header, caller).await {
            Ok(attest) => (attest, None),
            Err(problem) => (Attestation::Failed, Some(problem)),
        }
    }

    async fn check(
        &self,
        header: &str,
        caller: Option<&str>,
    ) -> std::result::Result<Attestation, ShakenProblem> {
        let passport = Passport::parse(header)?;
        let digits = |tn: &str| tn.chars().filter(char::is_ascii_digit).collect::<String>();
        if caller.map(digits) != Some(digits(&passport.orig)) {
            return Err(ShakenProblem::NumberMismatch);
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        if now.abs_diff(passport.iat) > self.max_age.as_secs() {
            return Err(ShakenProblem::Stale);
        }
        if self.anchors.is_empty() {
            return Err(ShakenProblem::NoTrustAnchors);
        }
        let chain = self
            .certificates(&passport.x5u)
            .await
            .ok_or(ShakenProblem::CertificateUnavailable)?;
        let (leaf, intermediates) = chain
            .split_first()
            .ok_or(ShakenProblem::CertificateUnavailable)?;
        let leaf =
            EndEntityCert::try_from(leaf).map_err(|_| ShakenProblem::CertificateUntrusted)?;
        leaf.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &self.anchors,
            intermediates,
            UnixTime::now(),
            KeyUsage::required_if_present(EKU_ANY),
            None,
            None,
        )
        .map_err(|error| {
            tracing::info!(%error, x5u = %passport.x5u, "a PASSporT certificate is not trusted");
            ShakenProblem::CertificateUntrusted
        })?;
        let signature = der_signature(&passport.signature).ok_or(ShakenProblem::Malformed)?;
        leaf.verify_signature(
            webpki::ring::ECDSA_P256_SHA256,
            passport.signing_input.as_bytes(),
            &signature,
        )
        .map_err(|_| ShakenProblem::BadSignature)?;
        Ok(passport.attest)
    }

    /// The certificate chain at `x5u`, fetched once an hour at most.
    async fn certificates(&self, x5u: &str) -> Option<Chain> {
        if let Some((at, chain)) = self.lock().get(x5u) {
            let ttl = if chain.is_some() {
                CERT_TTL
            } else {
                CERT_FAILURE_TTL
            };
            if at.elapsed() < ttl {
                return chain.clone();
            }
        }
        let chain = self.fetch(x5u).await.map(Arc::new);
        self.lock()
            .insert(x5u.to_owned(), (Instant::now(), chain.clone()));
        chain
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Option<Chain>)>> {
        self.certs.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn fetch(&self, x5u: &str) -> Option<Vec<CertificateDer<'static>>> {
        let url = reqwest::Url::parse(x5u).ok()?;
        if !matches!(url.scheme(), "https" | "http") {
            return None;
        }
        let response = self.http.get(url).send().await.ok()?;
        if !response.status().is_success()
            || response
                .content_length()
                .is_some_and(|n| n > MAX_CERT_BYTES as u64)
        {
            return None;
        }
        let body = response.bytes().await.ok()?;
        if body.len() > MAX_CERT_BYTES {
            return None;
        }
        let certs: Vec<_> = CertificateDer::pem_slice_iter(&body)
            .collect::<std::result::Result<_, _>>()
            .ok()?;
        (!certs.is_empty()).then_some(certs)
    }
}

/// A SHAKEN PASSporT, as read (not yet verified).
#[derive(Debug)]
struct Passport {
    attest: Attestation,
    orig: String,
    iat: i64,
    x5u: String,
    /// `header.payload`, what the signature covers.
    signing_input: String,
    /// r ‖ s, 64 bytes.
    signature: Vec<u8>,
}

#[derive(Deserialize)]
struct JoseHeader {
    alg: String,
    #[serde(default)]
    ppt: Option<String>,
    x5u: String,
}

#[derive(Deserialize)]
struct Claims {
    attest: String,
    iat: i64,
    orig: Tn,
}

#[derive(Deserialize)]
struct Tn {
    tn: String,
}

impl Passport {
    /// Reads `token;info=<…>;alg=ES256;ppt=shaken` (RFC 8224's full form).
    fn parse(header: &str) -> std::result::Result<Self, ShakenProblem> {
        let token = header.split(';').next().unwrap_or_default().trim();
        let mut parts = token.split('.');
        let (Some(head), Some(body), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ShakenProblem::Malformed);
        };
        let decode = |part: &str| {
            URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| ShakenProblem::Malformed)
        };
        let jose: JoseHeader =
            serde_json::from_slice(&decode(head)?).map_err(|_| ShakenProblem::Malformed)?;
        if jose.alg != "ES256" || jose.ppt.as_deref() != Some("shaken") {
            return Err(ShakenProblem::Malformed);
        }
        let claims: Claims =
            serde_json::from_slice(&decode(body)?).map_err(|_| ShakenProblem::Malformed)?;
        let attest = match claims.attest.as_str() {
            "A" => Attestation::A,
            "B" => Attestation::B,
            "C" => Attestation::C,
            _ => return Err(ShakenProblem::Malformed),
        };
        let signature = decode(signature)?;
        if signature.len() != 64 {
            return Err(ShakenProblem::Malformed);
        }
        Ok(Self {
            attest,
            orig: claims.orig.tn,
            iat: claims.iat,
            x5u: jose.x5u,
            signing_input: format!("{head}.{body}"),
            signature,
        })
    }
}

/// JWS's r ‖ s as the DER `ECDSA-Sig-Value` webpki verifies.
fn der_signature(raw: &[u8]) -> Option<Vec<u8>> {
    let (r, s) = raw.split_at_checked(32)?;
    let integer = |value: &[u8]| {
        let trimmed: Vec<u8> = value.iter().copied().skip_while(|&b| b == 0).collect();
        let mut bytes = if trimmed.first().is_none_or(|&b| b & 0x80 != 0) {
            let mut padded = vec![0];
            padded.extend(trimmed);
            padded
        } else {
            trimmed
        };
        let mut out = vec![0x02, u8::try_from(bytes.len()).unwrap_or(0)];
        out.append(&mut bytes);
        out
    };
    let (r, s) = (integer(r), integer(s));
    let mut der = vec![0x30, u8::try_from(r.len() + s.len()).ok()?];
    der.extend(r);
    der.extend(s);
    Some(der)
}

/// The phone validation card for a call from `number` (E.164, none when withheld).
pub async fn assess(
    store: &Store,
    verifier: &Verifier,
    config: &IdentityConfig,
    account: Id,
    call: Id,
    number: Option<&str>,
    identity_header: Option<&str>,
) -> Identity {
    let parsed = number.and_then(|n| phonenumber::parse(None, n).ok());
    let valid = parsed.as_ref().is_some_and(phonenumber::is_valid);
    let line_type = parsed.as_ref().map_or(LineType::Unknown, |n| {
        line_type(n.number_type(&phonenumber::metadata::DATABASE))
    });
    let country = parsed
        .as_ref()
        .and_then(|n| n.country().id())
        .map(|id| id.as_ref().to_owned());
    let (attestation, shaken_problem) = verifier.verify(identity_header, number).await;
    let (blocked, calls_last_hour, calls_last_day) = match number {
        Some(number) => {
            let blocked = store.is_blocked(account, number).await.unwrap_or(false);
            let (hour, day) = store
                .recent_calls_from(account, number, call)
                .await
                .unwrap_or((0, 0));
            (blocked, hour, day)
        }
        None => (false, 0, 0),
    };
    let mut reasons = Vec::new();
    if number.is_none() {
        reasons.push(RiskReason::NoNumber);
    } else if !valid {
        reasons.push(RiskReason::InvalidNumber);
    }
    if line_type == LineType::PremiumRate {
        reasons.push(RiskReason::PremiumRate);
    }
    if blocked {
        reasons.push(RiskReason::Blocked);
    }
    match attestation {
        Attestation::A => {}
        Attestation::B => reasons.push(RiskReason::PartialAttestation),
        Attestation::C => reasons.push(RiskReason::GatewayAttestation),
        Attestation::None => reasons.push(RiskReason::NotAttested),
        // A missing trust store is the hub's gap, not the caller's: unverified, not forged.
        Attestation::Failed if shaken_problem == Some(ShakenProblem::NoTrustAnchors) => {
            reasons.push(RiskReason::NotAttested);
        }
        Attestation::Failed => reasons.push(RiskReason::SignatureFailed),
    }
    if calls_last_hour >= config.many_calls_per_hour {
        reasons.push(RiskReason::ManyCallsLastHour);
    } else if calls_last_day >= config.many_calls_per_day {
        reasons.push(RiskReason::ManyCallsLastDay);
    }
    let risk = reasons.iter().map(|r| r.risk()).max().unwrap_or(Risk::Low);
    Identity {
        valid,
        line_type,
        country,
        attestation,
        shaken_problem,
        blocked,
        calls_last_hour,
        calls_last_day,
        risk,
        reasons,
    }
}

fn line_type(kind: phonenumber::Type) -> LineType {
    use phonenumber::Type;
    match kind {
        Type::Mobile => LineType::Mobile,
        Type::FixedLine => LineType::FixedLine,
        Type::FixedLineOrMobile => LineType::FixedLineOrMobile,
        Type::TollFree => LineType::TollFree,
        Type::PremiumRate => LineType::PremiumRate,
        Type::SharedCost => LineType::SharedCost,
        Type::Voip => LineType::Voip,
        Type::PersonalNumber => LineType::Personal,
        Type::Pager => LineType::Pager,
        Type::Voicemail => LineType::Voicemail,
        _ => LineType::Unknown,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn jws_signatures_become_der() {
        // r with its high bit set gains a zero; s with leading zeros loses them.
        let mut raw = vec![0x80; 32];
        raw.extend([0u8; 31]);
        raw.push(0x01);
        let der = der_signature(&raw).unwrap();
        assert_eq!(&der[..4], &[0x30, 2 + 33 + 3, 0x02, 33]);
        assert_eq!(der[4], 0);
        assert_eq!(&der[der.len() - 3..], &[0x02, 1, 0x01]);
        assert!(der_signature(&[0; 10]).is_none());
    }

    #[test]
    fn what_is_not_a_shaken_passport_is_malformed() {
        for header in [
            "",
            "not-a-jwt",
            "a.b",
            "a.b.c.d",
            // alg none
            "eyJhbGciOiJub25lIiwicHB0Ijoic2hha2VuIiwieDV1IjoiaHR0cDovL3gifQ.e30.AA",
        ] {
            assert_eq!(
                Passport::parse(header).unwrap_err(),
                ShakenProblem::Malformed,
                "{header:?}"
            );
        }
    }
}
