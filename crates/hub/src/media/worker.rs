//! The media thread: polls the shared WebRTC socket and the trunk legs' sockets, takes the
//! hub's commands, forwards audio and keys between bridged legs.

use std::collections::{HashMap, VecDeque};
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use str0m::change::SdpOffer;
use str0m::format::{Codec, CodecExtra};
use str0m::media::{Frequency, Mid, Pt, TelephoneEvent};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event as RtcEvent, IceConnectionState, Input, Output, Rtc};
use tokio::sync::{mpsc as async_mpsc, oneshot};

use super::trunk::{self, Heard, TrunkLeg};
use super::{LegId, MediaEvent, conference, recorder};
use crate::{Error, Result};

/// Poll tokens: the shared WebRTC socket, the command waker, then one per trunk leg.
pub(super) const MAIN: mio::Token = mio::Token(0);
pub(super) const WAKE: mio::Token = mio::Token(1);
const FIRST_TRUNK: usize = 2;

pub(super) enum Command {
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

pub(super) const FRAME: Duration = Duration::from_millis(20);
pub(super) const FRAME_TICKS: u64 = 960;

/// The RTP clock of what a leg is sent. Audio comes from the far leg, then from the music,
/// then from the far leg again: each source has its own timestamps, so the leg gets one
/// timeline of its own that advances with the source while it is continuous and with the
/// wall clock across a switch.
#[derive(Debug, Default)]
pub(super) struct OutClock {
    /// Last timestamp sent and when.
    pub(super) last: Option<(u64, Instant)>,
    /// The source timestamp behind it, while forwarding.
    pub(super) source: Option<u64>,
}

impl OutClock {
    pub(super) fn stamp(&mut self, source: Option<u64>, now: Instant) -> u64 {
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

pub(super) struct Leg {
    pub(super) rtc: Rtc,
    pub(super) mid: Option<Mid>,
    pub(super) peer: Option<LegId>,
    pub(super) timeout: Instant,
    pub(super) out: OutClock,
    /// On hold: the next music frame and when it is due.
    pub(super) held: Option<(usize, Instant)>,
    /// RTP start of the last key press heard on this leg (each press arrives many times).
    pub(super) last_key: Option<u64>,
    /// Key presses to send to this leg, and when the next may start: presses must not
    /// overlap, and network jitter can bring their first packets closer together.
    pub(super) keys: VecDeque<TelephoneEvent>,
    pub(super) next_key: Instant,
    /// Addresses this leg's ICE checks came from (authenticated by its ICE password).
    pub(super) heard_from: Vec<SocketAddr>,
}

/// How many check sources a leg remembers (its candidates, a relay or two).
const MAX_HEARD_FROM: usize = 8;

impl Leg {
    pub(super) fn opus_pt(&mut self) -> Option<(Mid, Pt)> {
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
pub(super) enum Forward {
    /// Opus, with its rtp time at 48 kHz, for the leg's peer (if it has one: a leg in a
    /// conference has none).
    Audio(Option<LegId>, u64, Arc<[u8]>),
    Key(LegId, TelephoneEvent),
}

pub(super) struct Worker {
    pub(super) socket: mio::net::UdpSocket,
    pub(super) poll: mio::Poll,
    pub(super) addr: SocketAddr,
    /// Where agents outside a one-to-one NAT reach `addr`.
    pub(super) public: Option<SocketAddr>,
    pub(super) music: Vec<Arc<[u8]>>,
    pub(super) legs: HashMap<LegId, Leg>,
    /// Legs to the phone network (they share the ids of `legs`).
    pub(super) trunks: HashMap<LegId, TrunkLeg>,
    /// Legs to the phone network whose offer awaits the carrier's answer.
    pub(super) offered: HashMap<LegId, mio::net::UdpSocket>,
    pub(super) next_id: LegId,
    pub(super) commands: mpsc::Receiver<Command>,
    pub(super) events: async_mpsc::UnboundedSender<MediaEvent>,
    /// Legs of recorded calls: the call, and the leg's side.
    pub(super) recorded: HashMap<LegId, (i64, usize)>,
    pub(super) conferences: Vec<conference::Conference>,
    pub(super) recordings: mpsc::Sender<recorder::Input>,
}

impl Worker {
    pub(super) fn new(
        socket: mio::net::UdpSocket,
        poll: mio::Poll,
        addr: SocketAddr,
        public: Option<SocketAddr>,
        music: Vec<Arc<[u8]>>,
        commands: mpsc::Receiver<Command>,
        events: async_mpsc::UnboundedSender<MediaEvent>,
    ) -> Self {
        Self {
            socket,
            poll,
            addr,
            public,
            music,
            legs: HashMap::new(),
            trunks: HashMap::new(),
            offered: HashMap::new(),
            next_id: 1,
            commands,
            events,
            recorded: HashMap::new(),
            recordings: recorder::start(),
            conferences: Vec::new(),
        }
    }

    pub(super) fn run(mut self) {
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
    pub(super) fn receive(&mut self, data: &[u8], source: SocketAddr) {
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
    pub(super) fn receive_trunk(&mut self, id: LegId, buf: &mut [u8]) {
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
    pub(super) fn trunk_timeouts(&mut self, now: Instant) {
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

    pub(super) fn command(&mut self, command: Command) {
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

    pub(super) fn add_leg(&mut self, offer: &str) -> Result<(LegId, String)> {
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
    pub(super) fn add_trunk_leg(&mut self, offer: &str) -> Result<(LegId, String)> {
        let negotiated = trunk::read_offer(offer)?;
        let (id, socket, advertised) = self.trunk_socket()?;
        let answer = trunk::answer(&negotiated, advertised, id);
        self.trunks.insert(id, TrunkLeg::new(socket, negotiated)?);
        Ok((id, answer))
    }

    pub(super) fn offer_trunk_leg(&mut self) -> Result<(LegId, String)> {
        let (id, socket, advertised) = self.trunk_socket()?;
        self.offered.insert(id, socket);
        Ok((id, trunk::offer(advertised, id)))
    }

    pub(super) fn answer_trunk_leg(&mut self, id: LegId, answer: &str) -> Result<()> {
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
    pub(super) fn trunk_socket(&mut self) -> Result<(LegId, mio::net::UdpSocket, SocketAddr)> {
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
    pub(super) fn input(&mut self, id: LegId, input: Input<'_>) {
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

    pub(super) fn drain(&mut self, id: LegId, forwards: &mut Vec<Forward>) -> Result<(), String> {
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

    pub(super) fn end(&mut self, id: LegId, reason: String) {
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
