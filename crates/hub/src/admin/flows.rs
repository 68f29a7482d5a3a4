//! Call flows and the prompts they play.

use clap::Subcommand;

use crate::store::Store;
use crate::{Error, Result};

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

pub(super) fn read_file(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::BadRequest(format!("{}: {e}", path.display())))
}

pub(super) async fn flow(store: &Store, command: FlowCommand) -> Result<String> {
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

pub(super) async fn prompt(store: &Store, command: PromptCommand) -> Result<String> {
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
