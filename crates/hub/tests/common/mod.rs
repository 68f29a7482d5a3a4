//! Starts the real hub on 127.0.0.1:0 with a temporary data folder, and talks to it as a
//! client would: JSON over HTTP and the event WebSocket.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_hub::store::{NewAccount, NewAgent, NewContact};
use switchboard_hub::{AppState, Config, Store, auth};
use switchboard_protocol::{
    AccountSettings, Bootstrap, Call, ErrorBody, ErrorCode, Event, EventEnvelope, Id, MediaAnswer,
    Role, SignedIn,
};
use switchboard_voice::peer::{Handle, Setup};
use switchboard_voice::recording::Recording;
use switchboard_voice::tone::Sine;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_util::sync::CancellationToken;

pub const PASSWORD: &str = "correct horse battery";

pub struct Hub {
    pub url: String,
    pub state: Arc<AppState>,
    /// The hub's database, opened on its own: what tests read (or seed) behind its back.
    pub db: sqlx::SqlitePool,
    pub http: reqwest::Client,
    /// Account "Alpha": agents ana@alpha.test, ben@alpha.test, cy@alpha.test.
    pub alpha: Id,
    /// Account "Beta": agent zoe@beta.test.
    pub beta: Id,
    _dir: tempfile::TempDir,
    shutdown: CancellationToken,
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn start() -> Hub {
    start_with(|_| {}).await
}

pub async fn start_with(configure: impl FnOnce(&mut Config)) -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    configure(&mut config);
    let store = Store::open(&config.database_path()).await.unwrap();
    let hash = auth::hash_password(PASSWORD).unwrap();
    let alpha = store
        .create_account(&NewAccount {
            name: "Alpha".into(),
            default_country: "US".into(),
        })
        .await
        .unwrap();
    let beta = store
        .create_account(&NewAccount {
            name: "Beta".into(),
            default_country: "ES".into(),
        })
        .await
        .unwrap();
    for (account, email, name) in [
        (alpha, "ana@alpha.test", "Ana"),
        (alpha, "ben@alpha.test", "Ben"),
        (alpha, "cy@alpha.test", "Cy"),
        (beta, "zoe@beta.test", "Zoe"),
    ] {
        store
            .create_agent(&NewAgent {
                account_id: account,
                email: email.into(),
                name: name.into(),
                role: Role::Agent,
                password_hash: hash.clone(),
                can_choose_caller_id: false,
            })
            .await
            .unwrap();
    }
    store
        .create_contact(
            alpha,
            &NewContact {
                name: "Olivia Alpha".into(),
                company: "Northwind".into(),
                phones: vec![("+14155550132".into(), "Work".into())],
                emails: vec!["olivia@northwind.example".into()],
                links: vec![],
            },
        )
        .await
        .unwrap();
    store
        .create_contact(
            beta,
            &NewContact {
                name: "Olivia Beta".into(),
                company: "Litware".into(),
                phones: vec![("+34912345678".into(), "Work".into())],
                emails: vec!["olivia@litware.example".into()],
                links: vec![],
            },
        )
        .await
        .unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let db = sqlx::sqlite::SqlitePoolOptions::new()
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(config.database_path())
                .busy_timeout(Duration::from_secs(10)),
        )
        .await
        .unwrap();
    let state = Arc::new(AppState::new(config, store, shutdown.clone()).unwrap());
    let trunk = state.config.sip.listen.is_some();
    tokio::spawn(switchboard_hub::serve(state.clone(), listener));
    // With a SIP trunk, ready once it listens (outside calls go through it).
    for _ in 0..500 {
        if !trunk || state.trunk.get().is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    Hub {
        url: format!("http://{addr}/api/v1"),
        state,
        db,
        http: reqwest::Client::new(),
        alpha,
        beta,
        _dir: dir,
        shutdown,
    }
}

/// A signed-in client.
pub struct Agent {
    pub token: String,
    pub signed_in: SignedIn,
}

impl Agent {
    pub fn id(&self) -> Id {
        self.signed_in.me.id
    }
}

impl Hub {
    pub async fn try_sign_in(
        &self,
        email: &str,
        password: &str,
        remember: bool,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}/sessions", self.url))
            .json(&json!({ "email": email, "password": password, "remember": remember }))
            .send()
            .await
            .unwrap()
    }

    pub async fn sign_in(&self, email: &str) -> Agent {
        let response = self.try_sign_in(email, PASSWORD, false).await;
        assert_eq!(response.status(), StatusCode::OK, "sign in {email}");
        let signed_in: SignedIn = response.json().await.unwrap();
        Agent {
            token: signed_in.token.clone(),
            signed_in,
        }
    }

    pub async fn get(&self, agent: &Agent, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.url))
            .bearer_auth(&agent.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, agent: &Agent, path: &str) -> reqwest::Response {
        self.http
            .delete(format!("{}{path}", self.url))
            .bearer_auth(&agent.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(&self, agent: &Agent, path: &str, body: Value) -> reqwest::Response {
        self.http
            .put(format!("{}{path}", self.url))
            .bearer_auth(&agent.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, agent: &Agent, path: &str, body: Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .bearer_auth(&agent.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Uploads `bytes` as a file named `name` to conversation `thread`.
    pub async fn upload(
        &self,
        agent: &Agent,
        thread: Id,
        name: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}/conversations/{thread}/attachments", self.url))
            .query(&[("name", name)])
            .bearer_auth(&agent.token)
            .body(bytes)
            .send()
            .await
            .unwrap()
    }

    pub async fn set_status(&self, agent: &Agent, status: &str) -> reqwest::Response {
        self.put(agent, "/me/status", json!({ "status": status }))
            .await
    }

    /// Changes an account's settings.
    pub async fn settings(&self, account: Id, change: impl FnOnce(&mut AccountSettings)) {
        let store = &self.state.store;
        let mut settings = store.account(account).await.unwrap().settings;
        change(&mut settings);
        store
            .set_account_settings(account, &settings)
            .await
            .unwrap();
    }

    /// `email`, Available, is the Alpha account's Sales group (`strategy`), which
    /// +14155550100 rings: the agent and their event stream.
    pub async fn sales_line(&self, email: &str, strategy: &str) -> (Agent, Events) {
        let store = &self.state.store;
        let agent = self.sign_in(email).await;
        store
            .create_ring_group(self.alpha, "Sales", strategy)
            .await
            .unwrap();
        store
            .set_ring_group_member(self.alpha, "Sales", agent.id(), true)
            .await
            .unwrap();
        store
            .add_inbound_number(self.alpha, "+14155550100", "Sales", "Main line")
            .await
            .unwrap();
        assert_eq!(
            self.set_status(&agent, "available").await.status(),
            StatusCode::OK
        );
        let events = self
            .events(&agent, self.bootstrap(&agent).await.event_seq)
            .await;
        (agent, events)
    }

    /// `agent` answers `call` with a real engine playing a `tone` Hz sine: the engine and
    /// what it hears.
    pub async fn take(&self, agent: &Agent, call: Id, tone: f64) -> (Handle, Recording) {
        let (mut media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
        let response = self
            .post(
                agent,
                &format!("/calls/{call}/accept"),
                json!({ "offer": offer }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{call} answered");
        let accepted: MediaAnswer = response.json().await.unwrap();
        media.accept_answer(&accepted.answer).unwrap();
        let heard = Recording::default();
        let (engine, _reports) = media
            .start(Box::new(Sine::new(tone, 4000)), Box::new(heard.clone()))
            .unwrap();
        (engine, heard)
    }

    /// `agent` does `action` to `call` (`hangup`, `consult/complete`…): the call as it
    /// now stands.
    pub async fn act(&self, agent: &Agent, call: Id, action: &str) -> Call {
        let response = self
            .post(agent, &format!("/calls/{call}/{action}"), json!({}))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{action} on {call}");
        response.json().await.unwrap()
    }

    /// `agent` answers `call` and hangs up at once (the far end gets its BYE).
    pub async fn take_and_hang_up(&self, agent: &Agent, call: Id) {
        let (_engine, _heard) = self.take(agent, call, 440.0).await;
        let response = self
            .post(agent, &format!("/calls/{call}/hangup"), json!({}))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{call} hung up");
    }

    /// A finished call's recording, decoded (48 kHz), once the hub has closed it.
    pub async fn recording(&self, agent: &Agent, call: Id) -> Vec<i16> {
        for _ in 0..200 {
            let response = self.get(agent, &format!("/calls/{call}/recording")).await;
            if response.status() == StatusCode::OK {
                let bytes = response.bytes().await.unwrap();
                return switchboard_voice::ogg_opus::decode(&bytes).unwrap();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the recording of {call} was never finished");
    }

    pub async fn bootstrap(&self, agent: &Agent) -> Bootstrap {
        let response = self.get(agent, "/bootstrap").await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    pub async fn sign_out(&self, agent: &Agent) -> reqwest::Response {
        self.http
            .delete(format!("{}/sessions/current", self.url))
            .bearer_auth(&agent.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn events(&self, agent: &Agent, after: u64) -> Events {
        let url = format!(
            "{}/events?after={after}",
            self.url.replacen("http", "ws", 1)
        );
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {}", agent.token).parse().unwrap(),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        Events { socket }
    }
}

/// What an engine hears next, half a second of it (waiting for it to arrive).
pub async fn heard_next(heard: &Recording) -> Vec<i16> {
    let frames = 25 * switchboard_voice::FRAME_SAMPLES;
    let from = heard.len();
    let waiting = heard.clone();
    let arrived = tokio::task::spawn_blocking(move || {
        waiting.wait_for(from + frames, Duration::from_secs(10))
    })
    .await
    .unwrap();
    assert!(arrived, "the engine stopped hearing anything");
    heard.samples()[from..from + frames].to_vec()
}

/// Whether an engine comes to hear mostly `frequency` within three seconds (a re-bridged
/// leg's first packets may still be the silence or music before): half a second at a time.
pub async fn comes_to_hear(heard: &Recording, frequency: f64) -> bool {
    for _ in 0..6 {
        let part = heard_next(heard).await;
        if switchboard_voice::analysis::tone_share(&part, frequency) > 0.5 {
            return true;
        }
    }
    false
}

pub async fn error_of(response: reqwest::Response) -> (StatusCode, ErrorCode) {
    let status = response.status();
    let body: ErrorBody = response.json().await.expect("a JSON error body");
    assert!(!body.message.is_empty());
    (status, body.code)
}

pub struct Events {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Events {
    /// The next event, waiting at most twenty seconds.
    pub async fn next(&mut self) -> EventEnvelope {
        self.try_next(Duration::from_secs(20))
            .await
            .expect("an event within 20 s")
    }

    /// The next event if one arrives within `wait`.
    /// The next news of a call (other events are skipped), within `wait`.
    pub async fn next_call(&mut self, wait: Duration) -> Call {
        loop {
            let envelope = self.try_next(wait).await.expect("a call's news arrived");
            if let Event::CallUpdated { call } = envelope.event {
                return *call;
            }
        }
    }

    /// The next call ringing at `agent` (news of others skipped).
    pub async fn rings(&mut self, agent: &Agent) -> Call {
        loop {
            // Generous: a phone on the network may take a while to call in on a loaded machine.
            let call = self.next_call(Duration::from_secs(30)).await;
            if call.rings_at(agent.id()) {
                return call;
            }
        }
    }

    /// The news that `call` ended (news of others, and its earlier news, skipped).
    pub async fn ended(&mut self, call: Id) -> Call {
        loop {
            let news = self.next_call(Duration::from_secs(30)).await;
            if news.id == call && news.state == switchboard_protocol::CallState::Ended {
                return news;
            }
        }
    }

    pub async fn try_next(&mut self, wait: Duration) -> Option<EventEnvelope> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()??;
            match frame.unwrap() {
                Message::Text(text) => return Some(serde_json::from_str(&text).unwrap()),
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.socket.send(Message::Close(None)).await;
    }
}
