//! Switchboard hub: the contact-center server behind the agent workspace.
//!
//! [`launch_with_listener`] serves the API on a listener the caller bound, so tests (and the
//! desktop's built-in hub) run the real server on `127.0.0.1:0`.

pub mod admin;
pub mod api;
pub mod auth;
pub mod biometrics;
pub mod calls;
pub mod config;
pub mod consult;
pub mod demo;
pub mod error;
pub mod events;
pub mod flow;
pub mod history;
pub mod ice;
pub mod identity;
pub mod inbound;
pub mod ivr;
pub mod media;
pub mod outbound;
pub mod phone;
pub mod presence;
pub mod recording;
pub mod routing;
pub mod sip;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::Config;
pub use error::{Error, Result};
pub use store::Store;

/// What every request handler shares.
#[derive(Debug)]
pub struct AppState {
    pub config: Config,
    pub store: Store,
    pub limiter: auth::SignInLimiter,
    pub notifier: events::Notifier,
    pub media: media::MediaBridge,
    pub calls: calls::Calls,
    /// The routing task's inbox (ring groups, offers, agents' availability).
    pub routing: tokio::sync::mpsc::UnboundedSender<inbound::Input>,
    routing_inputs: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<inbound::Input>>>,
    media_events: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<media::MediaEvent>>>,
    /// Cancelled when the hub shuts down; long-lived connections watch it.
    pub shutdown: CancellationToken,
    /// The SIP trunk, once listening (calls to outside numbers go out through it).
    pub trunk: std::sync::OnceLock<sip::Trunk>,
    /// Keys callers press while a call flow listens.
    pub keys: ivr::Keys,
    /// Call flows' prompts, encoded once for every call.
    pub prompts: ivr::Prompts,
    /// Checks callers' STIR/SHAKEN PASSporTs.
    pub verifier: identity::Verifier,
}

impl AppState {
    /// Builds the shared state and starts the media bridge on `config.media.bind`.
    pub fn new(config: Config, store: Store, shutdown: CancellationToken) -> Result<Self> {
        let (media_tx, media_rx) = tokio::sync::mpsc::unbounded_channel();
        let (routing, routing_inputs) = tokio::sync::mpsc::unbounded_channel();
        let media = media::MediaBridge::start_behind_nat(
            config.media.bind,
            config.media.public_ip,
            media_tx,
        )?;
        let auth = &config.auth;
        let limiter = auth::SignInLimiter::new(
            auth.max_failures_per_email,
            auth.max_failures_per_address,
            auth.failure_window,
        );
        let verifier = identity::Verifier::new(&config.identity)?;
        Ok(Self {
            verifier,
            config,
            store,
            limiter,
            notifier: events::Notifier::default(),
            media,
            calls: calls::Calls::default(),
            routing,
            routing_inputs: std::sync::Mutex::new(Some(routing_inputs)),
            media_events: std::sync::Mutex::new(Some(media_rx)),
            shutdown,
            trunk: std::sync::OnceLock::new(),
            keys: ivr::Keys::default(),
            prompts: ivr::Prompts::default(),
        })
    }
}

/// Opens the store in `config.data_dir` and serves on `listener` until `shutdown` is cancelled.
pub async fn launch_with_listener(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<()> {
    let store = Store::open(&config.database_path()).await?;
    serve(Arc::new(AppState::new(config, store, shutdown)?), listener).await
}

/// Serves an already-built state (tests use this to reach the state directly).
pub async fn serve(state: Arc<AppState>, listener: TcpListener) -> Result<()> {
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Internal(format!("listener: {e}")))?;
    calls::recover(&state).await?;
    apply_carriers(&state).await?;
    tracing::info!(%addr, "hub listening");
    let housekeeping = tokio::spawn(housekeeping(state.clone()));
    let wrap_ups = tokio::spawn(wrap_up_timeouts(state.clone()));
    let media_events = state
        .media_events
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let following =
        media_events.map(|events| tokio::spawn(calls::follow_media(state.clone(), events)));
    let routing_inputs = state
        .routing_inputs
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let routing = routing_inputs.map(|inputs| tokio::spawn(inbound::run(state.clone(), inputs)));
    // The SIP trunk, when the hub has one: carriers' calls to the accounts' numbers.
    // One that cannot listen (the port is taken) leaves the hub serving agents, without it.
    let trunk = match state.config.sip.listen {
        Some(addr) => match sip::Trunk::start(addr, state.media.control()).await {
            Ok((trunk, incoming)) => {
                let _ = state.trunk.set(trunk.clone());
                Some((
                    tokio::spawn(outbound::keep_registered(state.clone(), trunk)),
                    tokio::spawn(inbound::follow_trunk(state.clone(), incoming)),
                ))
            }
            Err(error) => {
                tracing::error!(%error, "the SIP trunk is off: calls with the phone network fail");
                None
            }
        },
        None => None,
    };
    let shutdown = state.shutdown.clone();
    let app = api::router(state.clone());
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.cancelled().await })
    .await;
    housekeeping.abort();
    wrap_ups.abort();
    if let Some(following) = following {
        following.abort();
    }
    if let Some(routing) = routing {
        routing.abort();
    }
    if let Some((registrations, calls)) = trunk {
        registrations.abort();
        calls.abort();
    }
    state.store.close().await;
    served.map_err(|e| Error::Internal(format!("server: {e}")))
}

/// The carriers of the configuration file, into the accounts they name (a mistake stops the
/// start, saying which).
async fn apply_carriers(state: &AppState) -> Result<()> {
    for carrier in &state.config.sip.carriers {
        let invalid = |why: String| {
            Error::BadRequest(format!("[[sip.carriers]] of {:?}: {why}", carrier.account))
        };
        let account = state
            .store
            .account_by_name(&carrier.account)
            .await
            .map_err(|e| invalid(e.to_string()))?;
        let transport = carrier
            .transport
            .parse()
            .map_err(|e: Error| invalid(e.to_string()))?;
        state
            .store
            .set_carrier(&store::Carrier {
                account_id: account.id,
                proxy: carrier.proxy.clone(),
                transport,
                username: carrier.username.clone(),
                password: carrier.password.clone(),
                register: carrier.register,
            })
            .await
            .map_err(|e| invalid(e.to_string()))?;
        tracing::info!(account = %carrier.account, proxy = %carrier.proxy, "carrier from the configuration");
    }
    Ok(())
}

/// Ends after-call work when the account's timeout runs out (checked every second, so it
/// also holds across a restart of the hub).
async fn wrap_up_timeouts(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(error) = state.end_overdue_wrap_ups().await {
            tracing::warn!(%error, "after-call work timeouts could not be checked");
        }
    }
}

async fn housekeeping(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match state.store.prune_sessions().await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "old sessions removed"),
            Err(error) => tracing::warn!(%error, "pruning sessions failed"),
        }
        match crate::recording::expire(&state.store, &state.config.data_dir).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "recordings past their retention deleted"),
            Err(error) => tracing::warn!(%error, "expiring recordings failed"),
        }
    }
}

/// A hub running on a thread of its own, as the desktop embeds it.
#[derive(Debug)]
pub struct Embedded {
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Embedded {
    /// Starts a hub on `127.0.0.1` (a free port) with its own runtime, seeding the demo
    /// account on first start. Returns once it accepts connections.
    pub fn start(mut config: Config, seed_demo: bool) -> Result<Self> {
        config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("hub")
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("runtime: {e}")))?;
        let shutdown = CancellationToken::new();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<SocketAddr>>();
        let token = shutdown.clone();
        let thread = std::thread::Builder::new()
            .name("hub".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let started = async {
                        let store = Store::open(&config.database_path()).await?;
                        if seed_demo {
                            demo::seed_if_empty(&store).await?;
                        }
                        let listener = TcpListener::bind(config.listen)
                            .await
                            .map_err(|e| Error::Internal(format!("bind: {e}")))?;
                        let addr = listener
                            .local_addr()
                            .map_err(|e| Error::Internal(format!("listener: {e}")))?;
                        Ok((store, listener, addr))
                    }
                    .await;
                    match started {
                        Ok((store, listener, addr)) => {
                            let _ = ready_tx.send(Ok(addr));
                            let served = match AppState::new(config, store, token) {
                                Ok(state) => serve(Arc::new(state), listener).await,
                                Err(error) => Err(error),
                            };
                            if let Err(error) = served {
                                tracing::error!(%error, "built-in hub stopped");
                            }
                        }
                        Err(error) => {
                            let _ = ready_tx.send(Err(error));
                        }
                    }
                });
            })
            .map_err(|e| Error::Internal(format!("thread: {e}")))?;
        let addr = ready_rx
            .recv()
            .map_err(|_| Error::Internal("the built-in hub did not start".into()))??;
        Ok(Self {
            addr,
            shutdown,
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
