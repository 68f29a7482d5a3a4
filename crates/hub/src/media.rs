//! The media bridge: every call leg terminates here, on one UDP socket shared by all legs
//! (str0m is sans-IO, so one thread demultiplexes packets to the leg that accepts them).
//! Two bridged legs exchange Opus untouched — no decode, no re-encode.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use str0m::change::SdpOffer;
use str0m::format::Codec;
use str0m::media::{Frequency, MediaTime, Mid, Pt};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event as RtcEvent, IceConnectionState, Input, Output, Rtc};
use tokio::sync::{mpsc as async_mpsc, oneshot};

use crate::{Error, Result};

pub type LegId = u64;

/// What the bridge reports to the call engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaEvent {
    Connected(LegId),
    Ended { leg: LegId, reason: String },
}

enum Command {
    AddLeg {
        offer: String,
        reply: oneshot::Sender<Result<(LegId, String)>>,
    },
    Bridge(LegId, LegId),
    Remove(LegId),
    Shutdown,
}

/// A running bridge; dropping it stops the media thread.
pub struct MediaBridge {
    addr: SocketAddr,
    commands: mpsc::Sender<Command>,
    thread: Option<JoinHandle<()>>,
}

impl MediaBridge {
    /// Binds the media socket on `bind` (a concrete address: it is what agents are told to
    /// send to) and starts the media thread.
    pub fn start(
        bind: SocketAddr,
        events: async_mpsc::UnboundedSender<MediaEvent>,
    ) -> Result<Self> {
        static CRYPTO: std::sync::Once = std::sync::Once::new();
        CRYPTO.call_once(|| str0m::crypto::from_feature_flags().install_process_default());
        let socket =
            UdpSocket::bind(bind).map_err(|e| Error::Internal(format!("media socket: {e}")))?;
        let addr = socket
            .local_addr()
            .map_err(|e| Error::Internal(format!("media socket: {e}")))?;
        let (commands, command_rx) = mpsc::channel();
        let worker = Worker {
            socket,
            addr,
            legs: HashMap::new(),
            next_id: 1,
            commands: command_rx,
            events,
        };
        let thread = std::thread::Builder::new()
            .name("media-bridge".into())
            .spawn(move || worker.run())
            .map_err(|e| Error::Internal(format!("media thread: {e}")))?;
        Ok(Self {
            addr,
            commands,
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Terminates a new leg: accepts the endpoint's SDP offer, answers with ours.
    pub async fn add_leg(&self, offer: String) -> Result<(LegId, String)> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::AddLeg { offer, reply })?;
        answer
            .await
            .map_err(|_| Error::Internal("the media bridge stopped".into()))?
    }

    /// Sends each leg's audio to the other.
    pub fn bridge(&self, a: LegId, b: LegId) -> Result<()> {
        self.send(Command::Bridge(a, b))
    }

    pub fn remove(&self, leg: LegId) -> Result<()> {
        self.send(Command::Remove(leg))
    }

    fn send(&self, command: Command) -> Result<()> {
        self.commands
            .send(command)
            .map_err(|_| Error::Internal("the media bridge stopped".into()))
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
        let _ = self.commands.send(Command::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Leg {
    rtc: Rtc,
    mid: Option<Mid>,
    peer: Option<LegId>,
    timeout: Instant,
}

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

/// Audio to hand to another leg: (to, rtp time at 48 kHz, payload).
type Forward = (LegId, u64, std::sync::Arc<[u8]>);

struct Worker {
    socket: UdpSocket,
    addr: SocketAddr,
    legs: HashMap<LegId, Leg>,
    next_id: LegId,
    commands: mpsc::Receiver<Command>,
    events: async_mpsc::UnboundedSender<MediaEvent>,
}

impl Worker {
    fn run(mut self) {
        let mut buf = vec![0u8; 2000];
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
            // Commands are checked at least every 20 ms.
            let next = self
                .legs
                .values()
                .map(|leg| leg.timeout)
                .min()
                .unwrap_or(now + Duration::from_millis(20))
                .min(now + Duration::from_millis(20));
            let wait = next
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1));
            if self.socket.set_read_timeout(Some(wait)).is_err() {
                return;
            }
            buf.resize(2000, 0);
            match self.socket.recv_from(&mut buf) {
                Ok((n, source)) => {
                    buf.truncate(n);
                    let Ok(contents) = buf.as_slice().try_into() else {
                        continue;
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
                    let owner = self
                        .legs
                        .iter()
                        .find(|(_, leg)| leg.rtc.accepts(&input))
                        .map(|(id, _)| *id);
                    if let Some(id) = owner {
                        self.input(id, input);
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(error) => {
                    tracing::error!(%error, "media socket failed");
                    return;
                }
            }
        }
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::AddLeg { offer, reply } => {
                let _ = reply.send(self.add_leg(&offer));
            }
            Command::Bridge(a, b) => {
                if let Some(leg) = self.legs.get_mut(&a) {
                    leg.peer = Some(b);
                }
                if let Some(leg) = self.legs.get_mut(&b) {
                    leg.peer = Some(a);
                }
            }
            Command::Remove(id) => self.end(id, "removed".into()),
            Command::Shutdown => {}
        }
    }

    fn add_leg(&mut self, offer: &str) -> Result<(LegId, String)> {
        let offer = SdpOffer::from_sdp_string(offer)
            .map_err(|e| Error::BadRequest(format!("bad SDP offer: {e}")))?;
        let mut rtc = Rtc::new(Instant::now());
        let candidate = Candidate::host(self.addr, "udp")
            .map_err(|e| Error::Internal(format!("media candidate: {e}")))?;
        rtc.add_local_candidate(candidate);
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
            },
        );
        Ok((id, answer.to_sdp_string()))
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
        for (to, rtp_time, data) in forwards {
            let Some(peer) = self.legs.get_mut(&to) else {
                continue;
            };
            let Some((mid, pt)) = peer.opus_pt() else {
                continue;
            };
            let written = peer.rtc.writer(mid).map(|writer| {
                writer.write(
                    pt,
                    Instant::now(),
                    MediaTime::new(rtp_time, Frequency::FORTY_EIGHT_KHZ),
                    data,
                )
            });
            if let Some(Err(error)) = written {
                tracing::debug!(%error, leg = to, "dropped a forwarded packet");
            }
            let mut nothing = Vec::new();
            if let Err(reason) = self.drain(to, &mut nothing) {
                self.end(to, reason);
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
                    RtcEvent::MediaData(data) => {
                        if let Some(peer) = leg.peer {
                            let time = data.time.rebase(Frequency::FORTY_EIGHT_KHZ).numer();
                            forwards.push((peer, time, data.data));
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

    fn end(&mut self, id: LegId, reason: String) {
        if let Some(mut leg) = self.legs.remove(&id) {
            leg.rtc.disconnect();
            if let Some(peer) = leg.peer.and_then(|p| self.legs.get_mut(&p)) {
                peer.peer = None;
            }
            let _ = self.events.send(MediaEvent::Ended { leg: id, reason });
        }
    }
}
