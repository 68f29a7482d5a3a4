//! Shared fixtures for the desktop tests: a workspace loaded from a hand-made bootstrap, and
//! a simulator with the app's embedded fonts.

#![allow(dead_code, clippy::unwrap_used)]

use std::borrow::Cow;

use iced::Settings;
use iced_test::Simulator;
use switchboard::font;
use switchboard::screen::workspace::{self, Workspace};
use switchboard::session::Session;
use switchboard::widget::Element;
use switchboard_client::Hub;
use switchboard_protocol::{
    Account, AccountSettings, AgentSummary, Bootstrap, CallerId, Me, Presence, Role, StatusDef,
    StatusKey, StatusKind,
};
use time::{Duration, OffsetDateTime};

pub fn settings() -> Settings {
    Settings {
        fonts: font::all().into_iter().map(Cow::Borrowed).collect(),
        default_font: font::REGULAR,
        ..Settings::default()
    }
}

pub fn simulator<'a, M>(view: impl Into<Element<'a, M>>) -> Simulator<'a, M> {
    Simulator::with_size(settings(), (1180.0, 760.0), view)
}

/// Noon on a fixed day: tests set the clock themselves.
pub fn noon() -> OffsetDateTime {
    time::macros::datetime!(2026-11-24 12:00 UTC)
}

fn status(
    key: &str,
    kind: StatusKind,
    color: &str,
    callable: bool,
    selectable: bool,
    label: &str,
) -> StatusDef {
    StatusDef {
        key: StatusKey::new(key),
        kind,
        label: label.into(),
        color: color.into(),
        callable,
        selectable,
    }
}

pub fn agent(id: i64, name: &str, status: &str, minutes_ago: i64) -> AgentSummary {
    AgentSummary {
        id,
        name: name.into(),
        email: format!(
            "{}@acme.example",
            name.split(' ').next().unwrap().to_lowercase()
        ),
        role: Role::Agent,
        presence: Presence {
            status: StatusKey::new(status),
            since: noon() - Duration::minutes(minutes_ago),
        },
    }
}

pub fn bootstrap(my_status: &str) -> Bootstrap {
    Bootstrap {
        me: Me {
            id: 1,
            account_id: 1,
            name: "Alex Rivera".into(),
            email: "alex@acme.example".into(),
            role: Role::Agent,
            presence: Presence {
                status: StatusKey::new(my_status),
                since: noon() - Duration::seconds(125),
            },
            can_choose_caller_id: true,
        },
        account: Account {
            id: 1,
            name: "Acme Support".into(),
            settings: AccountSettings {
                auto_on_call: true,
                after_call_work: true,
                after_call_work_timeout_secs: 60,
                default_country: "US".into(),
                identity: true,
                record_calls: true,
                recording_pause: true,
                recording_retention_days: 0,
            },
        },
        statuses: vec![
            status(
                "available",
                StatusKind::Available,
                "#2e9d4f",
                true,
                true,
                "",
            ),
            status("away", StatusKind::Away, "#e0a800", true, true, ""),
            status("on_call", StatusKind::OnCall, "#d64545", false, false, ""),
            status(
                "after_call_work",
                StatusKind::AfterCallWork,
                "#7c5cd6",
                false,
                false,
                "",
            ),
            status("offline", StatusKind::Offline, "#8a8f98", false, false, ""),
            status(
                "custom-lunch",
                StatusKind::Custom,
                "#e07b39",
                false,
                true,
                "Lunch",
            ),
        ],
        agents: vec![
            agent(2, "Lucía Fernández", "available", 7),
            agent(3, "Luke Brown", "offline", 90),
            agent(4, "Marcus Chen", "on_call", 4),
            agent(5, "Priya Natarajan", "away", 12),
            agent(6, "Tomás Silva", "custom-lunch", 25),
        ],
        caller_ids: vec![
            CallerId {
                id: 1,
                number: "+14155550100".into(),
                label: "Main line".into(),
            },
            CallerId {
                id: 2,
                number: "+34910000000".into(),
                label: "Madrid office".into(),
            },
        ],
        dispositions: vec![],
        ring_groups: vec![
            switchboard_protocol::RingGroup {
                id: 1,
                name: "Sales".into(),
            },
            switchboard_protocol::RingGroup {
                id: 2,
                name: "Support".into(),
            },
        ],
        event_seq: 10,
    }
}

pub fn workspace(my_status: &str) -> Workspace {
    let session = Session {
        hub: Hub::new("http://127.0.0.1:9").unwrap(),
        token: "sb_test".into(),
        builtin: false,
        remembered: false,
    };
    Workspace::new(session, bootstrap(my_status), noon())
}

/// Clicks `target` in the current view and feeds the resulting messages to `update`.
pub fn click(workspace: &mut Workspace, target: &str) -> Vec<workspace::Action> {
    let config = switchboard_client::Config::default();
    let messages: Vec<_> = {
        let mut ui = simulator(workspace.view(&config));
        ui.click(target)
            .unwrap_or_else(|e| panic!("cannot click {target:?}: {e}"));
        ui.into_messages().collect()
    };
    messages.into_iter().map(|m| workspace.update(m)).collect()
}

/// Whether `text` is on screen.
pub fn shows(workspace: &Workspace, text: &str) -> bool {
    let config = switchboard_client::Config::default();
    let mut ui = simulator(workspace.view(&config));
    ui.find(text).is_ok()
}

/// A workspace loaded from `boot`.
pub fn workspace_from(boot: Bootstrap) -> Workspace {
    let session = Session {
        hub: Hub::new("http://127.0.0.1:9").unwrap(),
        token: "sb_test".into(),
        builtin: false,
        remembered: false,
    };
    Workspace::new(session, boot, noon())
}

/// Clicks the widget with `id` (a text editor, say), types `text` into it and feeds the
/// resulting messages to `update`.
pub fn type_into(
    workspace: &mut Workspace,
    id: &'static str,
    text: &str,
) -> Vec<workspace::Action> {
    keys_into(workspace, id, text, false)
}

/// As [`type_into`], then Enter, in one go (the editor keeps its focus).
pub fn type_and_enter(
    workspace: &mut Workspace,
    id: &'static str,
    text: &str,
) -> Vec<workspace::Action> {
    keys_into(workspace, id, text, true)
}

fn keys_into(
    workspace: &mut Workspace,
    id: &'static str,
    text: &str,
    enter: bool,
) -> Vec<workspace::Action> {
    let config = switchboard_client::Config::default();
    let messages: Vec<_> = {
        let mut ui = simulator(workspace.view(&config));
        ui.click(iced_test::selector::id(id))
            .unwrap_or_else(|e| panic!("cannot click #{id}: {e}"));
        ui.typewrite(text);
        if enter {
            ui.tap_key(iced::keyboard::key::Named::Enter);
        }
        ui.into_messages().collect()
    };
    messages.into_iter().map(|m| workspace.update(m)).collect()
}

/// Whether some text on screen contains `part`.
pub fn shows_containing(workspace: &Workspace, part: &str) -> bool {
    use iced_test::selector::Candidate;
    let config = switchboard_client::Config::default();
    let mut ui = simulator(workspace.view(&config));
    ui.find(|candidate: Candidate<'_>| match candidate {
        Candidate::Text { content, .. } if content.contains(part) => Some(()),
        _ => None,
    })
    .is_ok()
}

/// Runs a screen's task as the app's runtime would, returning the messages it produced.
pub async fn outputs<M: Send + 'static>(task: iced::Task<M>) -> Vec<M> {
    use futures::StreamExt;
    let Some(stream) = iced_runtime::task::into_stream(task) else {
        return Vec::new();
    };
    stream
        .filter_map(|action| async move {
            match action {
                iced_runtime::Action::Output(message) => Some(message),
                _ => None,
            }
        })
        .collect()
        .await
}

/// Runs the actions' tasks and feeds what they produce back, until nothing is left to run.
pub async fn settle(ws: &mut Workspace, mut pending: Vec<workspace::Action>) {
    while let Some(action) = pending.pop() {
        if let workspace::Action::Run(task) = action {
            for message in outputs(task).await {
                pending.push(ws.update(message));
            }
        }
    }
}

/// The agent's real event stream from the hub.
pub fn stream(
    session: &Session,
    after: u64,
) -> futures::channel::mpsc::Receiver<switchboard_client::events::Update> {
    use switchboard_client::events::{self, Backoff};
    let (sender, receiver) = futures::channel::mpsc::channel(64);
    tokio::spawn(events::run(
        session.hub.clone(),
        session.token.clone(),
        after,
        Backoff::default(),
        sender,
    ));
    receiver
}

/// The built-in demo hub with Alex signed in (the hub lives as long as the `Started`).
#[cfg(feature = "builtin-hub")]
pub async fn demo(home: &std::path::Path) -> (switchboard::session::Started, Session, Bootstrap) {
    use switchboard::session::{self, Outcome};
    let started = session::start(
        switchboard_client::environment::Environment::portable(home.to_owned()),
        switchboard_client::Config::default(),
        None,
    )
    .await;
    let Outcome::SignedIn(alex, boot) = started.outcome.clone() else {
        panic!("the demo agent is signed in");
    };
    (started, alex, *boot)
}
