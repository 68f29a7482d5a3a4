//! What the media thread sends legs besides their peer's audio: music to held legs, prompts
//! to callers in a flow, key presses, and the mix of a three-way call; and what it keeps of
//! a recorded call's audio.

use std::sync::Arc;
use std::time::Instant;

use str0m::media::{Frequency, MediaTime, TelephoneEvent};

use super::LegId;
use super::recorder;
use super::trunk;
use super::worker::{FRAME, Worker};
use crate::{Error, Result};

impl Worker {
    /// Writes one Opus frame to a leg (from its peer when `source` is set, else music).
    pub(super) fn send_audio(&mut self, to: LegId, source: Option<u64>, data: Arc<[u8]>) {
        // What a recorded call's side hears is what the other side said.
        if source.is_some()
            && let Some((call, side)) = self.recorded.get(&to)
        {
            let _ = self.recordings.send(recorder::Input::Audio {
                call: *call,
                side: 1 - side,
                packet: data.clone(),
            });
        }
        if let Some(trunk) = self.trunks.get_mut(&to) {
            if source.is_none() || trunk.held.is_none() {
                trunk.say(&data);
            }
            return;
        }
        let Some(leg) = self
            .legs
            .get_mut(&to)
            .filter(|l| source.is_none() || l.held.is_none())
        else {
            return;
        };
        let Some((mid, pt)) = leg.opus_pt() else {
            return;
        };
        let now = Instant::now();
        let time = leg.out.stamp(source, now);
        let written = leg.rtc.writer(mid).map(|writer| {
            writer.write(
                pt,
                now,
                MediaTime::new(time, Frequency::FORTY_EIGHT_KHZ),
                data,
            )
        });
        if let Some(Err(error)) = written {
            tracing::debug!(%error, leg = to, "dropped a packet");
        }
        self.flush(to);
    }

    /// Legs with key presses waiting get the next one when the last has ended.
    pub(super) fn send_keys(&mut self, now: Instant) {
        let due: Vec<(LegId, TelephoneEvent)> = self
            .legs
            .iter_mut()
            .filter(|(_, leg)| leg.next_key <= now)
            .filter_map(|(id, leg)| {
                let event = leg.keys.pop_front()?;
                leg.next_key = now + event.duration + switchboard_voice::dtmf::GAP;
                Some((*id, event))
            })
            .collect();
        for (id, event) in due {
            self.send_key(id, event);
        }
        for trunk in self.trunks.values_mut().filter(|t| t.held.is_none()) {
            trunk.send_keys(now);
        }
    }

    /// Passes a key press on; str0m sends its whole series of packets.
    pub(super) fn send_key(&mut self, to: LegId, event: TelephoneEvent) {
        let Some(leg) = self.legs.get_mut(&to).filter(|l| l.held.is_none()) else {
            return;
        };
        let Some((mid, pt)) = leg.opus_pt() else {
            return;
        };
        let now = Instant::now();
        let time = leg.out.last.map_or(0, |(time, _)| time);
        let written = leg.rtc.writer(mid).map(|writer| {
            writer.telephone_event(event).write(
                pt,
                now,
                MediaTime::new(time, Frequency::FORTY_EIGHT_KHZ),
                &[][..],
            )
        });
        if let Some(Err(error)) = written {
            tracing::debug!(%error, leg = to, "dropped a key press");
        }
        self.flush(to);
    }

    pub(super) fn flush(&mut self, id: LegId) {
        let mut nothing = Vec::new();
        if let Err(reason) = self.drain(id, &mut nothing) {
            self.end(id, reason);
        }
    }

    pub(super) fn record(&mut self, leg: LegId, path: &std::path::Path) -> Result<()> {
        let trunk = self
            .trunks
            .get_mut(&leg)
            .ok_or_else(|| Error::Conflict("the caller is gone".into()))?;
        let writer = hound::WavWriter::create(path, trunk::recording_spec())
            .map_err(|e| Error::Internal(format!("recording {}: {e}", path.display())))?;
        trunk.start_recording(writer);
        Ok(())
    }

    /// Trunk legs playing a prompt get its next frame when due; at its end, the waiter is
    /// told.
    pub(super) fn play_prompts(&mut self, now: Instant) {
        let mut due = Vec::new();
        for (id, trunk) in &mut self.trunks {
            let Some(prompt) = &mut trunk.prompt else {
                continue;
            };
            if prompt.due > now {
                continue;
            }
            match prompt.frames.get(prompt.next) {
                Some(frame) => {
                    due.push((*id, frame.clone()));
                    prompt.next += 1;
                    prompt.due = (prompt.due + FRAME).max(now);
                }
                None => {
                    if let Some(done) = prompt.done.take() {
                        let _ = done.send(());
                    }
                    trunk.prompt = None;
                }
            }
        }
        for (id, frame) in due {
            if let Some(trunk) = self.trunks.get_mut(&id) {
                trunk.say(&frame);
            }
        }
    }

    /// Held legs get their next frame of music when it is due.
    pub(super) fn play_music(&mut self, now: Instant) {
        let tracks = self.music.len().max(1);
        // After a stall, carry on from now rather than in a burst.
        let advance = |id: &LegId, held: &mut Option<(usize, Instant)>| {
            let (frame, at) = (*held)?;
            if at > now {
                return None;
            }
            *held = Some(((frame + 1) % tracks, (at + FRAME).max(now)));
            Some((*id, frame))
        };
        let due: Vec<(LegId, usize)> = self
            .legs
            .iter_mut()
            .filter_map(|(id, leg)| advance(id, &mut leg.held))
            .chain(
                self.trunks
                    .iter_mut()
                    .filter_map(|(id, trunk)| advance(id, &mut trunk.held)),
            )
            .collect();
        for (id, frame) in due {
            if let Some(data) = self.music.get(frame) {
                self.send_audio(id, None, data.clone());
            }
        }
    }

    /// Hands a conference participant's audio to its conference; whether it was one.
    pub(super) fn in_conference(&mut self, from: LegId, opus: &[u8]) -> bool {
        let Some(conference) = self.conferences.iter_mut().find(|c| c.has(from)) else {
            return false;
        };
        conference.hear(from, opus);
        // The customer's voice, for a recorded call.
        if let Some((call, recorder::CUSTOMER)) = self.recorded.get(&from).copied() {
            let _ = self.recordings.send(recorder::Input::Audio {
                call,
                side: recorder::CUSTOMER,
                packet: Arc::from(opus),
            });
        }
        true
    }

    /// Ends the conference `leg` is in (its legs are bridged anew by whoever asked).
    pub(super) fn dissolve(&mut self, leg: LegId) {
        self.conferences.retain(|c| !c.has(leg));
    }

    /// Every conference due sends each participant the mix of the others.
    pub(super) fn mix_conferences(&mut self, now: Instant) {
        let mut out = Vec::new();
        for conference in &mut self.conferences {
            if conference.next > now {
                continue;
            }
            // After a stall, carry on from now rather than in a burst.
            conference.next = (conference.next + FRAME).max(now);
            out.extend(conference.mix());
        }
        for (leg, packet) in out {
            let packet: Arc<[u8]> = Arc::from(packet);
            // What the customer hears is the agents' side of a recorded call.
            if let Some((call, recorder::CUSTOMER)) = self.recorded.get(&leg).copied() {
                let _ = self.recordings.send(recorder::Input::Audio {
                    call,
                    side: recorder::AGENT,
                    packet: packet.clone(),
                });
            }
            self.send_audio(leg, None, packet);
        }
    }
}
