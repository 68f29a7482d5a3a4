//! Switchboard hub: the contact-center server behind the agent workspace.
//!
//! [`launch_with_listener`] serves the API on a listener the caller bound, so tests (and the
//! desktop's built-in hub) run the real server on `127.0.0.1:0`.

pub mod admin;
pub mod api;
pub mod auth;
pub mod biometrics;
pub mod call;
pub mod config;
pub mod conversation;
pub mod demo;
pub mod error;
pub mod events;
pub mod flow;
pub mod ice;
pub mod identity;
pub mod ivr;
pub mod media;
pub mod phone;
pub mod presence;
pub mod recording;
pub mod routing;
pub mod store;
pub mod trunk;
pub mod widget;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use switchboard_protocol::{Id, StatusKey, StatusKind};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::Config;
pub use error::{Error, Result};
pub use store::Store;

/// What every request handler shares: the hub's services.
#[derive(Debug)]
pub struct AppState {
    pub config: Config,
    pub store: Store,
    pub limiter: auth::SignInLimiter,
    pub events: events::Publisher,
    pub presence: presence::Presence,
    pub media: media::MediaBridge,
    pub calls: call::Calls,
    pub conversations: conversation::Conversations,
    /// How often websites' chat visitors may knock.
    pub widget_limits: widget::Limits,
    /// Cancelled when the hub shuts down; long-lived connections and tasks watch it.
    pub shutdown: CancellationToken,
    /// The SIP trunk, once listening (calls to outside numbers go out through it).
    pub trunk: Arc<OnceLock<trunk::Trunk>>,
    /// Checks callers' STIR/SHAKEN PASSporTs.
    pub verifier: Arc<identity::Verifier>,
}

impl AppState {
    /// Builds the hub's services and starts the tasks behind them: the media bridge on
    /// `config.media.bind`, the routing task, the media bridge's follower. Called inside a
    /// Tokio runtime; the tasks stop when `shutdown` is cancelled.
    pub fn new(config: Config, store: Store, shutdown: CancellationToken) -> Result<Self> {
        let (media_tx, media_events) = tokio::sync::mpsc::unbounded_channel();
        let (routing, requests) = tokio::sync::mpsc::unbounded_channel();
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
        let verifier = Arc::new(identity::Verifier::new(&config.identity)?);
        let events = events::Publisher {
            store: store.clone(),
            notifier: events::Notifier::default(),
            retention: config.events.retention,
        };
        let presence = presence::Presence::new(events.clone(), routing.clone());
        let trunk = Arc::new(OnceLock::new());
        let calls = call::Calls::new(call::Services {
            store: store.clone(),
            media: media.control(),
            presence: presence.clone(),
            events: events.clone(),
            routing,
            trunk: trunk.clone(),
            keys: Arc::default(),
            prompts: Arc::default(),
            data_dir: config.data_dir.clone(),
            ring_timeout: config.calls.ring_timeout,
            dial_timeout: config.sip.ring_timeout,
        });
        let conversations = conversation::Conversations::new(store.clone(), events.clone());
        let decisions = Decisions {
            calls: calls.clone(),
            presence: presence.clone(),
        };
        until(
            &shutdown,
            routing::task::run(store.clone(), requests, decisions),
        );
        until(&shutdown, calls.clone().follow_media(media_events));
        let widget_limits = widget::Limits::new(&config.widget);
        Ok(Self {
            config,
            store,
            limiter,
            events,
            presence,
            media,
            calls,
            conversations,
            widget_limits,
            shutdown,
            trunk,
            verifier,
        })
    }

    /// At start: calls open in the records were cut off when the hub stopped (calls live in
    /// its memory). They are closed as failed and their agents taken out of "On a call".
    pub async fn recover(&self) -> Result<()> {
        for (call, account, agents) in self.store.close_cut_off_calls(store::now_ms()).await? {
            for agent in agents {
                // Everyone the call ever reached; those still "On a call" were in it.
                let on_call = self
                    .store
                    .agent(account, agent)
                    .await
                    .is_ok_and(|row| row.status().kind() == StatusKind::OnCall);
                if on_call && let Err(error) = self.presence.call_ended(account, agent).await {
                    tracing::warn!(%error, agent, "could not end an agent's cut-off call");
                }
            }
            tracing::info!(call, "a call cut off by the hub's stop was closed");
        }
        Ok(())
    }
}

/// Runs `task` until the hub shuts down.
fn until(shutdown: &CancellationToken, task: impl Future<Output = ()> + Send + 'static) {
    let shutdown = shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = task => {}
            () = shutdown.cancelled() => {}
        }
    });
}

/// Where the routing task's decisions go: to the calls they are about, and to presence.
struct Decisions {
    calls: call::Calls,
    presence: presence::Presence,
}

impl routing::Decisions for Decisions {
    fn notice(&self, call: Id, notice: routing::Notice) {
        let input = match notice {
            routing::Notice::Offered(agents) => call::Input::Offered { call, agents },
            routing::Notice::Withdrawn(agents) => call::Input::Withdrawn { call, agents },
            routing::Notice::Overflowed { group, name } => {
                call::Input::Overflowed { call, group, name }
            }
            routing::Notice::ToVoicemail => call::Input::ToVoicemail { call },
        };
        self.calls.tell(call, input);
    }

    fn set_away(&self, account: Id, agent: Id) {
        let presence = self.presence.clone();
        tokio::spawn(async move {
            let away = presence
                .set_status(account, agent, &StatusKey::away(), presence::Cause::Routing)
                .await;
            if let Err(error) = away {
                tracing::warn!(%error, agent, "could not set an agent who missed a call Away");
            }
        });
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
    state.recover().await?;
    apply_carriers(&state).await?;
    tracing::info!(%addr, "hub listening");
    let housekeeping = tokio::spawn(housekeeping(state.clone()));
    let wrap_ups = tokio::spawn(wrap_up_timeouts(state.presence.clone()));
    // The SIP trunk, when the hub has one: carriers' calls to the accounts' numbers.
    // One that cannot listen (the port is taken) leaves the hub serving agents, without it.
    let trunk = match state.config.sip.listen {
        Some(addr) => match trunk::Trunk::start(addr, state.media.control()).await {
            Ok((trunk, incoming)) => {
                let _ = state.trunk.set(trunk.clone());
                let inbound = Arc::new(trunk::inbound::Inbound {
                    calls: state.calls.clone(),
                    verifier: state.verifier.clone(),
                    identity: state.config.identity.clone(),
                });
                Some((
                    tokio::spawn(trunk::registration::keep_registered(
                        state.store.clone(),
                        trunk,
                    )),
                    tokio::spawn(trunk::inbound::follow(inbound, incoming)),
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
    // Chat frames and events are small and must leave at once: no Nagle delay (it held a
    // reply for the client's delayed ACK, 40 ms, under load).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set");
        }
    });
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.cancelled().await })
    .await;
    housekeeping.abort();
    wrap_ups.abort();
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
async fn wrap_up_timeouts(presence: presence::Presence) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(error) = presence.end_overdue_wrap_ups().await {
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
