//! Where calls are found: by every id that names them (a call's own, its consultation's) and
//! by their media legs. Each call's task keeps its own entries up to date.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use switchboard_protocol::Id;
use tokio::sync::mpsc;

use super::machine::CallId;
use super::message::Message;
use crate::biometrics::Listening;
use crate::media::LegId;

#[derive(Default)]
pub(super) struct Index {
    calls: Mutex<HashMap<CallId, Entry>>,
    legs: Mutex<HashMap<LegId, CallId>>,
}

#[derive(Clone)]
pub(super) struct Entry {
    pub account: Id,
    pub inbox: mpsc::UnboundedSender<Message>,
    /// What the caller has said, for voice biometrics (accounts with Identity).
    pub voice: Option<Listening>,
}

impl Index {
    pub(super) fn insert(&self, id: CallId, entry: Entry) {
        self.lock_calls().insert(id, entry);
    }

    pub(super) fn get(&self, id: CallId) -> Option<Entry> {
        self.lock_calls().get(&id).cloned()
    }

    /// The call a leg belongs to.
    pub(super) fn by_leg(&self, leg: LegId) -> Option<CallId> {
        self.lock_legs().get(&leg).copied()
    }

    pub(super) fn len(&self) -> usize {
        self.lock_calls().len()
    }

    /// The call is also named by `ids` and has `legs` (what it had stays, for now).
    pub(super) fn add(&self, root: CallId, ids: &[CallId], legs: &[LegId]) {
        {
            let mut calls = self.lock_calls();
            let Some(entry) = calls.get(&root).cloned() else {
                return;
            };
            for id in ids {
                calls.entry(*id).or_insert_with(|| entry.clone());
            }
        }
        let mut mapped = self.lock_legs();
        for leg in legs {
            mapped.insert(*leg, root);
        }
    }

    /// The ids naming a call, and its legs, now: the rest of what it had is forgotten.
    pub(super) fn update(
        &self,
        root: CallId,
        ids: &[CallId],
        had: &[CallId],
        legs: &[LegId],
        had_legs: &[LegId],
    ) {
        {
            let mut calls = self.lock_calls();
            let Some(entry) = calls.get(&root).cloned() else {
                return;
            };
            for id in had.iter().filter(|id| !ids.contains(id)) {
                calls.remove(id);
            }
            for id in ids {
                calls.entry(*id).or_insert_with(|| entry.clone());
            }
        }
        let mut mapped = self.lock_legs();
        for leg in had_legs.iter().filter(|leg| !legs.contains(leg)) {
            mapped.remove(leg);
        }
        for leg in legs {
            mapped.insert(*leg, root);
        }
    }

    /// The call is over: nothing names it any more.
    pub(super) fn forget(&self, ids: &[CallId], legs: &[LegId]) {
        {
            let mut calls = self.lock_calls();
            for id in ids {
                calls.remove(id);
            }
        }
        let mut mapped = self.lock_legs();
        for leg in legs {
            mapped.remove(leg);
        }
    }

    fn lock_calls(&self) -> MutexGuard<'_, HashMap<CallId, Entry>> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_legs(&self) -> MutexGuard<'_, HashMap<LegId, CallId>> {
        self.legs.lock().unwrap_or_else(|e| e.into_inner())
    }
}
