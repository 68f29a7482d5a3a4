//! The media bridge: every call leg terminates here, on one UDP socket shared by all legs
//! (str0m is sans-IO, so one thread demultiplexes packets to the leg that accepts them).
//! Two bridged legs exchange Opus untouched — no decode, no re-encode — and dial-pad keys
//! (RFC 4733). A held leg hears music instead (encoded once at start) and is not heard.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use std::sync::Arc;
use str0m::change::SdpOffer;

use str0m::format::{Codec, CodecExtra};
use str0m::media::{Frequency, MediaTime, Mid, Pt, TelephoneEvent};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event as RtcEvent, IceConnectionState, Input, Output, Rtc};
use tokio::sync::{mpsc as async_mpsc, oneshot};

use crate::{Error, Result};

mod conference;
pub mod recorder;
pub mod sdp;
pub mod trunk;
use trunk::{Heard, TrunkLeg};
pub use trunk::{Negotiated, read_answer, read_offer};

pub type LegId = u64;

/// Poll tokens: the shared WebRTC socket, the command waker, then one per trunk leg.
const MAIN: mio::Token = mio::Token(0);
const WAKE: mio::Token = mio::Token(1);
const FIRST_TRUNK: usize = 2;

/// What the bridge reports to the call engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaEvent {
    Connected(LegId),
    Ended {
        leg: LegId,
        reason: String,
    },
    /// A caller pressed a key while their trunk leg was bridged to nobody (a call flow
    /// listens): `0`–`9`, `*`, `#`, `A`–`D`.
    Key {
        leg: LegId,
        key: char,
    },
}

enum Command {
    AddLeg {
        offer: String,
        reply: oneshot::Sender<Result<(LegId, String)>>,
    },
    AddTrunkLeg {
        offer: String,
        reply: oneshot::Sender<Result<(LegId, String)>>,
    },
    OfferTrunkLeg {
        reply: oneshot::Sender<Result<(LegId, String)>>,
    },
    AnswerTrunkLeg {
        leg: LegId,
        answer: String,
        reply: oneshot::Sender<Result<()>>,
    },
    Bridge(LegId, LegId),
    /// The leg hears nobody and nobody hears it (until bridged again).
    Unbridge(LegId),
    Hold(LegId, bool),
    Play {
        leg: LegId,
        frames: Arc<[Arc<[u8]>]>,
        done: oneshot::Sender<()>,
    },
    StopPlaying(LegId),
    Record {
        leg: LegId,
        path: std::path::PathBuf,
        reply: oneshot::Sender<Result<()>>,
    },
    StopRecording(LegId),
    Listen(LegId, trunk::VoiceTap),
    /// Records what passes between these legs (customer's, agent's) into `path`.
    RecordCall {
        call: i64,
        legs: [Option<LegId>; 2],
        path: std::path::PathBuf,
        reply: oneshot::Sender<Result<()>>,
    },
    /// A leg joins a recorded call (an agent taking a transferred call) on `side`.
    RecordLeg {
        call: i64,
        leg: LegId,
        side: usize,
    },
    PauseRecording(i64, bool),
    /// These legs hear each other, all of them (a three-way call).
    Conference(Vec<LegId>),
    EndRecording {
        call: i64,
        reply: oneshot::Sender<Result<f64>>,
    },
    Remove(LegId),
    Shutdown,
}

/// A running bridge; dropping it stops the media thread.
pub struct MediaBridge {
    addr: SocketAddr,
    control: Control,
    thread: Option<JoinHandle<()>>,
}

/// What drives a running bridge: cheap to clone, for the SIP trunk and the call engine.
#[derive(Clone)]
pub struct Control {
    commands: mpsc::Sender<Command>,
    /// Wakes the media thread out of its poll when a command is sent.
    waker: Arc<mio::Waker>,
}

impl std::ops::Deref for MediaBridge {
    type Target = Control;

    fn deref(&self) -> &Control {
        &self.control
    }
}

impl MediaBridge {
    /// Binds the media socket on `bind` (a concrete address: it is what agents are told to
    /// send to) and starts the media thread.
    pub fn start(
        bind: SocketAddr,
        events: async_mpsc::UnboundedSender<MediaEvent>,
    ) -> Result<Self> {
        Self::start_behind_nat(bind, None, events)
    }

    /// Like [`start`](Self::start), for a hub behind a one-to-one NAT: every leg also
    /// offers `public_ip` (with the bound port), the address agents outside reach.
    pub fn start_behind_nat(
        bind: SocketAddr,
        public_ip: Option<IpAddr>,
        events: async_mpsc::UnboundedSender<MediaEvent>,
    ) -> Result<Self> {
        static CRYPTO: std::sync::Once = std::sync::Once::new();
        CRYPTO.call_once(|| str0m::crypto::from_feature_flags().install_process_default());
        let socket =
            UdpSocket::bind(bind).map_err(|e| Error::Internal(format!("media socket: {e}")))?;
        socket
            .set_nonblocking(true)
            .map_err(|e| Error::Internal(format!("media socket: {e}")))?;
        let mut socket = mio::net::UdpSocket::from_std(socket);
        let poll = mio::Poll::new().map_err(|e| Error::Internal(format!("media poll: {e}")))?;
        poll.registry()
            .register(&mut socket, MAIN, mio::Interest::READABLE)
            .map_err(|e| Error::Internal(format!("media poll: {e}")))?;
        let waker = Arc::new(
            mio::Waker::new(poll.registry(), WAKE)
                .map_err(|e| Error::Internal(format!("media poll: {e}")))?,
        );
        let addr = socket
            .local_addr()
            .map_err(|e| Error::Internal(format!("media socket: {e}")))?;
        let public = public_ip.map(|ip| SocketAddr::new(ip, addr.port()));
        if let Some(public) = public {
            Candidate::server_reflexive(public, addr, "udp")
                .map_err(|e| Error::Internal(format!("media public_ip {public}: {e}")))?;
        }
        let (commands, command_rx) = mpsc::channel();
        let worker = Worker {
            socket,
            poll,
            addr,
            public,
            music: hold_music()?,
            legs: HashMap::new(),
            trunks: HashMap::new(),
            offered: HashMap::new(),
            next_id: 1,
            commands: command_rx,
            events,
            recorded: HashMap::new(),
            recordings: recorder::start(),
            conferences: Vec::new(),
        };
        let thread = std::thread::Builder::new()
            .name("media-bridge".into())
            .spawn(move || worker.run())
            .map_err(|e| Error::Internal(format!("media thread: {e}")))?;
        Ok(Self {
            addr,
            control: Control { commands, waker },
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn control(&self) -> Control {
        self.control.clone()
    }
}

impl Control {
    /// Terminates a new leg: accepts the endpoint's SDP offer, answers with ours.
    pub async fn add_leg(&self, offer: String) -> Result<(LegId, String)> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::AddLeg { offer, reply })?;
        answer
            .await
            .map_err(|_| Error::Internal("the media bridge stopped".into()))?
    }

    /// Terminates a leg from the phone network: takes the carrier's SDP offer (plain RTP,
    /// PCMU or PCMA), answers with a port of its own.
    pub async fn add_trunk_leg(&self, offer: String) -> Result<(LegId, String)> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::AddTrunkLeg { offer, reply })?;
        answer
            .await
            .map_err(|_| Error::Internal("the media bridge stopped".into()))?
    }

    /// Opens a leg to the phone network for a call the hub places: returns our SDP offer
    /// (PCMU, PCMA, key presses); the carrier's answer goes to [`Self::answer_trunk_leg`].
    pub async fn offer_trunk_leg(&self) -> Result<(LegId, String)> {
        let (reply, offer) = oneshot::channel();
        self.send(Command::OfferTrunkLeg { reply })?;
        offer
            .await
            .map_err(|_| Error::Internal("the media bridge stopped".into()))?
    }

    /// The carrier's SDP answer to [`Self::offer_trunk_leg`]: the leg starts carrying audio.
    pub async fn answer_trunk_leg(&self, leg: LegId, answer: String) -> Result<()> {
        let (reply, done) = oneshot::channel();
        self.send(Command::AnswerTrunkLeg { leg, answer, reply })?;
        done.await
            .map_err(|_| Error::Internal("the media bridge stopped".into()))?
    }

    /// Sends each leg's audio to the other.
    pub fn bridge(&self, a: LegId, b: LegId) -> Result<()> {
        self.send(Command::Bridge(a, b))
    }

    /// Takes a leg out of its pair (or conference): it hears nobody, and nobody hears it.
    pub fn unbridge(&self, leg: LegId) -> Result<()> {
        self.send(Command::Unbridge(leg))
    }

    /// Plays a prompt to a trunk leg; resolves when it has played to the end, or at once
    /// (with an error) when it was stopped or the leg is gone.
    pub async fn play(&self, leg: LegId, frames: Arc<[Arc<[u8]>]>) -> Result<()> {
        let (done, played) = oneshot::channel();
        self.send(Command::Play { leg, frames, done })?;
        played
            .await
            .map_err(|_| Error::Conflict("the prompt was stopped".into()))
    }

    pub fn stop_playing(&self, leg: LegId) -> Result<()> {
        self.send(Command::StopPlaying(leg))
    }

    /// Records what the caller on a trunk leg says into a WAV file at `path` (8 kHz mono)
    /// until [`Self::stop_recording`] or the leg's end.
    pub async fn record(&self, leg: LegId, path: std::path::PathBuf) -> Result<()> {
        let (reply, started) = oneshot::channel();
        self.send(Command::Record { leg, path, reply })?;
        started
            .await
            .map_err(|_| Error::Internal("the media bridge stopped".into()))?
    }

    pub fn stop_recording(&self, leg: LegId) -> Result<()> {
        self.send(Command::StopRecording(leg))
    }

    /// Keeps what the caller on a trunk leg says in `tap` (8 kHz, its first minutes), for
    /// speaker verification; until the leg ends.
    pub fn listen(&self, leg: LegId, tap: trunk::VoiceTap) -> Result<()> {
        self.send(Command::Listen(leg, tap))
    }

    /// Records the call between `customer` and `agent` (legs) as Opus in Ogg at `path`, the
    /// two sides mixed, until [`Self::end_recording`].
    pub async fn record_call(
        &self,
        call: i64,
        customer: LegId,
        agent: LegId,
        path: std::path::PathBuf,
    ) -> Result<()> {
        let (reply, started) = oneshot::channel();
        self.send(Command::RecordCall {
            call,
            legs: [Some(customer), Some(agent)],
            path,
            reply,
        })?;
        started
            .await
            .map_err(|_| Error::Internal("the media bridge stopped".into()))?
    }

    /// A new agent leg of a recorded call (the call was transferred).
    pub fn record_leg(&self, call: i64, leg: LegId) -> Result<()> {
        self.send(Command::RecordLeg {
            call,
            leg,
            side: recorder::AGENT,
        })
    }

    /// Joins `legs` in a conference (each hears the others); bridging or removing any of
    /// them ends it.
    pub fn conference(&self, legs: Vec<LegId>) -> Result<()> {
        self.send(Command::Conference(legs))
    }

    pub fn pause_recording(&self, call: i64, on: bool) -> Result<()> {
        self.send(Command::PauseRecording(call, on))
    }

    /// Finishes a call's recording; answers the seconds it holds.
    pub async fn end_recording(&self, call: i64) -> Result<f64> {
        let (reply, ended) = oneshot::channel();
        self.send(Command::EndRecording { call, reply })?;
        ended
            .await
            .map_err(|_| Error::Internal("the recording was not finished".into()))?
    }

    /// Puts a leg on hold (it hears music and is not heard) or takes it off.
    pub fn hold(&self, leg: LegId, on: bool) -> Result<()> {
        self.send(Command::Hold(leg, on))
    }

    pub fn remove(&self, leg: LegId) -> Result<()> {
        self.send(Command::Remove(leg))
    }

    fn send(&self, command: Command) -> Result<()> {
        self.commands
            .send(command)
            .map_err(|_| Error::Internal("the media bridge stopped".into()))?;
        self.waker
            .wake()
            .map_err(|e| Error::Internal(format!("the media bridge cannot be woken: {e}")))
    }
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for MediaBridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaBridge")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Drop for MediaBridge {
    fn drop(&mut self) {
        let _ = self.control.commands.send(Command::Shutdown);
        let _ = self.control.waker.wake();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The music a held party hears: Opus packets, 20 ms each, played in a loop.
fn hold_music() -> Result<Vec<Arc<[u8]>>> {
    encode_wav(include_bytes!("../resources/hold-music.wav"))
        .map(|frames| frames.to_vec())
        .map_err(|e| Error::Internal(format!("hold music: {e}")))
}

/// A WAV file (any rate, mono or stereo) as the Opus frames a leg is sent, 20 ms each.
pub fn encode_wav(wav: &[u8]) -> Result<Arc<[Arc<[u8]>]>> {
    let source = switchboard_voice::wav::Source::from_bytes(wav, false)
        .map_err(|e| Error::BadRequest(format!("WAV: {e}")))?;
    encode_pcm(source.samples())
}

/// 48 kHz mono samples as Opus frames, 20 ms each (a last partial frame is dropped).
pub fn encode_pcm(samples: &[i16]) -> Result<Arc<[Arc<[u8]>]>> {
    use switchboard_voice::{FRAME_SAMPLES, Frame, codec::Encoder};
    let failed = |e: switchboard_voice::Error| Error::Internal(format!("Opus: {e}"));
    let mut encoder = Encoder::new(24_000).map_err(failed)?;
    let mut frame: Frame = [0; FRAME_SAMPLES];
    samples
        .chunks_exact(FRAME_SAMPLES)
        .map(|chunk| {
            frame.copy_from_slice(chunk);
            encoder.encode(&frame).map(Arc::from).map_err(failed)
        })
        .collect::<Result<Vec<_>>>()
        .map(Arc::from)
}

const FRAME: Duration = Duration::from_millis(20);
const FRAME_TICKS: u64 = 960;

/// The RTP clock of what a leg is sent. Audio comes from the far leg, then from the music,
/// then from the far leg again: each source has its own timestamps, so the leg gets one
/// timeline of its own that advances with the source while it is continuous and with the
/// wall clock across a switch.
#[derive(Debug, Default)]
struct OutClock {
    /// Last timestamp sent and when.
    last: Option<(u64, Instant)>,
    /// The source timestamp behind it, while forwarding.
    source: Option<u64>,
}

impl OutClock {
    fn stamp(&mut self, source: Option<u64>, now: Instant) -> u64 {
        let time = match (self.last, self.source, source) {
            (None, _, _) => source.unwrap_or(0),
            // Same source, moving forward by less than a second: keep its spacing.
            (Some((last, _)), Some(before), Some(src)) if src > before && src - before < 48_000 => {
                last + (src - before)
            }
            (Some((last, at)), _, _) => {
                let frames = (now.saturating_duration_since(at).as_millis() / 20).max(1);
                last + frames as u64 * FRAME_TICKS
            }
        };
        self.last = Some((time, now));
        self.source = source;
        time
    }
}

struct Leg {
    rtc: Rtc,
    mid: Option<Mid>,
    peer: Option<LegId>,
    timeout: Instant,
    out: OutClock,
    /// On hold: the next music frame and when it is due.
    held: Option<(usize, Instant)>,
    /// RTP start of the last key press heard on this leg (each press arrives many times).
    last_key: Option<u64>,
    /// Key presses to send to this leg, and when the next may start: presses must not
    /// overlap, and network jitter can bring their first packets closer together.
    keys: VecDeque<TelephoneEvent>,
    next_key: Instant,
    /// Addresses this leg's ICE checks came from (authenticated by its ICE password).
    heard_from: Vec<SocketAddr>,
}

/// How many check sources a leg remembers (its candidates, a relay or two).
const MAX_HEARD_FROM: usize = 8;

impl Leg {
    fn opus_pt(&mut self) -> Option<(Mid, Pt)> {
        let mid = self.mid?;
        let writer = self.rtc.writer(mid)?;
        let pt = writer
            .payload_params()
            .find(|p| p.spec().codec == Codec::Opus)?
            .pt();
        Some((mid, pt))
    }
}

/// Media to hand to another leg.
enum Forward {
    /// Opus, with its rtp time at 48 kHz, for the leg's peer (if it has one: a leg in a
    /// conference has none).
    Audio(Option<LegId>, u64, Arc<[u8]>),
    Key(LegId, TelephoneEvent),
}

struct Worker {
    socket: mio::net::UdpSocket,
    poll: mio::Poll,
    addr: SocketAddr,
    /// Where agents outside a one-to-one NAT reach `addr`.
    public: Option<SocketAddr>,
    music: Vec<Arc<[u8]>>,
    legs: HashMap<LegId, Leg>,
    /// Legs to the phone network (they share the ids of `legs`).
    trunks: HashMap<LegId, TrunkLeg>,
    /// Legs to the phone network whose offer awaits the carrier's answer.
    offered: HashMap<LegId, mio::net::UdpSocket>,
    next_id: LegId,
    commands: mpsc::Receiver<Command>,
    events: async_mpsc::UnboundedSender<MediaEvent>,
    /// Legs of recorded calls: the call, and the leg's side.
    recorded: HashMap<LegId, (i64, usize)>,
    conferences: Vec<conference::Conference>,
    recordings: mpsc::Sender<recorder::Input>,
}

impl Worker {
    fn run(mut self) {
        let mut buf = vec![0u8; 2000];
        let mut events = mio::Events::with_capacity(256);
        loop {
            loop {
                match self.commands.try_recv() {
                    Ok(Command::Shutdown) | Err(mpsc::TryRecvError::Disconnected) => return,
                    Ok(command) => self.command(command),
                    Err(mpsc::TryRecvError::Empty) => break,
                }
            }
            let now = Instant::now();
            let due: Vec<LegId> = self
                .legs
                .iter()
                .filter(|(_, leg)| leg.timeout <= now)
                .map(|(id, _)| *id)
                .collect();
            for id in due {
                self.input(id, Input::Timeout(now));
            }
            self.play_music(now);
            self.mix_conferences(now);
            self.play_prompts(now);
            self.send_keys(now);
            // Commands are checked at least every 20 ms.
            let next = self
                .legs
                .values()
                .flat_map(|leg| {
                    let key = (!leg.keys.is_empty()).then_some(leg.next_key);
                    std::iter::once(leg.timeout)
                        .chain(leg.held.map(|(_, at)| at))
                        .chain(key)
                })
                .chain(
                    self.trunks
                        .values()
                        .filter_map(|t| t.held.map(|(_, at)| at)),
                )
                .chain(
                    self.trunks
                        .values()
                        .filter_map(|t| t.prompt.as_ref().map(|p| p.due)),
                )
                .chain(self.trunks.values().filter_map(TrunkLeg::key_due))
                .chain(self.conferences.iter().map(|c| c.next))
                .min()
                .unwrap_or(now + Duration::from_millis(20))
                .min(now + Duration::from_millis(20));
            let wait = next
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1));
            if let Err(error) = self.poll.poll(&mut events, Some(wait))
                && error.kind() != std::io::ErrorKind::Interrupted
            {
                tracing::error!(%error, "media poll failed");
                return;
            }
            let ready: Vec<mio::Token> = events.iter().map(|e| e.token()).collect();
            for token in ready {
                match token {
                    MAIN => loop {
                        match self.socket.recv_from(&mut buf) {
                            Ok((n, source)) => self.receive(&buf[..n], source),
                            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                            Err(error) => {
                                tracing::error!(%error, "media socket failed");
                                return;
                            }
                        }
                    },
                    WAKE => {}
                    mio::Token(token) => {
                        self.receive_trunk((token - FIRST_TRUNK) as LegId, &mut buf)
                    }
                }
            }
            self.trunk_timeouts(Instant::now());
        }
    }

    /// A datagram on the shared socket, for the WebRTC leg it belongs to.
    fn receive(&mut self, data: &[u8], source: SocketAddr) {
        let Ok(contents) = data.try_into() else {
            return;
        };
        let input = Input::Receive(
            Instant::now(),
            Receive {
                proto: Protocol::Udp,
                source,
                destination: self.addr,
                contents,
            },
        );
        // The leg whose ICE credentials or DTLS/SRTP session matches takes it.
        // Failing that, the leg whose checks came from there: a far end behind a
        // TURN relay starts DTLS before this side's own check through the relay
        // has come back, and a ClientHello dropped here costs a second of silence.
        // RFC 7983: a first byte of 0 to 3 is STUN.
        let is_stun = data.first().is_some_and(|b| *b < 4);
        let owner = self
            .legs
            .iter()
            .find(|(_, leg)| leg.rtc.accepts(&input))
            .or_else(|| {
                self.legs
                    .iter()
                    .find(|(_, leg)| !is_stun && leg.heard_from.contains(&source))
            })
            .map(|(id, _)| *id);
        if let Some(id) = owner {
            if let Some(leg) = self.legs.get_mut(&id)
                && is_stun
                && !leg.heard_from.contains(&source)
                && leg.heard_from.len() < MAX_HEARD_FROM
            {
                leg.heard_from.push(source);
            }
            self.input(id, input);
        }
    }

    /// Everything waiting on a trunk leg's socket.
    fn receive_trunk(&mut self, id: LegId, buf: &mut [u8]) {
        loop {
            let Some(trunk) = self.trunks.get_mut(&id) else {
                return;
            };
            let (n, source) = match trunk.socket.recv_from(buf) {
                Ok(received) => received,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return,
            };
            let heard = trunk.hear(&buf[..n], source);
            if !trunk.connected && !matches!(heard, Heard::Nothing) {
                trunk.connected = true;
                let _ = self.events.send(MediaEvent::Connected(id));
            }
            // A caller bridged to nobody presses keys for the call flow.
            if trunk.peer.is_none()
                && let Heard::Key(event) = &heard
                && let Some(key) = switchboard_voice::dtmf::key(event.event)
            {
                let _ = self.events.send(MediaEvent::Key { leg: id, key });
            }
            // Nothing passes to or from a held leg.
            let (peer, None) = (trunk.peer, trunk.held) else {
                continue;
            };
            match (heard, peer) {
                (Heard::Audio(_, opus), _) if self.in_conference(id, &opus) => {}
                (Heard::Audio(time, opus), Some(peer)) => {
                    self.send_audio(peer, Some(time), Arc::from(opus))
                }
                (Heard::Key(event), Some(peer)) => {
                    if let Some(leg) = self.legs.get_mut(&peer) {
                        leg.keys.push_back(event);
                    }
                }
                _ => {}
            }
        }
    }

    /// Trunk legs the carrier stopped sending to are over.
    fn trunk_timeouts(&mut self, now: Instant) {
        let silent: Vec<LegId> = self
            .trunks
            .iter()
            .filter(|(_, t)| now.saturating_duration_since(t.last_heard) > trunk::SILENT_FOR)
            .map(|(id, _)| *id)
            .collect();
        for id in silent {
            self.end(id, "the carrier stopped sending media".into());
        }
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::AddLeg { offer, reply } => {
                let _ = reply.send(self.add_leg(&offer));
            }
            Command::AddTrunkLeg { offer, reply } => {
                let _ = reply.send(self.add_trunk_leg(&offer));
            }
            Command::OfferTrunkLeg { reply } => {
                let _ = reply.send(self.offer_trunk_leg());
            }
            Command::AnswerTrunkLeg { leg, answer, reply } => {
                let _ = reply.send(self.answer_trunk_leg(leg, &answer));
            }
            Command::Bridge(a, b) => {
                self.dissolve(a);
                self.dissolve(b);
                for (id, peer) in [(a, b), (b, a)] {
                    if let Some(leg) = self.legs.get_mut(&id) {
                        leg.peer = Some(peer);
                    }
                    if let Some(trunk) = self.trunks.get_mut(&id) {
                        trunk.peer = Some(peer);
                    }
                }
            }
            Command::Unbridge(id) => {
                self.dissolve(id);
                let peer = match (self.legs.get_mut(&id), self.trunks.get_mut(&id)) {
                    (Some(leg), _) => leg.peer.take(),
                    (None, Some(trunk)) => trunk.peer.take(),
                    (None, None) => None,
                };
                if let Some(peer) = peer {
                    if let Some(leg) = self.legs.get_mut(&peer).filter(|l| l.peer == Some(id)) {
                        leg.peer = None;
                    }
                    if let Some(trunk) = self.trunks.get_mut(&peer).filter(|t| t.peer == Some(id)) {
                        trunk.peer = None;
                    }
                }
            }
            Command::Hold(id, on) => {
                let held = |held: Option<(usize, Instant)>| match (on, held) {
                    (true, None) => Some((0, Instant::now())),
                    (true, held) => held,
                    (false, _) => None,
                };
                if let Some(leg) = self.legs.get_mut(&id) {
                    leg.held = held(leg.held);
                }
                if let Some(trunk) = self.trunks.get_mut(&id) {
                    trunk.held = held(trunk.held);
                }
            }
            Command::Play { leg, frames, done } => {
                if let Some(trunk) = self.trunks.get_mut(&leg) {
                    // A prompt replaces the one playing (whose waiter learns it stopped).
                    trunk.prompt = Some(trunk::Prompt {
                        frames,
                        next: 0,
                        due: Instant::now(),
                        done: Some(done),
                    });
                }
            }
            Command::StopPlaying(leg) => {
                if let Some(trunk) = self.trunks.get_mut(&leg) {
                    trunk.prompt = None;
                }
            }
            Command::Record { leg, path, reply } => {
                let _ = reply.send(self.record(leg, &path));
            }
            Command::StopRecording(leg) => {
                if let Some(recording) = self.trunks.get_mut(&leg).and_then(|t| t.recording.take())
                    && let Err(error) = recording.finalize()
                {
                    tracing::warn!(%error, leg, "a recording could not be finished");
                }
            }
            Command::RecordCall {
                call,
                legs,
                path,
                reply,
            } => {
                for (side, leg) in legs.into_iter().enumerate() {
                    if let Some(leg) = leg {
                        self.recorded.insert(leg, (call, side));
                    }
                }
                let _ = self
                    .recordings
                    .send(recorder::Input::Start { call, path, reply });
            }
            Command::RecordLeg { call, leg, side } => {
                self.recorded.insert(leg, (call, side));
            }
            Command::Conference(legs) => {
                for leg in &legs {
                    self.dissolve(*leg);
                }
                if let Some(conference) = conference::Conference::new(&legs) {
                    self.conferences.push(conference);
                }
            }
            Command::PauseRecording(call, on) => {
                let _ = self.recordings.send(recorder::Input::Pause { call, on });
            }
            Command::EndRecording { call, reply } => {
                self.recorded.retain(|_, (recorded, _)| *recorded != call);
                let _ = self.recordings.send(recorder::Input::Stop {
                    call,
                    reply: Some(reply),
                });
            }
            Command::Listen(leg, tap) => {
                if let Some(trunk) = self.trunks.get_mut(&leg) {
                    trunk.listen(tap);
                }
            }
            Command::Remove(id) => self.end(id, "removed".into()),
            Command::Shutdown => {}
        }
    }

    fn add_leg(&mut self, offer: &str) -> Result<(LegId, String)> {
        let offer = SdpOffer::from_sdp_string(offer)
            .map_err(|e| Error::BadRequest(format!("bad SDP offer: {e}")))?;
        let mut rtc = switchboard_voice::rtc_config().build(Instant::now());
        let candidate = Candidate::host(self.addr, "udp")
            .map_err(|e| Error::Internal(format!("media candidate: {e}")))?;
        rtc.add_local_candidate(candidate);
        if let Some(public) = self.public {
            let candidate = Candidate::server_reflexive(public, self.addr, "udp")
                .map_err(|e| Error::Internal(format!("media candidate: {e}")))?;
            rtc.add_local_candidate(candidate);
        }
        let answer = rtc
            .sdp_api()
            .accept_offer(offer)
            .map_err(|e| Error::BadRequest(format!("SDP offer refused: {e}")))?;
        let id = self.next_id;
        self.next_id += 1;
        self.legs.insert(
            id,
            Leg {
                rtc,
                mid: None,
                peer: None,
                timeout: Instant::now(),
                out: OutClock::default(),
                held: None,
                last_key: None,
                keys: VecDeque::new(),
                next_key: Instant::now(),
                heard_from: Vec::new(),
            },
        );
        Ok((id, answer.to_sdp_string()))
    }

    /// A leg to the phone network, on a UDP port of its own next to the shared socket.
    fn add_trunk_leg(&mut self, offer: &str) -> Result<(LegId, String)> {
        let negotiated = trunk::read_offer(offer)?;
        let (id, socket, advertised) = self.trunk_socket()?;
        let answer = trunk::answer(&negotiated, advertised, id);
        self.trunks.insert(id, TrunkLeg::new(socket, negotiated)?);
        Ok((id, answer))
    }

    fn offer_trunk_leg(&mut self) -> Result<(LegId, String)> {
        let (id, socket, advertised) = self.trunk_socket()?;
        self.offered.insert(id, socket);
        Ok((id, trunk::offer(advertised, id)))
    }

    fn answer_trunk_leg(&mut self, id: LegId, answer: &str) -> Result<()> {
        let negotiated = trunk::read_answer(answer)?;
        let socket = self
            .offered
            .remove(&id)
            .ok_or_else(|| Error::Internal(format!("no offered trunk leg {id}")))?;
        self.trunks.insert(id, TrunkLeg::new(socket, negotiated)?);
        // What arrived before the answer (early media) waits in the socket.
        let mut buf = vec![0u8; 2000];
        self.receive_trunk(id, &mut buf);
        Ok(())
    }

    /// A UDP port of its own for a trunk leg, registered with the poll, and the address
    /// the carrier is told.
    fn trunk_socket(&mut self) -> Result<(LegId, mio::net::UdpSocket, SocketAddr)> {
        let bind = SocketAddr::new(self.addr.ip(), 0);
        let socket =
            UdpSocket::bind(bind).map_err(|e| Error::Internal(format!("trunk socket: {e}")))?;
        socket
            .set_nonblocking(true)
            .map_err(|e| Error::Internal(format!("trunk socket: {e}")))?;
        let local = socket
            .local_addr()
            .map_err(|e| Error::Internal(format!("trunk socket: {e}")))?;
        let mut socket = mio::net::UdpSocket::from_std(socket);
        let id = self.next_id;
        self.poll
            .registry()
            .register(
                &mut socket,
                mio::Token(FIRST_TRUNK + id as usize),
                mio::Interest::READABLE,
            )
            .map_err(|e| Error::Internal(format!("trunk socket: {e}")))?;
        self.next_id += 1;
        // Carriers are told the public address when the hub sits behind NAT.
        let advertised = match self.public {
            Some(public) => SocketAddr::new(public.ip(), local.port()),
            None => local,
        };
        Ok((id, socket, advertised))
    }

    /// Feeds one input to a leg, drains it, and forwards its audio to its peer.
    fn input(&mut self, id: LegId, input: Input<'_>) {
        let Some(leg) = self.legs.get_mut(&id) else {
            return;
        };
        if let Err(error) = leg.rtc.handle_input(input) {
            self.end(id, format!("media error: {error}"));
            return;
        }
        let mut forwards = Vec::new();
        if let Err(reason) = self.drain(id, &mut forwards) {
            self.end(id, reason);
            return;
        }
        for forward in forwards {
            match forward {
                Forward::Audio(_, _, data) if self.in_conference(id, &data) => {}
                Forward::Audio(Some(to), time, data) => self.send_audio(to, Some(time), data),
                Forward::Audio(None, ..) => {}
                Forward::Key(to, event) => {
                    if let Some(leg) = self.legs.get_mut(&to) {
                        leg.keys.push_back(event);
                    }
                    if let Some(trunk) = self.trunks.get_mut(&to) {
                        trunk.press(event);
                    }
                }
            }
        }
    }

    /// Writes one Opus frame to a leg (from its peer when `source` is set, else music).
    fn send_audio(&mut self, to: LegId, source: Option<u64>, data: Arc<[u8]>) {
        // What a recorded call's side hears is what the other side said.
        if source.is_some()
            && let Some((call, side)) = self.recorded.get(&to)
        {
            let _ = self.recordings.send(recorder::Input::Audio {
                call: *call,
                side: 1 - side,
                packet: data.clone(),
            });
        }
        if let Some(trunk) = self.trunks.get_mut(&to) {
            if source.is_none() || trunk.held.is_none() {
                trunk.say(&data);
            }
            return;
        }
        let Some(leg) = self
            .legs
            .get_mut(&to)
            .filter(|l| source.is_none() || l.held.is_none())
        else {
            return;
        };
        let Some((mid, pt)) = leg.opus_pt() else {
            return;
        };
        let now = Instant::now();
        let time = leg.out.stamp(source, now);
        let written = leg.rtc.writer(mid).map(|writer| {
            writer.write(
                pt,
                now,
                MediaTime::new(time, Frequency::FORTY_EIGHT_KHZ),
                data,
            )
        });
        if let Some(Err(error)) = written {
            tracing::debug!(%error, leg = to, "dropped a packet");
        }
        self.flush(to);
    }

    /// Legs with key presses waiting get the next one when the last has ended.
    fn send_keys(&mut self, now: Instant) {
        let due: Vec<(LegId, TelephoneEvent)> = self
            .legs
            .iter_mut()
            .filter(|(_, leg)| leg.next_key <= now)
            .filter_map(|(id, leg)| {
                let event = leg.keys.pop_front()?;
                leg.next_key = now + event.duration + switchboard_voice::dtmf::GAP;
                Some((*id, event))
            })
            .collect();
        for (id, event) in due {
            self.send_key(id, event);
        }
        for trunk in self.trunks.values_mut().filter(|t| t.held.is_none()) {
            trunk.send_keys(now);
        }
    }

    /// Passes a key press on; str0m sends its whole series of packets.
    fn send_key(&mut self, to: LegId, event: TelephoneEvent) {
        let Some(leg) = self.legs.get_mut(&to).filter(|l| l.held.is_none()) else {
            return;
        };
        let Some((mid, pt)) = leg.opus_pt() else {
            return;
        };
        let now = Instant::now();
        let time = leg.out.last.map_or(0, |(time, _)| time);
        let written = leg.rtc.writer(mid).map(|writer| {
            writer.telephone_event(event).write(
                pt,
                now,
                MediaTime::new(time, Frequency::FORTY_EIGHT_KHZ),
                &[][..],
            )
        });
        if let Some(Err(error)) = written {
            tracing::debug!(%error, leg = to, "dropped a key press");
        }
        self.flush(to);
    }

    fn flush(&mut self, id: LegId) {
        let mut nothing = Vec::new();
        if let Err(reason) = self.drain(id, &mut nothing) {
            self.end(id, reason);
        }
    }

    fn record(&mut self, leg: LegId, path: &std::path::Path) -> Result<()> {
        let trunk = self
            .trunks
            .get_mut(&leg)
            .ok_or_else(|| Error::Conflict("the caller is gone".into()))?;
        let writer = hound::WavWriter::create(path, trunk::recording_spec())
            .map_err(|e| Error::Internal(format!("recording {}: {e}", path.display())))?;
        trunk.start_recording(writer);
        Ok(())
    }

    /// Trunk legs playing a prompt get its next frame when due; at its end, the waiter is
    /// told.
    fn play_prompts(&mut self, now: Instant) {
        let mut due = Vec::new();
        for (id, trunk) in &mut self.trunks {
            let Some(prompt) = &mut trunk.prompt else {
                continue;
            };
            if prompt.due > now {
                continue;
            }
            match prompt.frames.get(prompt.next) {
                Some(frame) => {
                    due.push((*id, frame.clone()));
                    prompt.next += 1;
                    prompt.due = (prompt.due + FRAME).max(now);
                }
                None => {
                    if let Some(done) = prompt.done.take() {
                        let _ = done.send(());
                    }
                    trunk.prompt = None;
                }
            }
        }
        for (id, frame) in due {
            if let Some(trunk) = self.trunks.get_mut(&id) {
                trunk.say(&frame);
            }
        }
    }

    /// Held legs get their next frame of music when it is due.
    fn play_music(&mut self, now: Instant) {
        let tracks = self.music.len().max(1);
        // After a stall, carry on from now rather than in a burst.
        let advance = |id: &LegId, held: &mut Option<(usize, Instant)>| {
            let (frame, at) = (*held)?;
            if at > now {
                return None;
            }
            *held = Some(((frame + 1) % tracks, (at + FRAME).max(now)));
            Some((*id, frame))
        };
        let due: Vec<(LegId, usize)> = self
            .legs
            .iter_mut()
            .filter_map(|(id, leg)| advance(id, &mut leg.held))
            .chain(
                self.trunks
                    .iter_mut()
                    .filter_map(|(id, trunk)| advance(id, &mut trunk.held)),
            )
            .collect();
        for (id, frame) in due {
            if let Some(data) = self.music.get(frame) {
                self.send_audio(id, None, data.clone());
            }
        }
    }

    fn drain(&mut self, id: LegId, forwards: &mut Vec<Forward>) -> Result<(), String> {
        let Some(leg) = self.legs.get_mut(&id) else {
            return Ok(());
        };
        loop {
            match leg
                .rtc
                .poll_output()
                .map_err(|e| format!("media error: {e}"))?
            {
                Output::Timeout(at) => {
                    leg.timeout = at;
                    return Ok(());
                }
                Output::Transmit(transmit) => {
                    let _ = self
                        .socket
                        .send_to(&transmit.contents, transmit.destination);
                }
                Output::Event(event) => match event {
                    RtcEvent::Connected => {
                        let _ = self.events.send(MediaEvent::Connected(id));
                    }
                    RtcEvent::MediaAdded(added) => leg.mid = Some(added.mid),
                    // Nothing passes to or from a held leg.
                    RtcEvent::MediaData(data) if leg.held.is_none() => {
                        // A leg in a conference has no peer: its audio goes to the mix.
                        let peer = leg.peer;
                        let codec = data.params.spec().codec;
                        if codec == Codec::Opus {
                            let time = data.time.rebase(Frequency::FORTY_EIGHT_KHZ).numer();
                            forwards.push(Forward::Audio(peer, time, data.data));
                        } else if let CodecExtra::Tele(event) = data.codec_extra
                            && let Some(peer) = peer
                            && codec == Codec::Tele
                            && leg.last_key != Some(data.time.numer())
                        {
                            // Passed on at its first packet, as a whole press.
                            leg.last_key = Some(data.time.numer());
                            forwards.push(Forward::Key(
                                peer,
                                TelephoneEvent {
                                    end: true,
                                    duration: event.duration.max(switchboard_voice::dtmf::TONE),
                                    ..event
                                },
                            ));
                        }
                    }
                    RtcEvent::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                        return Err("the connection was lost".into());
                    }
                    _ => {}
                },
            }
        }
    }

    /// Hands a conference participant's audio to its conference; whether it was one.
    fn in_conference(&mut self, from: LegId, opus: &[u8]) -> bool {
        let Some(conference) = self.conferences.iter_mut().find(|c| c.has(from)) else {
            return false;
        };
        conference.hear(from, opus);
        // The customer's voice, for a recorded call.
        if let Some((call, recorder::CUSTOMER)) = self.recorded.get(&from).copied() {
            let _ = self.recordings.send(recorder::Input::Audio {
                call,
                side: recorder::CUSTOMER,
                packet: Arc::from(opus),
            });
        }
        true
    }

    /// Ends the conference `leg` is in (its legs are bridged anew by whoever asked).
    fn dissolve(&mut self, leg: LegId) {
        self.conferences.retain(|c| !c.has(leg));
    }

    /// Every conference due sends each participant the mix of the others.
    fn mix_conferences(&mut self, now: Instant) {
        let mut out = Vec::new();
        for conference in &mut self.conferences {
            if conference.next > now {
                continue;
            }
            // After a stall, carry on from now rather than in a burst.
            conference.next = (conference.next + FRAME).max(now);
            out.extend(conference.mix());
        }
        for (leg, packet) in out {
            let packet: Arc<[u8]> = Arc::from(packet);
            // What the customer hears is the agents' side of a recorded call.
            if let Some((call, recorder::CUSTOMER)) = self.recorded.get(&leg).copied() {
                let _ = self.recordings.send(recorder::Input::Audio {
                    call,
                    side: recorder::AGENT,
                    packet: packet.clone(),
                });
            }
            self.send_audio(leg, None, packet);
        }
    }

    fn end(&mut self, id: LegId, reason: String) {
        self.recorded.remove(&id);
        self.dissolve(id);
        let peer = if let Some(mut leg) = self.legs.remove(&id) {
            leg.rtc.disconnect();
            leg.peer
        } else if let Some(mut trunk) = self.trunks.remove(&id) {
            let _ = self.poll.registry().deregister(&mut trunk.socket);
            trunk.peer
        } else if let Some(mut socket) = self.offered.remove(&id) {
            let _ = self.poll.registry().deregister(&mut socket);
            None
        } else {
            return;
        };
        // The peer loses its peer, unless it was bridged elsewhere since (a consulting
        // agent leaves a colleague who now talks with the customer).
        if let Some(peer) = peer {
            if let Some(leg) = self.legs.get_mut(&peer).filter(|l| l.peer == Some(id)) {
                leg.peer = None;
            }
            if let Some(trunk) = self.trunks.get_mut(&peer).filter(|t| t.peer == Some(id)) {
                trunk.peer = None;
            }
        }
        let _ = self.events.send(MediaEvent::Ended { leg: id, reason });
    }
}
