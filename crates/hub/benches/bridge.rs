//! Concurrent calls through the media bridge with G.711 ↔ Opus transcoding, until audio
//! breaks up. Each call here is two phone-network legs bridged to each other (PCMU in, Opus
//! across the bridge, PCMU out): every leg transcodes both ways, as the leg of a customer
//! bridged to an agent does. A load generator on 127.0.0.1 plays each caller (a PCMU packet
//! every 20 ms) and checks what comes back: a leg breaks up when it gets less than 97 % of
//! its packets or waits more than 100 ms between two.
//!
//! Prints, per step: calls, transcoding legs, the worst delivery and gap, CPU used (of the
//! machine's cores), against the target: ≥ 200 concurrent transcoded calls (200 legs, each
//! a customer bridged to an agent) on this 2-core machine.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use switchboard_hub::media::MediaBridge;

const WARM_UP: Duration = Duration::from_secs(2);
const MEASURE: Duration = Duration::from_secs(8);
const FRAME: Duration = Duration::from_millis(20);

/// One caller: its socket and what it got back.
struct Caller {
    socket: UdpSocket,
    leg: SocketAddr,
    seq: u16,
    timestamp: u32,
    received: u32,
    last: Option<Instant>,
    worst_gap: Duration,
}

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime, fields 14 and 15 of stat (11 and 12 after the command).
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("media bridge: two-leg PCMU calls, each leg transcoding both ways; {cores} cores");
    println!("calls  legs  worst delivery  worst gap  CPU (of {cores} cores)  verdict");
    // One 20 ms tone, as PCMU.
    let payload: Vec<u8> = (0..160)
        .map(|i| {
            let sample = (8000.0
                * (2.0 * std::f64::consts::PI * 440.0 * f64::from(i) / 8000.0).sin())
                as i16;
            switchboard_voice::g711::Law::Mu.encode(sample)
        })
        .collect();
    let mut best = 0;
    for calls in [50, 100, 110, 120, 130, 140, 150, 175, 200] {
        let (events, _media_events) = tokio::sync::mpsc::unbounded_channel();
        let bridge =
            MediaBridge::start("127.0.0.1:0".parse().expect("address"), events).expect("bridge");
        let mut callers = Vec::new();
        for _ in 0..calls {
            let mut legs = Vec::new();
            for _ in 0..2 {
                let socket = UdpSocket::bind("127.0.0.1:0").expect("socket");
                socket.set_nonblocking(true).expect("nonblocking");
                let port = socket.local_addr().expect("addr").port();
                let offer = format!(
                    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
                     m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                );
                let (leg, answer) = rt.block_on(bridge.add_trunk_leg(offer)).expect("leg");
                let leg_port: u16 = answer
                    .lines()
                    .find_map(|l| l.strip_prefix("m=audio "))
                    .and_then(|l| l.split(' ').next())
                    .and_then(|p| p.parse().ok())
                    .expect("answer port");
                legs.push(leg);
                callers.push(Caller {
                    socket,
                    leg: SocketAddr::from(([127, 0, 0, 1], leg_port)),
                    seq: 0,
                    timestamp: 0,
                    received: 0,
                    last: None,
                    worst_gap: Duration::ZERO,
                });
            }
            bridge.bridge(legs[0], legs[1]).expect("bridge");
        }
        let start = Instant::now();
        let mut next = start;
        let mut measuring = false;
        let mut cpu_at_start = 0.0;
        let mut buf = [0u8; 1500];
        let mut sent = 0u32;
        loop {
            let now = Instant::now();
            if !measuring && now >= start + WARM_UP {
                measuring = true;
                cpu_at_start = cpu_seconds();
                sent = 0;
                for caller in &mut callers {
                    caller.received = 0;
                    caller.last = None;
                    caller.worst_gap = Duration::ZERO;
                }
            }
            if now >= start + WARM_UP + MEASURE {
                break;
            }
            if now >= next {
                for caller in &mut callers {
                    let mut packet = vec![0x80, 0x00];
                    packet.extend_from_slice(&caller.seq.to_be_bytes());
                    packet.extend_from_slice(&caller.timestamp.to_be_bytes());
                    packet.extend_from_slice(&0x1234_5678u32.to_be_bytes());
                    packet.extend_from_slice(&payload);
                    let _ = caller.socket.send_to(&packet, caller.leg);
                    caller.seq = caller.seq.wrapping_add(1);
                    caller.timestamp = caller.timestamp.wrapping_add(160);
                }
                sent += 1;
                next += FRAME;
            }
            for caller in &mut callers {
                while let Ok((n, _)) = caller.socket.recv_from(&mut buf) {
                    if n > 12 && measuring {
                        let at = Instant::now();
                        if let Some(last) = caller.last {
                            caller.worst_gap = caller.worst_gap.max(at - last);
                        }
                        caller.last = Some(at);
                        caller.received += 1;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let cpu = (cpu_seconds() - cpu_at_start) / MEASURE.as_secs_f64() / cores as f64 * 100.0;
        let worst_delivery = callers
            .iter()
            .map(|c| f64::from(c.received) / f64::from(sent.max(1)))
            .fold(f64::MAX, f64::min);
        let worst_gap = callers
            .iter()
            .map(|c| c.worst_gap)
            .max()
            .unwrap_or_default();
        let clean = worst_delivery >= 0.97 && worst_gap <= Duration::from_millis(100);
        println!(
            "{calls:>5}  {legs:>4}  {delivery:>13.1}%  {gap:>7} ms  {cpu:>15.0}%  {verdict}",
            legs = calls * 2,
            delivery = worst_delivery * 100.0,
            gap = worst_gap.as_millis(),
            verdict = if clean { "clean" } else { "breaks up" },
        );
        drop(bridge);
        if !clean {
            break;
        }
        best = calls * 2;
    }
    println!(
        "most transcoding legs without breaking up: {best} (a customer bridged to an agent is one); target ≥ 200"
    );
}
