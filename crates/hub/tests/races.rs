//! Competing requests on one call, many times over, on a multi-threaded runtime: two agents
//! answering the same ring-all offer, a hang-up against a transfer, a hold against a
//! hang-up. Whatever order they land in, exactly one accept wins, every agent sees each
//! call's versions only grow, presence follows the call, and the call's row on record says
//! what its last snapshot says.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use switchboard_hub::auth;
use switchboard_hub::store::{NewAgent, outcome_name};
use switchboard_protocol::{Call, CallState, ErrorCode, Event, Id, MediaAnswer, Role, StatusKey};
use switchboard_voice::peer::Setup;

const ROUNDS: usize = 12;

/// An agent's event stream, keeping every call snapshot it delivered, in order.
struct Watcher {
    agent: Id,
    events: common::Events,
    seen: Vec<Call>,
}

impl Watcher {
    async fn new(hub: &common::Hub, agent: &common::Agent) -> Self {
        let events = hub
            .events(agent, hub.bootstrap(agent).await.event_seq)
            .await;
        Self {
            agent: agent.id(),
            events,
            seen: Vec::new(),
        }
    }

    /// Reads until a snapshot satisfies `wanted` (within ten seconds).
    async fn until(&mut self, wanted: impl Fn(&Call) -> bool) -> Call {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let envelope = self
                .events
                .try_next(left)
                .await
                .expect("the awaited call news arrived");
            if let Event::CallUpdated { call } = envelope.event {
                self.seen.push((*call).clone());
                if wanted(&call) {
                    return *call;
                }
            }
        }
    }

    /// Reads what is left, until the stream has been quiet for a while.
    async fn drain(&mut self) {
        while let Some(envelope) = self.events.try_next(Duration::from_secs(2)).await {
            if let Event::CallUpdated { call } = envelope.event {
                self.seen.push(*call);
            }
        }
    }

    /// Each call's snapshots, as this agent received them, came in growing versions.
    fn versions_grew(&self) {
        let mut last: HashMap<Id, u64> = HashMap::new();
        for call in &self.seen {
            if let Some(before) = last.insert(call.id, call.version) {
                assert!(
                    call.version > before,
                    "agent {} got version {} of call {} after version {before}",
                    self.agent,
                    call.version,
                    call.id
                );
            }
        }
    }

    /// The newest snapshot this agent has of `call`.
    fn last(&self, call: Id) -> Option<&Call> {
        self.seen
            .iter()
            .filter(|seen| seen.id == call)
            .max_by_key(|seen| seen.version)
    }
}

async fn accept(hub: &common::Hub, agent: &common::Agent, call: Id) -> reqwest::Response {
    let (_media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    hub.post(
        agent,
        &format!("/calls/{call}/accept"),
        json!({ "offer": offer }),
    )
    .await
}

/// `from` calls `to`, who answers: the call.
async fn connected(
    hub: &common::Hub,
    from: &common::Agent,
    to: &common::Agent,
    to_watcher: &mut Watcher,
) -> Call {
    let (_media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let response = hub
        .post(
            from,
            "/calls",
            json!({ "to_agent": to.id(), "offer": offer }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let started: MediaAnswer = response.json().await.unwrap();
    to_watcher.until(|call| call.rings_at(to.id())).await;
    let response = accept(hub, to, started.call.id).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<MediaAnswer>().await.unwrap().call
}

async fn status(hub: &common::Hub, agent: &common::Agent) -> StatusKey {
    hub.state
        .store
        .agent(hub.alpha, agent.id())
        .await
        .unwrap()
        .status()
}

/// The row of every call these agents heard of says what its last snapshot says.
async fn rows_match(hub: &common::Hub, watchers: &[Watcher]) {
    let mut ids: Vec<Id> = watchers
        .iter()
        .flat_map(|w| w.seen.iter().map(|call| call.id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let last = watchers
            .iter()
            .filter_map(|w| w.last(id))
            .max_by_key(|call| call.version)
            .unwrap();
        let row = hub.state.store.call_row(id).await.unwrap();
        assert_eq!(last.state, CallState::Ended, "call {id} is over");
        assert_eq!(
            row.outcome.as_deref(),
            last.outcome.map(outcome_name),
            "call {id}'s outcome"
        );
        assert!(row.ended_at.is_some(), "call {id} ended on record");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn competing_requests_on_one_call_settle_the_same_everywhere() {
    let hub = common::start().await;
    let store = &hub.state.store;
    store
        .create_agent(&NewAgent {
            account_id: hub.alpha,
            email: "dee@alpha.test".into(),
            name: "Dee".into(),
            role: Role::Agent,
            password_hash: auth::hash_password(common::PASSWORD).unwrap(),
            can_choose_caller_id: false,
        })
        .await
        .unwrap();
    // Statuses go straight back to Available after each call.
    hub.settings(hub.alpha, |settings| settings.after_call_work = false)
        .await;
    let group = store
        .create_ring_group(hub.alpha, "Sales", "ring_all")
        .await
        .unwrap();
    let [ana, ben, cy, dee] = [
        "ana@alpha.test",
        "ben@alpha.test",
        "cy@alpha.test",
        "dee@alpha.test",
    ]
    .map(|email| hub.sign_in(email));
    let (ana, ben, cy, dee) = (ana.await, ben.await, cy.await, dee.await);
    for agent in [&cy, &dee] {
        store
            .set_ring_group_member(hub.alpha, "Sales", agent.id(), true)
            .await
            .unwrap();
    }
    for agent in [&ana, &ben, &cy, &dee] {
        assert_eq!(
            hub.set_status(agent, "available").await.status(),
            StatusCode::OK
        );
    }
    let mut watchers = vec![
        Watcher::new(&hub, &ana).await,
        Watcher::new(&hub, &ben).await,
        Watcher::new(&hub, &cy).await,
        Watcher::new(&hub, &dee).await,
    ];
    let (mut cy_wins, mut dee_wins) = (0, 0);

    for _ in 0..ROUNDS {
        // Two agents answer the same ring-all offer (Ben consulting Sales about Ana's call).
        let call = connected(&hub, &ana, &ben, &mut watchers[1]).await;
        let response = hub
            .post(
                &ben,
                &format!("/calls/{}/consult", call.id),
                json!({ "to_group": group }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let consult: Call = response.json().await.unwrap();
        watchers[2].until(|c| c.rings_at(cy.id())).await;
        watchers[3].until(|c| c.rings_at(dee.id())).await;
        let (by_cy, by_dee) = tokio::join!(
            accept(&hub, &cy, consult.id),
            accept(&hub, &dee, consult.id)
        );
        let (winner, loser, refused) = match (by_cy.status(), by_dee.status()) {
            (StatusCode::OK, _) => {
                cy_wins += 1;
                (&cy, &dee, by_dee)
            }
            (_, StatusCode::OK) => {
                dee_wins += 1;
                (&dee, &cy, by_cy)
            }
            statuses => panic!("nobody took the offer: {statuses:?}"),
        };
        assert_eq!(
            common::error_of(refused).await,
            (StatusCode::CONFLICT, ErrorCode::NoLongerRinging),
            "exactly one accept wins"
        );
        assert_eq!(status(&hub, winner).await, StatusKey::on_call());
        assert_eq!(status(&hub, loser).await, StatusKey::available());
        hub.act(&ben, call.id, "consult/cancel").await;
        hub.act(&ana, call.id, "hangup").await;

        // A hang-up against a transfer: the call ends either way (the caller hangs up on a
        // call that rings elsewhere, or the transfer finds it gone).
        let call = connected(&hub, &ana, &ben, &mut watchers[1]).await;
        let (hang_up, transfer) = (
            format!("/calls/{}/hangup", call.id),
            format!("/calls/{}/transfer", call.id),
        );
        let (hung_up, handed) = tokio::join!(
            hub.post(&ana, &hang_up, json!({})),
            hub.post(&ben, &transfer, json!({ "to_agent": cy.id() }))
        );
        assert_eq!(hung_up.status(), StatusCode::OK);
        assert!(
            matches!(handed.status(), StatusCode::OK | StatusCode::NOT_FOUND),
            "{}",
            handed.status()
        );

        // A hold against a hang-up.
        let call = connected(&hub, &ana, &ben, &mut watchers[1]).await;
        let (hold, hang_up) = (
            format!("/calls/{}/hold", call.id),
            format!("/calls/{}/hangup", call.id),
        );
        let (held, hung_up) = tokio::join!(
            hub.post(&ben, &hold, json!({})),
            hub.post(&ana, &hang_up, json!({}))
        );
        assert_eq!(hung_up.status(), StatusCode::OK);
        assert!(
            matches!(held.status(), StatusCode::OK | StatusCode::NOT_FOUND),
            "{}",
            held.status()
        );
        // Every call of the round is over (each answer came once its call was settled):
        // nobody is on a call any more.
        for agent in [&ana, &ben, &cy, &dee] {
            assert_eq!(status(&hub, agent).await, StatusKey::available());
        }
    }
    assert_eq!(cy_wins + dee_wins, ROUNDS);
    for watcher in &mut watchers {
        watcher.drain().await;
        watcher.versions_grew();
    }
    rows_match(&hub, &watchers).await;
}
