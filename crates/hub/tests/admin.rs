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
    admin::run(&hub.state.store, cli.command).await
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
}
