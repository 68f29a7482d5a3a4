//! `switchboard-hub`: serve the hub, or administer its database.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use switchboard_hub::{Config, Store, admin, demo};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Parser)]
#[command(
    name = "switchboard-hub",
    version,
    about = "The Switchboard contact-center hub"
)]
struct Cli {
    /// TOML configuration file; every field has a default.
    #[arg(long, global = true, env = "SWITCHBOARD_HUB_CONFIG")]
    config: Option<PathBuf>,
    /// Folder for the hub's database (overrides the config file).
    #[arg(long, global = true)]
    data: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and the agent event stream.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:7300 (overrides the config file).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Seed the demo account when the database has no account yet.
        #[arg(long)]
        demo: bool,
    },
    /// Administer accounts, agents, ring groups and caller IDs.
    #[command(subcommand)]
    Admin(admin::Command),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let mut config = Config::load(cli.config.as_deref()).context("reading the configuration")?;
    if let Some(data) = cli.data {
        config.data_dir = data;
    }

    match cli.command {
        Command::Serve { listen, demo } => {
            if let Some(listen) = listen {
                config.listen = listen;
            }
            let store = Store::open(&config.database_path())
                .await
                .with_context(|| format!("opening {}", config.database_path().display()))?;
            if demo && demo::seed_if_empty(&store).await? {
                eprintln!(
                    "seeded the demo account: sign in as {} (or {}) with password {:?}",
                    demo::DEMO_AGENT_EMAIL,
                    demo::DEMO_ADMIN_EMAIL,
                    demo::DEMO_PASSWORD
                );
            }
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("listening on {}", config.listen))?;
            let shutdown = CancellationToken::new();
            let on_signal = shutdown.clone();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                tracing::info!("shutting down");
                on_signal.cancel();
            });
            let state =
                std::sync::Arc::new(switchboard_hub::AppState::new(config, store, shutdown)?);
            switchboard_hub::serve(state, listener).await?;
        }
        Command::Admin(command) => {
            let store = Store::open(&config.database_path())
                .await
                .with_context(|| format!("opening {}", config.database_path().display()))?;
            let out = admin::run(&store, &config.data_dir, command).await?;
            store.close().await;
            if !out.is_empty() {
                println!("{out}");
            }
        }
    }
    Ok(())
}
