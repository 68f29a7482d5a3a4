//! Routing decisions under load: 500 agents in 10 ring groups (half longest-idle, half
//! ring-all), 100 new callers a second for ten simulated minutes; agents answer after a few
//! seconds of ringing (some let it ring out, some decline), talk for one to five minutes,
//! and are Available again. Prints how long each router call took (the decision), p50, p99
//! and the worst, against the target: p99 ≤ 5 ms at 100 offers/s.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng, rngs::StdRng};
use switchboard_hub::routing::{Action, GroupConfig, Router, Strategy};

const GROUPS: i64 = 10;
const AGENTS_PER_GROUP: i64 = 50;
const CALLS_PER_SECOND: u64 = 100;
const SECONDS: u64 = 600;

enum Due {
    Answer { interaction: i64, agent: i64 },
    Decline { interaction: i64, agent: i64 },
    HangUp { agent: i64 },
}

fn main() {
    let mut rng = StdRng::seed_from_u64(7);
    let t0 = Instant::now();
    let mut router = Router::new();
    for group in 0..GROUPS {
        let members = (0..AGENTS_PER_GROUP)
            .map(|i| group * AGENTS_PER_GROUP + i)
            .collect();
        router.set_group(
            group,
            GroupConfig {
                strategy: if group % 2 == 0 {
                    Strategy::LongestIdle
                } else {
                    Strategy::RingAll
                },
                members,
                offer_timeout: Duration::from_secs(15),
                overflow_after: Some(Duration::from_secs(120)),
                overflow: Some(switchboard_hub::routing::Overflow::Voicemail),
                away_on_missed: false,
            },
        );
    }
    let mut timings: Vec<Duration> = Vec::new();
    let mut due: BTreeMap<(Duration, u64), Due> = BTreeMap::new();
    let mut seq = 0u64;
    let mut next_id = 0i64;
    let handle = |actions: Vec<Action>,
                  now: Duration,
                  due: &mut BTreeMap<(Duration, u64), Due>,
                  rng: &mut StdRng,
                  seq: &mut u64| {
        for action in actions {
            if let Action::Offer {
                interaction,
                agents,
            } = action
            {
                // One of the rung agents reacts: mostly answers, sometimes declines, and
                // sometimes nobody does (the offer rings out).
                let agent = agents[rng.random_range(0..agents.len())];
                let roll = rng.random_range(0..100);
                let after = now + Duration::from_millis(rng.random_range(1_000..8_000));
                *seq += 1;
                if roll < 85 {
                    due.insert((after, *seq), Due::Answer { interaction, agent });
                } else if roll < 92 {
                    due.insert((after, *seq), Due::Decline { interaction, agent });
                }
            }
        }
    };
    for agent in 0..GROUPS * AGENTS_PER_GROUP {
        let started = Instant::now();
        let actions = router.set_available(agent, true, t0);
        timings.push(started.elapsed());
        handle(actions, Duration::ZERO, &mut due, &mut rng, &mut seq);
    }
    let step = Duration::from_millis(1000 / CALLS_PER_SECOND);
    let mut now = Duration::ZERO;
    while now < Duration::from_secs(SECONDS) {
        now += step;
        // Whatever was due by now.
        while let Some((&(at, key), _)) = due.first_key_value() {
            if at > now {
                break;
            }
            let event = due.remove(&(at, key)).expect("just seen");
            let started = Instant::now();
            let actions = match event {
                Due::Answer { interaction, agent } => {
                    let actions = router
                        .accept(interaction, agent, t0 + at)
                        .unwrap_or_default();
                    if actions.iter().any(|a| matches!(a, Action::Connect { .. })) {
                        seq += 1;
                        let talk = Duration::from_secs(rng.random_range(60..300));
                        due.insert((at + talk, seq), Due::HangUp { agent });
                    }
                    actions
                }
                Due::Decline { interaction, agent } => router.decline(interaction, agent, t0 + at),
                Due::HangUp { agent } => router.set_available(agent, true, t0 + at),
            };
            timings.push(started.elapsed());
            handle(actions, at, &mut due, &mut rng, &mut seq);
        }
        let started = Instant::now();
        let group = rng.random_range(0..GROUPS);
        next_id += 1;
        let mut actions = router.enqueue(1_000_000 + next_id, group, t0 + now);
        actions.extend(router.tick(t0 + now));
        timings.push(started.elapsed());
        handle(actions, now, &mut due, &mut rng, &mut seq);
    }
    timings.sort();
    let at = |q: f64| timings[((timings.len() - 1) as f64 * q) as usize];
    println!(
        "routing: {} decisions, {} callers ({} per second, {} agents, {} groups)",
        timings.len(),
        next_id,
        CALLS_PER_SECOND,
        GROUPS * AGENTS_PER_GROUP,
        GROUPS
    );
    println!(
        "decision time: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs (target p99 ≤ 5 ms)",
        at(0.5).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6,
        timings[timings.len() - 1].as_secs_f64() * 1e6
    );
}
