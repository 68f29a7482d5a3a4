//! The admin commands an operator runs instead of SQL.

#![allow(clippy::unwrap_used)]

mod common;

use clap::Parser;
use common::error_of;
use reqwest::StatusCode;
use switchboard_hub::admin;
use switchboard_protocol::ErrorCode;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: admin::Command,
}

async fn run(hub: &common::Hub, args: &[&str]) -> switchboard_hub::Result<String> {
    let cli = Cli::try_parse_from(std::iter::once("admin").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    admin::run(&hub.state.store, &hub.state.config.data_dir, cli.command).await
}

#[tokio::test]
async fn an_operator_sets_up_an_account_without_sql() {
    let hub = common::start().await;
    run(
        &hub,
        &["create-account", "--name", "Gamma", "--country", "GB"],
    )
    .await
    .unwrap();
    let out = run(
        &hub,
        &[
            "create-agent",
            "--account",
            "Gamma",
            "--email",
            "Kim@Gamma.test",
            "--name",
            "Kim",
            "--role",
            "supervisor",
            "--password",
            "a long enough password",
        ],
    )
    .await
    .unwrap();
    assert!(out.contains("kim@gamma.test"), "{out}");
    let kim = hub
        .try_sign_in("kim@gamma.test", "a long enough password", false)
        .await;
    assert_eq!(kim.status(), StatusCode::OK);

    // A generated password is printed once and works.
    let out = run(
        &hub,
        &[
            "create-agent",
            "--account",
            "Gamma",
            "--email",
            "lee@gamma.test",
            "--name",
            "Lee",
        ],
    )
    .await
    .unwrap();
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap();
    assert_eq!(
        hub.try_sign_in("lee@gamma.test", password, false)
            .await
            .status(),
        StatusCode::OK
    );

    run(
        &hub,
        &[
            "ring-group",
            "create",
            "--account",
            "Gamma",
            "--name",
            "Billing",
            "--strategy",
            "ring_all",
        ],
    )
    .await
    .unwrap();
    run(
        &hub,
        &[
            "ring-group",
            "add",
            "--account",
            "Gamma",
            "--group",
            "Billing",
            "--email",
            "kim@gamma.test",
        ],
    )
    .await
    .unwrap();
    let groups = run(&hub, &["ring-group", "list", "--account", "Gamma"])
        .await
        .unwrap();
    assert_eq!(groups, "Billing\tring_all\tkim@gamma.test");
    run(
        &hub,
        &[
            "ring-group",
            "remove",
            "--account",
            "Gamma",
            "--group",
            "Billing",
            "--email",
            "kim@gamma.test",
        ],
    )
    .await
    .unwrap();
    let groups = run(&hub, &["ring-group", "list", "--account", "Gamma"])
        .await
        .unwrap();
    assert_eq!(groups, "Billing\tring_all\t");
    // When Billing answers chats; a time zone that does not exist is refused, saying which.
    let hours = run(
        &hub,
        &[
            "ring-group",
            "hours",
            "--account",
            "Gamma",
            "--group",
            "Billing",
            "--timezone",
            "Europe/Madrid",
            "--open",
            "mon-fri 09:00-18:00",
            "--open",
            "sat 10:00-14:00",
            "--closed-on",
            "2026-12-25",
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        hours,
        "Billing answers chats mon-fri 09:00-18:00, sat 10:00-14:00 (Europe/Madrid)"
    );
    let wrong = run(
        &hub,
        &[
            "ring-group",
            "hours",
            "--account",
            "Gamma",
            "--group",
            "Billing",
            "--timezone",
            "Europe/Atlantis",
            "--open",
            "mon-fri 09:00-18:00",
        ],
    )
    .await
    .unwrap_err();
    assert!(wrong.to_string().contains("Europe/Atlantis"), "{wrong}");
    let always = run(
        &hub,
        &[
            "ring-group",
            "hours",
            "--account",
            "Gamma",
            "--group",
            "Billing",
            "--always",
        ],
    )
    .await
    .unwrap();
    assert_eq!(always, "Billing answers chats at any hour");

    // Caller IDs are stored in E.164 whatever form they are typed in.
    run(
        &hub,
        &[
            "caller-id",
            "add",
            "--account",
            "Gamma",
            "--number",
            "020 7946 0018",
            "--label",
            "London",
        ],
    )
    .await
    .unwrap();
    let ids = run(&hub, &["caller-id", "list", "--account", "Gamma"])
        .await
        .unwrap();
    assert_eq!(ids, "+442079460018\tLondon");
}

#[tokio::test]
async fn bad_admin_input_is_refused_with_a_reason() {
    let hub = common::start().await;
    let refused = [
        vec!["create-account", "--name", "X", "--country", "ZZ"],
        vec![
            "create-agent",
            "--account",
            "Alpha",
            "--email",
            "not-an-email",
            "--name",
            "N",
            "--password",
            "long enough pw",
        ],
        vec![
            "create-agent",
            "--account",
            "Alpha",
            "--email",
            "ana@alpha.test",
            "--name",
            "Dup",
            "--password",
            "long enough pw",
        ],
        vec![
            "create-agent",
            "--account",
            "Alpha",
            "--email",
            "new@alpha.test",
            "--name",
            "N",
            "--password",
            "short",
        ],
        vec![
            "create-agent",
            "--account",
            "Nope",
            "--email",
            "n@x.test",
            "--name",
            "N",
            "--password",
            "long enough pw",
        ],
        vec!["caller-id", "add", "--account", "Alpha", "--number", "12"],
        vec![
            "ring-group",
            "add",
            "--account",
            "Alpha",
            "--group",
            "Nope",
            "--email",
            "ana@alpha.test",
        ],
        vec![
            "ring-group",
            "create",
            "--account",
            "Alpha",
            "--name",
            "G",
            "--strategy",
            "random",
        ],
        vec![
            "create-status",
            "--account",
            "Alpha",
            "--label",
            "Brb",
            "--color",
            "red",
        ],
    ];
    for args in refused {
        let error = run(&hub, &args)
            .await
            .expect_err(&format!("{args:?} must fail"));
        assert!(!error.to_string().is_empty());
    }
    // Adding an agent of Beta to a ring group of Alpha is refused.
    run(
        &hub,
        &[
            "ring-group",
            "create",
            "--account",
            "Alpha",
            "--name",
            "Sales",
        ],
    )
    .await
    .unwrap();
    assert!(
        run(
            &hub,
            &[
                "ring-group",
                "add",
                "--account",
                "Alpha",
                "--group",
                "Sales",
                "--email",
                "zoe@beta.test"
            ]
        )
        .await
        .is_err()
    );
}

#[tokio::test]
async fn resetting_a_password_signs_the_agent_out_everywhere() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    run(
        &hub,
        &[
            "reset-password",
            "--email",
            "ana@alpha.test",
            "--password",
            "a brand new password",
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        error_of(hub.get(&ana, "/me").await).await,
        (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized)
    );
    assert_eq!(
        hub.try_sign_in("ana@alpha.test", "a brand new password", false)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_demo_seed_has_what_the_workspace_shows() {
    let dir = tempfile::tempdir().unwrap();
    let store = switchboard_hub::Store::open(&dir.path().join("hub.sqlite3"))
        .await
        .unwrap();
    assert!(switchboard_hub::demo::seed_if_empty(&store).await.unwrap());
    assert!(
        !switchboard_hub::demo::seed_if_empty(&store).await.unwrap(),
        "seeds once"
    );
    let account = store
        .account_by_name(switchboard_hub::demo::DEMO_ACCOUNT)
        .await
        .unwrap();
    let agents = store.agents(account.id).await.unwrap();
    assert!(agents.len() >= 7);
    let statuses: std::collections::HashSet<_> =
        agents.iter().map(|a| a.status_key.clone()).collect();
    assert!(statuses.len() >= 5, "varied statuses: {statuses:?}");
    assert_eq!(store.ring_groups(account.id).await.unwrap().len(), 2);
    assert_eq!(store.caller_ids(account.id).await.unwrap().len(), 2);
    assert!(!store.dispositions(account.id).await.unwrap().is_empty());
    let contacts = store.search_contacts(account.id, "example").await.unwrap();
    assert!(contacts.len() >= 20);
    assert!(
        contacts
            .iter()
            .any(|c| c.badges.iter().any(|b| b.url.starts_with("https://crm.")))
    );
    // The main line answers with a menu (a call flow and its prompt).
    let route = store
        .inbound_route(switchboard_hub::demo::DEMO_NUMBER)
        .await
        .unwrap()
        .expect("the demo's main line takes calls");
    assert_eq!(route.account_id, account.id);
    let flow = switchboard_hub::flow::Flow::parse(&route.flow.expect("it runs a flow")).unwrap();
    assert_eq!(flow.prompts().into_iter().collect::<Vec<_>>(), ["menu"]);
    // Alex has past calls to look back on, with his notes; Liam's missed call is in Liam's
    // past interactions.
    let alex = agents
        .iter()
        .find(|a| a.email == switchboard_hub::demo::DEMO_AGENT_EMAIL)
        .unwrap();
    let recent = store.agent_history(account.id, alex.id, 50).await.unwrap();
    assert_eq!(recent.len(), 3);
    assert!(recent.iter().any(|c| c.notes.iter().any(|n| {
        n.disposition
            .as_ref()
            .is_some_and(|d| d.label == "Follow-up needed")
    })));
    let liam = store
        .number_history(account.id, &["+12125550147".into()], 50)
        .await
        .unwrap();
    assert_eq!(liam.len(), 2);
    assert!(liam.iter().any(|c| c.answered_at.is_none()));
}

#[tokio::test]
async fn an_operator_sets_how_each_ring_group_distributes_its_callers() {
    use std::time::Duration;
    use switchboard_hub::routing::{Overflow, Strategy};

    let hub = common::start().await;
    let account = hub.alpha;
    for (name, strategy) in [("Sales", "longest_idle"), ("Support", "ring_all")] {
        run(
            &hub,
            &[
                "ring-group",
                "create",
                "--account",
                "Alpha",
                "--name",
                name,
                "--strategy",
                strategy,
            ],
        )
        .await
        .unwrap();
    }
    run(
        &hub,
        &[
            "ring-group",
            "add",
            "--account",
            "Alpha",
            "--group",
            "Sales",
            "--email",
            "ana@alpha.test",
        ],
    )
    .await
    .unwrap();
    // New groups: offers ring 20 s, callers wait as long as it takes, a missed offer sets Away.
    let routing = hub.state.store.routing(account).await.unwrap();
    let (sales_id, sales) = &routing[0];
    assert_eq!(
        (
            sales.strategy,
            sales.offer_timeout,
            sales.overflow_after,
            sales.overflow
        ),
        (Strategy::LongestIdle, Duration::from_secs(20), None, None)
    );
    assert!(sales.away_on_missed);
    let ana = hub.sign_in("ana@alpha.test").await;
    assert_eq!(sales.members, [ana.id()]);

    run(
        &hub,
        &[
            "ring-group",
            "set",
            "--account",
            "Alpha",
            "--group",
            "Sales",
            "--offer-timeout",
            "12s",
            "--overflow-after",
            "2m",
            "--overflow-to",
            "Support",
            "--away-on-missed",
            "false",
        ],
    )
    .await
    .unwrap();
    run(
        &hub,
        &[
            "ring-group",
            "set",
            "--account",
            "Alpha",
            "--group",
            "Support",
            "--overflow-after",
            "90s",
            "--overflow-to",
            "voicemail",
        ],
    )
    .await
    .unwrap();
    let routing = hub.state.store.routing(account).await.unwrap();
    let (support_id, support) = &routing[1];
    let sales = &routing[0].1;
    assert_eq!(
        (sales.offer_timeout, sales.overflow_after, sales.overflow),
        (
            Duration::from_secs(12),
            Some(Duration::from_secs(120)),
            Some(Overflow::Group(*support_id))
        )
    );
    assert!(!sales.away_on_missed);
    assert_eq!(
        (support.strategy, support.overflow_after, support.overflow),
        (
            Strategy::RingAll,
            Some(Duration::from_secs(90)),
            Some(Overflow::Voicemail)
        )
    );
    assert_ne!(sales_id, support_id);

    // Mistakes are refused with a reason, and change nothing.
    for (args, complaint) in [
        (&["--offer-timeout", "1s"][..], "between 5 seconds"),
        (&["--overflow-to", "Sales"][..], "itself"),
        (&["--overflow-to", "Nobody"][..], "ring group"),
    ] {
        let mut command = vec![
            "ring-group",
            "set",
            "--account",
            "Alpha",
            "--group",
            "Sales",
        ];
        command.extend_from_slice(args);
        let error = run(&hub, &command).await.unwrap_err();
        assert!(error.to_string().contains(complaint), "{args:?}: {error}");
    }
    assert_eq!(
        hub.state.store.routing(account).await.unwrap()[0]
            .1
            .offer_timeout,
        Duration::from_secs(12)
    );
    // Ring groups of another account are out of reach.
    let error = run(
        &hub,
        &[
            "ring-group",
            "set",
            "--account",
            "Beta",
            "--group",
            "Sales",
            "--offer-timeout",
            "30s",
        ],
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("ring group"), "{error}");
}

#[tokio::test]
async fn each_number_customers_call_belongs_to_one_account_and_rings_one_group() {
    let hub = common::start().await;
    for (account, group) in [("Alpha", "Sales"), ("Beta", "Help")] {
        run(
            &hub,
            &[
                "ring-group",
                "create",
                "--account",
                account,
                "--name",
                group,
            ],
        )
        .await
        .unwrap();
    }
    // Typed the way people write numbers, stored in E.164.
    let out = run(
        &hub,
        &[
            "number",
            "add",
            "--account",
            "Alpha",
            "--number",
            "(415) 555-0100",
            "--group",
            "Sales",
            "--label",
            "Main line",
        ],
    )
    .await
    .unwrap();
    assert_eq!(out, "calls to +14155550100 ring Sales");
    assert_eq!(
        run(&hub, &["number", "list", "--account", "Alpha"])
            .await
            .unwrap(),
        "+14155550100\tSales\tMain line"
    );
    // However the carrier writes it, the INVITE finds the account and its group.
    let sales = hub.state.store.routing(hub.alpha).await.unwrap()[0].0;
    for dialled in ["+14155550100", "14155550100", "+1-415-555-0100"] {
        let route = hub
            .state
            .store
            .inbound_route(dialled)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (route.account_id, route.number.as_str(), route.ring_group_id),
            (hub.alpha, "+14155550100", Some(sales)),
            "{dialled}"
        );
    }
    for unknown in ["+14155550199", "", "not-a-number", "+1234567890123456789"] {
        assert_eq!(hub.state.store.inbound_route(unknown).await.unwrap(), None);
    }

    // One account per number; a group of another account is out of reach; bad numbers fail.
    for (args, complaint) in [
        (
            [
                "--account",
                "Beta",
                "--number",
                "+14155550100",
                "--group",
                "Help",
            ],
            "already takes calls",
        ),
        (
            [
                "--account",
                "Alpha",
                "--number",
                "+14155550101",
                "--group",
                "Help",
            ],
            "ring group",
        ),
        (
            ["--account", "Alpha", "--number", "555", "--group", "Sales"],
            "not a valid phone number",
        ),
    ] {
        let mut command = vec!["number", "add"];
        command.extend_from_slice(&args);
        let error = run(&hub, &command).await.unwrap_err();
        assert!(error.to_string().contains(complaint), "{args:?}: {error}");
    }
    run(
        &hub,
        &[
            "number",
            "remove",
            "--account",
            "Alpha",
            "--number",
            "+1 415 555 0100",
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        hub.state.store.inbound_route("+14155550100").await.unwrap(),
        None
    );
}

#[tokio::test]
async fn an_operator_gives_an_account_its_carrier() {
    let hub = common::start().await;
    assert_eq!(
        run(&hub, &["carrier", "show", "--account", "Alpha"])
            .await
            .unwrap(),
        "no carrier: calls to outside numbers are refused"
    );
    let out = run(
        &hub,
        &[
            "carrier",
            "set",
            "--account",
            "Alpha",
            "--proxy",
            "sip.carrier.example:5080",
            "--transport",
            "tcp",
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        out,
        "Alpha: sip:sip.carrier.example:5080;transport=tcp, IP-authenticated"
    );
    let carrier = hub.state.store.carrier(hub.alpha).await.unwrap().unwrap();
    assert_eq!(carrier.proxy, "sip.carrier.example:5080");
    assert_eq!(hub.state.store.carrier(hub.beta).await.unwrap(), None);

    // A proxy that is not host[:port], or a transport SIP trunks do not use, is refused.
    for (proxy, transport) in [
        ("sip:user@carrier.example", "udp"),
        ("carrier example", "udp"),
        ("carrier.example", "sctp"),
    ] {
        let refused = run(
            &hub,
            &[
                "carrier",
                "set",
                "--account",
                "Alpha",
                "--proxy",
                proxy,
                "--transport",
                transport,
            ],
        )
        .await;
        assert!(
            matches!(refused, Err(switchboard_hub::Error::BadRequest(_))),
            "{proxy} {transport}: {refused:?}"
        );
    }
    // The refused changes left the carrier as it was.
    assert_eq!(
        hub.state.store.carrier(hub.alpha).await.unwrap(),
        Some(carrier)
    );

    run(&hub, &["carrier", "remove", "--account", "Alpha"])
        .await
        .unwrap();
    assert_eq!(hub.state.store.carrier(hub.alpha).await.unwrap(), None);
    assert!(matches!(
        run(&hub, &["carrier", "remove", "--account", "Alpha"]).await,
        Err(switchboard_hub::Error::NotFound("carrier"))
    ));
}

#[tokio::test]
async fn an_operator_writes_a_call_flow_and_its_prompts() {
    let hub = common::start().await;
    let dir = tempfile::tempdir().unwrap();
    let flow = dir.path().join("main.toml");
    std::fs::write(
        &flow,
        "start = \"welcome\"\n[steps.welcome]\nplay = \"welcome\"\nnext = \"queue\"\n\
         [steps.queue]\nroute = \"Sales\"\n",
    )
    .unwrap();
    let set = |flow: &std::path::Path| {
        [
            "flow",
            "set",
            "--account",
            "Alpha",
            "--name",
            "main",
            "--file",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain([flow.display().to_string()])
        .collect::<Vec<_>>()
    };
    let args = set(&flow);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // Its prompt and its group do not exist yet: refused, saying which.
    let refused = run(&hub, &args).await;
    assert!(
        matches!(&refused, Err(switchboard_hub::Error::BadRequest(why)) if why.contains("\"welcome\"")),
        "{refused:?}"
    );
    let wav = dir.path().join("welcome.wav");
    switchboard_voice::wav::speak("Welcome to Alpha.", &wav).unwrap();
    let out = run(
        &hub,
        &[
            "prompt",
            "add",
            "--account",
            "Alpha",
            "--name",
            "welcome",
            "--file",
            &wav.display().to_string(),
        ],
    )
    .await
    .unwrap();
    assert_eq!(out, "saved prompt \"welcome\"");
    let refused = run(&hub, &args).await;
    assert!(
        matches!(&refused, Err(switchboard_hub::Error::BadRequest(why)) if why.contains("\"Sales\"")),
        "{refused:?}"
    );
    run(
        &hub,
        &[
            "ring-group",
            "create",
            "--account",
            "Alpha",
            "--name",
            "Sales",
        ],
    )
    .await
    .unwrap();
    assert_eq!(run(&hub, &args).await.unwrap(), "saved flow \"main\"");
    assert_eq!(
        run(&hub, &["flow", "list", "--account", "Alpha"])
            .await
            .unwrap(),
        "main"
    );
    assert!(
        run(
            &hub,
            &["flow", "show", "--account", "Alpha", "--name", "main"]
        )
        .await
        .unwrap()
        .contains("route = \"Sales\"")
    );
    // Another account sees none of it.
    assert_eq!(
        run(&hub, &["flow", "list", "--account", "Beta"])
            .await
            .unwrap(),
        ""
    );

    // A number runs it.
    let out = run(
        &hub,
        &[
            "number",
            "add",
            "--account",
            "Alpha",
            "--number",
            "+14155550100",
            "--flow",
            "main",
        ],
    )
    .await
    .unwrap();
    assert_eq!(out, "calls to +14155550100 go through flow main");
    let route = hub
        .state
        .store
        .inbound_route("+14155550100")
        .await
        .unwrap()
        .unwrap();
    assert!(route.flow.is_some_and(|f| f.contains("welcome")));

    // A prompt in use stays; a file that is no WAV is refused.
    assert!(matches!(
        run(
            &hub,
            &[
                "prompt",
                "remove",
                "--account",
                "Alpha",
                "--name",
                "welcome"
            ]
        )
        .await,
        Err(switchboard_hub::Error::Conflict(_))
    ));
    let not_wav = dir.path().join("notes.txt");
    std::fs::write(&not_wav, "hello").unwrap();
    assert!(matches!(
        run(
            &hub,
            &[
                "prompt",
                "add",
                "--account",
                "Alpha",
                "--name",
                "notes",
                "--file",
                &not_wav.display().to_string(),
            ],
        )
        .await,
        Err(switchboard_hub::Error::BadRequest(_))
    ));
}

#[tokio::test]
async fn an_operator_keeps_the_list_of_dispositions() {
    let hub = common::start().await;
    for label in ["Sale", "No interest", "Callback requested"] {
        run(&hub, &["disposition", "add", "--account", "Alpha", label])
            .await
            .unwrap();
    }
    // A label twice, an empty one, an unknown one to remove: refused with the reason.
    let twice = run(&hub, &["disposition", "add", "--account", "Alpha", "Sale"])
        .await
        .unwrap_err();
    assert!(twice.to_string().contains("already"), "{twice}");
    assert!(
        run(&hub, &["disposition", "add", "--account", "Alpha", " "])
            .await
            .is_err()
    );
    assert!(
        run(
            &hub,
            &["disposition", "remove", "--account", "Alpha", "Refund"]
        )
        .await
        .is_err()
    );
    run(
        &hub,
        &["disposition", "remove", "--account", "Alpha", "No interest"],
    )
    .await
    .unwrap();
    let listed = run(&hub, &["disposition", "list", "--account", "Alpha"])
        .await
        .unwrap();
    assert_eq!(listed, "Sale\nCallback requested");
    // Agents pick from that list, in that order; another account's is its own.
    let ana = hub.sign_in("ana@alpha.test").await;
    let labels: Vec<String> = hub
        .bootstrap(&ana)
        .await
        .dispositions
        .into_iter()
        .map(|d| d.label)
        .collect();
    assert_eq!(labels, ["Sale", "Callback requested"]);
    let zoe = hub.sign_in("zoe@beta.test").await;
    assert!(hub.bootstrap(&zoe).await.dispositions.is_empty());
}

#[tokio::test]
async fn an_operator_turns_identity_on_and_keeps_a_block_list() {
    let hub = common::start().await;
    let store = &hub.state.store;
    assert!(!store.account(hub.alpha).await.unwrap().settings.identity);
    run(
        &hub,
        &["settings", "--account", "Alpha", "--identity", "true"],
    )
    .await
    .unwrap();
    assert!(store.account(hub.alpha).await.unwrap().settings.identity);
    // Numbers in any form the account's country reads; kept in E.164.
    run(
        &hub,
        &[
            "block",
            "add",
            "--account",
            "Alpha",
            "(415) 555-0199",
            "--reason",
            "abusive caller",
        ],
    )
    .await
    .unwrap();
    assert!(store.is_blocked(hub.alpha, "+14155550199").await.unwrap());
    assert!(!store.is_blocked(hub.beta, "+14155550199").await.unwrap());
    let listed = run(&hub, &["block", "list", "--account", "Alpha"])
        .await
        .unwrap();
    assert_eq!(listed, "+14155550199\tabusive caller");
    assert!(
        run(
            &hub,
            &["block", "add", "--account", "Alpha", "not a number"]
        )
        .await
        .is_err()
    );
    run(
        &hub,
        &["block", "remove", "--account", "Alpha", "+1 415 555 0199"],
    )
    .await
    .unwrap();
    assert!(!store.is_blocked(hub.alpha, "+14155550199").await.unwrap());
    assert!(
        run(
            &hub,
            &["block", "remove", "--account", "Alpha", "+14155550199"]
        )
        .await
        .is_err()
    );
}

#[tokio::test]
async fn an_operator_sets_how_long_recordings_are_kept_and_deletes_one() {
    let hub = common::start().await;
    let store = &hub.state.store;
    run(
        &hub,
        &[
            "settings",
            "--account",
            "Alpha",
            "--recording-retention-days",
            "30",
        ],
    )
    .await
    .unwrap();
    let settings = store.account(hub.alpha).await.unwrap().settings;
    assert_eq!(settings.recording_retention_days, 30);
    assert_eq!(
        run(&hub, &["recording", "expire"]).await.unwrap(),
        "deleted 0 recordings past their retention"
    );
    // A call that was not recorded has nothing to delete: said so.
    let missing = run(
        &hub,
        &["recording", "delete", "--account", "Alpha", "--call", "999"],
    )
    .await;
    assert!(
        matches!(missing, Err(switchboard_hub::Error::NotFound(_))),
        "{missing:?}"
    );
}

async fn set(hub: &common::Hub, shortcut: &str, text: &str) -> switchboard_hub::Result<String> {
    let args = [
        "canned-reply",
        "set",
        "--account",
        "Alpha",
        "--shortcut",
        shortcut,
        text,
    ];
    run(hub, &args).await
}

#[tokio::test]
async fn an_operator_keeps_the_canned_replies() {
    let hub = common::start().await;
    set(&hub, "greeting", "Hi {first_name}!").await.unwrap();
    set(&hub, "greeting", "Hello {first_name}, {agent} here.")
        .await
        .unwrap();
    set(&hub, "bye", "Bye {contact}").await.unwrap();
    let typo = set(&hub, "oops", "Hi {frist_name}").await.unwrap_err();
    assert_eq!(
        typo.code(),
        switchboard_protocol::ErrorCode::InvalidCannedReply
    );
    let list = run(&hub, &["canned-reply", "list", "--account", "Alpha"])
        .await
        .unwrap();
    assert_eq!(
        list,
        "bye\tBye {contact}\ngreeting\tHello {first_name}, {agent} here."
    );
    run(
        &hub,
        &[
            "canned-reply",
            "remove",
            "--account",
            "Alpha",
            "--shortcut",
            "bye",
        ],
    )
    .await
    .unwrap();
    assert!(
        run(
            &hub,
            &[
                "canned-reply",
                "remove",
                "--account",
                "Alpha",
                "--shortcut",
                "bye"
            ],
        )
        .await
        .is_err()
    );
}

#[tokio::test]
async fn an_operator_makes_a_chat_widget() {
    let hub = common::start().await;
    hub.state
        .store
        .create_ring_group(hub.alpha, "Sales", "ring_all")
        .await
        .unwrap();
    let made = run(
        &hub,
        &[
            "widget",
            "create",
            "--account",
            "Alpha",
            "--name",
            "Shop",
            "--origin",
            "https://shop.example",
            "--origin",
            "https://www.shop.example",
            "--group",
            "Sales",
        ],
    )
    .await
    .unwrap();
    let secret = made.lines().last().unwrap();
    let public_id = made
        .split("public id ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap();
    let (_, widget, kept) = hub
        .state
        .store
        .widget_by_public_id(public_id)
        .await
        .unwrap();
    assert_eq!(kept, secret);
    assert_eq!(widget.origins.len(), 2);
    let list = run(&hub, &["widget", "list", "--account", "Alpha"])
        .await
        .unwrap();
    assert!(list.contains(public_id) && !list.contains(secret), "{list}");
    let bad = run(
        &hub,
        &[
            "widget",
            "create",
            "--account",
            "Alpha",
            "--name",
            "Bad",
            "--origin",
            "shop.example",
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(bad.code(), switchboard_protocol::ErrorCode::InvalidWidget);
    run(
        &hub,
        &["widget", "remove", "--account", "Alpha", "--name", "Shop"],
    )
    .await
    .unwrap();
    assert!(
        run(
            &hub,
            &["widget", "remove", "--account", "Alpha", "--name", "Shop"]
        )
        .await
        .is_err()
    );
}
