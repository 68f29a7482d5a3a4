//! The client against the real hub on 127.0.0.1: REST calls, error mapping, and the event
//! stream surviving a cut connection without losing or repeating an event.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::StreamExt;
use futures::channel::mpsc;
use switchboard_client::events::{self, Backoff, Update};
use switchboard_client::{Error, Hub};
use switchboard_hub::demo::{DEMO_AGENT_EMAIL, DEMO_PASSWORD};
use switchboard_hub::{AppState, Config, Store};
use switchboard_protocol::{ErrorCode, Event, StatusKey};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

struct TestHub {
    url: String,
    _dir: tempfile::TempDir,
    shutdown: CancellationToken,
}

impl Drop for TestHub {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn demo_hub() -> TestHub {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    let store = Store::open(&config.database_path()).await.unwrap();
    switchboard_hub::demo::seed(&store).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    let state = Arc::new(AppState::new(config, store, shutdown.clone()).unwrap());
    tokio::spawn(switchboard_hub::serve(state, listener));
    TestHub {
        url,
        _dir: dir,
        shutdown,
    }
}

#[tokio::test]
async fn signs_in_loads_the_workspace_and_changes_status() {
    let hub = demo_hub().await;
    let client = Hub::new(&hub.url).unwrap();
    assert_eq!(client.health().await.unwrap().status, "ok");
    let signed_in = client
        .sign_in(DEMO_AGENT_EMAIL, DEMO_PASSWORD, true)
        .await
        .unwrap();
    let boot = client.bootstrap(&signed_in.token).await.unwrap();
    assert_eq!(boot.me.email, DEMO_AGENT_EMAIL);
    assert!(boot.agents.len() >= 6);
    let presence = client
        .set_status(&signed_in.token, StatusKey::away())
        .await
        .unwrap();
    assert_eq!(presence.status, StatusKey::away());
    let found = client
        .lookup_contacts(&signed_in.token, "415 555 0132")
        .await
        .unwrap();
    assert_eq!(found[0].name, "Olivia Martin");
    client.sign_out(&signed_in.token).await.unwrap();
    let error = client.bootstrap(&signed_in.token).await.unwrap_err();
    assert!(error.is_session_lost());
}

#[tokio::test]
async fn errors_say_what_went_wrong() {
    let hub = demo_hub().await;
    let client = Hub::new(&hub.url).unwrap();
    let error = client
        .sign_in(DEMO_AGENT_EMAIL, "wrong", false)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidCredentials));
    assert!(error.to_string().contains("password"), "{error}");

    // A port nobody listens on.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let error = Hub::new(&format!("http://{address}"))
        .unwrap()
        .health()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unreachable { .. }), "{error:?}");
}

async fn next(updates: &mut mpsc::Receiver<Update>) -> Update {
    tokio::time::timeout(Duration::from_secs(10), updates.next())
        .await
        .expect("an update within 10 s")
        .expect("the stream goes on")
}

/// A TCP relay between client and hub whose connections the test can cut.
struct Relay {
    url: String,
    up: Arc<AtomicBool>,
    pipes: Arc<tokio::sync::Mutex<JoinSet<()>>>,
}

impl Relay {
    async fn start(hub_url: &str) -> Self {
        let target = hub_url.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let up = Arc::new(AtomicBool::new(true));
        let pipes = Arc::new(tokio::sync::Mutex::new(JoinSet::new()));
        let (relay_up, relay_pipes) = (up.clone(), pipes.clone());
        tokio::spawn(async move {
            loop {
                let (mut inbound, _) = listener.accept().await.unwrap();
                if !relay_up.load(Ordering::SeqCst) {
                    continue; // dropped: the network is "down"
                }
                let target = target.clone();
                relay_pipes.lock().await.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Self { url, up, pipes }
    }

    async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.pipes.lock().await.abort_all();
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn the_stream_resumes_after_a_cut_with_nothing_lost_or_repeated() {
    let hub = demo_hub().await;
    let direct = Hub::new(&hub.url).unwrap();
    let relay = Relay::start(&hub.url).await;
    let through_relay = Hub::new(&relay.url).unwrap();

    let me = direct
        .sign_in(DEMO_AGENT_EMAIL, DEMO_PASSWORD, false)
        .await
        .unwrap();
    let other = direct
        .sign_in("lucia@acme.example", DEMO_PASSWORD, false)
        .await
        .unwrap();
    let boot = direct.bootstrap(&me.token).await.unwrap();

    let (sender, mut updates) = mpsc::channel(64);
    let backoff = Backoff {
        first: Duration::from_millis(20),
        max: Duration::from_millis(200),
    };
    tokio::spawn(events::run(
        through_relay,
        me.token.clone(),
        boot.event_seq,
        backoff,
        sender,
    ));
    assert_eq!(next(&mut updates).await, Update::Connected);

    direct
        .set_status(&other.token, StatusKey::away())
        .await
        .unwrap();
    let mut seen = Vec::new();
    match next(&mut updates).await {
        Update::Event(envelope) => seen.push(*envelope),
        other => panic!("{other:?}"),
    }

    relay.cut().await;
    assert!(matches!(
        next(&mut updates).await,
        Update::Disconnected { .. }
    ));
    // Changes while the agent is cut off.
    let statuses = ["available", "custom-training", "away", "available"];
    for status in statuses {
        direct
            .set_status(&other.token, StatusKey::new(status))
            .await
            .unwrap();
    }
    relay.restore();

    // Reconnects (maybe after further failed tries), then delivers the missed events.
    let mut connected = false;
    while seen.len() < 1 + statuses.len() {
        match next(&mut updates).await {
            Update::Connected => connected = true,
            Update::Disconnected { .. } => assert!(!connected || seen.len() == 1),
            Update::Event(envelope) => seen.push(*envelope),
            Update::SessionEnded => panic!("the session is still valid"),
        }
    }
    assert!(connected);
    let seqs: Vec<u64> = seen.iter().map(|e| e.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "in order, none twice: {seqs:?}"
    );
    let got: Vec<String> = seen[1..]
        .iter()
        .map(|e| match &e.event {
            Event::PresenceChanged { presence, .. } => presence.status.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, statuses);

    // Signing out ends the stream for good. The agent's own change to
    // Offline, written by the sign-out, may still arrive first; nothing else.
    direct.sign_out(&me.token).await.unwrap();
    relay.cut().await;
    relay.restore();
    loop {
        match next(&mut updates).await {
            Update::SessionEnded => break,
            Update::Disconnected { .. } | Update::Connected => {}
            Update::Event(envelope)
                if matches!(
                    &envelope.event,
                    Event::PresenceChanged { agent_id, presence }
                        if *agent_id == me.me.id && presence.status == StatusKey::offline()
                ) => {}
            Update::Event(e) => panic!("no other event after sign-out was expected: {e:?}"),
        }
    }
}
