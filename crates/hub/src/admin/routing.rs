//! Where calls go: ring groups (members, strategy, overflow) and the numbers that ring
//! them.

use clap::Subcommand;

use super::account_number;

use crate::store::{OverflowTo, RoutingChange, Store};
use crate::{Error, Result};

#[derive(Debug, Clone, Subcommand)]
pub enum RingGroup {
    Create {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
        /// longest_idle or ring_all
        #[arg(long, default_value = "longest_idle")]
        strategy: String,
    },
    Add {
        #[arg(long)]
        account: String,
        #[arg(long)]
        group: String,
        #[arg(long)]
        email: String,
    },
    Remove {
        #[arg(long)]
        account: String,
        #[arg(long)]
        group: String,
        #[arg(long)]
        email: String,
    },
    List {
        #[arg(long)]
        account: String,
    },
    /// When the group answers chats: outside these hours the chat window says it is closed
    /// and takes messages, which wait in the group's queue.
    Hours {
        #[arg(long)]
        account: String,
        #[arg(long)]
        group: String,
        /// IANA time zone ("Europe/Madrid").
        #[arg(long, required_unless_present = "always")]
        timezone: Option<String>,
        /// Opening ranges, repeated: "mon-fri 09:00-18:00", "sat 10:00-14:00".
        #[arg(long)]
        open: Vec<String>,
        /// Days closed whatever the weekday, repeated: "2026-12-25".
        #[arg(long)]
        closed_on: Vec<String>,
        /// No hours: always open.
        #[arg(long, conflicts_with_all = ["timezone", "open", "closed_on"])]
        always: bool,
    },
    /// How the group distributes callers.
    Set {
        #[arg(long)]
        account: String,
        #[arg(long)]
        group: String,
        /// How long an offer rings before the next agent gets it ("20s").
        #[arg(long, value_parser = humantime_serde::re::humantime::parse_duration)]
        offer_timeout: Option<std::time::Duration>,
        /// After this long waiting the caller overflows ("2m"), or "never".
        #[arg(long, value_parser = parse_wait)]
        overflow_after: Option<Wait>,
        /// Another group's name, "voicemail", or "none".
        #[arg(long)]
        overflow_to: Option<String>,
        /// Set an agent who lets an offer ring out Away.
        #[arg(long)]
        away_on_missed: Option<bool>,
    },
}

/// How long a caller may wait: a duration, or never overflowing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait(Option<std::time::Duration>);

fn parse_wait(text: &str) -> Result<Wait, String> {
    match text {
        "never" => Ok(Wait(None)),
        _ => humantime_serde::re::humantime::parse_duration(text)
            .map(|d| Wait(Some(d)))
            .map_err(|e| e.to_string()),
    }
}

#[derive(Debug, Clone, Subcommand)]
pub enum NumberCommand {
    Add {
        #[arg(long)]
        account: String,
        #[arg(long)]
        number: String,
        /// The ring group its calls go to.
        #[arg(long, required_unless_present = "flow", conflicts_with = "flow")]
        group: Option<String>,
        /// The call flow its callers go through (which routes them on).
        #[arg(long)]
        flow: Option<String>,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Sends an existing number's callers through a call flow.
    Flow {
        #[arg(long)]
        account: String,
        #[arg(long)]
        number: String,
        #[arg(long)]
        flow: String,
    },
    Remove {
        #[arg(long)]
        account: String,
        #[arg(long)]
        number: String,
    },
    List {
        #[arg(long)]
        account: String,
    },
}

pub(super) async fn ring_group(store: &Store, command: RingGroup) -> Result<String> {
    let add = matches!(command, RingGroup::Add { .. });
    Ok(match command {
        RingGroup::Create {
            account,
            name,
            strategy,
        } => {
            let account = store.account_by_name(&account).await?;
            store
                .create_ring_group(account.id, &name, &strategy)
                .await?;
            format!("created ring group {name:?} ({strategy})")
        }
        RingGroup::Add {
            account,
            group,
            email,
        }
        | RingGroup::Remove {
            account,
            group,
            email,
        } => {
            let account = store.account_by_name(&account).await?;
            let agent = store.agent_by_email(&email).await?;
            store
                .set_ring_group_member(account.id, &group, agent.id, add)
                .await?;
            if add {
                format!("{email} is in {group}")
            } else {
                format!("{email} left {group}")
            }
        }
        RingGroup::List { account } => {
            let account = store.account_by_name(&account).await?;
            store
                .ring_groups(account.id)
                .await?
                .into_iter()
                .map(|(name, strategy, members)| {
                    format!("{name}\t{strategy}\t{}", members.join(", "))
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        RingGroup::Hours {
            account,
            group,
            timezone,
            open,
            closed_on,
            always,
        } => {
            let account = store.account_by_name(&account).await?;
            let hours = (!always).then(|| crate::flow::HoursFile {
                timezone: timezone.unwrap_or_default(),
                open,
                closed_on,
            });
            store
                .set_group_hours(account.id, &group, hours.as_ref())
                .await?;
            match hours {
                None => format!("{group} answers chats at any hour"),
                Some(hours) => format!(
                    "{group} answers chats {} ({})",
                    hours.open.join(", "),
                    hours.timezone
                ),
            }
        }
        RingGroup::Set {
            account,
            group,
            offer_timeout,
            overflow_after,
            overflow_to,
            away_on_missed,
        } => {
            let account = store.account_by_name(&account).await?;
            let overflow_to = overflow_to.map(|to| match to.as_str() {
                "none" => OverflowTo::Nowhere,
                "voicemail" => OverflowTo::Voicemail,
                _ => OverflowTo::Group(to),
            });
            let change = RoutingChange {
                offer_timeout,
                overflow_after: overflow_after.map(|wait| wait.0),
                overflow_to,
                away_on_missed,
            };
            store
                .set_ring_group_routing(account.id, &group, &change)
                .await?;
            format!("updated ring group {group:?}")
        }
    })
}

pub(super) async fn inbound_number(store: &Store, command: NumberCommand) -> Result<String> {
    Ok(match command {
        NumberCommand::Add {
            account,
            number,
            group,
            flow,
            label,
        } => {
            let (account, e164) = account_number(store, &account, &number).await?;
            match (group, flow) {
                (Some(group), _) => {
                    store
                        .add_inbound_number(account.id, &e164, &group, &label)
                        .await?;
                    format!("calls to {e164} ring {group}")
                }
                (None, Some(flow)) => {
                    store
                        .add_flow_number(account.id, &e164, &flow, &label)
                        .await?;
                    format!("calls to {e164} go through flow {flow}")
                }
                (None, None) => {
                    return Err(Error::BadRequest("give --group or --flow".into()));
                }
            }
        }
        NumberCommand::Flow {
            account,
            number,
            flow,
        } => {
            let (account, e164) = account_number(store, &account, &number).await?;
            store.set_number_flow(account.id, &e164, &flow).await?;
            format!("calls to {e164} go through flow {flow}")
        }
        NumberCommand::Remove { account, number } => {
            let (account, e164) = account_number(store, &account, &number).await?;
            store.remove_inbound_number(account.id, &e164).await?;
            format!("{e164} no longer takes calls")
        }
        NumberCommand::List { account } => {
            let account = store.account_by_name(&account).await?;
            store
                .inbound_numbers(account.id)
                .await?
                .into_iter()
                .map(|(number, group, label, flow)| match flow {
                    Some(flow) => format!("{number}\tflow {flow}\t{label}"),
                    None => format!("{number}\t{}\t{label}", group.as_deref().unwrap_or("-")),
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
    })
}
