//! One task per call (after Alice Ryhl's "Actors with Tokio"): it owns the call's machine and
//! takes one input at a time. It answers the machine's questions, moves the media to the new
//! phase (the parties hear each other at once), carries out the machine's effects in order,
//! brings presence, dialogs and the call flow in line with the phase, and publishes what
//! changed, versioned, before it answers whoever asked. Nothing else changes a call, so
//! nothing can overtake anything.

use std::collections::HashMap;
use std::sync::Arc;

use switchboard_protocol::{Call, CallOutcome, Event, Id};
use tokio::sync::{Notify, mpsc, oneshot};
use tracing::Instrument;

use super::Services;
use super::index::Index;
use super::machine::{
    AgentId, CallId, Change, Dial, DialogId, Effect, Input, Machine, Now, Phase, Question, Route,
    Target,
};
use super::message::Message;
use super::project::audience;
use super::topology::Topology;
use crate::store::{NewCall, now_ms};
use crate::trunk::dialog::{self, Placement};
use crate::{Error, Result, ivr, routing};

pub(super) struct Actor {
    machine: Machine,
    services: Services,
    index: Arc<Index>,
    inbox: mpsc::UnboundedReceiver<Message>,
    /// Its own inbox, for what its dialogs and its voicemail report later.
    me: mpsc::UnboundedSender<Message>,
    /// The dialogs it keeps: dropping a handle hangs that dialog up.
    dialogs: HashMap<DialogId, oneshot::Sender<()>>,
    flow: Option<tokio::task::JoinHandle<()>>,
    /// Stops the voicemail being taken (the caller hung up).
    voicemail: Option<Arc<Notify>>,
    // What the world is in line with: the machine as of the last step.
    media: Topology,
    on_call: Vec<AgentId>,
    published: Vec<Call>,
    ids: Vec<CallId>,
}

impl Actor {
    pub(super) fn new(
        machine: Machine,
        services: Services,
        index: Arc<Index>,
        inbox: mpsc::UnboundedReceiver<Message>,
        me: mpsc::UnboundedSender<Message>,
        dialogs: Vec<(DialogId, oneshot::Sender<()>)>,
        flow: Option<futures::future::BoxFuture<'static, ()>>,
    ) -> Self {
        let flow = flow.map(tokio::spawn);
        Self {
            ids: vec![machine.id()],
            machine,
            services,
            index,
            inbox,
            me,
            dialogs: dialogs.into_iter().collect(),
            flow,
            voicemail: None,
            media: Topology::default(),
            on_call: Vec::new(),
            published: Vec::new(),
        }
    }

    pub(super) async fn run(mut self) {
        let span = tracing::info_span!("call", id = self.machine.id());
        async move {
            loop {
                let message = match self.machine.next_deadline() {
                    Some(at) => tokio::select! {
                        message = self.inbox.recv() => message,
                        () = tokio::time::sleep_until(at.into()) => Some(Message::Tell(Input::Deadline)),
                    },
                    None => self.inbox.recv().await,
                };
                let Some(message) = message else { break };
                self.take(message).await;
                if self.machine.is_over() {
                    break;
                }
            }
            self.close();
        }
        .instrument(span)
        .await;
    }

    async fn take(&mut self, message: Message) {
        match message {
            Message::Start { effects, reply } => {
                self.settle(effects).await;
                let _ = reply.send(self.snapshot(self.machine.id()));
            }
            Message::Ask {
                input,
                answer,
                reply,
            } => {
                let stepped = self.step(input).await;
                let _ = reply.send(stepped.map(|()| self.snapshot(answer)));
            }
            Message::Consult {
                call,
                agent,
                to,
                reply,
            } => {
                let _ = reply.send(self.consult(call, agent, to).await);
            }
            Message::Tell(input) => {
                if let Err(error) = self.step(input).await {
                    tracing::debug!(%error, "an input changed nothing");
                }
            }
            Message::Check { input, reply } => {
                let mut trial = self.machine.clone();
                let _ = reply.send(
                    trial
                        .handle(input, Now::current())
                        .map(|_| ())
                        .map_err(Error::from),
                );
            }
            Message::Seen { call, agent, reply } => {
                let seen = self.machine.snapshot(call).filter(|call| {
                    agent.is_none_or(|agent| {
                        call.involves(agent) || call.offered_to.contains(&agent)
                    })
                });
                let _ = reply.send(seen);
            }
        }
    }

    fn snapshot(&self, id: CallId) -> Call {
        self.machine
            .snapshot(id)
            .unwrap_or_else(|| self.machine.snapshots().remove(0))
    }

    /// Checks the consultation before it goes on record, so a refused one leaves nothing.
    async fn consult(&mut self, call: CallId, agent: AgentId, to: Target) -> Result<Call> {
        self.machine.may_consult(call, agent, &to)?;
        let services = &self.services;
        let (to_agent, to_number) = match &to {
            Target::Agent { id, .. } => (Some(*id), None),
            Target::Group { .. } => (None, None),
            Target::Number { dial, .. } => (None, Some(dial.number.clone())),
        };
        let id = services
            .store
            .create_call(&NewCall::Consultation {
                account: self.machine.account(),
                from_agent: agent,
                to_agent,
                to_number,
            })
            .await?;
        self.step(Input::Consult {
            call,
            agent,
            to,
            id,
        })
        .await?;
        Ok(self.snapshot(id))
    }

    /// Takes one input (and the answers to the questions it raises), then brings the world
    /// in line. The input's refusal, if any, is the answer.
    async fn step(&mut self, input: Input) -> Result<()> {
        let mut next = Some(input);
        let mut result = Ok(());
        let mut effects = Vec::new();
        while let Some(input) = next.take() {
            match self.machine.handle(input, Now::current()) {
                Ok(stepped) => {
                    for effect in stepped {
                        match effect {
                            Effect::Ask(question) => next = Some(self.answer(question).await),
                            effect => effects.push(effect),
                        }
                    }
                }
                Err(refusal) => result = Err(Error::from(refusal)),
            }
        }
        self.settle(effects).await;
        result
    }

    /// Carries out what the machine asked, and brings the world in line with it. The media
    /// first: the parties hear each other (or the music) as soon as the machine says so.
    async fn settle(&mut self, effects: Vec<Effect>) {
        let had_legs = self.media.legs.clone();
        self.apply_media(self.machine.topology()).await;
        // What the effects set off (the router offering a new consultation, a new leg's
        // events) must find the call by its new ids and legs; the old ones go afterwards.
        self.index
            .add(self.machine.id(), &self.machine.ids(), &self.media.legs);
        for effect in effects {
            self.carry_out(effect).await;
        }
        self.reconcile(&had_legs).await;
    }

    /// The answer to a question the machine asked.
    async fn answer(&self, question: Question) -> Input {
        let services = &self.services;
        let account = self.machine.account();
        match question {
            Question::Claim { call, agent } => {
                let (reply, decided) = oneshot::channel();
                let asked = services.routing.send(routing::Request::Accept {
                    account,
                    call,
                    agent,
                    reply,
                });
                // The router never waits on a call: it answers at once.
                let granted = asked.is_ok() && matches!(decided.await, Ok(Ok(())));
                Input::Claimed { granted }
            }
            Question::TakeBack { agent } => Input::TakeBack {
                takes_it: services.presence.can_take_back(account, agent).await,
            },
        }
    }

    /// Carries out one effect.
    async fn carry_out(&mut self, effect: Effect) {
        let services = self.services.clone();
        let account = self.machine.account();
        match effect {
            Effect::Store(change) => {
                if let Err(error) = self.record(change).await {
                    tracing::error!(%error, "a call's change was not put on record");
                }
            }
            Effect::Route(route) => {
                let request = match route {
                    Route::Enqueue { call, group } => routing::Request::Enqueue {
                        account,
                        call,
                        group,
                    },
                    Route::Decline { call, agent } => routing::Request::Decline {
                        account,
                        call,
                        agent,
                    },
                    Route::Abandon { call } => routing::Request::Abandon { account, call },
                };
                if services.routing.send(request).is_err() {
                    tracing::error!("routing stopped");
                }
            }
            // Answered as they are asked (see `step`).
            Effect::Ask(_) => {}
            Effect::Dial { dialog, dial } => self.dial(dialog, dial).await,
            Effect::Voicemail { prompt, max } => self.take_message(prompt, max),
            Effect::StopVoicemail => {
                if let Some(stop) = &self.voicemail {
                    stop.notify_one();
                }
            }
        }
    }

    async fn record(&self, change: Change) -> Result<()> {
        let store = &self.services.store;
        let (id, now) = (self.machine.id(), now_ms());
        match change {
            Change::Answered { call, agent } => store.call_answered(call, agent, now).await,
            Change::Ended { call, outcome } => store.call_ended(call, outcome, now).await,
            Change::Transferred { by, to } => store.record_transfer(id, by, &to, now).await,
            Change::TransferOutcome(outcome) => store.transfer_outcome(id, outcome).await,
            Change::Context(context) => store.keep_context(id, &context).await,
        }
    }

    /// Dials a number on a dialog of the call's; what happens there comes back as inputs.
    async fn dial(&mut self, dialog: DialogId, dial: Dial) {
        let services = self.services.clone();
        let (hang_up, told) = oneshot::channel();
        self.dialogs.insert(dialog, hang_up);
        let me = self.me.clone();
        let report = move |event| {
            let input = match event {
                dialog::Event::Alerting => Input::FarEndAlerting { dialog },
                dialog::Event::Answered(media) => Input::FarEndAnswered { dialog, media },
                dialog::Event::Failed(outcome) => Input::FarEndFailed { dialog, outcome },
                dialog::Event::HungUp => Input::FarEndHungUp { dialog },
            };
            let _ = me.send(Message::Tell(input));
        };
        let carrier = match services.store.carrier(self.machine.account()).await {
            Ok(carrier) => carrier,
            Err(error) => {
                tracing::error!(%error, "the account's carrier could not be read");
                None
            }
        };
        match (services.trunk.get().cloned(), carrier) {
            (Some(trunk), Some(carrier)) => {
                let placement = Placement {
                    trunk,
                    carrier,
                    number: dial.number,
                    caller_id: dial.caller_id,
                };
                tokio::spawn(dialog::place(placement, services.media, told, report));
            }
            // The trunk or carrier went away since the number was checked.
            _ => report(dialog::Event::Failed(CallOutcome::Failed)),
        }
    }

    /// Takes the caller's message; the call ends once it is kept.
    fn take_message(&mut self, prompt: Option<String>, max: std::time::Duration) {
        let Phase::Voicemail { caller, .. } = self.machine.phase() else {
            return;
        };
        let services = &self.services;
        let stop = Arc::new(Notify::new());
        self.voicemail = Some(stop.clone());
        let mut line = ivr::Line::new(services.ivr(), self.machine.account(), caller.media());
        let message = ivr::Message {
            call: self.machine.id(),
            from: self.machine.snapshots()[0].from.number.clone(),
            dialled: self.machine.snapshots()[0].dialled.clone(),
        };
        let me = self.me.clone();
        tokio::spawn(async move {
            match line.voicemail(prompt.as_deref(), max, message, &stop).await {
                Ok(voicemail) => tracing::info!(voicemail, "the caller left a message"),
                Err(error) => tracing::info!(%error, "no message was left"),
            }
            let _ = me.send(Message::Tell(Input::VoicemailSaved));
        });
    }

    /// Brings the rest of the world in line with the machine: presence, dialogs, the call
    /// flow, the registry; then tells the parties what changed.
    async fn reconcile(&mut self, had_legs: &[crate::media::LegId]) {
        self.apply_presence().await;
        let wanted = self.machine.dialogs();
        // Dropping a dialog's handle hangs it up (or cancels it while it rings).
        self.dialogs.retain(|dialog, _| wanted.contains(dialog));
        if !self.machine.in_flow()
            && let Some(flow) = self.flow.take()
        {
            flow.abort();
        }
        let ids = self.machine.ids();
        self.index.update(
            self.machine.id(),
            &ids,
            &self.ids,
            &self.media.legs,
            had_legs,
        );
        self.ids = ids;
        self.publish().await;
    }

    async fn apply_media(&mut self, new: Topology) {
        let old = std::mem::take(&mut self.media);
        let media = &self.services.media.clone();
        let paired = |t: &Topology, leg: u64| {
            t.pairs.iter().any(|(a, b)| *a == leg || *b == leg) || t.conference.contains(&leg)
        };
        let mut failed = Vec::new();
        for (a, b) in new.pairs.iter().filter(|pair| !old.pairs.contains(pair)) {
            failed.extend(media.bridge(*a, *b).err());
        }
        if new.conference != old.conference && !new.conference.is_empty() {
            failed.extend(media.conference(new.conference.clone()).err());
        }
        for leg in old.legs.iter().filter(|leg| new.legs.contains(leg)) {
            if paired(&old, *leg) && !paired(&new, *leg) {
                failed.extend(media.unbridge(*leg).err());
            }
        }
        for leg in old
            .held
            .iter()
            .filter(|leg| new.legs.contains(leg) && !new.held.contains(leg))
        {
            failed.extend(media.hold(*leg, false).err());
        }
        for leg in new.held.iter().filter(|leg| !old.held.contains(leg)) {
            failed.extend(media.hold(*leg, true).err());
        }
        let mut new = new;
        new.recording = self.apply_recording(old.recording, new.recording).await;
        for leg in old.legs.iter().filter(|leg| !new.legs.contains(leg)) {
            failed.extend(media.remove(*leg).err());
        }
        for error in failed {
            tracing::error!(%error, "the media bridge was not told");
        }
        self.media = new;
    }

    /// Starts, follows and finishes the call's recording; answers what is recorded now.
    async fn apply_recording(
        &self,
        old: Option<super::topology::Recorded>,
        new: Option<super::topology::Recorded>,
    ) -> Option<super::topology::Recorded> {
        let services = &self.services;
        let media = &services.media;
        match (old, new) {
            (None, Some(recorded)) => {
                let agent = recorded.agent?;
                let account = self.machine.account();
                let relative = format!("recordings/{account}/{}.opus", recorded.call);
                let path = services.data_dir.join(&relative);
                if let Err(error) = media
                    .record_call(recorded.call, recorded.customer, agent, path)
                    .await
                {
                    tracing::error!(%error, "the call could not be recorded");
                    let _ = self.me.send(Message::Tell(Input::RecordingFailed));
                    return None;
                }
                if recorded.paused {
                    let _ = media.pause_recording(recorded.call, true);
                }
                if let Err(error) = services
                    .store
                    .recording_started(recorded.call, account, &relative, now_ms())
                    .await
                {
                    tracing::error!(%error, "a recording was not put on record");
                }
                tracing::info!("recording");
            }
            (Some(was), Some(now)) => {
                if now.agent != was.agent
                    && let Some(agent) = now.agent
                {
                    let _ = media.record_leg(now.call, agent);
                }
                if now.paused != was.paused {
                    let _ = media.pause_recording(now.call, now.paused);
                }
            }
            (Some(was), None) => match media.end_recording(was.call).await {
                Ok(seconds) => {
                    if let Err(error) = services
                        .store
                        .recording_finished(was.call, seconds, now_ms())
                        .await
                    {
                        tracing::error!(%error, "a recording's end was not put on record");
                    }
                }
                Err(error) => tracing::error!(%error, "a recording was not finished"),
            },
            (None, None) => {}
        }
        new
    }

    /// Agents who joined the call are on a call; those who left it are not (after-call work
    /// if their account wants it).
    async fn apply_presence(&mut self) {
        let now = self.machine.on_call();
        let presence = &self.services.presence.clone();
        let account = self.machine.account();
        for agent in now.iter().filter(|a| !self.on_call.contains(a)) {
            if let Err(error) = presence.call_started(account, *agent).await {
                tracing::warn!(%error, agent, "an agent's call did not show in their status");
            }
        }
        for agent in self.on_call.iter().filter(|a| !now.contains(a)) {
            if let Err(error) = presence.call_ended(account, *agent).await {
                tracing::warn!(%error, agent, "an agent's call's end did not show in their status");
            }
        }
        self.on_call = now;
    }

    /// Tells everyone who saw or now sees a call what changed of it, in one transaction.
    async fn publish(&mut self) {
        let snapshots = self.machine.snapshots();
        let mut events: Vec<(Id, Event)> = Vec::new();
        // The consultation's news first: a colleague whose consultation was just completed
        // into the call learns that before the call's own news reaches them.
        for call in snapshots.iter().rev() {
            let old = self.published.iter().find(|old| old.id == call.id);
            if old.is_some_and(|old| same(old, call)) {
                continue;
            }
            let mut told: Vec<Id> = audience(call)
                .chain(old.into_iter().flat_map(audience))
                .collect();
            told.sort_unstable();
            told.dedup();
            for agent in told {
                events.push((
                    agent,
                    Event::CallUpdated {
                        call: Box::new(call.clone()),
                    },
                ));
            }
        }
        self.published = snapshots;
        if events.is_empty() {
            return;
        }
        let events_service = &self.services.events;
        if let Err(error) = events_service
            .to_agents(self.machine.account(), &events)
            .await
        {
            tracing::error!(%error, "a call's change was not published");
        }
    }

    /// The call is over: forgotten, its dialogs hung up, its flow stopped.
    fn close(mut self) {
        self.dialogs.clear();
        if let Some(flow) = self.flow.take() {
            flow.abort();
        }
        self.index.forget(&self.ids, &self.media.legs);
        if let Some(Call { outcome, .. }) = self.published.first() {
            tracing::info!(?outcome, "call ended");
        }
    }
}

/// Whether two snapshots of a call say the same, whatever their versions.
fn same(a: &Call, b: &Call) -> bool {
    Call {
        version: 0,
        ..a.clone()
    } == Call {
        version: 0,
        ..b.clone()
    }
}
