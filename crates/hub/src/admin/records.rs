//! The account's records an administrator keeps: recordings, the block list,
//! dispositions, API keys.

use clap::Subcommand;

use super::account_number;

use crate::Result;
use crate::store::Store;

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

pub(super) async fn block(store: &Store, command: BlockCommand) -> Result<String> {
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

pub(super) async fn disposition(store: &Store, command: DispositionCommand) -> Result<String> {
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

pub(super) async fn api_key(store: &Store, command: ApiKeyCommand) -> Result<String> {
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
