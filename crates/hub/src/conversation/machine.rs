//! A thread's work, as a pure state machine: whether an episode is open, on which channel,
//! who works on it and in which group's queue it waits. Inputs are what the customer and the
//! agents do; the answer is what changes (for the task to store and publish) or why not.
//! No I/O and no clock: the task reads the state from the store, asks, and writes the
//! changes in one transaction.

use switchboard_protocol::{Channel, ErrorCode, Id, Role};

/// The open episode of a thread, as far as deciding goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    pub channel: Channel,
    pub assignee: Option<Id>,
    pub group: Option<Id>,
    /// Whether an agent has answered the customer in it yet.
    pub answered: bool,
}

/// Who acts: an agent and what their role lets them do to others' work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agent {
    pub id: Id,
    pub role: Role,
}

impl Agent {
    /// Supervisors and admins may act on any agent's conversation.
    fn oversees(self) -> bool {
        self.role != Role::Agent
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The customer wrote on `channel`. `automatic` messages (auto-replies, receipts) never
    /// open an episode. `group` is where the channel's new work waits.
    CustomerWrote {
        channel: Channel,
        automatic: bool,
        group: Option<Id>,
    },
    /// An agent wrote to the customer. With nothing open this starts an episode, theirs, on
    /// `channel` (the channel the customer last used), if there is one.
    AgentWrote {
        agent: Agent,
        channel: Option<Channel>,
    },
    /// An agent added an internal note: nothing changes.
    Noted { agent: Agent },
    /// An agent takes the open episode (from the queue).
    Take { agent: Agent },
    /// Hand the open episode to an agent, or back to a group's queue.
    Assign { by: Agent, to: AssignTo },
    /// The open episode is done.
    Resolve { by: Agent },
    /// The customer ended the conversation (a chat's End button): the open episode is done.
    CustomerEnded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignTo {
    Agent(Id),
    Group(Id),
}

/// What the task stores, in order, in the same transaction as the input's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// A new episode opens.
    Open {
        channel: Channel,
        assignee: Option<Id>,
        group: Option<Id>,
    },
    /// The open episode is someone else's, or waits in a group.
    Assign {
        assignee: Option<Id>,
        group: Option<Id>,
    },
    /// An agent answered the customer for the first time in the open episode.
    FirstResponse,
    /// The open episode ends, resolved by an agent or (`None`) ended by the customer.
    Resolve { by: Option<Id> },
}

/// Why an input is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    AssignedToOther,
    NothingOpen,
    NoChannel,
}

impl From<Refusal> for ErrorCode {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::AssignedToOther => ErrorCode::AssignedToOther,
            Refusal::NothingOpen => ErrorCode::NothingOpen,
            Refusal::NoChannel => ErrorCode::NoChannel,
        }
    }
}

/// A thread's state: its open episode, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Machine {
    pub open: Option<Open>,
}

impl Machine {
    pub fn new(open: Option<Open>) -> Self {
        Self { open }
    }

    /// Takes `input`: answers the changes (already applied to the machine) or why not (the
    /// machine unchanged).
    pub fn handle(&mut self, input: Input) -> Result<Vec<Effect>, Refusal> {
        match (input, &mut self.open) {
            (
                Input::CustomerWrote {
                    automatic: true, ..
                },
                _,
            ) => Ok(vec![]),
            (Input::CustomerWrote { .. }, Some(_)) => Ok(vec![]),
            (
                Input::CustomerWrote {
                    channel,
                    automatic: false,
                    group,
                },
                None,
            ) => {
                self.open = Some(Open {
                    channel,
                    assignee: None,
                    group,
                    answered: false,
                });
                Ok(vec![Effect::Open {
                    channel,
                    assignee: None,
                    group,
                }])
            }
            (Input::AgentWrote { channel: None, .. }, None) => Err(Refusal::NoChannel),
            (
                Input::AgentWrote {
                    agent,
                    channel: Some(channel),
                },
                None,
            ) => {
                self.open = Some(Open {
                    channel,
                    assignee: Some(agent.id),
                    group: None,
                    answered: true,
                });
                Ok(vec![Effect::Open {
                    channel,
                    assignee: Some(agent.id),
                    group: None,
                }])
            }
            (Input::AgentWrote { agent, .. }, Some(open)) => {
                let mut effects = Vec::new();
                match open.assignee {
                    Some(assignee) if assignee == agent.id => {}
                    Some(_) if !agent.oversees() => return Err(Refusal::AssignedToOther),
                    // A supervisor steps in without taking the conversation over.
                    Some(_) => {}
                    None => {
                        open.assignee = Some(agent.id);
                        effects.push(Effect::Assign {
                            assignee: Some(agent.id),
                            group: open.group,
                        });
                    }
                }
                if !open.answered {
                    open.answered = true;
                    effects.push(Effect::FirstResponse);
                }
                Ok(effects)
            }
            (Input::Noted { .. }, _) => Ok(vec![]),
            (Input::Take { .. }, None)
            | (Input::Assign { .. }, None)
            | (Input::Resolve { .. }, None) => Err(Refusal::NothingOpen),
            // Pressed twice, or after an agent resolved it: nothing more to end.
            (Input::CustomerEnded, None) => Ok(vec![]),
            (Input::CustomerEnded, Some(_)) => {
                self.open = None;
                Ok(vec![Effect::Resolve { by: None }])
            }
            (Input::Take { agent }, Some(open)) => match open.assignee {
                Some(assignee) if assignee == agent.id => Ok(vec![]),
                Some(_) if !agent.oversees() => Err(Refusal::AssignedToOther),
                _ => {
                    open.assignee = Some(agent.id);
                    Ok(vec![Effect::Assign {
                        assignee: Some(agent.id),
                        group: open.group,
                    }])
                }
            },
            (Input::Assign { by, to }, Some(open)) => {
                if open.assignee.is_some_and(|assignee| assignee != by.id) && !by.oversees() {
                    return Err(Refusal::AssignedToOther);
                }
                let (assignee, group) = match to {
                    AssignTo::Agent(agent) => (Some(agent), open.group),
                    AssignTo::Group(group) => (None, Some(group)),
                };
                if (assignee, group) == (open.assignee, open.group) {
                    return Ok(vec![]);
                }
                open.assignee = assignee;
                open.group = group;
                Ok(vec![Effect::Assign { assignee, group }])
            }
            (Input::Resolve { by }, Some(open)) => {
                if open.assignee.is_some_and(|assignee| assignee != by.id) && !by.oversees() {
                    return Err(Refusal::AssignedToOther);
                }
                self.open = None;
                Ok(vec![Effect::Resolve { by: Some(by.id) }])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const ANA: Agent = Agent {
        id: 1,
        role: Role::Agent,
    };
    const BEN: Agent = Agent {
        id: 2,
        role: Role::Agent,
    };
    const SUE: Agent = Agent {
        id: 9,
        role: Role::Supervisor,
    };
    const SALES: Id = 50;
    const SUPPORT: Id = 60;

    fn waiting() -> Option<Open> {
        Some(Open {
            channel: Channel::Chat,
            assignee: None,
            group: Some(SALES),
            answered: false,
        })
    }

    fn anas() -> Option<Open> {
        Some(Open {
            channel: Channel::Chat,
            assignee: Some(ANA.id),
            group: Some(SALES),
            answered: true,
        })
    }

    fn wrote(automatic: bool) -> Input {
        Input::CustomerWrote {
            channel: Channel::Chat,
            automatic,
            group: Some(SALES),
        }
    }

    fn reply(agent: Agent) -> Input {
        Input::AgentWrote {
            agent,
            channel: Some(Channel::Sms),
        }
    }

    /// (what the case is, state before, input, answer, state after)
    type Case = (
        &'static str,
        Option<Open>,
        Input,
        Result<Vec<Effect>, Refusal>,
        Option<Open>,
    );

    #[test]
    fn every_input_in_every_state() {
        let cases: Vec<Case> = vec![
            (
                "a customer's first message opens an episode waiting in the channel's group",
                None,
                wrote(false),
                Ok(vec![Effect::Open {
                    channel: Channel::Chat,
                    assignee: None,
                    group: Some(SALES),
                }]),
                waiting(),
            ),
            (
                "an automatic message (auto-reply, receipt) opens nothing",
                None,
                wrote(true),
                Ok(vec![]),
                None,
            ),
            (
                "more messages join the open episode",
                anas(),
                wrote(false),
                Ok(vec![]),
                anas(),
            ),
            (
                "an agent answering a waiting episode takes it, and it is answered",
                waiting(),
                reply(ANA),
                Ok(vec![
                    Effect::Assign {
                        assignee: Some(ANA.id),
                        group: Some(SALES),
                    },
                    Effect::FirstResponse,
                ]),
                anas(),
            ),
            (
                "the assignee answering again changes nothing",
                anas(),
                reply(ANA),
                Ok(vec![]),
                anas(),
            ),
            (
                "another agent cannot answer Ana's conversation",
                anas(),
                reply(BEN),
                Err(Refusal::AssignedToOther),
                anas(),
            ),
            (
                "a supervisor may answer without taking it over",
                anas(),
                reply(SUE),
                Ok(vec![]),
                anas(),
            ),
            (
                "an agent writing first starts an episode of theirs on the customer's channel",
                None,
                reply(BEN),
                Ok(vec![Effect::Open {
                    channel: Channel::Sms,
                    assignee: Some(BEN.id),
                    group: None,
                }]),
                Some(Open {
                    channel: Channel::Sms,
                    assignee: Some(BEN.id),
                    group: None,
                    answered: true,
                }),
            ),
            (
                "with no channel to write on, an agent cannot start one",
                None,
                Input::AgentWrote {
                    agent: ANA,
                    channel: None,
                },
                Err(Refusal::NoChannel),
                None,
            ),
            (
                "a note changes nothing, even on someone else's conversation",
                anas(),
                Input::Noted { agent: BEN },
                Ok(vec![]),
                anas(),
            ),
            (
                "an agent takes a waiting episode",
                waiting(),
                Input::Take { agent: BEN },
                Ok(vec![Effect::Assign {
                    assignee: Some(BEN.id),
                    group: Some(SALES),
                }]),
                Some(Open {
                    assignee: Some(BEN.id),
                    ..waiting().unwrap()
                }),
            ),
            (
                "taking one's own again changes nothing",
                anas(),
                Input::Take { agent: ANA },
                Ok(vec![]),
                anas(),
            ),
            (
                "the second of two agents taking it is refused",
                anas(),
                Input::Take { agent: BEN },
                Err(Refusal::AssignedToOther),
                anas(),
            ),
            (
                "there is nothing to take when nothing is open",
                None,
                Input::Take { agent: ANA },
                Err(Refusal::NothingOpen),
                None,
            ),
            (
                "Ana hands her conversation to Ben",
                anas(),
                Input::Assign {
                    by: ANA,
                    to: AssignTo::Agent(BEN.id),
                },
                Ok(vec![Effect::Assign {
                    assignee: Some(BEN.id),
                    group: Some(SALES),
                }]),
                Some(Open {
                    assignee: Some(BEN.id),
                    ..anas().unwrap()
                }),
            ),
            (
                "Ana puts her conversation back in Support's queue",
                anas(),
                Input::Assign {
                    by: ANA,
                    to: AssignTo::Group(SUPPORT),
                },
                Ok(vec![Effect::Assign {
                    assignee: None,
                    group: Some(SUPPORT),
                }]),
                Some(Open {
                    assignee: None,
                    group: Some(SUPPORT),
                    ..anas().unwrap()
                }),
            ),
            (
                "Ben cannot hand on Ana's conversation",
                anas(),
                Input::Assign {
                    by: BEN,
                    to: AssignTo::Agent(BEN.id),
                },
                Err(Refusal::AssignedToOther),
                anas(),
            ),
            (
                "a supervisor reassigns Ana's conversation",
                anas(),
                Input::Assign {
                    by: SUE,
                    to: AssignTo::Agent(BEN.id),
                },
                Ok(vec![Effect::Assign {
                    assignee: Some(BEN.id),
                    group: Some(SALES),
                }]),
                Some(Open {
                    assignee: Some(BEN.id),
                    ..anas().unwrap()
                }),
            ),
            (
                "assigning it where it already is changes nothing",
                anas(),
                Input::Assign {
                    by: ANA,
                    to: AssignTo::Agent(ANA.id),
                },
                Ok(vec![]),
                anas(),
            ),
            (
                "nothing to assign when nothing is open",
                None,
                Input::Assign {
                    by: SUE,
                    to: AssignTo::Group(SALES),
                },
                Err(Refusal::NothingOpen),
                None,
            ),
            (
                "the assignee resolves it",
                anas(),
                Input::Resolve { by: ANA },
                Ok(vec![Effect::Resolve { by: Some(ANA.id) }]),
                None,
            ),
            (
                "any agent may resolve a waiting episode (spam, say)",
                waiting(),
                Input::Resolve { by: BEN },
                Ok(vec![Effect::Resolve { by: Some(BEN.id) }]),
                None,
            ),
            (
                "Ben cannot resolve Ana's conversation",
                anas(),
                Input::Resolve { by: BEN },
                Err(Refusal::AssignedToOther),
                anas(),
            ),
            (
                "a supervisor resolves Ana's conversation",
                anas(),
                Input::Resolve { by: SUE },
                Ok(vec![Effect::Resolve { by: Some(SUE.id) }]),
                None,
            ),
            (
                "nothing to resolve twice",
                None,
                Input::Resolve { by: ANA },
                Err(Refusal::NothingOpen),
                None,
            ),
            (
                "the customer ends a chat an agent works on",
                anas(),
                Input::CustomerEnded,
                Ok(vec![Effect::Resolve { by: None }]),
                None,
            ),
            (
                "the customer ends a chat still waiting in the queue",
                waiting(),
                Input::CustomerEnded,
                Ok(vec![Effect::Resolve { by: None }]),
                None,
            ),
            (
                "ending an ended chat again changes nothing",
                None,
                Input::CustomerEnded,
                Ok(vec![]),
                None,
            ),
        ];
        for (case, before, input, answer, after) in cases {
            let mut machine = Machine::new(before);
            assert_eq!(machine.handle(input), answer, "{case}");
            assert_eq!(machine.open, after, "{case}: the state after");
        }
    }

    #[test]
    fn a_customer_writing_after_resolution_opens_a_fresh_episode() {
        let mut machine = Machine::new(anas());
        machine.handle(Input::Resolve { by: ANA }).unwrap();
        let effects = machine.handle(wrote(false)).unwrap();
        assert_eq!(
            effects,
            vec![Effect::Open {
                channel: Channel::Chat,
                assignee: None,
                group: Some(SALES),
            }]
        );
        assert_eq!(machine.open, waiting(), "nobody's yet, unanswered");
    }
}
