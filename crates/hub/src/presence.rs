//! Presence rules (F-30–F-34): every status change goes through here, so the seed's rules hold
//! whoever asks — the agent by hand, sign-in and sign-out, or the call engine.
//!
//! - An agent may pick by hand only statuses marked selectable (Available, Away, custom ones).
//! - During after-call work the status cannot be changed by hand.
//! - Signing out of the last session sets Offline.
//! - With `auto_on_call` the status is "On a call" during a call; with `after_call_work` a
//!   call ends in "After-call work"; either way the agent then returns to the status they had.

use switchboard_protocol::{Event, Id, Presence, StatusKey, StatusKind};

use crate::store::agents::{agent_in, write_status};
use crate::store::{AgentRow, now_ms};
use crate::{AppState, Error, Result, events};

/// Why a status is changing; decides which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The agent picked it in the status widget.
    Manual,
    /// The agent signed in.
    SignIn,
    /// The agent signed out of their last session.
    SignOut,
    /// The agent's call started, or ended, or their wrap-up was finished.
    Call,
    /// The agent let a call offered to them ring out.
    Routing,
}

impl AppState {
    /// Sets an agent's status under the rules above, records the event and wakes streams.
    /// Setting the status an agent already has is not a change: the timer keeps running.
    pub async fn set_status(
        &self,
        account_id: Id,
        agent_id: Id,
        status: &StatusKey,
        cause: Cause,
    ) -> Result<Presence> {
        let mut tx = self.store.write().await?;
        let agent = agent_in(&mut tx, account_id, agent_id).await?;
        let current = agent.status();

        if cause == Cause::Manual {
            let def = self
                .store
                .status(account_id, status)
                .await?
                .ok_or_else(|| Error::BadRequest(format!("there is no status {status}")))?;
            if current.kind() == StatusKind::AfterCallWork {
                return Err(Error::StatusLocked);
            }
            if !def.selectable {
                return Err(Error::BadRequest(format!(
                    "the status {status} is set by the hub, not by hand"
                )));
            }
        }
        if &current == status {
            return Ok(agent.presence());
        }
        let resume = match (cause, status.kind()) {
            // Entering a call: remember where to return, unless already in a call's statuses.
            (Cause::Call, StatusKind::OnCall | StatusKind::AfterCallWork) => Some(
                agent
                    .status_resume
                    .as_deref()
                    .map(StatusKey::new)
                    .unwrap_or(current.clone()),
            ),
            _ => None,
        };
        let since = now_ms();
        write_status(&mut tx, agent_id, status, since, resume.as_ref()).await?;
        let presence = Presence {
            status: status.clone(),
            since: crate::store::from_ms(since),
        };
        events::append(
            &mut tx,
            account_id,
            None,
            &Event::PresenceChanged {
                agent_id,
                presence: presence.clone(),
            },
            self.config.events.retention,
        )
        .await?;
        tx.commit().await?;
        self.notifier.notify(account_id);
        // Only Available agents are offered callers.
        let _ = self.routing.send(crate::inbound::Input::Presence {
            account: account_id,
            agent: agent_id,
            available: *status == StatusKey::available(),
        });
        tracing::info!(agent = agent_id, %status, ?cause, "status changed");
        Ok(presence)
    }

    /// A call of this agent started (used by the call engine).
    pub async fn call_started(&self, account_id: Id, agent_id: Id) -> Result<Presence> {
        let account = self.store.account(account_id).await?;
        let agent = self.store.agent(account_id, agent_id).await?;
        if account.settings.auto_on_call {
            self.set_status(account_id, agent_id, &StatusKey::on_call(), Cause::Call)
                .await
        } else {
            Ok(agent.presence())
        }
    }

    /// A call of this agent ended: after-call work if the account wants it, else back to the
    /// status the agent had before the call.
    pub async fn call_ended(&self, account_id: Id, agent_id: Id) -> Result<Presence> {
        let account = self.store.account(account_id).await?;
        if account.settings.after_call_work {
            self.set_status(
                account_id,
                agent_id,
                &StatusKey::after_call_work(),
                Cause::Call,
            )
            .await
        } else {
            self.resume_after_call(account_id, agent_id).await
        }
    }

    /// The agent finished wrap-up (Done, or the account's timeout).
    pub async fn wrap_up_done(&self, account_id: Id, agent_id: Id) -> Result<Presence> {
        self.resume_after_call(account_id, agent_id).await
    }

    /// Ends the after-call work of every agent whose account's timeout has run out (0: never).
    /// Returns how many were ended.
    pub async fn end_overdue_wrap_ups(&self) -> Result<usize> {
        let in_wrap_up: Vec<(Id, Id, i64)> =
            sqlx::query_as("SELECT id, account_id, status_since FROM agents WHERE status_key = ?")
                .bind(StatusKey::after_call_work().as_str())
                .fetch_all(self.store.pool())
                .await?;
        let now = now_ms();
        let mut ended = 0;
        for (agent_id, account_id, since) in in_wrap_up {
            let timeout = self
                .store
                .account(account_id)
                .await?
                .settings
                .after_call_work_timeout_secs;
            if timeout > 0 && now - since >= i64::from(timeout) * 1000 {
                self.wrap_up_done(account_id, agent_id).await?;
                tracing::info!(agent = agent_id, timeout, "after-call work timed out");
                ended += 1;
            }
        }
        Ok(ended)
    }

    async fn resume_after_call(&self, account_id: Id, agent_id: Id) -> Result<Presence> {
        let agent: AgentRow = self.store.agent(account_id, agent_id).await?;
        match agent.status().kind() {
            StatusKind::OnCall | StatusKind::AfterCallWork => {
                let back = agent
                    .status_resume
                    .map(StatusKey::new)
                    .unwrap_or_else(StatusKey::available);
                self.set_status(account_id, agent_id, &back, Cause::Call)
                    .await
            }
            // The agent already left the call's statuses (signed out, say): leave them be.
            _ => Ok(agent.presence()),
        }
    }
}
