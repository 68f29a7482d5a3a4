//! Call benchmarks against a running hub, with the desktop's own media engine (str0m + Opus,
//! the same `peer` the workspace uses). Run by `bench/calls.sh`, which starts the hub and the
//! desktop and reads the figures this prints.
//!
//!   callbench latency HUB EMAIL_A EMAIL_B
//!       A calls B; A's "microphone" clicks every 500 ms; prints the time from the frame
//!       holding a click leaving A's capture to the click reaching B's playback
//!       (packetisation, Opus both ways, the hub's bridge, B's jitter buffer).
//!   callbench load HUB SECONDS EMAIL_A EMAIL_B [EMAIL_A EMAIL_B …]
//!       one call per pair, tones both ways; prints "live" once all are connected, keeps
//!       them SECONDS, prints "done".
//!   callbench dial HUB EMAIL TO_EMAIL SECONDS
//!       calls TO_EMAIL (a desktop with auto-answer), prints "live" once the desktop's audio
//!       arrives, keeps the call SECONDS, hangs up.
//!
//! Every account password is `switchboard` (the demo's).

use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use switchboard_client::Hub;
use switchboard_protocol::{Id, Target};
use switchboard_voice::Frame;
use switchboard_voice::peer::{Capture, Event, Handle, Playback, Setup};
use switchboard_voice::tone::Sine;

const PASSWORD: &str = "switchboard";

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Runtime::new()?;
    match args.first().map(String::as_str) {
        Some("latency") if args.len() == 4 => {
            runtime.block_on(latency(&args[1], &args[2], &args[3]))
        }
        Some("load") if args.len() >= 5 && !args.len().is_multiple_of(2) => {
            let seconds: u64 = args[2].parse()?;
            runtime.block_on(load(&args[1], seconds, &args[3..]))
        }
        Some("dial") if args.len() == 5 => {
            runtime.block_on(dial(&args[1], &args[2], &args[3], args[4].parse()?))
        }
        _ => Err("usage: callbench latency|load|dial … (see the source's header)".into()),
    }
}

struct Agent {
    hub: Hub,
    token: String,
    id: Id,
}

async fn sign_in(hub: &str, email: &str) -> Result<Agent, Failure> {
    let hub = Hub::new(hub)?;
    let signed_in = hub.sign_in(email, PASSWORD, false).await?;
    Ok(Agent {
        hub,
        token: signed_in.token,
        id: signed_in.me.id,
    })
}

/// `caller` calls `callee`, who answers; both legs start with the given audio.
async fn call(
    caller: &Agent,
    callee: &Agent,
    caller_audio: (Box<dyn Capture>, Box<dyn Playback>),
    callee_audio: (Box<dyn Capture>, Box<dyn Playback>),
) -> Result<(Id, [(Handle, Receiver<Event>); 2]), Failure> {
    let loopback = "127.0.0.1:0".parse()?;
    let (mut a, offer) = Setup::offer(loopback)?;
    let started = caller
        .hub
        .start_call(&caller.token, &Target::Agent(callee.id), offer)
        .await?;
    a.accept_answer(&started.answer)?;
    let (mut b, offer) = Setup::offer(loopback)?;
    let accepted = callee
        .hub
        .accept_call(&callee.token, started.call.id, offer)
        .await?;
    b.accept_answer(&accepted.answer)?;
    let a = a.start(caller_audio.0, caller_audio.1)?;
    let b = b.start(callee_audio.0, callee_audio.1)?;
    for (_, events) in [&a, &b] {
        match events.recv_timeout(Duration::from_secs(10)) {
            Ok(Event::Connected) => {}
            other => return Err(format!("a leg did not connect: {other:?}").into()),
        }
    }
    Ok((started.call.id, [a, b]))
}

/// Frames between clicks (500 ms).
const CLICK_EVERY: u64 = 25;

/// A microphone that clicks (5 ms at full scale) every 500 ms and notes when each click
/// left.
struct Clicks {
    frame: u64,
    sent: Arc<Mutex<Vec<Instant>>>,
}

impl Capture for Clicks {
    fn read(&mut self, frame: &mut Frame) {
        frame.fill(0);
        self.frame += 1;
        if self.frame.is_multiple_of(CLICK_EVERY) {
            for (i, sample) in frame[..240].iter_mut().enumerate() {
                *sample = if i % 2 == 0 { 24000 } else { -24000 };
            }
            self.sent.lock().expect("not poisoned").push(Instant::now());
        }
    }
}

/// A speaker that notes when each click arrives (the first loud frame after a quiet gap).
struct Ears {
    quiet_frames: u64,
    heard: Arc<Mutex<Vec<Instant>>>,
}

impl Playback for Ears {
    fn write(&mut self, frame: &Frame) {
        let peak = frame.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        if peak > 6000 {
            if self.quiet_frames >= 10 {
                self.heard
                    .lock()
                    .expect("not poisoned")
                    .push(Instant::now());
            }
            self.quiet_frames = 0;
        } else {
            self.quiet_frames += 1;
        }
    }
}

/// Hears nothing (load calls: only the work matters).
struct Nowhere;

impl Playback for Nowhere {
    fn write(&mut self, _: &Frame) {}
}

async fn latency(hub: &str, a: &str, b: &str) -> Result<(), Failure> {
    let (a, b) = (sign_in(hub, a).await?, sign_in(hub, b).await?);
    let sent = Arc::new(Mutex::new(Vec::new()));
    let heard = Arc::new(Mutex::new(Vec::new()));
    let clicks = Clicks {
        frame: 0,
        sent: sent.clone(),
    };
    let ears = Ears {
        quiet_frames: 0,
        heard: heard.clone(),
    };
    let (id, legs) = call(
        &a,
        &b,
        (Box::new(clicks), Box::new(Nowhere)),
        (Box::new(Sine::new(0.0, 0)), Box::new(ears)),
    )
    .await?;
    // 40 clicks: 20 s, polled.
    let deadline = Instant::now() + Duration::from_secs(40);
    while heard.lock().expect("not poisoned").len() < 41 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    a.hub.hang_up(&a.token, id).await?;
    drop(legs);
    let (sent, heard) = (
        sent.lock().expect("not poisoned"),
        heard.lock().expect("not poisoned"),
    );
    // Pair each click heard with the latest one sent before it; skip the first (set-up).
    let mut delays: Vec<f64> = heard
        .iter()
        .skip(1)
        .filter_map(|h| {
            let s = sent.iter().rev().find(|s| *s <= h)?;
            Some(h.duration_since(*s).as_secs_f64() * 1000.0)
        })
        .collect();
    if delays.len() < 10 {
        return Err(format!("only {} clicks arrived", delays.len()).into());
    }
    delays.sort_by(f64::total_cmp);
    let at = |q: f64| delays[((delays.len() - 1) as f64 * q).round() as usize];
    println!(
        "added latency A → hub → B over {} clicks: median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        delays.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
    Ok(())
}

async fn load(hub: &str, seconds: u64, emails: &[String]) -> Result<(), Failure> {
    let mut calls = Vec::new();
    for pair in emails.chunks(2) {
        let (a, b) = (sign_in(hub, &pair[0]).await?, sign_in(hub, &pair[1]).await?);
        let (id, legs) = call(
            &a,
            &b,
            (Box::new(Sine::new(440.0, 6000)), Box::new(Nowhere)),
            (Box::new(Sine::new(660.0, 6000)), Box::new(Nowhere)),
        )
        .await?;
        calls.push((a, id, legs));
    }
    println!("live {}", calls.len());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    for (a, id, legs) in calls {
        a.hub.hang_up(&a.token, id).await?;
        drop(legs);
    }
    println!("done");
    Ok(())
}

/// Counts loud frames (the desktop's speech arriving).
struct Loudness(Arc<Mutex<u64>>);

impl Playback for Loudness {
    fn write(&mut self, frame: &Frame) {
        let peak = frame.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        if peak > 1000 {
            *self.0.lock().expect("not poisoned") += 1;
        }
    }
}

async fn dial(hub: &str, email: &str, to: &str, seconds: u64) -> Result<(), Failure> {
    let caller = sign_in(hub, email).await?;
    let lookup = caller.hub.bootstrap(&caller.token).await?;
    let callee = lookup
        .agents
        .iter()
        .find(|a| a.email == to)
        .ok_or("no such agent")?
        .id;
    let loopback = "127.0.0.1:0".parse()?;
    let (mut setup, offer) = Setup::offer(loopback)?;
    let started = caller
        .hub
        .start_call(&caller.token, &Target::Agent(callee), offer)
        .await?;
    setup.accept_answer(&started.answer)?;
    let loud = Arc::new(Mutex::new(0));
    let leg = setup.start(
        Box::new(Sine::new(440.0, 6000)),
        Box::new(Loudness(loud.clone())),
    )?;
    // The desktop answers by itself; its speech arriving says the call is live both ways.
    let deadline = Instant::now() + Duration::from_secs(30);
    while *loud.lock().expect("not poisoned") < 10 {
        if Instant::now() > deadline {
            return Err("the desktop's audio never arrived".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("live");
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    caller.hub.hang_up(&caller.token, started.call.id).await?;
    drop(leg);
    println!("done");
    Ok(())
}
