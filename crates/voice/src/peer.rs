//! One WebRTC audio leg (str0m, sans-IO) on a thread of its own: its UDP socket, Opus in
//! 20 ms frames from a capture device, the jitter buffer and decoder into a playback device.
//! The caller talks to it through a [`Handle`] and hears back [`Event`]s on a channel.

use std::collections::VecDeque;
use std::net::{SocketAddr, UdpSocket};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::format::{Codec, CodecExtra};
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid, TelephoneEvent};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event as RtcEvent, IceConnectionState, Input, Output, Rtc};

use crate::codec::{Decoder, Encoder};
use crate::dtmf;
use crate::ice::{self, Relay};
use crate::jitter::{JitterBuffer, Playout};
use crate::{Error, FRAME_MS, FRAME_SAMPLES, Frame, Result};

/// Where the leg's microphone audio comes from (a device, a WAV file, a tone).
pub trait Capture: Send {
    fn read(&mut self, frame: &mut Frame);
}

/// Where the leg's received audio goes.
pub trait Playback: Send {
    fn write(&mut self, frame: &Frame);
}

impl Capture for crate::wav::Source {
    fn read(&mut self, frame: &mut Frame) {
        crate::wav::Source::read(self, frame);
    }
}

/// A leg before media flows: its socket, its TURN relay if it has one, and the negotiated
/// (or pending) session.
pub struct Setup {
    rtc: Rtc,
    socket: UdpSocket,
    relay: Option<Relay>,
    mid: Option<Mid>,
    pending: Option<SdpPendingOffer>,
}

fn install_crypto() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| str0m::crypto::from_feature_flags().install_process_default());
}

/// Binds the leg's socket and gathers its candidates: its own address and what STUN saw
/// (unless only a relay may be used), and a TURN relay when a server grants one.
fn bind(address: SocketAddr, config: &ice::Config) -> Result<(Rtc, UdpSocket, Option<Relay>)> {
    install_crypto();
    let socket = UdpSocket::bind(address).map_err(|e| Error::Invalid(format!("bind: {e}")))?;
    let local = socket
        .local_addr()
        .map_err(|e| Error::Invalid(format!("socket: {e}")))?;
    let mut rtc = crate::rtc_config().build(Instant::now());
    let candidate_error = |e: str0m::error::IceError| Error::Invalid(format!("candidate: {e}"));
    let gathered = if config.servers.is_empty() {
        None
    } else {
        Some(ice::gather(&socket, config)?)
    };
    if config.policy == ice::Policy::All {
        rtc.add_local_candidate(Candidate::host(local, "udp").map_err(candidate_error)?);
        for reflexive in gathered.iter().flat_map(|g| &g.reflexive) {
            if *reflexive != local {
                let candidate = Candidate::server_reflexive(*reflexive, local, "udp")
                    .map_err(candidate_error)?;
                rtc.add_local_candidate(candidate);
            }
        }
    }
    let (relay, failures) = match gathered {
        Some(gathered) => (gathered.relay, gathered.failures),
        None => (None, Vec::new()),
    };
    match relay.as_ref().and_then(Relay::relayed) {
        Some(relayed) => {
            let candidate = Candidate::relayed(relayed, local, "udp").map_err(candidate_error)?;
            rtc.add_local_candidate(candidate);
        }
        None if config.policy == ice::Policy::Relay => {
            let why = if failures.is_empty() {
                "no TURN server is configured".to_string()
            } else {
                failures.join("; ")
            };
            return Err(Error::NoRelay(why));
        }
        None => {}
    }
    Ok((rtc, socket, relay))
}

impl Setup {
    /// The offering side, with no STUN or TURN server: returns the setup and the SDP offer.
    pub fn offer(address: SocketAddr) -> Result<(Self, String)> {
        Self::offer_with(address, &ice::Config::default())
    }

    /// The offering side, reachable as `ice` allows: returns the setup and the SDP offer.
    pub fn offer_with(address: SocketAddr, ice: &ice::Config) -> Result<(Self, String)> {
        let (mut rtc, socket, relay) = bind(address, ice)?;
        let mut change = rtc.sdp_api();
        let mid = change.add_media(MediaKind::Audio, Direction::SendRecv, None, None, None);
        let (offer, pending) = change
            .apply()
            .ok_or_else(|| Error::Invalid("nothing to offer".into()))?;
        Ok((
            Self {
                rtc,
                socket,
                relay,
                mid: Some(mid),
                pending: Some(pending),
            },
            offer.to_sdp_string(),
        ))
    }

    /// The answering side, with no STUN or TURN server: accepts `offer`, returns the setup
    /// and the SDP answer.
    pub fn answer(address: SocketAddr, offer: &str) -> Result<(Self, String)> {
        Self::answer_with(address, &ice::Config::default(), offer)
    }

    /// The answering side, reachable as `ice` allows.
    pub fn answer_with(
        address: SocketAddr,
        ice: &ice::Config,
        offer: &str,
    ) -> Result<(Self, String)> {
        let (mut rtc, socket, relay) = bind(address, ice)?;
        let offer = SdpOffer::from_sdp_string(offer)
            .map_err(|e| Error::Invalid(format!("bad SDP offer: {e}")))?;
        let answer = rtc
            .sdp_api()
            .accept_offer(offer)
            .map_err(|e| Error::Invalid(format!("offer refused: {e}")))?;
        Ok((
            Self {
                rtc,
                socket,
                relay,
                mid: None,
                pending: None,
            },
            answer.to_sdp_string(),
        ))
    }

    /// The offering side applies the far end's answer.
    pub fn accept_answer(&mut self, answer: &str) -> Result<()> {
        let pending = self
            .pending
            .take()
            .ok_or_else(|| Error::Invalid("no offer is waiting for an answer".into()))?;
        let answer = SdpAnswer::from_sdp_string(answer)
            .map_err(|e| Error::Invalid(format!("bad SDP answer: {e}")))?;
        self.rtc
            .sdp_api()
            .accept_answer(pending, answer)
            .map_err(|e| Error::Invalid(format!("answer refused: {e}")))
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.socket.local_addr().ok()
    }

    /// Starts media on a thread of its own.
    pub fn start(
        self,
        capture: Box<dyn Capture>,
        playback: Box<dyn Playback>,
    ) -> Result<(Handle, mpsc::Receiver<Event>)> {
        let (commands, command_rx) = mpsc::channel();
        let (event_tx, events) = mpsc::channel();
        let leg = Leg {
            local: self
                .socket
                .local_addr()
                .map_err(|e| Error::Invalid(format!("socket: {e}")))?,
            rtc: self.rtc,
            socket: self.socket,
            relay: self.relay,
            mid: self.mid,
            encoder: Encoder::new(32_000)?,
            decoder: Decoder::new()?,
            jitter: JitterBuffer::new(2, 10),
            capture,
            playback,
            muted: false,
            keys: VecDeque::new(),
            next_key: Instant::now(),
            heard_keys: dtmf::Receiver::default(),
            sent_frames: 0,
            started: Instant::now(),
            events: event_tx,
            commands: command_rx,
            ended: None,
        };
        let thread = std::thread::Builder::new()
            .name("voice-leg".into())
            .spawn(move || leg.run())
            .map_err(|e| Error::Invalid(format!("thread: {e}")))?;
        Ok((
            Handle {
                commands,
                thread: Some(thread),
            },
            events,
        ))
    }
}

/// What the leg reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// ICE and DTLS are up: media flows.
    Connected,
    /// Loss seen in the last second, in percent (drives the far end's FEC).
    Loss(u8),
    /// The far end pressed a dial-pad key (RFC 4733).
    Dtmf(char),
    /// The leg stopped: hung up, or the far end vanished.
    Ended { reason: String },
}

enum Command {
    Mute(bool),
    Dtmf(TelephoneEvent),
    Hangup,
}

/// Controls a running leg; dropping it hangs up.
pub struct Handle {
    commands: mpsc::Sender<Command>,
    thread: Option<JoinHandle<()>>,
}

impl Handle {
    pub fn set_muted(&self, muted: bool) {
        let _ = self.commands.send(Command::Mute(muted));
    }

    /// Sends a dial-pad key as an RFC 4733 telephone event. Keys pressed faster than the
    /// far end can tell apart are queued and go out in order.
    pub fn send_dtmf(&self, key: char) -> Result<()> {
        let event = dtmf::press(key)
            .ok_or_else(|| Error::Invalid(format!("{key:?} is not a dial-pad key")))?;
        let _ = self.commands.send(Command::Dtmf(event));
        Ok(())
    }

    pub fn hang_up(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.commands.send(Command::Hangup);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A far end silent for this long is gone.
const DEAD_AFTER: Duration = Duration::from_secs(10);

struct Leg {
    rtc: Rtc,
    socket: UdpSocket,
    /// The socket's own address, where str0m is told every direct packet arrived.
    local: SocketAddr,
    relay: Option<Relay>,
    mid: Option<Mid>,
    encoder: Encoder,
    decoder: Decoder,
    jitter: JitterBuffer,
    capture: Box<dyn Capture>,
    playback: Box<dyn Playback>,
    muted: bool,
    /// Key presses waiting to be sent, and when the next may start.
    keys: VecDeque<TelephoneEvent>,
    next_key: Instant,
    heard_keys: dtmf::Receiver,
    sent_frames: u64,
    started: Instant,
    events: mpsc::Sender<Event>,
    commands: mpsc::Receiver<Command>,
    /// Set when str0m reports the connection gone.
    ended: Option<String>,
}

impl Leg {
    fn run(mut self) {
        let reason = match self.drive() {
            Ok(reason) => reason,
            Err(error) => error.to_string(),
        };
        self.rtc.disconnect();
        if let Some(relay) = &mut self.relay {
            relay.release(&self.socket);
        }
        let _ = self.events.send(Event::Ended { reason });
    }

    fn drive(&mut self) -> Result<String> {
        let mut buf = vec![0u8; 2000];
        let mut connected = false;
        let mut next_frame = Instant::now();
        let mut last_heard = Instant::now();
        let mut next_report = Instant::now() + Duration::from_secs(1);
        let mut frame: Frame = [0; FRAME_SAMPLES];
        loop {
            let timeout = self.drain(&mut connected, &mut last_heard)?;
            if let Some(reason) = self.ended.take() {
                return Ok(reason);
            }
            loop {
                match self.commands.try_recv() {
                    Ok(Command::Mute(muted)) => self.muted = muted,
                    Ok(Command::Dtmf(event)) => self.keys.push_back(event),
                    Ok(Command::Hangup) => return Ok("hung up".into()),
                    Err(mpsc::TryRecvError::Empty) => break,
                    Err(mpsc::TryRecvError::Disconnected) => return Ok("hung up".into()),
                }
            }
            let now = Instant::now();
            if connected && now >= next_frame {
                self.tick(&mut frame, now)?;
                next_frame += Duration::from_millis(u64::from(FRAME_MS));
                // After a stall, do not try to catch up with a burst.
                if next_frame < now {
                    next_frame = now + Duration::from_millis(u64::from(FRAME_MS));
                }
                if now >= next_report {
                    let loss = self.jitter.take_loss_percent();
                    self.encoder.set_expected_loss(loss)?;
                    let _ = self.events.send(Event::Loss(loss));
                    next_report = now + Duration::from_secs(1);
                }
                continue;
            }
            if now.duration_since(last_heard) > DEAD_AFTER {
                return Ok("the far end stopped answering".into());
            }
            let mut wake = if connected {
                timeout.min(next_frame)
            } else {
                timeout
            };
            // Commands (hang up, mute, keys) are looked at every frame even while nothing
            // arrives and str0m has nothing due; a relay over TCP is read between datagrams.
            let mut longest = Duration::from_millis(u64::from(FRAME_MS));
            if let Some(relay) = &mut self.relay {
                match relay.poll(&self.socket, now) {
                    Some(due) => wake = wake.min(due),
                    None => {
                        tracing::warn!("the TURN relay was lost");
                        self.relay = None;
                    }
                }
            }
            if let Some(relay) = self.relay.as_mut().filter(|r| !r.is_udp()) {
                longest = Duration::from_millis(5);
                let relayed = relay.relayed().unwrap_or(self.local);
                let rtc = &mut self.rtc;
                let mut failed = None;
                let heard = relay.read_tcp(Instant::now(), |peer, data| {
                    if let Err(error) = feed(rtc, peer, relayed, data) {
                        failed.get_or_insert(error);
                    }
                });
                if heard {
                    last_heard = Instant::now();
                }
                if let Some(error) = failed {
                    return Err(error);
                }
            }
            let wait = wake
                .saturating_duration_since(Instant::now())
                .clamp(Duration::from_millis(1), longest);
            self.socket
                .set_read_timeout(Some(wait))
                .map_err(|e| Error::Invalid(format!("socket: {e}")))?;
            buf.resize(2000, 0);
            match self.socket.recv_from(&mut buf) {
                Ok((n, source)) => {
                    last_heard = Instant::now();
                    let (destination, data) = (self.local, &buf[..n]);
                    match &mut self.relay {
                        Some(relay) if relay.is_server(source) => {
                            let relayed = relay.relayed().unwrap_or(destination);
                            let rtc = &mut self.rtc;
                            let mut failed = None;
                            relay.receive(data, Instant::now(), |peer, data| {
                                if let Err(error) = feed(rtc, peer, relayed, data) {
                                    failed.get_or_insert(error);
                                }
                            });
                            if let Some(error) = failed {
                                return Err(error);
                            }
                        }
                        _ => feed(&mut self.rtc, source, destination, data)?,
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    self.rtc
                        .handle_input(Input::Timeout(Instant::now()))
                        .map_err(|e| Error::Invalid(format!("rtc: {e}")))?;
                }
                Err(e) => return Err(Error::Invalid(format!("socket: {e}"))),
            }
        }
    }

    /// One 20 ms step: capture, encode, send; take from the jitter buffer, decode, play.
    fn tick(&mut self, frame: &mut Frame, now: Instant) -> Result<()> {
        self.capture.read(frame);
        if self.muted {
            frame.fill(0);
        }
        let opus = self.mid.and_then(|mid| {
            let writer = self.rtc.writer(mid)?;
            let pt = writer
                .payload_params()
                .find(|p| p.spec().codec == Codec::Opus)?
                .pt();
            Some((mid, pt))
        });
        if let Some((mid, pt)) = opus {
            let packet = self.encoder.encode(frame)?.to_vec();
            let rtp_time = MediaTime::new(
                self.sent_frames * FRAME_SAMPLES as u64,
                Frequency::FORTY_EIGHT_KHZ,
            );
            // A key press rides along with this frame's write; str0m sends its packets.
            let key = if now >= self.next_key {
                self.keys.pop_front()
            } else {
                None
            };
            if let Some(writer) = self.rtc.writer(mid) {
                let writer = match key {
                    Some(event) => {
                        self.next_key = now + event.duration + dtmf::GAP;
                        writer.telephone_event(event)
                    }
                    None => writer,
                };
                if let Err(error) = writer.write(pt, now, rtp_time, packet) {
                    // The audio is queued before the event is checked: only the key is lost
                    // (the far end did not agree on telephone events).
                    if key.is_none() {
                        return Err(Error::Invalid(format!("rtc write: {error}")));
                    }
                    tracing::warn!(%error, "a dial-pad key could not be sent");
                }
            }
            self.sent_frames += 1;
        }
        match self.jitter.pop() {
            Playout::Packet(packet) => self.decoder.decode(&packet, frame)?,
            Playout::Recover(next) => self.decoder.recover(&next, frame)?,
            Playout::Conceal => self.decoder.conceal(frame)?,
            Playout::Silence => frame.fill(0),
        }
        self.playback.write(frame);
        Ok(())
    }
}

impl Leg {
    /// Drains str0m's output until its next timeout.
    fn drain(&mut self, connected: &mut bool, last_heard: &mut Instant) -> Result<Instant> {
        loop {
            match self
                .rtc
                .poll_output()
                .map_err(|e| Error::Invalid(format!("rtc: {e}")))?
            {
                Output::Timeout(at) => return Ok(at),
                Output::Transmit(transmit) => match &mut self.relay {
                    Some(relay) if relay.relayed() == Some(transmit.source) => {
                        relay.send(
                            &self.socket,
                            transmit.destination,
                            &transmit.contents,
                            Instant::now(),
                        );
                    }
                    _ => {
                        let _ = self
                            .socket
                            .send_to(&transmit.contents, transmit.destination);
                    }
                },
                Output::Event(event) => match event {
                    RtcEvent::Connected => {
                        *connected = true;
                        *last_heard = Instant::now();
                        let _ = self.events.send(Event::Connected);
                    }
                    RtcEvent::MediaAdded(added) => self.mid = Some(added.mid),
                    RtcEvent::MediaData(data) if data.params.spec().codec == Codec::Tele => {
                        if let CodecExtra::Tele(event) = &data.codec_extra
                            && let Some(key) = self.heard_keys.on_event(data.time.numer(), event)
                        {
                            let _ = self.events.send(Event::Dtmf(key));
                        }
                    }
                    RtcEvent::MediaData(data) if data.params.spec().codec == Codec::Opus => {
                        let timestamp = data.time.rebase(Frequency::FORTY_EIGHT_KHZ).numer();
                        let arrival =
                            data.network_time.duration_since(self.started).as_secs_f64() * 1000.0;
                        self.jitter.push(
                            (timestamp / FRAME_SAMPLES as u64) as u16,
                            timestamp as u32,
                            data.data.to_vec(),
                            arrival,
                        );
                    }
                    RtcEvent::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                        self.ended = Some("the connection was lost".into());
                    }
                    _ => {}
                },
            }
        }
    }
}

/// Hands a received packet to str0m; one it cannot read (not STUN, DTLS or RTP) is dropped.
fn feed(rtc: &mut Rtc, source: SocketAddr, destination: SocketAddr, data: &[u8]) -> Result<()> {
    let Ok(contents) = data.try_into() else {
        return Ok(());
    };
    let input = Input::Receive(
        Instant::now(),
        Receive {
            proto: Protocol::Udp,
            source,
            destination,
            contents,
        },
    );
    rtc.handle_input(input)
        .map_err(|e| Error::Invalid(format!("rtc: {e}")))
}
