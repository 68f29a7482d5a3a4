//! What conversations use: the account's canned replies.

use clap::Subcommand;

use crate::conversation::canned;
use crate::{Result, Store};

#[derive(Debug, Clone, Subcommand)]
pub enum CannedReplyCommand {
    /// Adds a canned reply, or replaces the text of the one with this shortcut. The text may
    /// say {contact}, {first_name} and {agent}, filled in for each conversation.
    Set {
        #[arg(long)]
        account: String,
        /// 1 to 32 of a-z, 0-9 and -.
        #[arg(long)]
        shortcut: String,
        text: String,
    },
    Remove {
        #[arg(long)]
        account: String,
        #[arg(long)]
        shortcut: String,
    },
    List {
        #[arg(long)]
        account: String,
    },
}

pub(super) async fn canned_reply(store: &Store, command: CannedReplyCommand) -> Result<String> {
    Ok(match command {
        CannedReplyCommand::Set {
            account,
            shortcut,
            text,
        } => {
            let account = store.account_by_name(&account).await?;
            canned::check(&shortcut, &text)?;
            store
                .set_canned_reply(account.id, &shortcut, text.trim())
                .await?;
            format!("canned reply {shortcut:?} of {} saved", account.name)
        }
        CannedReplyCommand::Remove { account, shortcut } => {
            let account = store.account_by_name(&account).await?;
            store.remove_canned_reply(account.id, &shortcut).await?;
            format!("removed canned reply {shortcut:?}")
        }
        CannedReplyCommand::List { account } => {
            let account = store.account_by_name(&account).await?;
            store
                .canned_replies(account.id)
                .await?
                .into_iter()
                .map(|reply| format!("{}\t{}", reply.shortcut, reply.text))
                .collect::<Vec<_>>()
                .join("\n")
        }
    })
}
