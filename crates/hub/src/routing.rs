//! Automatic call distribution, without I/O: interactions wait in a ring group's queue and are
//! offered to its Available members — one at a time, longest idle first, or to all of them at
//! once (ring all). An offer not taken in time goes to the next agent, and an agent who let a
//! directed offer ring out can be set Away; a wait too long overflows to another group or to
//! voicemail. The caller drives it with what happened (and the time) and carries out the
//! [`Action`]s it returns; [`Router::next_deadline`] says when to call [`Router::tick`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use switchboard_protocol::Id;

pub mod task;
pub use task::{Decisions, Notice, Request};

pub type AgentId = Id;
pub type GroupId = Id;
pub type InteractionId = Id;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// One agent at a time, the one Available the longest first.
    LongestIdle,
    /// Every Available member at once; the first to accept takes it.
    RingAll,
}

impl Strategy {
    /// The names the store and the admin CLI use.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "longest_idle" => Some(Self::LongestIdle),
            "ring_all" => Some(Self::RingAll),
            _ => None,
        }
    }
}

/// Where an interaction goes when its group kept it waiting too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    Group(GroupId),
    Voicemail,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConfig {
    pub strategy: Strategy,
    pub members: Vec<AgentId>,
    /// How long an offer rings before it goes to the next agent.
    pub offer_timeout: Duration,
    /// After this long in the queue, the interaction moves on.
    pub overflow_after: Option<Duration>,
    pub overflow: Option<Overflow>,
    /// Whether an agent who lets a directed (longest-idle) offer ring out is set Away.
    pub away_on_missed: bool,
}

/// What the caller of the router must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Ring these agents with the interaction.
    Offer {
        interaction: InteractionId,
        agents: Vec<AgentId>,
    },
    /// Stop ringing these agents (another took it, it timed out, the caller left).
    Withdraw {
        interaction: InteractionId,
        agents: Vec<AgentId>,
    },
    /// The agent took the interaction: connect them.
    Connect {
        interaction: InteractionId,
        agent: AgentId,
    },
    /// The agent let a directed offer ring out: set them Away.
    SetAway { agent: AgentId },
    /// The interaction waited too long and now waits in another group.
    Overflowed {
        interaction: InteractionId,
        from: GroupId,
        to: GroupId,
    },
    /// The interaction waited too long: take a voicemail.
    Voicemail { interaction: InteractionId },
}

/// Why an accept was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("this interaction is no longer waiting")]
    Gone,
    #[error("this interaction is not offered to this agent")]
    NotOffered,
}

/// Where an interaction stands in its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub group: GroupId,
    /// 1 for the next to be offered.
    pub position: usize,
    pub waited: Duration,
}

#[derive(Debug, Clone, Default)]
struct Agent {
    available: bool,
    /// Since when the agent has been Available with nothing offered.
    idle_since: Option<Instant>,
    /// The interaction ringing at this agent.
    offered: Option<InteractionId>,
    groups: HashSet<GroupId>,
}

#[derive(Debug, Clone)]
struct Waiting {
    group: GroupId,
    arrived: Instant,
    entered_group: Instant,
    ringing: Vec<AgentId>,
    offer_ends: Option<Instant>,
    /// Agents already offered this interaction in the current round (longest idle).
    tried: HashSet<AgentId>,
}

#[derive(Debug, Clone)]
struct Group {
    config: GroupConfig,
    queue: VecDeque<InteractionId>,
}

#[derive(Debug, Clone, Default)]
pub struct Router {
    groups: HashMap<GroupId, Group>,
    agents: HashMap<AgentId, Agent>,
    waiting: HashMap<InteractionId, Waiting>,
}

impl Router {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a group (members' memberships follow).
    pub fn set_group(&mut self, id: GroupId, config: GroupConfig) {
        for agent in self.agents.values_mut() {
            agent.groups.remove(&id);
        }
        for member in &config.members {
            self.agents.entry(*member).or_default().groups.insert(id);
        }
        let queue = self.groups.remove(&id).map(|g| g.queue).unwrap_or_default();
        self.groups.insert(id, Group { config, queue });
    }

    /// A new interaction waits in `group`.
    pub fn enqueue(
        &mut self,
        interaction: InteractionId,
        group: GroupId,
        now: Instant,
    ) -> Vec<Action> {
        let mut actions = Vec::new();
        let Some(target) = self.groups.get_mut(&group) else {
            return actions;
        };
        target.queue.push_back(interaction);
        self.waiting.insert(
            interaction,
            Waiting {
                group,
                arrived: now,
                entered_group: now,
                ringing: Vec::new(),
                offer_ends: None,
                tried: HashSet::new(),
            },
        );
        self.dispatch(group, now, &mut actions);
        actions
    }

    /// An agent became Available (or stopped being: another status, on a call, signed out).
    pub fn set_available(&mut self, agent: AgentId, available: bool, now: Instant) -> Vec<Action> {
        let mut actions = Vec::new();
        let state = self.agents.entry(agent).or_default();
        if state.available == available {
            return actions;
        }
        state.available = available;
        state.idle_since = available.then_some(now);
        let groups: Vec<GroupId> = state.groups.iter().copied().collect();
        if available {
            // The groups whose oldest caller has waited longest go first.
            let mut groups = groups;
            groups.sort_by_key(|g| self.oldest_arrival(*g));
            for group in groups {
                self.dispatch(group, now, &mut actions);
            }
        } else if let Some(interaction) = state.offered.take() {
            self.stop_ringing(interaction, agent, &mut actions);
            if let Some(group) = self.waiting.get(&interaction).map(|w| w.group) {
                self.dispatch(group, now, &mut actions);
            }
        }
        actions
    }

    /// The agent accepts the interaction ringing at them.
    pub fn accept(
        &mut self,
        interaction: InteractionId,
        agent: AgentId,
        now: Instant,
    ) -> Result<Vec<Action>, Refused> {
        let waiting = self.waiting.get(&interaction).ok_or(Refused::Gone)?;
        if !waiting.ringing.contains(&agent) {
            return Err(Refused::NotOffered);
        }
        let group = waiting.group;
        let mut actions = Vec::new();
        let others = self.remove(interaction);
        let withdrawn: Vec<AgentId> = others.into_iter().filter(|a| *a != agent).collect();
        if !withdrawn.is_empty() {
            actions.push(Action::Withdraw {
                interaction,
                agents: withdrawn.clone(),
            });
        }
        if let Some(state) = self.agents.get_mut(&agent) {
            // Busy with this one until their status says otherwise.
            state.available = false;
            state.idle_since = None;
        }
        actions.push(Action::Connect { interaction, agent });
        // Agents whose ringing stopped may take the next caller.
        for agent in withdrawn {
            for group in self.groups_of(agent) {
                self.dispatch(group, now, &mut actions);
            }
        }
        self.dispatch(group, now, &mut actions);
        Ok(actions)
    }

    /// The agent declines: the interaction goes to the next agent at once.
    pub fn decline(
        &mut self,
        interaction: InteractionId,
        agent: AgentId,
        now: Instant,
    ) -> Vec<Action> {
        let mut actions = Vec::new();
        let Some(waiting) = self.waiting.get_mut(&interaction) else {
            return actions;
        };
        if !waiting.ringing.contains(&agent) {
            return actions;
        }
        let group = waiting.group;
        self.stop_ringing(interaction, agent, &mut actions);
        if let Some(state) = self.agents.get_mut(&agent) {
            // Back at the end of the idle line: they just passed on a caller.
            state.idle_since = state.available.then_some(now);
        }
        self.dispatch(group, now, &mut actions);
        actions
    }

    /// The caller hung up while waiting.
    pub fn abandon(&mut self, interaction: InteractionId, now: Instant) -> Vec<Action> {
        let mut actions = Vec::new();
        let Some(group) = self.waiting.get(&interaction).map(|w| w.group) else {
            return actions;
        };
        let ringing = self.remove(interaction);
        if !ringing.is_empty() {
            actions.push(Action::Withdraw {
                interaction,
                agents: ringing.clone(),
            });
        }
        for agent in ringing {
            for group in self.groups_of(agent) {
                self.dispatch(group, now, &mut actions);
            }
        }
        self.dispatch(group, now, &mut actions);
        actions
    }

    /// Offers that rang out and waits that ran out, as of `now`.
    pub fn tick(&mut self, now: Instant) -> Vec<Action> {
        let mut actions = Vec::new();
        // Waits first: a caller whose wait ran out is not offered again in its old group.
        let overdue: Vec<InteractionId> = self
            .waiting
            .iter()
            .filter(|(_, w)| {
                let config = &self.groups[&w.group].config;
                config.overflow.is_some()
                    && config
                        .overflow_after
                        .is_some_and(|after| now.duration_since(w.entered_group) >= after)
            })
            .map(|(id, _)| *id)
            .collect();
        let mut overdue = overdue;
        overdue.sort_by_key(|id| (self.waiting[id].arrived, *id));
        for interaction in overdue {
            self.overflow(interaction, now, &mut actions);
        }
        let rang_out: Vec<InteractionId> = self
            .waiting
            .iter()
            .filter(|(_, w)| w.offer_ends.is_some_and(|end| end <= now))
            .map(|(id, _)| *id)
            .collect();
        let mut rang_out = rang_out;
        rang_out.sort_by_key(|id| (self.waiting[id].arrived, *id));
        for interaction in rang_out {
            self.ring_out(interaction, now, &mut actions);
        }
        actions
    }

    /// When [`tick`](Self::tick) next has something to do.
    /// Where a waiting interaction stands in its group's queue (1: next to be offered), and
    /// how long it has waited.
    pub fn position(&self, interaction: InteractionId, now: Instant) -> Option<(usize, Duration)> {
        let waiting = self.waiting.get(&interaction)?;
        let place = self
            .groups
            .get(&waiting.group)?
            .queue
            .iter()
            .position(|queued| *queued == interaction)?;
        Some((place + 1, now.saturating_duration_since(waiting.arrived)))
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.waiting
            .values()
            .flat_map(|w| {
                let config = &self.groups[&w.group].config;
                let overflow = config
                    .overflow
                    .and(config.overflow_after)
                    .map(|after| w.entered_group + after);
                [w.offer_ends, overflow]
            })
            .flatten()
            .min()
    }

    /// Where the interaction waits, how far from the front, and for how long.
    pub fn place(&self, interaction: InteractionId, now: Instant) -> Option<Place> {
        let waiting = self.waiting.get(&interaction)?;
        let position = self.groups[&waiting.group]
            .queue
            .iter()
            .position(|id| *id == interaction)?
            + 1;
        Some(Place {
            group: waiting.group,
            position,
            waited: now.duration_since(waiting.arrived),
        })
    }

    fn groups_of(&self, agent: AgentId) -> Vec<GroupId> {
        self.agents
            .get(&agent)
            .map(|a| a.groups.iter().copied().collect())
            .unwrap_or_default()
    }

    fn oldest_arrival(&self, group: GroupId) -> Option<Instant> {
        let first = self.groups.get(&group)?.queue.front()?;
        self.waiting.get(first).map(|w| w.arrived)
    }

    /// Takes the interaction out of its queue; returns who was ringing.
    fn remove(&mut self, interaction: InteractionId) -> Vec<AgentId> {
        let Some(waiting) = self.waiting.remove(&interaction) else {
            return Vec::new();
        };
        if let Some(group) = self.groups.get_mut(&waiting.group) {
            group.queue.retain(|id| *id != interaction);
        }
        for agent in &waiting.ringing {
            if let Some(state) = self.agents.get_mut(agent) {
                state.offered = None;
            }
        }
        waiting.ringing
    }

    fn stop_ringing(
        &mut self,
        interaction: InteractionId,
        agent: AgentId,
        actions: &mut Vec<Action>,
    ) {
        if let Some(state) = self.agents.get_mut(&agent)
            && state.offered == Some(interaction)
        {
            state.offered = None;
        }
        if let Some(waiting) = self.waiting.get_mut(&interaction) {
            waiting.ringing.retain(|a| *a != agent);
            if waiting.ringing.is_empty() {
                waiting.offer_ends = None;
            }
        }
        actions.push(Action::Withdraw {
            interaction,
            agents: vec![agent],
        });
    }

    fn ring_out(&mut self, interaction: InteractionId, now: Instant, actions: &mut Vec<Action>) {
        let Some(waiting) = self.waiting.get_mut(&interaction) else {
            return;
        };
        let group = waiting.group;
        let missed = std::mem::take(&mut waiting.ringing);
        waiting.offer_ends = None;
        if missed.is_empty() {
            return;
        }
        actions.push(Action::Withdraw {
            interaction,
            agents: missed.clone(),
        });
        let config = &self.groups[&group].config;
        let set_away = config.strategy == Strategy::LongestIdle && config.away_on_missed;
        for agent in &missed {
            let Some(state) = self.agents.get_mut(agent) else {
                continue;
            };
            state.offered = None;
            if set_away {
                state.available = false;
                state.idle_since = None;
                actions.push(Action::SetAway { agent: *agent });
            } else {
                state.idle_since = state.available.then_some(now);
            }
        }
        for agent in missed {
            for other in self.groups_of(agent) {
                if other != group {
                    self.dispatch(other, now, actions);
                }
            }
        }
        self.dispatch(group, now, actions);
    }

    fn overflow(&mut self, interaction: InteractionId, now: Instant, actions: &mut Vec<Action>) {
        let Some(waiting) = self.waiting.get(&interaction) else {
            return;
        };
        let from = waiting.group;
        let Some(target) = self.groups[&from].config.overflow else {
            return;
        };
        let ringing = waiting.ringing.clone();
        for agent in ringing {
            self.stop_ringing(interaction, agent, actions);
        }
        match target {
            Overflow::Group(to) if self.groups.contains_key(&to) && to != from => {
                if let Some(group) = self.groups.get_mut(&from) {
                    group.queue.retain(|id| *id != interaction);
                }
                if let Some(group) = self.groups.get_mut(&to) {
                    group.queue.push_back(interaction);
                }
                if let Some(waiting) = self.waiting.get_mut(&interaction) {
                    waiting.group = to;
                    waiting.entered_group = now;
                    waiting.tried.clear();
                }
                actions.push(Action::Overflowed {
                    interaction,
                    from,
                    to,
                });
                self.dispatch(to, now, actions);
            }
            _ => {
                self.remove(interaction);
                actions.push(Action::Voicemail { interaction });
            }
        }
        self.dispatch(from, now, actions);
    }

    /// Offers the group's waiting interactions, oldest first, to its free Available members.
    fn dispatch(&mut self, group: GroupId, now: Instant, actions: &mut Vec<Action>) {
        let Some(target) = self.groups.get(&group) else {
            return;
        };
        let strategy = target.config.strategy;
        let timeout = target.config.offer_timeout;
        let queue: Vec<InteractionId> = target.queue.iter().copied().collect();
        let members = target.config.members.clone();
        for interaction in queue {
            let free: Vec<AgentId> = members
                .iter()
                .copied()
                .filter(|m| {
                    self.agents
                        .get(m)
                        .is_some_and(|a| a.available && a.offered.is_none())
                })
                .collect();
            if free.is_empty() {
                return;
            }
            let Some(waiting) = self.waiting.get_mut(&interaction) else {
                continue;
            };
            let chosen = match strategy {
                Strategy::RingAll => free,
                Strategy::LongestIdle => {
                    if !waiting.ringing.is_empty() {
                        // One agent at a time: this caller is already ringing somewhere.
                        continue;
                    }
                    let untried: Vec<AgentId> = free
                        .iter()
                        .copied()
                        .filter(|a| !waiting.tried.contains(a))
                        .collect();
                    // Everyone had a turn: start a new round.
                    let candidates = if untried.is_empty() {
                        waiting.tried.clear();
                        free
                    } else {
                        untried
                    };
                    let agents = &self.agents;
                    let Some(next) = candidates
                        .into_iter()
                        .min_by_key(|a| (agents[a].idle_since, *a))
                    else {
                        continue;
                    };
                    vec![next]
                }
            };
            for agent in &chosen {
                if let Some(state) = self.agents.get_mut(agent) {
                    state.offered = Some(interaction);
                }
                waiting.tried.insert(*agent);
            }
            if waiting.ringing.is_empty() {
                waiting.offer_ends = Some(now + timeout);
            }
            waiting.ringing.extend(chosen.iter().copied());
            actions.push(Action::Offer {
                interaction,
                agents: chosen,
            });
        }
    }
}

#[cfg(test)]
mod tests;
