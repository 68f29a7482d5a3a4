//! An account's phone line: its carrier and the caller IDs agents call out with.

use clap::Subcommand;

use super::{account_number, read_password};

use crate::Result;
use crate::store::{Carrier, Store};

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

pub(super) async fn carrier(store: &Store, command: CarrierCommand) -> Result<String> {
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

/// A carrier as an administrator reads it (never its password).
pub(super) fn describe(carrier: &Carrier) -> String {
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

pub(super) async fn caller_id(store: &Store, command: CallerIdCommand) -> Result<String> {
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
