//! `switchboard-hub admin …`: everything an administrator sets up, without writing SQL.
//! Each command works on the hub's database (and data folder) directly and prints what it
//! did.

use std::io::BufRead;
use std::path::Path;

use clap::{Args, Subcommand};
use switchboard_protocol::{AccountSettings, Role};

use crate::auth::{hash_password, new_token};
use crate::store::{Carrier, NewAccount, NewAgent, OverflowTo, RoutingChange, Store};
use crate::{Error, Result, phone};

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Create an account (a contact center).
    CreateAccount {
        #[arg(long)]
        name: String,
        /// ISO 3166 country used to read national phone numbers.
        #[arg(long, default_value = "US")]
        country: String,
    },
    /// List accounts.
    Accounts,
    /// Change an account's presence switches and default country.
    Settings {
        #[arg(long)]
        account: String,
        /// Put agents "On a call" while they are on a call.
        #[arg(long)]
        auto_on_call: Option<bool>,
        /// Put agents in "After-call work" when a call ends.
        #[arg(long)]
        after_call_work: Option<bool>,
        /// Seconds before after-call work ends by itself (0: never).
        #[arg(long)]
        after_call_work_timeout: Option<u32>,
        #[arg(long)]
        country: Option<String>,
        /// Identity: check callers' numbers and verify voiceprints.
        #[arg(long)]
        identity: Option<bool>,
        /// Record every call with the phone network.
        #[arg(long)]
        record_calls: Option<bool>,
        /// Let agents pause and resume recordings.
        #[arg(long)]
        recording_pause: Option<bool>,
        /// Delete recordings this many days after their call (0: keep them).
        #[arg(long)]
        recording_retention_days: Option<u32>,
    },
    /// Create an agent, supervisor or admin.
    CreateAgent {
        #[arg(long)]
        account: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "agent")]
        role: Role,
        #[command(flatten)]
        password: PasswordSource,
        /// Let the agent pick the outbound caller ID.
        #[arg(long)]
        choose_caller_id: bool,
    },
    /// Change an agent's role and caller-ID permission.
    SetRole {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: Role,
        #[arg(long)]
        choose_caller_id: bool,
    },
    /// Set a new password and sign the agent out everywhere.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// List an account's agents with their status.
    Agents {
        #[arg(long)]
        account: String,
    },
    /// Add an account-defined status agents can pick.
    CreateStatus {
        #[arg(long)]
        account: String,
        #[arg(long)]
        label: String,
        /// `#rrggbb`
        #[arg(long)]
        color: String,
        /// Other agents may call an agent in this status.
        #[arg(long)]
        callable: bool,
    },
    /// Ring groups and their members.
    #[command(subcommand)]
    RingGroup(RingGroup),
    /// Numbers agents may present on outbound calls.
    #[command(subcommand)]
    CallerId(CallerIdCommand),
    /// The numbers customers call (DIDs on the SIP trunk), and the ring group each rings.
    #[command(subcommand)]
    Number(NumberCommand),
    /// The account's SIP carrier: where calls to outside numbers go.
    #[command(subcommand)]
    Carrier(CarrierCommand),
    /// Call flows: what callers hear and press before an agent takes the call.
    #[command(subcommand)]
    Flow(FlowCommand),
    /// The recordings call flows play (WAV files).
    #[command(subcommand)]
    Prompt(PromptCommand),
    /// Keys outside systems use for the account's API (e.g. to attach context to calls).
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// The outcomes agents pick for their calls (Sale, Callback requested…).
    #[command(subcommand)]
    Disposition(DispositionCommand),
    /// Numbers whose calls are flagged as high risk (Identity).
    #[command(subcommand)]
    Block(BlockCommand),
    /// Call recordings: delete one (an erasure request), or those past the account's
    /// retention now rather than at the hub's next hourly round.
    #[command(subcommand)]
    Recording(RecordingCommand),
}

#[derive(Debug, Clone, Subcommand)]
pub enum RecordingCommand {
    /// Deletes a call's recording: the file and its record.
    Delete {
        #[arg(long)]
        account: String,
        /// The call's id (as the history and the API show it).
        #[arg(long)]
        call: i64,
    },
    /// Deletes every recording past its account's retention.
    Expire,
}

#[derive(Debug, Clone, Subcommand)]
pub enum BlockCommand {
    /// Puts a number on the account's block list.
    Add {
        #[arg(long)]
        account: String,
        number: String,
        /// Why, for the agents who see it flagged.
        #[arg(long, default_value = "")]
        reason: String,
    },
    Remove {
        #[arg(long)]
        account: String,
        number: String,
    },
    List {
        #[arg(long)]
        account: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum DispositionCommand {
    /// Adds a disposition at the end of the list agents pick from.
    Add {
        #[arg(long)]
        account: String,
        label: String,
    },
    /// Takes a disposition off the list; calls that used it keep it.
    Remove {
        #[arg(long)]
        account: String,
        label: String,
    },
    List {
        #[arg(long)]
        account: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum ApiKeyCommand {
    /// Creates a key and prints it (the only time it is shown).
    Create {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
    },
    List {
        #[arg(long)]
        account: String,
    },
    /// Revokes a key: requests with it are refused from now on.
    Revoke {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum FlowCommand {
    /// Saves a flow from its TOML file, after checking it (steps, prompts, ring groups).
    Set {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// Prints a flow's file.
    Show {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
    },
    List {
        #[arg(long)]
        account: String,
    },
    Remove {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum PromptCommand {
    /// Adds (or replaces) a prompt from a WAV file (any rate, mono or stereo).
    Add {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        file: std::path::PathBuf,
    },
    List {
        #[arg(long)]
        account: String,
    },
    Remove {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum CarrierCommand {
    /// Set (or replace) the carrier. A running hub picks it up within a minute.
    Set {
        #[arg(long)]
        account: String,
        /// The carrier's SIP proxy or registrar, `host[:port]` (port 5060 when left out).
        #[arg(long)]
        proxy: String,
        /// `udp` or `tcp`.
        #[arg(long, default_value = "udp")]
        transport: String,
        /// Digest user name, for a carrier that challenges requests.
        #[arg(long)]
        username: Option<String>,
        /// Read the digest password from the first line of standard input.
        #[arg(long, requires = "username")]
        password_stdin: bool,
        /// Register with the carrier (else the carrier knows the hub by its IP address).
        #[arg(long, requires = "username")]
        register: bool,
    },
    Show {
        #[arg(long)]
        account: String,
    },
    Remove {
        #[arg(long)]
        account: String,
    },
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
pub enum CallerIdCommand {
    Add {
        #[arg(long)]
        account: String,
        #[arg(long)]
        number: String,
        #[arg(long, default_value = "")]
        label: String,
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

/// Where a new password comes from; with neither flag one is generated and printed.
#[derive(Debug, Clone, Args)]
pub struct PasswordSource {
    /// The password (visible to other users of this machine in the process list).
    #[arg(long, conflicts_with = "password_stdin")]
    password: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

impl PasswordSource {
    pub fn given(password: &str) -> Self {
        Self {
            password: Some(password.to_owned()),
            password_stdin: false,
        }
    }

    /// The password, and whether it was generated (and so must be shown).
    fn resolve(&self) -> Result<(String, bool)> {
        if let Some(password) = &self.password {
            return Ok((password.clone(), false));
        }
        if self.password_stdin {
            return Ok((read_password()?, false));
        }
        // 24 characters from a fresh session token: as random as the token itself.
        Ok((new_token()[3..27].to_owned(), true))
    }
}

/// A password from the first line of standard input (not from the command line, where other
/// users of the machine see it).
fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::BadRequest(format!("cannot read the password: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Runs one admin command on the hub's database and data folder; returns what to print.
pub async fn run(store: &Store, data_dir: &Path, command: Command) -> Result<String> {
    Ok(match command {
        Command::CreateAccount { name, country } => {
            let id = store
                .create_account(&NewAccount {
                    name: name.clone(),
                    default_country: country,
                })
                .await?;
            format!("created account {name:?} (id {id})")
        }
        Command::Accounts => store
            .accounts()
            .await?
            .iter()
            .map(|a| format!("{}\t{}\t{}", a.id, a.name, a.settings.default_country))
            .collect::<Vec<_>>()
            .join("\n"),
        Command::Settings {
            account,
            auto_on_call,
            after_call_work,
            after_call_work_timeout,
            country,
            identity,
            record_calls,
            recording_pause,
            recording_retention_days,
        } => {
            let account = store.account_by_name(&account).await?;
            let old = account.settings;
            let settings = AccountSettings {
                auto_on_call: auto_on_call.unwrap_or(old.auto_on_call),
                after_call_work: after_call_work.unwrap_or(old.after_call_work),
                after_call_work_timeout_secs: after_call_work_timeout
                    .unwrap_or(old.after_call_work_timeout_secs),
                default_country: match country {
                    Some(country) => {
                        let country = country.to_ascii_uppercase();
                        if country.parse::<phonenumber::country::Id>().is_err() {
                            return Err(Error::BadRequest(format!(
                                "{country:?} is not an ISO 3166 country code"
                            )));
                        }
                        country
                    }
                    None => old.default_country,
                },
                identity: identity.unwrap_or(old.identity),
                record_calls: record_calls.unwrap_or(old.record_calls),
                recording_pause: recording_pause.unwrap_or(old.recording_pause),
                recording_retention_days: recording_retention_days
                    .unwrap_or(old.recording_retention_days),
            };
            store.set_account_settings(account.id, &settings).await?;
            format!("{}: {settings:?}", account.name)
        }
        Command::CreateAgent {
            account,
            email,
            name,
            role,
            password,
            choose_caller_id,
        } => {
            let account = store.account_by_name(&account).await?;
            let (password, generated) = password.resolve()?;
            let hash = hash_password(&password)?;
            let id = store
                .create_agent(&NewAgent {
                    account_id: account.id,
                    email: email.clone(),
                    name,
                    role,
                    password_hash: hash,
                    can_choose_caller_id: choose_caller_id,
                })
                .await?;
            let email = crate::store::agents::normalize_email(&email);
            let mut out = format!(
                "created {} {email} (id {id}) in {}",
                role.as_str(),
                account.name
            );
            if generated {
                out.push_str(&format!("\npassword: {password}"));
            }
            out
        }
        Command::SetRole {
            email,
            role,
            choose_caller_id,
        } => {
            store.set_role(&email, role, choose_caller_id).await?;
            format!("{email} is now {}", role.as_str())
        }
        Command::ResetPassword { email, password } => {
            let agent = store.agent_by_email(&email).await?;
            let (password, generated) = password.resolve()?;
            store
                .set_password_hash(&email, &hash_password(&password)?)
                .await?;
            let revoked = store.revoke_sessions_of(agent.id).await?;
            let mut out = format!("password of {email} reset; {revoked} session(s) signed out");
            if generated {
                out.push_str(&format!("\npassword: {password}"));
            }
            out
        }
        Command::Agents { account } => {
            let account = store.account_by_name(&account).await?;
            store
                .agents(account.id)
                .await?
                .iter()
                .map(|a| {
                    format!(
                        "{}\t{}\t{}\t{}\t{}",
                        a.id, a.email, a.name, a.role, a.status_key
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        Command::CreateStatus {
            account,
            label,
            color,
            callable,
        } => {
            let account = store.account_by_name(&account).await?;
            let key = store
                .create_custom_status(account.id, &label, &color, callable)
                .await?;
            format!("created status {label:?} ({key})")
        }
        Command::RingGroup(command) => ring_group(store, command).await?,
        Command::CallerId(command) => caller_id(store, command).await?,
        Command::Number(command) => inbound_number(store, command).await?,
        Command::Carrier(command) => carrier(store, command).await?,
        Command::Flow(command) => flow(store, command).await?,
        Command::Prompt(command) => prompt(store, command).await?,
        Command::ApiKey(command) => api_key(store, command).await?,
        Command::Disposition(command) => disposition(store, command).await?,
        Command::Block(command) => block(store, command).await?,
        Command::Recording(RecordingCommand::Delete { account, call }) => {
            let account = store.account_by_name(&account).await?;
            crate::recording::delete(store, data_dir, account.id, call).await?;
            format!("deleted the recording of call {call}")
        }
        Command::Recording(RecordingCommand::Expire) => {
            let deleted = crate::recording::expire(store, data_dir).await?;
            format!("deleted {deleted} recordings past their retention")
        }
    })
}

async fn ring_group(store: &Store, command: RingGroup) -> Result<String> {
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

async fn carrier(store: &Store, command: CarrierCommand) -> Result<String> {
    Ok(match command {
        CarrierCommand::Set {
            account,
            proxy,
            transport,
            username,
            password_stdin,
            register,
        } => {
            let account = store.account_by_name(&account).await?;
            let transport = transport.parse()?;
            let password = password_stdin.then(read_password).transpose()?;
            let carrier = Carrier {
                account_id: account.id,
                proxy,
                transport,
                username,
                password,
                register,
            };
            store.set_carrier(&carrier).await?;
            format!("{}: {}", account.name, describe(&carrier))
        }
        CarrierCommand::Show { account } => {
            let account = store.account_by_name(&account).await?;
            match store.carrier(account.id).await? {
                Some(carrier) => describe(&carrier),
                None => "no carrier: calls to outside numbers are refused".into(),
            }
        }
        CarrierCommand::Remove { account } => {
            let account = store.account_by_name(&account).await?;
            store.remove_carrier(account.id).await?;
            format!("{}: carrier removed", account.name)
        }
    })
}

fn read_file(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::BadRequest(format!("{}: {e}", path.display())))
}

async fn flow(store: &Store, command: FlowCommand) -> Result<String> {
    Ok(match command {
        FlowCommand::Set {
            account,
            name,
            file,
        } => {
            let account = store.account_by_name(&account).await?;
            let source = String::from_utf8(read_file(&file)?)
                .map_err(|_| Error::BadRequest(format!("{} is not text", file.display())))?;
            store.set_flow(account.id, &name, &source).await?;
            format!("saved flow {name:?}")
        }
        FlowCommand::Show { account, name } => {
            let account = store.account_by_name(&account).await?;
            store.flow_source(account.id, &name).await?
        }
        FlowCommand::List { account } => {
            let account = store.account_by_name(&account).await?;
            store.flow_names(account.id).await?.join("\n")
        }
        FlowCommand::Remove { account, name } => {
            let account = store.account_by_name(&account).await?;
            store.remove_flow(account.id, &name).await?;
            format!("removed flow {name:?}; its numbers ring their group again")
        }
    })
}

async fn prompt(store: &Store, command: PromptCommand) -> Result<String> {
    Ok(match command {
        PromptCommand::Add {
            account,
            name,
            file,
        } => {
            let account = store.account_by_name(&account).await?;
            store
                .set_prompt(account.id, &name, &read_file(&file)?)
                .await?;
            format!("saved prompt {name:?}")
        }
        PromptCommand::List { account } => {
            let account = store.account_by_name(&account).await?;
            store.prompt_names(account.id).await?.join("\n")
        }
        PromptCommand::Remove { account, name } => {
            let account = store.account_by_name(&account).await?;
            store.remove_prompt(account.id, &name).await?;
            format!("removed prompt {name:?}")
        }
    })
}

async fn block(store: &Store, command: BlockCommand) -> Result<String> {
    Ok(match command {
        BlockCommand::Add {
            account,
            number,
            reason,
        } => {
            let (account, e164) = account_number(store, &account, &number).await?;
            store.block_number(account.id, &e164, reason.trim()).await?;
            format!("blocked {e164} for {}", account.name)
        }
        BlockCommand::Remove { account, number } => {
            let (account, e164) = account_number(store, &account, &number).await?;
            store.unblock_number(account.id, &e164).await?;
            format!("unblocked {e164}")
        }
        BlockCommand::List { account } => {
            let account = store.account_by_name(&account).await?;
            store
                .blocked_numbers(account.id)
                .await?
                .into_iter()
                .map(|(number, reason)| format!("{number}\t{reason}"))
                .collect::<Vec<_>>()
                .join("\n")
        }
    })
}

async fn disposition(store: &Store, command: DispositionCommand) -> Result<String> {
    Ok(match command {
        DispositionCommand::Add { account, label } => {
            let account = store.account_by_name(&account).await?;
            let label = label.trim();
            store.add_disposition(account.id, label).await?;
            format!("added disposition {label:?} to {}", account.name)
        }
        DispositionCommand::Remove { account, label } => {
            let account = store.account_by_name(&account).await?;
            store.remove_disposition(account.id, label.trim()).await?;
            format!("removed disposition {:?}", label.trim())
        }
        DispositionCommand::List { account } => {
            let account = store.account_by_name(&account).await?;
            store
                .dispositions(account.id)
                .await?
                .into_iter()
                .map(|d| d.label)
                .collect::<Vec<_>>()
                .join("\n")
        }
    })
}

async fn api_key(store: &Store, command: ApiKeyCommand) -> Result<String> {
    Ok(match command {
        ApiKeyCommand::Create { account, name } => {
            let account = store.account_by_name(&account).await?;
            let key = store.create_api_key(account.id, &name).await?;
            format!(
                "created API key {name:?} for {}; keep it safe, it is not shown again:\n{key}",
                account.name
            )
        }
        ApiKeyCommand::List { account } => {
            let account = store.account_by_name(&account).await?;
            let when = |ms: i64| {
                time::OffsetDateTime::from_unix_timestamp(ms / 1000)
                    .map(|t| t.date().to_string())
                    .unwrap_or_default()
            };
            store
                .api_keys(account.id)
                .await?
                .into_iter()
                .map(|(name, created, used)| {
                    let used = used.map_or_else(
                        || "never used".into(),
                        |ms| format!("last used {}", when(ms)),
                    );
                    format!("{name}\tcreated {}\t{used}", when(created))
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        ApiKeyCommand::Revoke { account, name } => {
            let account = store.account_by_name(&account).await?;
            store.revoke_api_key(account.id, &name).await?;
            format!("revoked API key {name:?}")
        }
    })
}

/// A carrier as an administrator reads it (never its password).
fn describe(carrier: &Carrier) -> String {
    let mut text = format!(
        "sip:{};transport={}",
        carrier.proxy,
        carrier.transport.as_str()
    );
    if let Some(user) = &carrier.username {
        let secret = if carrier.password.is_some() {
            "with a password"
        } else {
            "without a password"
        };
        text.push_str(&format!(", user {user} {secret}"));
    }
    text.push_str(if carrier.register {
        ", registers"
    } else {
        ", IP-authenticated"
    });
    text
}

async fn caller_id(store: &Store, command: CallerIdCommand) -> Result<String> {
    Ok(match command {
        CallerIdCommand::Add {
            account,
            number,
            label,
        } => {
            let (account, e164) = account_number(store, &account, &number).await?;
            store.add_caller_id(account.id, &e164, &label).await?;
            format!("added caller ID {e164}")
        }
        CallerIdCommand::Remove { account, number } => {
            let (account, e164) = account_number(store, &account, &number).await?;
            store.remove_caller_id(account.id, &e164).await?;
            format!("removed caller ID {e164}")
        }
        CallerIdCommand::List { account } => {
            let account = store.account_by_name(&account).await?;
            store
                .caller_ids(account.id)
                .await?
                .iter()
                .map(|c| format!("{}\t{}", c.number, c.label))
                .collect::<Vec<_>>()
                .join("\n")
        }
    })
}

async fn inbound_number(store: &Store, command: NumberCommand) -> Result<String> {
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

/// The account named `account`, and `number` in E.164 as that account's country reads it.
async fn account_number(
    store: &Store,
    account: &str,
    number: &str,
) -> Result<(switchboard_protocol::Account, String)> {
    let account = store.account_by_name(account).await?;
    let e164 = phone::to_e164(number, &account.settings.default_country)?;
    Ok((account, e164))
}
