//! What conversations use: the account's canned replies and live chat widgets.

use clap::Subcommand;
use switchboard_protocol::NewWidget;

use crate::conversation::canned;
use crate::{Error, Result, Store, widget};

#[derive(Debug, Clone, Subcommand)]
pub enum WidgetCommand {
    /// Makes a live chat widget and prints its public id and its secret (shown this once).
    Create {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
        /// A website allowed to embed it (https://host[:port]); repeat for more.
        #[arg(long = "origin", required = true)]
        origins: Vec<String>,
        /// The ring group whose queue its chats wait in.
        #[arg(long)]
        group: Option<String>,
        #[arg(long)]
        color: Option<String>,
        #[arg(long, default_value = "")]
        greeting: String,
        /// Ask visitors their name and email before they chat.
        #[arg(long)]
        pre_chat: bool,
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

pub(super) async fn widget(store: &Store, command: WidgetCommand) -> Result<String> {
    Ok(match command {
        WidgetCommand::Create {
            account,
            name,
            origins,
            group,
            color,
            greeting,
            pre_chat,
        } => {
            let account = store.account_by_name(&account).await?;
            let group_id = match group {
                Some(group) => Some(store.ring_group_id(account.id, &group).await?),
                None => None,
            };
            let checked = widget::check(&NewWidget {
                name,
                origins,
                group_id,
                color,
                greeting,
                pre_chat,
            })?;
            let (public_id, secret) = widget::new_ids();
            let made = store
                .create_widget(account.id, &checked, group_id, (&public_id, &secret))
                .await?;
            format!(
                "created widget {:?} for {}: public id {}\nsecret (keep it on the website's server; not shown again):\n{secret}",
                made.name, account.name, made.public_id
            )
        }
        WidgetCommand::List { account } => {
            let account = store.account_by_name(&account).await?;
            store
                .widgets(account.id)
                .await?
                .into_iter()
                .map(|w| format!("{}\t{}\t{}", w.public_id, w.name, w.origins.join(" ")))
                .collect::<Vec<_>>()
                .join("\n")
        }
        WidgetCommand::Remove { account, name } => {
            let account = store.account_by_name(&account).await?;
            let found = store
                .widgets(account.id)
                .await?
                .into_iter()
                .find(|w| w.name == name)
                .ok_or(Error::NotFound("widget"))?;
            store.remove_widget(account.id, found.id).await?;
            format!("removed widget {name:?}")
        }
    })
}

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
