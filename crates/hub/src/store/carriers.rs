//! Each account's SIP carrier (the phone line its outside calls use).

use switchboard_protocol::Id;

use super::{Store, now_ms};
use crate::{Error, Result};

/// How the hub reaches an account's carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carrier {
    pub account_id: Id,
    /// `host[:port]` of the carrier's SIP proxy (or registrar).
    pub proxy: String,
    pub transport: Transport,
    /// Digest credentials, when the carrier challenges requests.
    pub username: Option<String>,
    pub password: Option<String>,
    /// Register with the carrier (else it knows the hub by its address).
    pub register: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Udp => "udp",
            Self::Tcp => "tcp",
        }
    }
}

impl std::str::FromStr for Transport {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text.to_ascii_lowercase().as_str() {
            "udp" => Ok(Self::Udp),
            "tcp" => Ok(Self::Tcp),
            other => Err(Error::BadRequest(format!(
                "unknown SIP transport {other:?}: use udp or tcp"
            ))),
        }
    }
}

type Row = (Id, String, String, Option<String>, Option<String>, bool);

fn carrier((account_id, proxy, transport, username, password, register): Row) -> Result<Carrier> {
    Ok(Carrier {
        account_id,
        proxy,
        transport: transport.parse()?,
        username,
        password,
        register,
    })
}

impl Carrier {
    /// Refuses a carrier the hub could not reach: a proxy that is not `host[:port]`, a
    /// registration without a user name.
    pub fn check(&self) -> Result<()> {
        crate::trunk::carrier_uri(&self.proxy, None, self.transport)?;
        if self.register && self.username.is_none() {
            return Err(Error::BadRequest(
                "registering with a carrier needs a user name".into(),
            ));
        }
        Ok(())
    }
}

impl Store {
    /// Sets (or replaces) the account's carrier, once checked.
    pub async fn set_carrier(&self, carrier: &Carrier) -> Result<()> {
        carrier.check()?;
        sqlx::query(
            "INSERT INTO carriers
                 (account_id, proxy, transport, username, password, register, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (account_id) DO UPDATE SET
                 proxy = excluded.proxy, transport = excluded.transport,
                 username = excluded.username, password = excluded.password,
                 register = excluded.register, updated_at = excluded.updated_at",
        )
        .bind(carrier.account_id)
        .bind(&carrier.proxy)
        .bind(carrier.transport.as_str())
        .bind(&carrier.username)
        .bind(&carrier.password)
        .bind(carrier.register)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn remove_carrier(&self, account_id: Id) -> Result<()> {
        let done = sqlx::query("DELETE FROM carriers WHERE account_id = ?")
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("carrier"));
        }
        Ok(())
    }

    pub async fn carrier(&self, account_id: Id) -> Result<Option<Carrier>> {
        let row: Option<Row> = sqlx::query_as(
            "SELECT account_id, proxy, transport, username, password, register
             FROM carriers WHERE account_id = ?",
        )
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(carrier).transpose()
    }

    /// Every account's carrier (the registrations to keep up).
    pub async fn carriers(&self) -> Result<Vec<Carrier>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT account_id, proxy, transport, username, password, register
             FROM carriers ORDER BY account_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(carrier).collect()
    }
}
