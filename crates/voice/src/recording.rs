//! A playback device that keeps what it is given in memory, for tests and headless checks.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::Frame;
use crate::peer::Playback;

/// Clones share one buffer: hand one to the call, read the other.
#[derive(Debug, Clone, Default)]
pub struct Recording(Arc<Mutex<Vec<i16>>>);

impl Recording {
    fn lock(&self) -> MutexGuard<'_, Vec<i16>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn samples(&self) -> Vec<i16> {
        self.lock().clone()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits (polling) until `samples` have been played; false if `timeout` passes first.
    pub fn wait_for(&self, samples: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.len() < samples {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }
}

impl Playback for Recording {
    fn write(&mut self, frame: &Frame) {
        self.lock().extend_from_slice(frame);
    }
}
