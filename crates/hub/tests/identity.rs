//! Identity (F-43): STIR/SHAKEN PASSporTs signed with a test STI certificate authority's
//! keys are verified (attestation A, B or C) or refused with the reason; a customer's call
//! through the trunk (SIPp as the carrier) brings its phone validation card to the agent it
//! rings at: validity, line type, country, attestation, block list, call velocity and risk.

#![allow(clippy::unwrap_used)]

mod common;
mod phone;

use std::net::SocketAddr;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use reqwest::StatusCode;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde_json::json;
use switchboard_hub::config::IdentityConfig;
use switchboard_hub::identity::Verifier;
use switchboard_protocol::{Attestation, Call, Event, LineType, Risk, RiskReason, ShakenProblem};

/// A test STI certificate authority and a service provider's certificate it signed.
struct Sti {
    ca_pem: String,
    leaf_pem: String,
    leaf: EcdsaKeyPair,
}

fn authority(name: &str) -> Sti {
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, format!("{name} STI-CA"));
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut leaf = CertificateParams::new(Vec::<String>::new()).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, format!("{name} SHAKEN"));
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    Sti {
        ca_pem: ca_cert.pem(),
        leaf_pem: leaf_cert.pem(),
        leaf: EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &leaf_key.serialize_der(),
            &SystemRandom::new(),
        )
        .unwrap(),
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A SHAKEN PASSporT (ES256 JWT) as a carrier signs it.
fn passport(key: &EcdsaKeyPair, x5u: &str, attest: &str, orig: &str, iat: i64) -> String {
    let b64 = |value: serde_json::Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let header = b64(json!({ "alg": "ES256", "ppt": "shaken", "typ": "passport", "x5u": x5u }));
    let claims = b64(json!({
        "attest": attest,
        "dest": { "tn": ["14155550100"] },
        "iat": iat,
        "orig": { "tn": orig.trim_start_matches('+') },
        "origid": "6f5ee1d4-8a4e-4d4a-bc43-1d52b0f2d2f1",
    }));
    let input = format!("{header}.{claims}");
    let signature = key.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

/// Serves certificate files on 127.0.0.1 (as a carrier's x5u repository does).
async fn repository(files: Vec<(&'static str, String)>) -> SocketAddr {
    let mut router = axum::Router::new();
    for (path, body) in files {
        router = router.route(path, axum::routing::get(move || async move { body }));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

fn anchors(dir: &Path, sti: &Sti) -> IdentityConfig {
    let path = dir.join("sti-ca.pem");
    std::fs::write(&path, &sti.ca_pem).unwrap();
    IdentityConfig {
        trust_anchors: vec![path],
        ..IdentityConfig::default()
    }
}

#[tokio::test]
async fn passports_are_verified_against_the_sti_authorities() {
    let dir = tempfile::tempdir().unwrap();
    let trusted = authority("Trusted");
    let rogue = authority("Rogue");
    let repo = repository(vec![
        ("/trusted.pem", trusted.leaf_pem.clone()),
        ("/rogue.pem", rogue.leaf_pem.clone()),
    ])
    .await;
    let x5u = format!("http://{repo}/trusted.pem");
    let verifier = Verifier::new(&anchors(dir.path(), &trusted)).unwrap();
    let caller = Some("+442071838750");
    // As the INVITE carries it: the token, then where its certificate is.
    let check = |token: String| {
        let (verifier, x5u) = (&verifier, &x5u);
        async move {
            let header = format!("{token};info=<{x5u}>;alg=ES256;ppt=shaken");
            verifier.verify(Some(&header), caller).await
        }
    };

    for (attest, expected) in [
        ("A", Attestation::A),
        ("B", Attestation::B),
        ("C", Attestation::C),
    ] {
        let token = passport(&trusted.leaf, &x5u, attest, "+442071838750", now());
        assert_eq!(check(token).await, (expected, None), "attestation {attest}");
    }
    let refused = |problem| (Attestation::Failed, Some(problem));
    // Signed for another number than the one calling.
    let other = passport(&trusted.leaf, &x5u, "A", "+442071838751", now());
    assert_eq!(check(other).await, refused(ShakenProblem::NumberMismatch));
    // Replayed: signed five minutes ago.
    let stale = passport(&trusted.leaf, &x5u, "A", "+442071838750", now() - 300);
    assert_eq!(check(stale).await, refused(ShakenProblem::Stale));
    // The claims changed after signing (C made into A).
    let genuine = passport(&trusted.leaf, &x5u, "C", "+442071838750", now());
    let forged_claims = URL_SAFE_NO_PAD.encode(
        json!({ "attest": "A", "dest": { "tn": ["14155550100"] }, "iat": now(), "orig": { "tn": "442071838750" } })
            .to_string(),
    );
    let parts: Vec<&str> = genuine.split('.').collect();
    let forged = format!("{}.{forged_claims}.{}", parts[0], parts[2]);
    assert_eq!(check(forged).await, refused(ShakenProblem::BadSignature));
    // Signed with a key that is not the certificate's.
    let wrong_key = passport(&rogue.leaf, &x5u, "A", "+442071838750", now());
    assert_eq!(check(wrong_key).await, refused(ShakenProblem::BadSignature));
    // A certificate from an authority this hub does not trust.
    let untrusted = passport(
        &rogue.leaf,
        &format!("http://{repo}/rogue.pem"),
        "A",
        "+442071838750",
        now(),
    );
    assert_eq!(
        check(untrusted).await,
        refused(ShakenProblem::CertificateUntrusted)
    );
    // A certificate that cannot be fetched.
    let gone = passport(
        &trusted.leaf,
        &format!("http://{repo}/missing.pem"),
        "A",
        "+442071838750",
        now(),
    );
    assert_eq!(
        check(gone).await,
        refused(ShakenProblem::CertificateUnavailable)
    );
    // Not a PASSporT at all; no header at all.
    assert_eq!(
        check("garbage".into()).await,
        refused(ShakenProblem::Malformed)
    );
    assert_eq!(
        verifier.verify(None, caller).await,
        (Attestation::None, None)
    );
    // A hub with no STI authorities attests nothing.
    let bare = Verifier::new(&IdentityConfig::default()).unwrap();
    let token = passport(&trusted.leaf, &x5u, "A", "+442071838750", now());
    assert_eq!(
        bare.verify(Some(&token), caller).await,
        refused(ShakenProblem::NoTrustAnchors)
    );
    // An anchor file that is not a certificate stops the start with the reason.
    let bad = dir.path().join("bad.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let error = Verifier::new(&IdentityConfig {
        trust_anchors: vec![bad],
        ..IdentityConfig::default()
    })
    .unwrap_err();
    assert!(error.to_string().contains("bad.pem"), "{error}");
}

/// The carrier (SIPp) calls +14155550100 from `from`, with `header: value` in its INVITE.
fn call_in(
    dir: &Path,
    sip: SocketAddr,
    from: &str,
    header: &str,
    value: &str,
    x5u: &str,
) -> tokio::process::Child {
    let fields = dir.join(format!("{}.csv", header.len() + value.len()));
    std::fs::write(
        &fields,
        format!("SEQUENTIAL\n{from};{header};{value};{x5u};\n"),
    )
    .unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sipp/signed-caller.xml");
    tokio::process::Command::new("sipp")
        .arg("-sf")
        .arg(&scenario)
        .arg("-inf")
        .arg(&fields)
        .args(["-s", "+14155550100", &sip.to_string(), "-i", "127.0.0.1"])
        .args(["-p", &phone::free_port().to_string(), "-m", "1", "-nostdin"])
        .args(["-timeout", "30s", "-timeout_error", "-trace_err"])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("SIPp (sip-tester) is installed by the test command")
}

/// The call ringing at Ana once its identity is known; she answers and hangs up.
async fn card_of(hub: &common::Hub, ana: &common::Agent, events: &mut common::Events) -> Call {
    let call = ringing_card(ana, events).await;
    hub.take_and_hang_up(ana, call.id).await;
    call
}

/// The call ringing at Ana once its identity is known.
async fn ringing_card(ana: &common::Agent, events: &mut common::Events) -> Call {
    loop {
        if let Event::CallUpdated { call } = events.next().await.event
            && call.identity.is_some()
            && call.rings_at(ana.id())
        {
            return *call;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customers_call_brings_its_phone_validation_card() {
    let dir = tempfile::tempdir().unwrap();
    let sti = authority("Carrier");
    let repo = repository(vec![("/sti.pem", sti.leaf_pem.clone())]).await;
    let x5u = format!("http://{repo}/sti.pem");
    let sip: SocketAddr = format!("127.0.0.1:{}", phone::free_port()).parse().unwrap();
    let identity = anchors(dir.path(), &sti);
    let hub = common::start_with(|config| {
        config.sip.listen = Some(sip);
        config.identity = identity;
    })
    .await;
    let store = &hub.state.store;
    hub.settings(hub.alpha, |s| {
        s.identity = true;
        // Ana takes the next call as soon as she hangs up.
        s.after_call_work = false;
    })
    .await;
    let (ana, mut events) = hub.sales_line("ana@alpha.test", "ring_all").await;

    // A London landline, signed by its carrier with full attestation: low risk.
    let token = passport(&sti.leaf, &x5u, "A", "+442071838750", now());
    let carrier = call_in(dir.path(), sip, "+442071838750", "Identity", &token, &x5u);
    let call = card_of(&hub, &ana, &mut events).await;
    assert!(carrier.wait_with_output().await.unwrap().status.success());
    let card = call.identity.unwrap();
    assert!(card.valid);
    assert_eq!(card.line_type, LineType::FixedLine);
    assert_eq!(card.country.as_deref(), Some("GB"));
    assert_eq!(card.attestation, Attestation::A);
    assert!(!card.blocked);
    assert_eq!((card.calls_last_hour, card.calls_last_day), (0, 0));
    assert_eq!(card.risk, Risk::Low, "{:?}", card.reasons);

    // The same number, unsigned, blocked, and calling again and again: high risk, with why.
    store
        .block_number(hub.alpha, "+442071838750", "abusive caller")
        .await
        .unwrap();
    for minutes in [5_i64, 10, 20, 30, 300] {
        sqlx::query(
            "INSERT INTO calls (account_id, direction, from_number, started_at) VALUES (?, 'inbound', ?, ?)",
        )
        .bind(hub.alpha)
        .bind("+442071838750")
        .bind(switchboard_hub::store::now_ms() - minutes * 60_000)
        .execute(&hub.db)
        .await
        .unwrap();
    }
    let carrier = call_in(
        dir.path(),
        sip,
        "+442071838750",
        "X-Unsigned",
        "yes",
        "none",
    );
    let call = card_of(&hub, &ana, &mut events).await;
    assert!(carrier.wait_with_output().await.unwrap().status.success());
    let card = call.identity.unwrap();
    assert_eq!(card.attestation, Attestation::None);
    assert!(card.blocked);
    // The signed call before and the four in the last half hour; one more earlier today.
    assert_eq!((card.calls_last_hour, card.calls_last_day), (5, 6));
    assert_eq!(card.risk, Risk::High);
    for reason in [
        RiskReason::Blocked,
        RiskReason::NotAttested,
        RiskReason::ManyCallsLastHour,
    ] {
        assert!(
            card.reasons.contains(&reason),
            "{reason:?} in {:?}",
            card.reasons
        );
    }

    // A spoofed number: the PASSporT was signed for another one.
    let token = passport(&sti.leaf, &x5u, "A", "+442071838799", now());
    let carrier = call_in(dir.path(), sip, "+14155550147", "Identity", &token, &x5u);
    let call = card_of(&hub, &ana, &mut events).await;
    assert!(carrier.wait_with_output().await.unwrap().status.success());
    let card = call.identity.unwrap();
    assert_eq!(card.attestation, Attestation::Failed);
    assert_eq!(card.shaken_problem, Some(ShakenProblem::NumberMismatch));
    assert_eq!(card.line_type, LineType::FixedLineOrMobile);
    assert_eq!(card.country.as_deref(), Some("US"));
    assert_eq!(card.risk, Risk::High);
    assert!(card.reasons.contains(&RiskReason::SignatureFailed));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisor_blocks_a_caller_from_their_call() {
    let dir = tempfile::tempdir().unwrap();
    let sip: SocketAddr = format!("127.0.0.1:{}", phone::free_port()).parse().unwrap();
    let hub = common::start_with(|config| config.sip.listen = Some(sip)).await;
    let store = &hub.state.store;
    hub.settings(hub.alpha, |s| s.identity = true).await;
    store
        .set_role(
            "ana@alpha.test",
            switchboard_protocol::Role::Supervisor,
            false,
        )
        .await
        .unwrap();
    let (ana, mut events) = hub.sales_line("ana@alpha.test", "ring_all").await;
    let cy = hub.sign_in("cy@alpha.test").await;

    let carrier = call_in(
        dir.path(),
        sip,
        "+442071838750",
        "X-Unsigned",
        "yes",
        "none",
    );
    let call = ringing_card(&ana, &mut events).await;
    assert!(!call.identity.as_ref().unwrap().blocked);
    let path = format!("/calls/{}/block", call.id);
    // An agent cannot; the supervisor the call rings at can, while it rings.
    assert_eq!(
        hub.post(&cy, &path, json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    let response = hub.post(&ana, &path, json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let blocked: Call = response.json().await.unwrap();
    let card = blocked.identity.unwrap();
    assert!(card.blocked);
    assert!(card.reasons.contains(&RiskReason::Blocked));
    assert_eq!(card.risk, Risk::High);
    assert!(store.is_blocked(hub.alpha, "+442071838750").await.unwrap());
    // Everyone the call rings at sees it.
    loop {
        if let Event::CallUpdated { call: news } = events.next().await.event
            && news.id == call.id
            && news.identity.as_ref().is_some_and(|card| card.blocked)
        {
            break;
        }
    }

    // A mistake: off the list again, and the card as it was.
    let response = hub.delete(&ana, &path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let unblocked: Call = response.json().await.unwrap();
    assert_eq!(unblocked.identity, call.identity);
    assert!(!store.is_blocked(hub.alpha, "+442071838750").await.unwrap());
    assert_eq!(
        hub.delete(&ana, &path).await.status(),
        StatusCode::NOT_FOUND,
        "not on the list"
    );
    hub.take_and_hang_up(&ana, call.id).await;
    assert!(carrier.wait_with_output().await.unwrap().status.success());
}
