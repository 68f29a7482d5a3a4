//! Call recordings: one thread, beside the media thread, that decodes both sides of each
//! recorded call (the Opus the bridge forwards between them), mixes them and writes the mix
//! as Opus in Ogg. The media thread only hands packets over; nothing here slows the calls.

use std::collections::{HashMap, VecDeque};
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;

use switchboard_voice::codec::{Decoder, Encoder};
use switchboard_voice::ogg_opus::Writer;
use switchboard_voice::{FRAME_SAMPLES, Frame};
use tokio::sync::oneshot;

use crate::{Error, Result};

/// The two sides of a recorded call.
pub const CUSTOMER: usize = 0;
pub const AGENT: usize = 1;

/// Frames one side may run ahead of the other before the other is taken as silent (on hold,
/// or sending nothing between words).
const AHEAD: usize = 10;
/// The recording's bitrate: speech, kept small.
const BITRATE: i32 = 24_000;

pub enum Input {
    Start {
        call: i64,
        path: PathBuf,
        reply: oneshot::Sender<Result<()>>,
    },
    Audio {
        call: i64,
        side: usize,
        packet: Arc<[u8]>,
    },
    Pause {
        call: i64,
        on: bool,
    },
    /// Ends the file; answers the seconds it holds.
    Stop {
        call: i64,
        reply: Option<oneshot::Sender<Result<f64>>>,
    },
}

struct Mix {
    decoders: [Decoder; 2],
    queues: [VecDeque<Frame>; 2],
    encoder: Encoder,
    writer: Writer<BufWriter<std::fs::File>>,
    paused: bool,
}

impl Mix {
    fn open(path: &PathBuf) -> Result<Self> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Error::Internal(format!("recordings folder {}: {e}", parent.display()))
            })?;
        }
        let file = std::fs::File::create(path)
            .map_err(|e| Error::Internal(format!("recording {}: {e}", path.display())))?;
        let codec = |e: switchboard_voice::Error| Error::Internal(format!("recording: {e}"));
        Ok(Self {
            decoders: [
                Decoder::new().map_err(codec)?,
                Decoder::new().map_err(codec)?,
            ],
            queues: [VecDeque::new(), VecDeque::new()],
            encoder: Encoder::new(BITRATE).map_err(codec)?,
            writer: Writer::new(BufWriter::new(file)).map_err(codec)?,
            paused: false,
        })
    }

    fn hear(&mut self, side: usize, packet: &[u8]) -> std::result::Result<(), String> {
        if self.paused {
            return Ok(());
        }
        let mut frame: Frame = [0; FRAME_SAMPLES];
        self.decoders[side]
            .decode(packet, &mut frame)
            .map_err(|e| e.to_string())?;
        self.queues[side].push_back(frame);
        let other = 1 - side;
        while !self.queues[side].is_empty()
            && (!self.queues[other].is_empty() || self.queues[side].len() > AHEAD)
        {
            self.mix_one()?;
        }
        Ok(())
    }

    /// Writes the next frame: both sides summed (a silent side adds nothing).
    fn mix_one(&mut self) -> std::result::Result<(), String> {
        let [a, b] = &mut self.queues;
        let (x, y) = (a.pop_front(), b.pop_front());
        let mut mixed: Frame = [0; FRAME_SAMPLES];
        for (i, out) in mixed.iter_mut().enumerate() {
            let sum = i32::from(x.map_or(0, |f| f[i])) + i32::from(y.map_or(0, |f| f[i]));
            *out = sum.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
        }
        let packet = self.encoder.encode(&mixed).map_err(|e| e.to_string())?;
        self.writer.write(packet).map_err(|e| e.to_string())
    }

    fn finish(mut self) -> std::result::Result<f64, String> {
        while self.queues.iter().any(|q| !q.is_empty()) {
            self.mix_one()?;
        }
        let seconds = self.writer.seconds();
        let mut file = self.writer.finish().map_err(|e| e.to_string())?;
        std::io::Write::flush(&mut file).map_err(|e| e.to_string())?;
        Ok(seconds)
    }
}

/// Starts the recordings thread; it ends when every sender is dropped.
pub fn start() -> mpsc::Sender<Input> {
    let (sender, inputs) = mpsc::channel::<Input>();
    let spawned = std::thread::Builder::new()
        .name("recordings".into())
        .spawn(move || {
            let mut mixes: HashMap<i64, Mix> = HashMap::new();
            for input in inputs {
                match input {
                    Input::Start { call, path, reply } => {
                        let opened = Mix::open(&path).map(|mix| {
                            mixes.insert(call, mix);
                        });
                        let _ = reply.send(opened);
                    }
                    Input::Audio { call, side, packet } => {
                        if let Some(mix) = mixes.get_mut(&call)
                            && let Err(error) = mix.hear(side, &packet)
                        {
                            tracing::warn!(call, %error, "a recording stopped");
                            mixes.remove(&call);
                        }
                    }
                    Input::Pause { call, on } => {
                        if let Some(mix) = mixes.get_mut(&call) {
                            mix.paused = on;
                        }
                    }
                    Input::Stop { call, reply } => {
                        let finished = mixes
                            .remove(&call)
                            .ok_or_else(|| "no such recording".to_owned())
                            .and_then(Mix::finish)
                            .map_err(|reason| Error::Internal(format!("recording: {reason}")));
                        if let Err(error) = &finished {
                            tracing::warn!(call, %error, "a recording was not finished");
                        }
                        if let Some(reply) = reply {
                            let _ = reply.send(finished);
                        }
                    }
                }
            }
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "the recordings thread did not start: calls are not recorded");
    }
    sender
}
