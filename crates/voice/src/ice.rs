//! Where a leg can be reached, beyond its own address: the public address a STUN server sees
//! (server-reflexive) and an address on a TURN server that relays for it (relayed), gathered
//! on the leg's socket before the offer is made. The servers come from the hub, written the
//! way WebRTC writes them (`stun:host:port`, `turn:host:port?transport=tcp`), so browsers and
//! desktops of an account share one list.
//!
//! STUN and TURN are spoken with `turn-client-proto`, which is sans-IO like str0m: this module
//! owns the sockets and the clock, the crate owns the protocol.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

use turn_client_proto::api::{TurnClientApi, TurnConfig, TurnEvent, TurnPollRet, TurnRecvRet};
use turn_client_proto::client::TurnClient;
use turn_client_proto::stun::agent::Transmit;
use turn_client_proto::stun::types::TransportType;
use turn_client_proto::stun::types::attribute::XorMappedAddress;
use turn_client_proto::stun::types::message::{
    BINDING, Message, MessageWrite, MessageWriteExt, MessageWriteVec,
};
use turn_client_proto::tcp::TurnClientTcp;
use turn_client_proto::types::TurnCredentials;
use turn_client_proto::udp::TurnClientUdp;

use crate::{Error, Result};

/// One STUN or TURN server, as WebRTC's `RTCIceServer` writes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Server {
    pub urls: Vec<String>,
    pub username: Option<String>,
    pub credential: Option<String>,
}

/// Which candidates a leg offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Its own address, what STUN saw, and a TURN relay: the best path wins.
    #[default]
    All,
    /// Only a TURN relay: media never goes straight between the agent and the hub (a
    /// firewall allows nothing else, or the agent's address must not be disclosed).
    Relay,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub servers: Vec<Server>,
    pub policy: Policy,
    /// How long gathering may delay a call when a server does not answer.
    pub timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            servers: Vec::new(),
            policy: Policy::All,
            timeout: Duration::from_secs(2),
        }
    }
}

/// How a TURN server is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

/// A server URL, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Url {
    Stun {
        host: String,
        port: u16,
    },
    Turn {
        host: String,
        port: u16,
        transport: Transport,
    },
}

impl Url {
    /// Reads `stun:host[:port]` or `turn:host[:port][?transport=udp|tcp]` (RFC 7064, 7065).
    pub fn parse(url: &str) -> Result<Self> {
        let bad = |why: &str| Error::Invalid(format!("ICE server {url:?}: {why}"));
        let (scheme, rest) = url
            .split_once(':')
            .ok_or_else(|| bad("expected stun:host or turn:host"))?;
        let (address, query) = match rest.split_once('?') {
            Some((address, query)) => (address, Some(query)),
            None => (rest, None),
        };
        let scheme = scheme.to_ascii_lowercase();
        match scheme.as_str() {
            "stun" | "turn" => {}
            "stuns" | "turns" => {
                return Err(bad(
                    "STUN and TURN over TLS are not supported; use turn:host:port?transport=tcp",
                ));
            }
            _ => return Err(bad("the scheme must be stun: or turn:")),
        }
        let (host, port) = split_host_port(address).ok_or_else(|| bad("bad host or port"))?;
        match scheme.as_str() {
            "stun" => {
                if query.is_some() {
                    return Err(bad("a stun: URL takes no query"));
                }
                Ok(Url::Stun {
                    host,
                    port: port.unwrap_or(3478),
                })
            }
            "turn" => {
                let transport = match query.map(str::to_ascii_lowercase).as_deref() {
                    None | Some("transport=udp") => Transport::Udp,
                    Some("transport=tcp") => Transport::Tcp,
                    Some(_) => return Err(bad("transport must be udp or tcp")),
                };
                Ok(Url::Turn {
                    host,
                    port: port.unwrap_or(3478),
                    transport,
                })
            }
            _ => Err(bad("the scheme must be stun: or turn:")),
        }
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`.
fn split_host_port(address: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(rest) = address.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        (host, port)
    } else {
        match address.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, Some(port)),
            Some(_) => return None,
            None => (address, None),
        }
    };
    if host.is_empty() || host.contains(['/', '@', ' ']) {
        return None;
    }
    let port = match port {
        Some(port) => Some(port.parse::<u16>().ok().filter(|p| *p != 0)?),
        None => None,
    };
    Some((host.to_string(), port))
}

/// Checks every URL of `servers` (the hub does this when it loads its configuration).
pub fn validate(servers: &[Server]) -> Result<()> {
    for server in servers {
        if server.urls.is_empty() {
            return Err(Error::Invalid("an ICE server has no URLs".into()));
        }
        for url in &server.urls {
            if let Url::Turn { .. } = Url::parse(url)?
                && (server.username.is_none() || server.credential.is_none())
            {
                return Err(Error::Invalid(format!(
                    "TURN server {url:?} needs a username and a credential"
                )));
            }
        }
    }
    Ok(())
}

/// What gathering found on a leg's socket.
pub struct Gathered {
    /// Public addresses STUN servers saw.
    pub reflexive: Vec<SocketAddr>,
    /// The relay the leg may send through, if any TURN server granted one.
    pub relay: Option<Relay>,
    /// Why servers gave nothing, for the error a relay-only leg reports.
    pub failures: Vec<String>,
}

/// Asks every configured server at once, on `socket`, until each answered or `timeout`.
pub fn gather(socket: &UdpSocket, config: &Config) -> Result<Gathered> {
    let local = socket
        .local_addr()
        .map_err(|e| Error::Invalid(format!("socket: {e}")))?;
    let epoch = Instant::now();
    let deadline = epoch + config.timeout;
    let mut failures = Vec::new();
    let mut stuns = Vec::new();
    let mut turns = Vec::new();
    for server in &config.servers {
        for text in &server.urls {
            let url = match Url::parse(text) {
                Ok(url) => url,
                Err(error) => {
                    failures.push(error.to_string());
                    continue;
                }
            };
            match url {
                Url::Stun { host, port } if config.policy == Policy::All => {
                    match resolve(&host, port, local) {
                        Ok(server) => stuns.push(StunProbe::new(server)),
                        Err(why) => failures.push(format!("{text}: {why}")),
                    }
                }
                Url::Stun { .. } => {}
                Url::Turn {
                    host,
                    port,
                    transport,
                } => {
                    let credentials = TurnCredentials::new(
                        server.username.as_deref().unwrap_or_default(),
                        server.credential.as_deref().unwrap_or_default(),
                    );
                    let started = resolve(&host, port, local).and_then(|address| {
                        TurnProbe::start(
                            text,
                            address,
                            transport,
                            local,
                            credentials,
                            epoch,
                            deadline,
                        )
                    });
                    match started {
                        Ok(probe) => turns.push(probe),
                        Err(why) => failures.push(format!("{text}: {why}")),
                    }
                }
            }
        }
    }

    let mut buf = vec![0u8; 2048];
    loop {
        let now = Instant::now();
        for probe in stuns.iter_mut().filter(|p| p.mapped.is_none()) {
            probe.resend(socket, now);
        }
        for probe in turns.iter_mut().filter(|p| p.state == TurnState::Pending) {
            probe.progress(socket, now);
        }
        let settled = stuns.iter().all(|p| p.mapped.is_some())
            && turns.iter().all(|p| p.state != TurnState::Pending);
        if settled || now >= deadline {
            break;
        }
        let wait = deadline
            .saturating_duration_since(now)
            .clamp(Duration::from_millis(1), Duration::from_millis(5));
        socket
            .set_read_timeout(Some(wait))
            .map_err(|e| Error::Invalid(format!("socket: {e}")))?;
        match socket.recv_from(&mut buf) {
            Ok((n, source)) => {
                let data = &buf[..n];
                let now = Instant::now();
                if let Some(probe) = stuns.iter_mut().find(|p| p.server == source) {
                    probe.receive(data);
                } else if let Some(probe) = turns
                    .iter_mut()
                    .find(|p| p.relay.server == source && p.relay.is_udp())
                {
                    probe.heard = true;
                    probe.relay.receive(data, now, |_, _| {});
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(Error::Invalid(format!("socket: {e}"))),
        }
        let now = Instant::now();
        for probe in turns.iter_mut().filter(|p| !p.relay.is_udp()) {
            if probe.relay.read_tcp(now, |_, _| {}) {
                probe.heard = true;
            }
        }
    }

    let mut reflexive = Vec::new();
    for probe in stuns {
        match probe.mapped {
            Some(address) => reflexive.push(address),
            None => failures.push(format!("STUN server {} did not answer", probe.server)),
        }
    }
    let mut relay = None;
    for mut probe in turns {
        match probe.state {
            TurnState::Allocated if relay.is_none() => relay = Some(probe.relay),
            // One relay is enough; free the others at once.
            TurnState::Allocated => probe.relay.release(socket),
            _ if probe.heard => failures.push(format!(
                "TURN server {} refused a relay (check its username and credential)",
                probe.url
            )),
            _ => failures.push(format!("TURN server {} did not answer", probe.url)),
        }
    }
    for failure in &failures {
        tracing::warn!(%failure, "ICE server");
    }
    Ok(Gathered {
        reflexive,
        relay,
        failures,
    })
}

/// The server's address in the socket's family.
fn resolve(host: &str, port: u16, local: SocketAddr) -> Result<SocketAddr, String> {
    (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .find(|a| a.is_ipv4() == local.is_ipv4())
        .ok_or_else(|| format!("{host} has no address the media socket can reach"))
}

/// One STUN Binding request, resent with back-off until answered.
struct StunProbe {
    server: SocketAddr,
    request: Vec<u8>,
    transaction: turn_client_proto::stun::types::message::TransactionId,
    next: Instant,
    interval: Duration,
    mapped: Option<SocketAddr>,
}

impl StunProbe {
    fn new(server: SocketAddr) -> Self {
        let request = Message::builder_request(BINDING, MessageWriteVec::new());
        let transaction = request.transaction_id();
        Self {
            server,
            request: request.finish(),
            transaction,
            next: Instant::now(),
            interval: Duration::from_millis(250),
            mapped: None,
        }
    }

    fn resend(&mut self, socket: &UdpSocket, now: Instant) {
        if now >= self.next {
            let _ = socket.send_to(&self.request, self.server);
            self.next = now + self.interval;
            self.interval = (self.interval * 2).min(Duration::from_secs(1));
        }
    }

    fn receive(&mut self, data: &[u8]) {
        let Ok(message) = Message::from_bytes(data) else {
            return;
        };
        if message.transaction_id() != self.transaction || !message.is_response() {
            return;
        }
        if let Ok(mapped) = message.attribute::<XorMappedAddress>() {
            self.mapped = Some(mapped.addr(self.transaction));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TurnState {
    Pending,
    Allocated,
    Failed,
}

struct TurnProbe {
    url: String,
    relay: Relay,
    state: TurnState,
    /// Whether the server said anything (a refusal, not silence).
    heard: bool,
}

impl TurnProbe {
    fn start(
        url: &str,
        server: SocketAddr,
        transport: Transport,
        local: SocketAddr,
        credentials: TurnCredentials,
        epoch: Instant,
        deadline: Instant,
    ) -> Result<Self, String> {
        let config = TurnConfig::new(credentials);
        let (client, stream) = match transport {
            Transport::Udp => (TurnClientUdp::allocate(local, server, config).into(), None),
            Transport::Tcp => {
                let wait = deadline
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1));
                let stream = TcpStream::connect_timeout(&server, wait)
                    .map_err(|e| format!("cannot connect: {e}"))?;
                let _ = stream.set_nodelay(true);
                stream
                    .set_nonblocking(true)
                    .map_err(|e| format!("socket: {e}"))?;
                let local = stream.local_addr().map_err(|e| format!("socket: {e}"))?;
                (
                    TurnClientTcp::allocate(local, server, config).into(),
                    Some(stream),
                )
            }
        };
        Ok(Self {
            url: url.to_string(),
            relay: Relay {
                epoch,
                client,
                stream,
                server,
                relayed: None,
                lost: false,
                unread: Vec::new(),
                waiting: Vec::new(),
            },
            state: TurnState::Pending,
            heard: false,
        })
    }

    fn progress(&mut self, socket: &UdpSocket, now: Instant) {
        self.relay.poll(socket, now);
        if self.relay.lost {
            self.state = TurnState::Failed;
        } else if self.relay.relayed.is_some() {
            self.state = TurnState::Allocated;
        }
    }
}

/// A relay on a TURN server, kept alive (refreshes, permissions, channels) while a leg uses
/// it. Packets str0m sends from the relayed address go through it; what the server relays
/// back comes out as if it had arrived at that address.
pub struct Relay {
    epoch: Instant,
    client: TurnClient,
    /// The connection to the server, when TURN runs over TCP.
    stream: Option<TcpStream>,
    server: SocketAddr,
    relayed: Option<SocketAddr>,
    lost: bool,
    /// What came over a TCP connection to the server and is not a whole message yet.
    unread: Vec<u8>,
    /// Packets for peers the server has not granted a permission for yet.
    waiting: Vec<(SocketAddr, Vec<u8>)>,
}

/// How many packets may wait for a permission (ICE checks, the first DTLS flight).
const MAX_WAITING: usize = 32;

impl Relay {
    fn at(&self, now: Instant) -> turn_client_proto::stun::Instant {
        let nanos = now.saturating_duration_since(self.epoch).as_nanos();
        turn_client_proto::stun::Instant::from_nanos(i64::try_from(nanos).unwrap_or(i64::MAX))
    }

    fn to_std(&self, at: turn_client_proto::stun::Instant) -> Instant {
        self.epoch + Duration::from_nanos(u64::try_from(at.as_nanos()).unwrap_or(0))
    }

    /// The address the TURN server relays for this leg.
    pub fn relayed(&self) -> Option<SocketAddr> {
        self.relayed
    }

    pub(crate) fn is_udp(&self) -> bool {
        self.stream.is_none()
    }

    /// Whether a datagram on the leg's socket came from this relay's server.
    pub(crate) fn is_server(&self, source: SocketAddr) -> bool {
        self.is_udp() && source == self.server
    }

    fn local(&self) -> SocketAddr {
        self.client.local_addr()
    }

    /// Hands what the server sent to the client; relayed data goes to `deliver(peer, data)`.
    pub(crate) fn receive(
        &mut self,
        data: &[u8],
        now: Instant,
        mut deliver: impl FnMut(SocketAddr, &[u8]),
    ) {
        let at = self.at(now);
        let transmit = Transmit {
            data,
            transport: if self.is_udp() {
                TransportType::Udp
            } else {
                TransportType::Tcp
            },
            from: self.server,
            to: self.local(),
        };
        let received = self.client.recv(transmit, at);
        match received {
            TurnRecvRet::PeerData(peer) => deliver(peer.peer, peer.data()),
            TurnRecvRet::Handled | TurnRecvRet::Ignored(_) | TurnRecvRet::PeerIcmp { .. } => {}
        }
        // Over TCP, one read may carry several messages.
        loop {
            let more = self.client.poll_recv(at);
            let Some(peer) = more else { break };
            deliver(peer.peer, peer.data());
        }
    }

    /// Reads what a TCP connection to the server has, without waiting; false for UDP or
    /// when nothing came.
    pub(crate) fn read_tcp(
        &mut self,
        now: Instant,
        mut deliver: impl FnMut(SocketAddr, &[u8]),
    ) -> bool {
        let mut buf = [0u8; 4096];
        let mut heard = false;
        loop {
            let Some(stream) = &mut self.stream else {
                return false;
            };
            match stream.read(&mut buf) {
                Ok(0) => {
                    self.lost = true;
                    break;
                }
                Ok(n) => {
                    heard = true;
                    self.unread.extend_from_slice(&buf[..n]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => {
                    self.lost = true;
                    break;
                }
            }
        }
        if self.unread.first().is_some_and(|b| b >> 6 > 1) {
            // Neither STUN nor ChannelData: the stream is out of step, nothing after is sure.
            self.unread.clear();
            self.lost = true;
        }
        // One whole message at a time, without its padding: the crate neither strips the
        // padding of ChannelData over a stream nor adds it.
        while let Some((length, framed)) = frame(&self.unread) {
            let message = self.unread[..length].to_vec();
            self.unread.drain(..framed);
            self.receive(&message, now, &mut deliver);
        }
        heard
    }

    /// Sends `data` to `peer` through the relay. Until the server has granted a channel to
    /// the peer, the packet waits (a few of them at most) and the channel is asked for.
    pub(crate) fn send(&mut self, socket: &UdpSocket, peer: SocketAddr, data: &[u8], now: Instant) {
        let at = self.at(now);
        match self.wrap(peer, data, at) {
            Ok(Some(wrapped)) => self.transmit(socket, &wrapped),
            Ok(None) => {}
            Err(()) => {
                if self.waiting.len() < MAX_WAITING {
                    self.waiting.push((peer, data.to_vec()));
                }
                let bound = self.client.bind_channel(TransportType::Udp, peer, at);
                if bound.is_ok() {
                    self.poll(socket, now);
                }
            }
        }
    }

    /// `data` for `peer` as the server takes it; `Err` while there is no permission yet.
    fn wrap(
        &mut self,
        peer: SocketAddr,
        data: &[u8],
        at: turn_client_proto::stun::Instant,
    ) -> Result<Option<Vec<u8>>, ()> {
        self.client
            .send_to(TransportType::Udp, peer, data, at)
            .map(|t| t.map(|t| t.build().data))
            .map_err(|_| ())
    }

    /// Sends the packets that waited for a permission the server has now granted.
    fn send_waiting(&mut self, socket: &UdpSocket, at: turn_client_proto::stun::Instant) {
        for (peer, data) in std::mem::take(&mut self.waiting) {
            match self.wrap(peer, &data, at) {
                Ok(Some(wrapped)) => self.transmit(socket, &wrapped),
                Ok(None) => {}
                Err(()) => self.waiting.push((peer, data)),
            }
        }
    }

    fn transmit(&mut self, socket: &UdpSocket, data: &[u8]) {
        match &mut self.stream {
            None => {
                let _ = socket.send_to(data, self.server);
            }
            Some(stream) => {
                // Over a stream, ChannelData is padded to a multiple of four bytes (RFC 8656
                // §12.5), which the crate leaves to us; STUN messages always are. Message and
                // padding go in one write: coturn misreads a ChannelData split across reads.
                let is_channel = data.first().is_some_and(|b| b & 0xc0 == 0x40);
                let written = if is_channel && !data.len().is_multiple_of(4) {
                    let mut padded = data.to_vec();
                    padded.resize(data.len().next_multiple_of(4), 0);
                    write_all(stream, &padded)
                } else {
                    write_all(stream, data)
                };
                if written.is_err() {
                    self.lost = true;
                }
            }
        }
    }

    /// Lets the client send what is due (allocation, refreshes, permissions, channels);
    /// returns when it next needs a turn, or `None` once the relay is gone.
    pub(crate) fn poll(&mut self, socket: &UdpSocket, now: Instant) -> Option<Instant> {
        let at = self.at(now);
        let mut wake = None;
        let mut granted = false;
        loop {
            let polled = self.client.poll(at);
            match polled {
                TurnPollRet::WaitUntil(until) => {
                    wake = Some(self.to_std(until));
                    break;
                }
                TurnPollRet::Closed => {
                    self.lost = true;
                    break;
                }
                // Only UDP allocations are asked for: no TCP sockets to open or close.
                TurnPollRet::AllocateTcpSocket { .. } | TurnPollRet::TcpClose { .. } => {}
            }
        }
        self.flush(socket, at);
        loop {
            match self.client.poll_event() {
                Some(TurnEvent::AllocationCreated(_, address)) => self.relayed = Some(address),
                Some(TurnEvent::PermissionCreated(..) | TurnEvent::ChannelCreated(..)) => {
                    granted = true;
                }
                Some(TurnEvent::AllocationCreateFailed(_)) => self.lost = true,
                Some(TurnEvent::ChannelCreateFailed(_, peer)) => {
                    tracing::warn!(%peer, "the TURN server refused a channel");
                }
                Some(_) => {}
                None => break,
            }
        }
        if granted && !self.waiting.is_empty() {
            self.send_waiting(socket, at);
        }
        if self.lost { None } else { wake }
    }

    /// Frees the allocation on the server (best effort: a lost packet lets it expire).
    pub(crate) fn release(&mut self, socket: &UdpSocket) {
        let now = Instant::now();
        let at = self.at(now);
        if self.client.delete(at).is_ok() {
            self.flush(socket, at);
        }
    }

    /// Sends every message the client has ready.
    fn flush(&mut self, socket: &UdpSocket, at: turn_client_proto::stun::Instant) {
        while let Some(transmit) = self.client.poll_transmit(at) {
            self.transmit(socket, &transmit.data);
        }
    }
}

/// The length of the first message of a TURN stream, and how many bytes it takes there with
/// its padding; `None` until all of it has arrived.
fn frame(buf: &[u8]) -> Option<(usize, usize)> {
    let header = buf.get(..4)?;
    let declared = usize::from(u16::from_be_bytes([header[2], header[3]]));
    let length = match header[0] >> 6 {
        // STUN: a 20-byte header, then attributes that are always padded.
        0 => 20 + declared,
        // ChannelData: a 4-byte header, then data padded to four bytes on a stream.
        _ => 4 + declared,
    };
    let framed = length.next_multiple_of(4);
    (buf.len() >= framed).then_some((length, framed))
}

/// Writes all of `data` to a non-blocking stream, waiting briefly when its buffer is full.
fn write_all(stream: &mut TcpStream, mut data: &[u8]) -> std::io::Result<()> {
    let give_up = Instant::now() + Duration::from_millis(200);
    while !data.is_empty() {
        match stream.write(data) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && Instant::now() < give_up => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_the_webrtc_way() {
        assert_eq!(
            Url::parse("stun:stun.example.com").unwrap(),
            Url::Stun {
                host: "stun.example.com".into(),
                port: 3478
            }
        );
        assert_eq!(
            Url::parse("turn:10.0.0.5:443?transport=tcp").unwrap(),
            Url::Turn {
                host: "10.0.0.5".into(),
                port: 443,
                transport: Transport::Tcp
            }
        );
        assert_eq!(
            Url::parse("TURN:[::1]:5349").unwrap(),
            Url::Turn {
                host: "::1".into(),
                port: 5349,
                transport: Transport::Udp
            }
        );
        for bad in [
            "stun.example.com",
            "http://example.com",
            "turn:host:99999",
            "turn:host:0",
            "turn::3478",
            "turn:host?transport=sctp",
            "stun:host?transport=udp",
            "turn:user@host",
            "turns:host:5349",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn a_turn_server_without_credentials_is_refused() {
        let server = Server {
            urls: vec!["turn:turn.example.com".into()],
            ..Server::default()
        };
        let error = validate(&[server]).unwrap_err();
        assert!(error.to_string().contains("username"), "{error}");
        let stun = Server {
            urls: vec!["stun:stun.example.com:19302".into()],
            ..Server::default()
        };
        validate(&[stun]).unwrap();
    }
}
