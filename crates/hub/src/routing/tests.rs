//! Table tests of the router: offers, timeouts, overflow, by strategy.

#![allow(clippy::unwrap_used)]

use super::*;

const SALES: GroupId = 10;
const SUPPORT: GroupId = 20;
const RING: Duration = Duration::from_secs(15);

fn group(strategy: Strategy, members: &[AgentId]) -> GroupConfig {
    GroupConfig {
        strategy,
        members: members.to_vec(),
        offer_timeout: RING,
        overflow_after: None,
        overflow: None,
        away_on_missed: true,
    }
}

fn secs(t0: Instant, s: u64) -> Instant {
    t0 + Duration::from_secs(s)
}

fn offer(interaction: InteractionId, agents: &[AgentId]) -> Action {
    Action::Offer {
        interaction,
        agents: agents.to_vec(),
    }
}

fn withdraw(interaction: InteractionId, agents: &[AgentId]) -> Action {
    Action::Withdraw {
        interaction,
        agents: agents.to_vec(),
    }
}

/// Agents 1, 2, 3 became Available in that order, a second apart.
fn three_available(strategy: Strategy, away: bool) -> (Router, Instant) {
    let t0 = Instant::now();
    let mut router = Router::new();
    router.set_group(
        SALES,
        GroupConfig {
            away_on_missed: away,
            ..group(strategy, &[1, 2, 3])
        },
    );
    for (i, agent) in [1, 2, 3].into_iter().enumerate() {
        assert!(
            router
                .set_available(agent, true, secs(t0, i as u64))
                .is_empty()
        );
    }
    (router, t0)
}

#[test]
fn the_longest_idle_agent_is_offered_first_and_a_missed_offer_moves_on_and_sets_away() {
    let (mut router, t0) = three_available(Strategy::LongestIdle, true);
    assert_eq!(router.enqueue(100, SALES, secs(t0, 10)), [offer(100, &[1])]);
    assert_eq!(router.next_deadline(), Some(secs(t0, 25)));
    assert!(router.tick(secs(t0, 24)).is_empty(), "still ringing");
    assert_eq!(
        router.tick(secs(t0, 25)),
        [
            withdraw(100, &[1]),
            Action::SetAway { agent: 1 },
            offer(100, &[2])
        ]
    );
    assert_eq!(
        router.accept(100, 2, secs(t0, 30)).unwrap(),
        [Action::Connect {
            interaction: 100,
            agent: 2
        }]
    );
    assert_eq!(router.place(100, secs(t0, 30)), None, "no longer waiting");
}

#[test]
fn without_away_on_miss_the_agent_stays_available_behind_the_others() {
    let (mut router, t0) = three_available(Strategy::LongestIdle, false);
    router.enqueue(100, SALES, secs(t0, 10));
    let actions = router.tick(secs(t0, 25));
    assert_eq!(actions, [withdraw(100, &[1]), offer(100, &[2])]);
    router.tick(secs(t0, 40));
    // 3 had its turn; then a new round, where 1 (idle again since 25 s) comes before 2.
    assert_eq!(
        router.tick(secs(t0, 55)),
        [withdraw(100, &[3]), offer(100, &[1])]
    );
}

#[test]
fn ring_all_rings_everyone_and_the_first_to_accept_takes_it() {
    let (mut router, t0) = three_available(Strategy::RingAll, true);
    assert_eq!(
        router.enqueue(100, SALES, secs(t0, 10)),
        [offer(100, &[1, 2, 3])]
    );
    assert_eq!(
        router.accept(100, 4, secs(t0, 11)),
        Err(Refused::NotOffered)
    );
    assert_eq!(
        router.accept(100, 3, secs(t0, 12)).unwrap(),
        [
            withdraw(100, &[1, 2]),
            Action::Connect {
                interaction: 100,
                agent: 3
            }
        ]
    );
    assert_eq!(router.accept(100, 1, secs(t0, 13)), Err(Refused::Gone));
    // A ring-all offer that rings out sets nobody Away: it rings everyone again.
    router.enqueue(101, SALES, secs(t0, 20));
    assert_eq!(
        router.tick(secs(t0, 35)),
        [withdraw(101, &[1, 2]), offer(101, &[1, 2])]
    );
}

#[test]
fn only_available_agents_are_offered_and_a_newly_available_one_gets_the_waiting_caller() {
    let t0 = Instant::now();
    let mut router = Router::new();
    router.set_group(SALES, group(Strategy::LongestIdle, &[1, 2]));
    assert!(
        router.enqueue(100, SALES, t0).is_empty(),
        "nobody is Available"
    );
    assert!(router.enqueue(101, SALES, secs(t0, 5)).is_empty());
    let place = router.place(101, secs(t0, 8)).unwrap();
    assert_eq!((place.position, place.waited), (2, Duration::from_secs(3)));
    // The oldest caller goes first.
    assert_eq!(
        router.set_available(2, true, secs(t0, 9)),
        [offer(100, &[2])]
    );
    assert_eq!(
        router.set_available(1, true, secs(t0, 10)),
        [offer(101, &[1])]
    );
    // Agent 2 goes on break while ringing: the caller moves to the next free agent
    // (none here), and waits.
    assert_eq!(
        router.set_available(2, false, secs(t0, 11)),
        [withdraw(100, &[2])]
    );
    assert_eq!(router.place(100, secs(t0, 11)).unwrap().position, 1);
}

#[test]
fn a_decline_moves_on_at_once_without_away() {
    let (mut router, t0) = three_available(Strategy::LongestIdle, true);
    router.enqueue(100, SALES, secs(t0, 10));
    assert_eq!(
        router.decline(100, 1, secs(t0, 11)),
        [withdraw(100, &[1]), offer(100, &[2])]
    );
    // The caller hangs up: the ringing stops.
    assert_eq!(router.abandon(100, secs(t0, 12)), [withdraw(100, &[2])]);
    assert_eq!(router.next_deadline(), None);
}

#[test]
fn a_long_wait_overflows_to_another_group_then_to_voicemail() {
    let t0 = Instant::now();
    let mut router = Router::new();
    router.set_group(
        SALES,
        GroupConfig {
            overflow_after: Some(Duration::from_secs(60)),
            overflow: Some(Overflow::Group(SUPPORT)),
            ..group(Strategy::LongestIdle, &[1])
        },
    );
    router.set_group(
        SUPPORT,
        GroupConfig {
            overflow_after: Some(Duration::from_secs(30)),
            overflow: Some(Overflow::Voicemail),
            ..group(Strategy::RingAll, &[2, 3])
        },
    );
    router.enqueue(100, SALES, t0);
    assert_eq!(router.next_deadline(), Some(secs(t0, 60)));
    assert_eq!(
        router.tick(secs(t0, 60)),
        [Action::Overflowed {
            interaction: 100,
            from: SALES,
            to: SUPPORT
        }]
    );
    assert_eq!(router.place(100, secs(t0, 61)).unwrap().group, SUPPORT);
    // Support's agent 3 becomes Available and rings; nobody answers until Support's wait
    // runs out too.
    assert_eq!(
        router.set_available(3, true, secs(t0, 70)),
        [offer(100, &[3])]
    );
    assert_eq!(
        router.tick(secs(t0, 90)),
        [withdraw(100, &[3]), Action::Voicemail { interaction: 100 }]
    );
    assert_eq!(router.place(100, secs(t0, 91)), None);
}

#[test]
fn an_agent_in_two_groups_gets_the_caller_who_waited_longest() {
    let t0 = Instant::now();
    let mut router = Router::new();
    router.set_group(SALES, group(Strategy::LongestIdle, &[1]));
    router.set_group(SUPPORT, group(Strategy::LongestIdle, &[1]));
    router.enqueue(200, SUPPORT, t0);
    router.enqueue(100, SALES, secs(t0, 5));
    assert_eq!(
        router.set_available(1, true, secs(t0, 6)),
        [offer(200, &[1])]
    );
    // Taking it makes the agent busy: the Sales caller keeps waiting.
    assert_eq!(
        router.accept(200, 1, secs(t0, 7)).unwrap(),
        [Action::Connect {
            interaction: 200,
            agent: 1
        }]
    );
    assert_eq!(router.place(100, secs(t0, 7)).unwrap().position, 1);
}
