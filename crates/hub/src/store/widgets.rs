//! Live chat widgets.

use switchboard_protocol::{ErrorCode, Id, Widget};

use super::{Store, now_ms};
use crate::widget::Checked;
use crate::{Error, Result};

type Row = (
    i64,
    String,
    String,
    String,
    Option<i64>,
    String,
    String,
    bool,
);

fn widget((id, public_id, name, origins, group_id, color, greeting, pre_chat): Row) -> Widget {
    Widget {
        id,
        public_id,
        name,
        origins: origins.lines().map(str::to_owned).collect(),
        group_id,
        color,
        greeting,
        pre_chat,
    }
}

const COLUMNS: &str = "id, public_id, name, origins, group_id, color, greeting, pre_chat";

impl Store {
    /// Stores a checked widget with its ids; a name the account already uses is refused.
    pub async fn create_widget(
        &self,
        account_id: Id,
        checked: &Checked,
        group_id: Option<Id>,
        (public_id, secret): (&str, &str),
    ) -> Result<Widget> {
        if let Some(group) = group_id
            && self.routing_group_name(account_id, group).await?.is_none()
        {
            return Err(Error::NotFound("ring group"));
        }
        let row: std::result::Result<Row, sqlx::Error> = sqlx::query_as(&format!(
            "INSERT INTO widgets (account_id, public_id, name, origins, group_id, color, greeting,
                 pre_chat, secret, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        ))
        .bind(account_id)
        .bind(public_id)
        .bind(&checked.name)
        .bind(checked.origins.join("\n"))
        .bind(group_id)
        .bind(&checked.color)
        .bind(&checked.greeting)
        .bind(checked.pre_chat)
        .bind(secret)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await;
        match row {
            Ok(row) => Ok(widget(row)),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Err(Error::refused_as(
                ErrorCode::Conflict,
                "the account has a widget of that name",
            )),
            Err(error) => Err(error.into()),
        }
    }

    pub async fn widgets(&self, account_id: Id) -> Result<Vec<Widget>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM widgets WHERE account_id = ? ORDER BY name"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(widget).collect())
    }

    pub async fn remove_widget(&self, account_id: Id, id: Id) -> Result<()> {
        let removed = sqlx::query("DELETE FROM widgets WHERE id = ? AND account_id = ?")
            .bind(id)
            .bind(account_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(Error::NotFound("widget"));
        }
        Ok(())
    }

    /// The widget a website names, with its account and secret.
    pub async fn widget_by_public_id(&self, public_id: &str) -> Result<(Id, Widget, String)> {
        type Full = (
            i64,
            String,
            i64,
            String,
            String,
            String,
            Option<i64>,
            String,
            String,
            bool,
        );
        let (account, secret, id, public_id, name, origins, group_id, color, greeting, pre_chat): Full =
            sqlx::query_as(&format!(
                "SELECT account_id, secret, {COLUMNS} FROM widgets WHERE public_id = ?"
            ))
            .bind(public_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::NotFound("widget"))?;
        let row = (
            id, public_id, name, origins, group_id, color, greeting, pre_chat,
        );
        Ok((account, widget(row), secret))
    }

    /// The ring group whose queue the widget's chats wait in.
    pub async fn widget_group(&self, account_id: Id, widget_id: Id) -> Result<Option<Id>> {
        sqlx::query_scalar("SELECT group_id FROM widgets WHERE id = ? AND account_id = ?")
            .bind(widget_id)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::NotFound("widget"))
    }
}
