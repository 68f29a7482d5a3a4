//! The media bridge: every call leg terminates here, on one UDP socket shared by all legs
//! (str0m is sans-IO, so one thread demultiplexes packets to the leg that accepts them).
//! Two bridged legs exchange Opus untouched — no decode, no re-encode — and dial-pad keys
//! (RFC 4733). A held leg hears music instead (encoded once at start) and is not heard.
//! [`Control`] is what the rest of the hub holds; the thread itself is in `worker.rs`.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;

use str0m::Candidate;
use tokio::sync::{mpsc as async_mpsc, oneshot};

use crate::{Error, Result};

mod conference;
mod playback;
pub mod recorder;
pub mod sdp;
pub mod trunk;
mod worker;
pub use trunk::{Negotiated, read_answer, read_offer};
use worker::{Command, MAIN, WAKE, Worker};

pub type LegId = u64;

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
        let worker = Worker::new(
            socket,
            poll,
            addr,
            public,
            hold_music()?,
            command_rx,
            events,
        );
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
