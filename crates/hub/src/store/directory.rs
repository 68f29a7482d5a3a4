//! What agents look up: contacts (with their phones, emails and CRM links), caller IDs,
//! dispositions, ring groups and integrations.

use std::collections::HashMap;
use std::time::Duration;

use switchboard_protocol::{Badge, CallerId, Contact, ContactPhone, Disposition, Id};

use super::{Store, now_ms};
use crate::{Error, Result};

#[derive(Debug, Clone)]
pub struct NewContact {
    pub name: String,
    pub company: String,
    /// (E.164 number, label)
    pub phones: Vec<(String, String)>,
    pub emails: Vec<String>,
    /// (integration key, id of the contact in that system)
    pub links: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct NewIntegration {
    pub key: String,
    pub label: String,
    pub url_template: String,
    pub is_default: bool,
}

#[derive(sqlx::FromRow)]
struct ContactRow {
    id: i64,
    name: String,
    company: String,
}

/// Most contacts one search returns.
const SEARCH_LIMIT: i64 = 50;

impl Store {
    pub async fn create_integration(&self, account_id: Id, new: &NewIntegration) -> Result<Id> {
        if !new.url_template.contains("{id}") {
            return Err(Error::BadRequest(
                "an integration's URL template must contain {id}".into(),
            ));
        }
        Ok(sqlx::query_scalar(
            "INSERT INTO integrations (account_id, key, label, url_template, is_default)
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(account_id)
        .bind(&new.key)
        .bind(&new.label)
        .bind(&new.url_template)
        .bind(new.is_default)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Stores a contact; phone numbers must already be E.164.
    pub async fn create_contact(&self, account_id: Id, new: &NewContact) -> Result<Id> {
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO contacts (account_id, name, company, created_at) VALUES (?, ?, ?, ?)
             RETURNING id",
        )
        .bind(account_id)
        .bind(&new.name)
        .bind(&new.company)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        for (number, label) in &new.phones {
            add_phone(&mut tx, account_id, id, number, label).await?;
            add_identity(&mut tx, account_id, id, "phone", number).await?;
        }
        for email in &new.emails {
            sqlx::query("INSERT INTO contact_emails (contact_id, email) VALUES (?, ?)")
                .bind(id)
                .bind(email)
                .execute(&mut *tx)
                .await?;
            add_identity(&mut tx, account_id, id, "email", &email.to_lowercase()).await?;
        }
        for (integration, external_id) in &new.links {
            let integration_id: i64 =
                sqlx::query_scalar("SELECT id FROM integrations WHERE account_id = ? AND key = ?")
                    .bind(account_id)
                    .bind(integration)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(Error::NotFound("integration"))?;
            sqlx::query(
                "INSERT INTO contact_links (contact_id, integration_id, external_id) VALUES (?, ?, ?)",
            )
            .bind(id)
            .bind(integration_id)
            .bind(external_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn contact(&self, account_id: Id, id: Id) -> Result<Contact> {
        let row = sqlx::query_as::<_, ContactRow>(
            "SELECT id, name, company FROM contacts WHERE id = ? AND account_id = ?",
        )
        .bind(id)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound("contact"))?;
        Ok(self
            .complete_contacts(account_id, vec![row])
            .await?
            .remove(0))
    }

    /// Contacts with this E.164 number.
    pub async fn contacts_by_phone(&self, account_id: Id, e164: &str) -> Result<Vec<Contact>> {
        let rows = sqlx::query_as::<_, ContactRow>(
            "SELECT DISTINCT c.id, c.name, c.company FROM contacts c
             JOIN contact_phones p ON p.contact_id = c.id
             WHERE p.account_id = ? AND p.number = ? AND c.merged_into IS NULL ORDER BY c.name COLLATE NOCASE, c.id",
        )
        .bind(account_id)
        .bind(e164)
        .fetch_all(&self.pool)
        .await?;
        self.complete_contacts(account_id, rows).await
    }

    /// Contacts whose name, company, email or number contains `text` (any case).
    pub async fn search_contacts(&self, account_id: Id, text: &str) -> Result<Vec<Contact>> {
        let escaped = text
            .trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let digit_pattern = if digits.len() >= 3 {
            format!("%{digits}%")
        } else {
            // Matches nothing: fewer than three digits say nothing about a number.
            "\u{0}".to_owned()
        };
        let rows = sqlx::query_as::<_, ContactRow>(
            "SELECT c.id, c.name, c.company FROM contacts c
             WHERE c.account_id = ? AND c.merged_into IS NULL AND (
                 c.name LIKE ? ESCAPE '\\' OR c.company LIKE ? ESCAPE '\\'
                 OR EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id
                            AND e.email LIKE ? ESCAPE '\\')
                 OR EXISTS (SELECT 1 FROM contact_phones p WHERE p.contact_id = c.id
                            AND p.number LIKE ?))
             ORDER BY c.name COLLATE NOCASE, c.id LIMIT ?",
        )
        .bind(account_id)
        .bind(&pattern)
        .bind(&pattern)
        .bind(&pattern)
        .bind(&digit_pattern)
        .bind(SEARCH_LIMIT)
        .fetch_all(&self.pool)
        .await?;
        self.complete_contacts(account_id, rows).await
    }

    async fn complete_contacts(
        &self,
        account_id: Id,
        rows: Vec<ContactRow>,
    ) -> Result<Vec<Contact>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids = rows
            .iter()
            .map(|row| row.id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        // The ids are integers we just read, so formatting them into the query is safe.
        let phones: Vec<(i64, String, String)> = sqlx::query_as(&format!(
            "SELECT contact_id, number, label FROM contact_phones
             WHERE contact_id IN ({ids}) ORDER BY rowid"
        ))
        .fetch_all(&self.pool)
        .await?;
        let emails: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT contact_id, email FROM contact_emails WHERE contact_id IN ({ids}) ORDER BY rowid"
        ))
        .fetch_all(&self.pool)
        .await?;
        let links: Vec<(i64, String, String, String, String, bool)> = sqlx::query_as(&format!(
            "SELECT l.contact_id, i.key, i.label, i.url_template, l.external_id, i.is_default
             FROM contact_links l JOIN integrations i ON i.id = l.integration_id
             WHERE l.contact_id IN ({ids}) AND i.account_id = ? ORDER BY i.is_default DESC, i.id"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;

        let mut contacts: Vec<Contact> = rows
            .into_iter()
            .map(|row| Contact {
                id: row.id,
                name: row.name,
                company: row.company,
                phones: Vec::new(),
                emails: Vec::new(),
                badges: vec![Badge {
                    integration: "contacts".into(),
                    label: "Contacts".into(),
                    url: String::new(),
                    default: false,
                }],
            })
            .collect();
        let index: HashMap<i64, usize> = contacts
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        for (id, number, label) in phones {
            contacts[index[&id]]
                .phones
                .push(ContactPhone { number, label });
        }
        for (id, email) in emails {
            contacts[index[&id]].emails.push(email);
        }
        for (id, key, label, template, external_id, default) in links {
            contacts[index[&id]].badges.push(Badge {
                integration: key,
                label,
                url: template.replace("{id}", &url_component(&external_id)),
                default,
            });
        }
        Ok(contacts)
    }

    pub async fn add_caller_id(&self, account_id: Id, number: &str, label: &str) -> Result<Id> {
        sqlx::query_scalar(
            "INSERT INTO caller_ids (account_id, number, label) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(account_id)
        .bind(number)
        .bind(label)
        .fetch_one(&self.pool)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Error::Conflict(format!("{number} is already a caller ID of this account"))
            }
            _ => Error::from(error),
        })
    }

    pub async fn remove_caller_id(&self, account_id: Id, number: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM caller_ids WHERE account_id = ? AND number = ?")
            .bind(account_id)
            .bind(number)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("caller ID"));
        }
        Ok(())
    }

    pub async fn caller_ids(&self, account_id: Id) -> Result<Vec<CallerId>> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, number, label FROM caller_ids WHERE account_id = ? ORDER BY id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, number, label)| CallerId { id, number, label })
            .collect())
    }

    /// Adds a disposition at the end of the account's list; its label must be new there.
    pub async fn add_disposition(&self, account_id: Id, label: &str) -> Result<Id> {
        if label.is_empty() || label.chars().count() > 60 {
            return Err(Error::BadRequest(
                "a disposition needs a label of at most 60 characters".into(),
            ));
        }
        if self
            .dispositions(account_id)
            .await?
            .iter()
            .any(|d| d.label == label)
        {
            return Err(Error::Conflict(format!(
                "the account already has the disposition {label:?}"
            )));
        }
        Ok(sqlx::query_scalar(
            "INSERT INTO dispositions (account_id, label, position)
             VALUES (?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM dispositions WHERE account_id = ?))
             RETURNING id",
        )
        .bind(account_id)
        .bind(label)
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn dispositions(&self, account_id: Id) -> Result<Vec<Disposition>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, label FROM dispositions WHERE account_id = ? AND removed_at IS NULL
             ORDER BY position, id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, label)| Disposition { id, label })
            .collect())
    }

    pub async fn create_ring_group(
        &self,
        account_id: Id,
        name: &str,
        strategy: &str,
    ) -> Result<Id> {
        if !matches!(strategy, "longest_idle" | "ring_all") {
            return Err(Error::BadRequest(format!(
                "unknown strategy {strategy:?}: expected longest_idle or ring_all"
            )));
        }
        sqlx::query_scalar(
            "INSERT INTO ring_groups (account_id, name, strategy) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(account_id)
        .bind(name)
        .bind(strategy)
        .fetch_one(&self.pool)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => Error::Conflict(format!(
                "the account already has a ring group named {name:?}"
            )),
            _ => Error::from(error),
        })
    }

    /// Adds (or with `member = false` removes) an agent to a ring group of the same account.
    pub async fn set_ring_group_member(
        &self,
        account_id: Id,
        group: &str,
        agent_id: Id,
        member: bool,
    ) -> Result<()> {
        let group_id = self.ring_group_id(account_id, group).await?;
        // Also proves the agent belongs to this account.
        self.agent(account_id, agent_id).await?;
        let query = if member {
            "INSERT OR IGNORE INTO ring_group_members (ring_group_id, agent_id) VALUES (?, ?)"
        } else {
            "DELETE FROM ring_group_members WHERE ring_group_id = ? AND agent_id = ?"
        };
        sqlx::query(query)
            .bind(group_id)
            .bind(agent_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Changes how a ring group distributes callers; `None` leaves a setting as it is.
    pub async fn set_ring_group_routing(
        &self,
        account_id: Id,
        group: &str,
        change: &RoutingChange,
    ) -> Result<()> {
        let group_id = self.ring_group_id(account_id, group).await?;
        if let Some(timeout) = change.offer_timeout {
            if !(5..=300).contains(&timeout.as_secs()) {
                return Err(Error::BadRequest(
                    "the offer timeout must be between 5 seconds and 5 minutes".into(),
                ));
            }
            sqlx::query("UPDATE ring_groups SET offer_timeout_secs = ? WHERE id = ?")
                .bind(timeout.as_secs() as i64)
                .bind(group_id)
                .execute(&self.pool)
                .await?;
        }
        if let Some(after) = change.overflow_after {
            if after.is_some_and(|d| d < Duration::from_secs(5)) {
                return Err(Error::BadRequest(
                    "callers must be able to wait at least 5 seconds before overflowing".into(),
                ));
            }
            sqlx::query("UPDATE ring_groups SET overflow_after_secs = ? WHERE id = ?")
                .bind(after.map(|d| d.as_secs() as i64))
                .bind(group_id)
                .execute(&self.pool)
                .await?;
        }
        if let Some(to) = &change.overflow_to {
            let (other, voicemail) = match to {
                OverflowTo::Nowhere => (None, false),
                OverflowTo::Voicemail => (None, true),
                OverflowTo::Group(name) if name == group => {
                    return Err(Error::BadRequest(
                        "a ring group cannot overflow to itself".into(),
                    ));
                }
                OverflowTo::Group(name) => {
                    (Some(self.ring_group_id(account_id, name).await?), false)
                }
            };
            sqlx::query(
                "UPDATE ring_groups SET overflow_group_id = ?, overflow_voicemail = ? WHERE id = ?",
            )
            .bind(other)
            .bind(voicemail)
            .bind(group_id)
            .execute(&self.pool)
            .await?;
        }
        if let Some(away) = change.away_on_missed {
            sqlx::query("UPDATE ring_groups SET away_on_missed = ? WHERE id = ?")
                .bind(away)
                .bind(group_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Every ring group of an account as the router takes it, with its members' ids.
    pub async fn routing(&self, account_id: Id) -> Result<Vec<(Id, crate::routing::GroupConfig)>> {
        use crate::routing::{GroupConfig, Overflow, Strategy};
        type Row = (i64, String, i64, Option<i64>, Option<i64>, bool, bool);
        let groups: Vec<Row> = sqlx::query_as(
            "SELECT id, strategy, offer_timeout_secs, overflow_after_secs, overflow_group_id,
                    overflow_voicemail, away_on_missed
             FROM ring_groups WHERE account_id = ? ORDER BY id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(groups.len());
        for (id, strategy, timeout, after, other, voicemail, away) in groups {
            let members: Vec<i64> = sqlx::query_scalar(
                "SELECT agent_id FROM ring_group_members WHERE ring_group_id = ? ORDER BY agent_id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            let overflow = match (other, voicemail) {
                (Some(group), _) => Some(Overflow::Group(group)),
                (None, true) => Some(Overflow::Voicemail),
                (None, false) => None,
            };
            let seconds = |s: i64| Duration::from_secs(u64::try_from(s).unwrap_or(0));
            out.push((
                id,
                GroupConfig {
                    strategy: Strategy::parse(&strategy).unwrap_or(Strategy::LongestIdle),
                    members,
                    offer_timeout: seconds(timeout),
                    overflow_after: after.map(seconds),
                    overflow,
                    away_on_missed: away,
                },
            ));
        }
        Ok(out)
    }

    /// The name of a ring group of the account.
    /// The account's ring groups, by name.
    pub async fn ring_group_list(
        &self,
        account_id: Id,
    ) -> Result<Vec<switchboard_protocol::RingGroup>> {
        let rows: Vec<(Id, String)> =
            sqlx::query_as("SELECT id, name FROM ring_groups WHERE account_id = ? ORDER BY name")
                .bind(account_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| switchboard_protocol::RingGroup { id, name })
            .collect())
    }

    pub async fn routing_group_name(&self, account_id: Id, group: Id) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT name FROM ring_groups WHERE account_id = ? AND id = ?")
                .bind(account_id)
                .bind(group)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub(crate) async fn ring_group_id(&self, account_id: Id, name: &str) -> Result<Id> {
        sqlx::query_scalar("SELECT id FROM ring_groups WHERE account_id = ? AND name = ?")
            .bind(account_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::NotFound("ring group"))
    }

    /// Sends calls to `number` (E.164) to a ring group of the account.
    pub async fn add_inbound_number(
        &self,
        account_id: Id,
        number: &str,
        group: &str,
        label: &str,
    ) -> Result<Id> {
        let group_id = self.ring_group_id(account_id, group).await?;
        self.insert_inbound_number(account_id, number, Some(group_id), None, label)
            .await
    }

    /// One of the account's numbers, to a ring group or a call flow (one number, one account).
    pub(super) async fn insert_inbound_number(
        &self,
        account_id: Id,
        number: &str,
        group_id: Option<Id>,
        flow_id: Option<Id>,
        label: &str,
    ) -> Result<Id> {
        sqlx::query_scalar(
            "INSERT INTO inbound_numbers (account_id, number, ring_group_id, flow_id, label)
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(account_id)
        .bind(number)
        .bind(group_id)
        .bind(flow_id)
        .bind(label)
        .fetch_one(&self.pool)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => Error::Conflict(format!(
                "{number} already takes calls (here or in another account)"
            )),
            _ => Error::from(error),
        })
    }

    pub async fn remove_inbound_number(&self, account_id: Id, number: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM inbound_numbers WHERE account_id = ? AND number = ?")
            .bind(account_id)
            .bind(number)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("inbound number"));
        }
        Ok(())
    }

    /// An account's inbound numbers: number, ring group (if it still exists), label, and
    /// the flow callers go through first (if any).
    pub async fn inbound_numbers(
        &self,
        account_id: Id,
    ) -> Result<Vec<(String, Option<String>, String, Option<String>)>> {
        Ok(sqlx::query_as(
            "SELECT n.number, g.name, n.label, f.name FROM inbound_numbers n
             LEFT JOIN ring_groups g ON g.id = n.ring_group_id
             LEFT JOIN flows f ON f.id = n.flow_id
             WHERE n.account_id = ? ORDER BY n.number",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whose number a carrier's INVITE dialled, and which ring group takes it. Carriers write
    /// the number with or without the `+` (and some with separators).
    pub async fn inbound_route(&self, dialled: &str) -> Result<Option<InboundRoute>> {
        let digits: String = dialled.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() || digits.len() > 15 {
            return Ok(None);
        }
        type Row = (Id, Id, String, Option<Id>, Option<String>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT n.id, n.account_id, n.number, n.ring_group_id, f.source
             FROM inbound_numbers n LEFT JOIN flows f ON f.id = n.flow_id
             WHERE n.number = ?",
        )
        .bind(format!("+{digits}"))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(
            |(id, account_id, number, ring_group_id, flow)| InboundRoute {
                id,
                account_id,
                number,
                ring_group_id,
                flow,
            },
        ))
    }

    /// Ring groups of an account with their members' emails.
    pub async fn ring_groups(&self, account_id: Id) -> Result<Vec<(String, String, Vec<String>)>> {
        let groups: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, name, strategy FROM ring_groups WHERE account_id = ? ORDER BY name",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(groups.len());
        for (id, name, strategy) in groups {
            let members: Vec<String> = sqlx::query_scalar(
                "SELECT a.email FROM ring_group_members m JOIN agents a ON a.id = m.agent_id
                 WHERE m.ring_group_id = ? ORDER BY a.email",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            out.push((name, strategy, members));
        }
        Ok(out)
    }
}

/// Percent-encodes an external id for use inside a URL path or query.
fn url_component(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A change to a ring group's routing settings (admin CLI).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutingChange {
    pub offer_timeout: Option<Duration>,
    /// `Some(None)`: callers wait as long as it takes.
    pub overflow_after: Option<Option<Duration>>,
    pub overflow_to: Option<OverflowTo>,
    pub away_on_missed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverflowTo {
    Nowhere,
    Voicemail,
    Group(String),
}

/// Where a call to one of the accounts' numbers goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundRoute {
    pub id: Id,
    pub account_id: Id,
    /// The number as stored (E.164).
    pub number: String,
    pub ring_group_id: Option<Id>,
    /// The call flow callers go through first (its source), when the number has one.
    pub flow: Option<String>,
}

/// Makes a number or address a contact's identity, unless another contact has it already
/// (then that contact keeps receiving its messages).
/// Writes one of a contact's numbers (E.164) with its label.
pub(super) async fn add_phone(
    conn: &mut sqlx::SqliteConnection,
    account_id: Id,
    contact_id: Id,
    number: &str,
    label: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO contact_phones (contact_id, account_id, number, label) VALUES (?, ?, ?, ?)",
    )
    .bind(contact_id)
    .bind(account_id)
    .bind(number)
    .bind(label)
    .execute(conn)
    .await?;
    Ok(())
}

async fn add_identity(
    conn: &mut sqlx::SqliteConnection,
    account_id: Id,
    contact_id: Id,
    kind: &str,
    value: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO contact_identities (account_id, contact_id, kind, value, created_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, kind, value) DO NOTHING",
    )
    .bind(account_id)
    .bind(contact_id)
    .bind(kind)
    .bind(value)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}
