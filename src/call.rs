//! Placing and answering calls: open the audio devices, make the engine's SDP offer, trade it
//! with the hub for an answer, and start media. Async functions the workspace runs as Tasks;
//! no GUI here.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use switchboard_client::Hub;
use switchboard_client::config::Devices;
use switchboard_protocol::{Call, IceServers, IceTransportPolicy, Id, Target};
use switchboard_voice::device::{Microphone, Speaker, Tone};
use switchboard_voice::ice;
use switchboard_voice::peer::{Capture, Event, Handle, Playback, Setup};
use switchboard_voice::tone::{Cadence, Sine};
use switchboard_voice::wav;

/// A running call's media; dropping the last clone hangs the engine up.
#[derive(Clone)]
pub struct Engine {
    handle: Arc<Handle>,
    events: Reports,
}

impl Engine {
    /// Wraps a started leg and its reports.
    pub fn new(handle: Handle, events: mpsc::Receiver<Event>) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self {
            handle: Arc::new(handle),
            events: Reports {
                engine: NEXT.fetch_add(1, Ordering::Relaxed),
                receiver: Arc::new(Mutex::new(Some(events))),
            },
        }
    }

    pub fn id(&self) -> u64 {
        self.events.engine
    }

    pub fn set_muted(&self, muted: bool) {
        self.handle.set_muted(muted);
    }

    /// Sends a dial-pad key to the far end (RFC 4733).
    pub fn send_dtmf(&self, key: char) -> Result<(), String> {
        self.handle.send_dtmf(key).map_err(|e| e.to_string())
    }

    /// The engine's reports, without keeping the engine alive.
    pub fn reports(&self) -> Reports {
        self.events.clone()
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Engine({})", self.id())
    }
}

/// What an engine reports (connected, loss, keys heard, ended), for one follower; it
/// identifies the engine for a subscription.
#[derive(Clone)]
pub struct Reports {
    engine: u64,
    receiver: Arc<Mutex<Option<mpsc::Receiver<Event>>>>,
}

impl Reports {
    pub fn engine(&self) -> u64 {
        self.engine
    }

    /// The channel, the first time only.
    pub fn take(&self) -> Option<mpsc::Receiver<Event>> {
        self.receiver
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

impl PartialEq for Reports {
    fn eq(&self, other: &Self) -> bool {
        self.engine == other.engine
    }
}

impl Eq for Reports {}

impl std::hash::Hash for Reports {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.engine.hash(state);
    }
}

/// Why a call could not start, in words for the agent.
#[derive(Debug, Clone)]
pub enum Failure {
    /// No usable microphone or speaker: the call never started.
    Audio(String),
    Hub(switchboard_client::Error),
    Media(String),
    /// Calls must go through a TURN relay and none could be had: the call never started.
    NoRelay(String),
}

/// An opened capture and playback pair.
type Opened = (Box<dyn Capture>, Box<dyn Playback>);

/// Where audio comes from and goes: the OS devices the agent picked, or WAV files
/// (`SWITCHBOARD_AUDIO_IN`, `SWITCHBOARD_AUDIO_OUT`) for tests and headless use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audio {
    pub input_file: Option<PathBuf>,
    pub output_file: Option<PathBuf>,
    pub devices: Devices,
}

impl Audio {
    pub fn from_env() -> Self {
        let path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Self {
            input_file: path("SWITCHBOARD_AUDIO_IN"),
            output_file: path("SWITCHBOARD_AUDIO_OUT"),
            devices: Devices::default(),
        }
    }

    /// Whether calls use WAV files instead of devices (then nothing rings on a device).
    pub fn headless(&self) -> bool {
        self.input_file.is_some() || self.output_file.is_some()
    }

    fn open(&self) -> Result<Opened, Failure> {
        let capture: Box<dyn Capture> = match &self.input_file {
            Some(path) => {
                Box::new(wav::Source::open(path, false).map_err(|e| Failure::Audio(e.to_string()))?)
            }
            None => Box::new(
                Microphone::open(self.devices.microphone.as_deref())
                    .map_err(|e| Failure::Audio(e.to_string()))?,
            ),
        };
        let playback: Box<dyn Playback> = match &self.output_file {
            Some(path) => {
                Box::new(wav::Sink::create(path).map_err(|e| Failure::Audio(e.to_string()))?)
            }
            None => Box::new(
                Speaker::open(self.devices.speaker.as_deref())
                    .map_err(|e| Failure::Audio(e.to_string()))?,
            ),
        };
        Ok((capture, playback))
    }
}

/// The local address that reaches the hub: where the engine's media socket binds, so the
/// host candidate it offers is one the hub can send to. Nothing is sent to find it.
fn local_ip_toward(hub: &Hub) -> IpAddr {
    let probe = || -> Option<IpAddr> {
        let (host, port) = hub.host_port()?;
        let target = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
            .ok()?
            .next()?;
        let bind: SocketAddr = if target.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(bind).ok()?;
        socket.connect(target).ok()?;
        Some(socket.local_addr().ok()?.ip())
    };
    probe().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Failure::Media(e.to_string()))?
}

/// The hub's STUN and TURN servers, as the engine takes them.
fn ice_config(servers: IceServers) -> ice::Config {
    ice::Config {
        servers: servers
            .ice_servers
            .into_iter()
            .map(|server| ice::Server {
                urls: server.urls,
                username: server.username,
                credential: server.credential,
            })
            .collect(),
        policy: match servers.ice_transport_policy {
            IceTransportPolicy::All => ice::Policy::All,
            IceTransportPolicy::Relay => ice::Policy::Relay,
        },
        ..ice::Config::default()
    }
}

/// Which side of the call this engine joins.
enum Join {
    Dial(Target),
    Answer(Id),
}

/// Devices first (a missing microphone stops here, before anyone's phone rings), then the
/// engine's offer, the hub's answer, and media.
async fn join(
    hub: Hub,
    token: String,
    audio: Audio,
    join: Join,
) -> Result<(Call, Engine), Failure> {
    // Opening devices and resolving the hub's address block: keep them off the async workers.
    let probe = hub.clone();
    let ((capture, playback), ip) =
        blocking(move || Ok((audio.open()?, local_ip_toward(&probe)))).await?;
    // Fresh each call: TURN credentials may be short-lived.
    let ice = ice_config(hub.ice_servers(&token).await.map_err(Failure::Hub)?);
    // Gathering waits on STUN and TURN servers: off the async workers too.
    let (mut setup, offer) = blocking(move || {
        Setup::offer_with(SocketAddr::new(ip, 0), &ice).map_err(|e| match e {
            switchboard_voice::Error::NoRelay(why) => Failure::NoRelay(why),
            other => Failure::Media(other.to_string()),
        })
    })
    .await?;
    let answer = match join {
        Join::Dial(target) => hub.start_call(&token, &target, offer).await,
        Join::Answer(call) => hub.accept_call(&token, call, offer).await,
    }
    .map_err(Failure::Hub)?;
    setup
        .accept_answer(&answer.answer)
        .map_err(|e| Failure::Media(e.to_string()))?;
    let (handle, events) = setup
        .start(capture, playback)
        .map_err(|e| Failure::Media(e.to_string()))?;
    Ok((answer.call, Engine::new(handle, events)))
}

/// Calls another agent of the account, or a number.
pub async fn dial(
    hub: Hub,
    token: String,
    target: Target,
    audio: Audio,
) -> Result<(Call, Engine), Failure> {
    join(hub, token, audio, Join::Dial(target)).await
}

/// Answers a ringing call.
pub async fn answer(
    hub: Hub,
    token: String,
    call: Id,
    audio: Audio,
) -> Result<(Call, Engine), Failure> {
    join(hub, token, audio, Join::Answer(call)).await
}

/// Rings on the `ringer` device (or the default output) for as long as the returned future
/// is kept: the incoming call's subscription holds it, and dropping it stops the ringing.
pub async fn ring(ringer: Option<String>) {
    let opened = tokio::task::spawn_blocking(move || {
        let mut ringtone = Cadence::ringtone();
        Tone::play(ringer.as_deref(), move |out| ringtone.fill(out))
    })
    .await;
    match opened {
        Ok(Ok(_ringing)) => std::future::pending::<()>().await,
        Ok(Err(error)) => tracing::warn!(%error, "the ringtone cannot play"),
        Err(error) => tracing::warn!(%error, "the ringtone cannot play"),
    }
}

/// One ring on the `ringer` device (or the default output), for a new conversation waiting:
/// it plays on its own, the caller does not wait for it.
pub async fn chime(ringer: Option<String>) {
    tokio::task::spawn_blocking(move || {
        let mut ringtone = Cadence::ringtone();
        match Tone::play(ringer.as_deref(), move |out| ringtone.fill(out)) {
            // The ringtone's first ring.
            Ok(_ringing) => std::thread::sleep(std::time::Duration::from_millis(1500)),
            Err(error) => tracing::warn!(%error, "the new-conversation ring cannot play"),
        }
    });
}

/// Plays a one-second 440 Hz tone on `device` (settings' test button).
pub async fn test_tone(device: Option<String>) -> Result<(), String> {
    tokio::task::spawn_blocking(move || {
        let mut sine = Sine::new(440.0, 8000);
        let _tone =
            Tone::play(device.as_deref(), move |out| sine.fill(out)).map_err(|e| e.to_string())?;
        std::thread::sleep(std::time::Duration::from_secs(1));
        Ok(())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Shows a desktop notification (an incoming call while the window is in the background).
/// A desktop without a notification service only logs it.
pub async fn notify(summary: String, body: String) {
    let shown = tokio::task::spawn_blocking(move || {
        notify_rust::Notification::new()
            .appname("Switchboard")
            .summary(&summary)
            .body(&body)
            .icon("call-start")
            .show()
            .map(|_| ())
    })
    .await;
    match shown {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::info!(%error, "no desktop notification"),
        Err(error) => tracing::info!(%error, "no desktop notification"),
    }
}
