//! `switchboard-hub admin …`: everything an administrator sets up, without writing SQL.
//! Each command works on the hub's database (and data folder) directly and prints what it
//! did.

use std::io::BufRead;
use std::path::Path;

use clap::{Args, Subcommand};
use switchboard_protocol::{AccountSettings, Role};

use crate::auth::{hash_password, new_token};
use crate::store::{NewAccount, NewAgent, Store};
use crate::{Error, Result, phone};

mod conversations;
mod flows;
mod phone_line;
mod records;
mod routing;

pub use conversations::{CannedReplyCommand, WidgetCommand};
pub use flows::{FlowCommand, PromptCommand};
pub use phone_line::{CallerIdCommand, CarrierCommand};
pub use records::{ApiKeyCommand, BlockCommand, DispositionCommand, RecordingCommand};
pub use routing::{NumberCommand, RingGroup, Wait};

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
    /// Texts agents insert into conversations by shortcut.
    #[command(subcommand)]
    CannedReply(CannedReplyCommand),
    /// Live chat widgets websites embed.
    #[command(subcommand)]
    Widget(WidgetCommand),
    /// Numbers whose calls are flagged as high risk (Identity).
    #[command(subcommand)]
    Block(BlockCommand),
    /// Call recordings: delete one (an erasure request), or those past the account's
    /// retention now rather than at the hub's next hourly round.
    #[command(subcommand)]
    Recording(RecordingCommand),
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
            let email = crate::store::normalize_email(&email);
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
        Command::RingGroup(command) => routing::ring_group(store, command).await?,
        Command::CallerId(command) => phone_line::caller_id(store, command).await?,
        Command::Number(command) => routing::inbound_number(store, command).await?,
        Command::Carrier(command) => phone_line::carrier(store, command).await?,
        Command::Flow(command) => flows::flow(store, command).await?,
        Command::Prompt(command) => flows::prompt(store, command).await?,
        Command::ApiKey(command) => records::api_key(store, command).await?,
        Command::Disposition(command) => records::disposition(store, command).await?,
        Command::CannedReply(command) => conversations::canned_reply(store, command).await?,
        Command::Widget(command) => conversations::widget(store, command).await?,
        Command::Block(command) => records::block(store, command).await?,
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
