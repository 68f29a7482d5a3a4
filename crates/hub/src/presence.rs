//! Presence rules (F-30–F-34): every status change goes through the [`Presence`] service, so
//! the seed's rules hold whoever asks — the agent by hand, sign-in and sign-out, the router,
//! or a call.
//!
//! - An agent may pick by hand only statuses marked selectable (Available, Away, custom ones).
//! - During after-call work the status cannot be changed by hand.
//! - Signing out of the last session sets Offline.
//! - With `auto_on_call` the status is "On a call" during a call; with `after_call_work` a
//!   call ends in "After-call work"; either way the agent then returns to the status they had.

use switchboard_protocol::{ErrorCode, Id, Presence as Status, StatusKey, StatusKind};
use tokio::sync::mpsc::UnboundedSender;

use crate::events::Publisher;
use crate::store::{AgentRow, StatusChange, now_ms};
use crate::{Error, Result, Store, routing};

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

/// Agents' statuses, under the rules above.
#[derive(Debug, Clone)]
pub struct Presence {
    store: Store,
    events: Publisher,
    /// Only Available agents are offered callers: the router learns every change.
    routing: UnboundedSender<routing::Request>,
}

impl Presence {
    pub fn new(events: Publisher, routing: UnboundedSender<routing::Request>) -> Self {
        Self {
            store: events.store.clone(),
            events,
            routing,
        }
    }

    /// Sets an agent's status under the rules above, records the event and wakes streams.
    /// Setting the status an agent already has is not a change: the timer keeps running.
    pub async fn set_status(
        &self,
        account_id: Id,
        agent_id: Id,
        status: &StatusKey,
        cause: Cause,
    ) -> Result<Status> {
        let def = if cause == Cause::Manual {
            Some(
                self.store
                    .status(account_id, status)
                    .await?
                    .ok_or_else(|| {
                        Error::refused_as(
                            ErrorCode::UnknownStatus,
                            format!("there is no status {status}"),
                        )
                    })?,
            )
        } else {
            None
        };
        let (presence, changed) = self
            .store
            .update_status(account_id, agent_id, self.events.retention, |agent| {
                let current = agent.status();
                if let Some(def) = &def {
                    if current.kind() == StatusKind::AfterCallWork {
                        return Err(Error::refused(ErrorCode::StatusLocked));
                    }
                    if !def.selectable {
                        return Err(Error::refused_as(
                            ErrorCode::StatusNotSelectable,
                            format!("the status {status} is set by the hub, not by hand"),
                        ));
                    }
                }
                if &current == status {
                    return Ok(None);
                }
                let resume = match (cause, status.kind()) {
                    // Entering a call: remember where to return, unless already in a call's
                    // statuses.
                    (Cause::Call, StatusKind::OnCall | StatusKind::AfterCallWork) => Some(
                        agent
                            .status_resume
                            .as_deref()
                            .map(StatusKey::new)
                            .unwrap_or(current),
                    ),
                    _ => None,
                };
                Ok(Some(StatusChange {
                    status: status.clone(),
                    resume,
                }))
            })
            .await?;
        if changed {
            self.events.notifier.notify(account_id);
            self.tell_router(account_id, agent_id, status);
            tracing::info!(agent = agent_id, %status, ?cause, "status changed");
        }
        Ok(presence)
    }

    /// A call of this agent started.
    pub async fn call_started(&self, account_id: Id, agent_id: Id) -> Result<Status> {
        let account = self.store.account(account_id).await?;
        if account.settings.auto_on_call {
            self.set_status(account_id, agent_id, &StatusKey::on_call(), Cause::Call)
                .await
        } else {
            Ok(self.store.agent(account_id, agent_id).await?.presence())
        }
    }

    /// A call of this agent ended: after-call work if the account wants it, else back to the
    /// status the agent had before the call. The router learns whether they can be offered
    /// callers again, whatever their status now (it counted them busy since they took a
    /// call, and their status may not have changed at all).
    pub async fn call_ended(&self, account_id: Id, agent_id: Id) -> Result<Status> {
        let account = self.store.account(account_id).await?;
        let presence = if account.settings.after_call_work {
            self.set_status(
                account_id,
                agent_id,
                &StatusKey::after_call_work(),
                Cause::Call,
            )
            .await?
        } else {
            self.resume_after_call(account_id, agent_id).await?
        };
        self.tell_router(account_id, agent_id, &presence.status);
        Ok(presence)
    }

    /// The agent finished wrap-up (Done, or the account's timeout).
    pub async fn wrap_up_done(&self, account_id: Id, agent_id: Id) -> Result<Status> {
        self.resume_after_call(account_id, agent_id).await
    }

    /// Ends the after-call work of every agent whose account's timeout has run out (0: never).
    /// Returns how many were ended.
    pub async fn end_overdue_wrap_ups(&self) -> Result<usize> {
        let now = now_ms();
        let mut ended = 0;
        for (agent_id, account_id, since) in self.store.agents_in_wrap_up().await? {
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

    /// An agent of the account who can take a call in their status now.
    pub async fn callable(&self, account_id: Id, agent_id: Id) -> Result<AgentRow> {
        let agent = self.store.agent(account_id, agent_id).await?;
        let callable = self
            .store
            .status(account_id, &agent.status())
            .await?
            .is_some_and(|def| def.callable);
        if !callable {
            return Err(Error::refused_as(
                ErrorCode::Unavailable,
                format!("{} cannot take calls right now", agent.name),
            ));
        }
        Ok(agent)
    }

    /// Whether an agent can take back a call they handed on: they can take calls, or they
    /// are still wrapping that call up. (An agent removed since cannot.)
    pub async fn can_take_back(&self, account_id: Id, agent_id: Id) -> bool {
        let Ok(agent) = self.store.agent(account_id, agent_id).await else {
            return false;
        };
        let status = agent.status();
        if status.kind() == StatusKind::AfterCallWork {
            return true;
        }
        matches!(self.store.status(account_id, &status).await, Ok(Some(def)) if def.callable)
    }

    async fn resume_after_call(&self, account_id: Id, agent_id: Id) -> Result<Status> {
        let agent = self.store.agent(account_id, agent_id).await?;
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

    fn tell_router(&self, account: Id, agent: Id, status: &StatusKey) {
        let _ = self.routing.send(routing::Request::Presence {
            account,
            agent,
            available: *status == StatusKey::available(),
        });
    }
}
