//! Real audio devices through cpal (PulseAudio or ALSA on Linux). The device callbacks and
//! the call's media thread meet in lock-free ring buffers: a callback never blocks, never
//! takes a lock, and never allocates.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{BufferSize, SampleFormat, StreamConfig};
use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use crate::peer::{Capture, Playback};
use crate::{Error, FRAME_SAMPLES, Frame, SAMPLE_RATE};

/// Audio buffered between a device and the media thread: 200 ms.
const RING: usize = FRAME_SAMPLES * 10;

/// An audio device as settings lists it: a stable id (what is remembered) and a label for
/// people (its description; with the id added where two devices share one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub id: String,
    pub label: String,
}

/// The input and output devices, for the settings screen.
pub fn list() -> (Vec<DeviceInfo>, Vec<DeviceInfo>) {
    let host = cpal::default_host();
    let infos = |devices: Vec<cpal::Device>| -> Vec<DeviceInfo> {
        let mut infos: Vec<DeviceInfo> = devices
            .iter()
            .filter_map(|d| {
                Some(DeviceInfo {
                    id: d.id().ok()?.id().to_owned(),
                    label: d.description().ok()?.name().to_owned(),
                })
            })
            .collect();
        let labels: Vec<String> = infos.iter().map(|i| i.label.clone()).collect();
        for info in &mut infos {
            if labels.iter().filter(|l| **l == info.label).count() > 1 {
                info.label = format!("{} ({})", info.label, info.id);
            }
        }
        infos
    };
    let inputs = host
        .input_devices()
        .map(Iterator::collect)
        .unwrap_or_default();
    let outputs = host
        .output_devices()
        .map(Iterator::collect)
        .unwrap_or_default();
    (infos(inputs), infos(outputs))
}

/// The device with this id (or, as remembered by older settings, this description); the
/// default when it is gone or none was picked.
fn find(input: bool, id: Option<&str>) -> Result<cpal::Device, Error> {
    let host = cpal::default_host();
    let default = if input {
        host.default_input_device()
    } else {
        host.default_output_device()
    };
    let wanted = match id {
        None => default,
        Some(id) => {
            let devices = if input {
                host.input_devices().map(|d| d.collect::<Vec<_>>())
            } else {
                host.output_devices().map(|d| d.collect::<Vec<_>>())
            };
            let devices = devices.unwrap_or_default();
            let by_id = devices
                .iter()
                .position(|d| d.id().is_ok_and(|d| d.id() == id));
            let by_name = || {
                devices
                    .iter()
                    .position(|d| d.description().is_ok_and(|desc| desc.name() == id))
            };
            match by_id.or_else(by_name) {
                Some(at) => devices.into_iter().nth(at),
                // A remembered device that is gone: fall back to the default.
                None => default,
            }
        }
    };
    wanted.ok_or_else(|| {
        Error::Invalid(if input {
            "no microphone is available".into()
        } else {
            "no speaker is available".into()
        })
    })
}

fn config(device: &cpal::Device, input: bool) -> Result<(StreamConfig, SampleFormat), Error> {
    let supported = if input {
        device.default_input_config()
    } else {
        device.default_output_config()
    }
    .map_err(|e| Error::Invalid(format!("audio device: {e}")))?;
    Ok((
        StreamConfig {
            channels: supported.channels(),
            sample_rate: SAMPLE_RATE,
            // The default buffer on PulseAudio delivers bursts of seconds.
            buffer_size: BufferSize::Fixed(FRAME_SAMPLES as u32),
        },
        supported.sample_format(),
    ))
}

/// Set by a stream's error callback when the device is gone (unplugged, its server
/// restarted): the media thread then reopens the system default in its place.
#[derive(Debug, Default)]
struct Lost {
    flag: Arc<AtomicBool>,
    /// Frames until the next attempt to reopen.
    retry_in: u32,
}

impl Lost {
    fn callback(&self, what: &'static str) -> impl FnMut(cpal::Error) + Send + 'static {
        let lost = self.flag.clone();
        move |error: cpal::Error| {
            use cpal::ErrorKind::*;
            let fatal = matches!(
                error.kind(),
                DeviceNotAvailable | HostUnavailable | StreamInvalidated | BackendError | Other
            );
            tracing::warn!(%error, fatal, "{what} stream error");
            if fatal {
                lost.store(true, Ordering::Relaxed);
            }
        }
    }

    fn get(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    /// Called every frame while lost: tries `open` (the default device) every second.
    fn retry<T>(&mut self, what: &str, open: impl FnOnce() -> Result<T, Error>) -> Option<T> {
        self.retry_in = self.retry_in.saturating_sub(1);
        if self.retry_in > 0 {
            return None;
        }
        match open() {
            Ok(device) => {
                tracing::info!("the default {what} took over");
                Some(device)
            }
            Err(_) => {
                self.retry_in = REOPEN_EVERY;
                None
            }
        }
    }
}

/// For a device opened as "the system default": a watcher marks it lost when the system
/// default changes, so the media thread reopens the new one. The watcher ends with the
/// device (it holds only a weak reference to the flag).
fn follow_default(input: bool, device: &cpal::Device, lost: &Lost) {
    let Ok(opened) = device.id().map(|id| id.id().to_owned()) else {
        return;
    };
    let flag = Arc::downgrade(&lost.flag);
    let watcher = std::thread::Builder::new()
        .name("default-device".into())
        .spawn(move || {
            let host = cpal::default_host();
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
                let Some(flag) = flag.upgrade() else { return };
                if flag.load(Ordering::Relaxed) {
                    return;
                }
                let default = if input {
                    host.default_input_device()
                } else {
                    host.default_output_device()
                };
                let now = default.and_then(|d| d.id().ok().map(|id| id.id().to_owned()));
                if now.is_some_and(|now| now != opened) {
                    tracing::info!(input, "the system default device changed; following it");
                    flag.store(true, Ordering::Relaxed);
                    return;
                }
            }
        });
    if let Err(error) = watcher {
        tracing::warn!(%error, "not following the system default device");
    }
}

/// Frames between two attempts to reopen a lost device (1 s).
const REOPEN_EVERY: u32 = 50;

/// The input level as the last callback saw it (peak, 0.0–1.0).
#[derive(Debug, Clone, Default)]
pub struct Level(Arc<AtomicU32>);

impl Level {
    pub fn get(&self) -> f32 {
        f32::from_bits(self.0.load(Ordering::Relaxed))
    }

    fn set(&self, peak: f32) {
        self.0.store(peak.to_bits(), Ordering::Relaxed);
    }
}

/// A microphone. When it disappears mid-call the default one takes over (the call's mute
/// lives in the engine, so it is kept); one opened as the system default follows the
/// default when it changes.
pub struct Microphone {
    _stream: cpal::Stream,
    samples: HeapCons<i16>,
    level: Level,
    lost: Lost,
}

impl Microphone {
    /// Opens the named microphone (or the default one) at 48 kHz, mixed down to mono.
    pub fn open(name: Option<&str>) -> Result<Self, Error> {
        Self::open_with(name, Level::default())
    }

    fn open_with(name: Option<&str>, level: Level) -> Result<Self, Error> {
        let device = find(true, name)?;
        let (config, format) = config(&device, true)?;
        let channels = usize::from(config.channels.max(1));
        let (mut producer, samples) = HeapRb::<i16>::new(RING).split();
        let meter = level.clone();
        let lost = Lost::default();
        if name.is_none() {
            follow_default(true, &device, &lost);
        }
        let failed = lost.callback("microphone");
        let stream = match format {
            SampleFormat::F32 => device.build_input_stream(
                config,
                move |data: &[f32], _: &_| {
                    let mono = |frame: &[f32]| frame.iter().sum::<f32>() / channels as f32;
                    // The level counts every sample, also those a full buffer has no room for
                    // (nobody reads while only the meter listens).
                    let peak = data
                        .chunks(channels)
                        .map(|frame| mono(frame).abs())
                        .fold(0.0f32, f32::max);
                    producer.push_iter(
                        data.chunks(channels)
                            .map(|frame| (mono(frame).clamp(-1.0, 1.0) * 32767.0) as i16),
                    );
                    meter.set(peak);
                },
                failed,
                None,
            ),
            _ => device.build_input_stream(
                config,
                move |data: &[i16], _: &_| {
                    let mono = |frame: &[i16]| {
                        frame.iter().map(|&s| i32::from(s)).sum::<i32>() / channels as i32
                    };
                    let peak = data
                        .chunks(channels)
                        .map(|frame| mono(frame).abs())
                        .max()
                        .unwrap_or(0);
                    producer.push_iter(data.chunks(channels).map(|frame| mono(frame) as i16));
                    meter.set(peak as f32 / 32768.0);
                },
                failed,
                None,
            ),
        }
        .map_err(|e| Error::Invalid(format!("cannot open the microphone: {e}")))?;
        stream
            .play()
            .map_err(|e| Error::Invalid(format!("cannot start the microphone: {e}")))?;
        Ok(Self {
            _stream: stream,
            samples,
            level,
            lost,
        })
    }

    pub fn level(&self) -> Level {
        self.level.clone()
    }
}

impl Capture for Microphone {
    fn read(&mut self, frame: &mut Frame) {
        if self.lost.get() {
            frame.fill(0);
            let level = self.level.clone();
            if let Some(default) = self
                .lost
                .retry("microphone", || Microphone::open_with(None, level))
            {
                *self = default;
            }
            return;
        }
        let got = self.samples.pop_slice(frame);
        frame[got..].fill(0);
    }
}

/// A speaker; like the microphone, the default takes over when it disappears.
pub struct Speaker {
    _stream: cpal::Stream,
    samples: HeapProd<i16>,
    lost: Lost,
}

impl Speaker {
    /// Opens the named speaker (or the default one) at 48 kHz; mono is copied to every channel.
    pub fn open(name: Option<&str>) -> Result<Self, Error> {
        let (samples, mut consumer) = HeapRb::<i16>::new(RING).split();
        let (stream, lost) = output(name, "speaker", move |mono| {
            let got = consumer.pop_slice(mono);
            mono[got..].fill(0);
        })?;
        Ok(Self {
            _stream: stream,
            samples,
            lost,
        })
    }
}

impl Playback for Speaker {
    fn write(&mut self, frame: &Frame) {
        if self.lost.get() {
            if let Some(default) = self.lost.retry("speaker", || Speaker::open(None)) {
                *self = default;
            }
            return;
        }
        // A speaker that falls behind loses the oldest audio rather than adding delay.
        if self.samples.vacant_len() < frame.len() {
            tracing::debug!("speaker behind; dropping a frame");
            return;
        }
        self.samples.push_slice(frame);
    }
}

/// A sound generated on an output device by the device's own callback: the ringtone on the
/// ringer device, the test tone in settings. It stops when dropped.
pub struct Tone {
    _stream: cpal::Stream,
}

impl Tone {
    /// Plays `source` (mono, 48 kHz) on the named output device or the default one.
    /// `source` runs in the device callback: it must neither block nor allocate.
    pub fn play(
        name: Option<&str>,
        source: impl FnMut(&mut [i16]) + Send + 'static,
    ) -> Result<Self, Error> {
        let (stream, _) = output(name, "speaker", source)?;
        Ok(Self { _stream: stream })
    }
}

/// Opens an output device (the named one, or the default — then following it) at 48 kHz and
/// plays what `fill` writes, mono, copied to every channel. `fill` runs in the device
/// callback; the stream reports a lost device through the returned flag.
fn output(
    name: Option<&str>,
    what: &'static str,
    mut fill: impl FnMut(&mut [i16]) + Send + 'static,
) -> Result<(cpal::Stream, Lost), Error> {
    let device = find(false, name)?;
    let (config, format) = config(&device, false)?;
    let channels = usize::from(config.channels.max(1));
    let lost = Lost::default();
    if name.is_none() {
        follow_default(false, &device, &lost);
    }
    let failed = lost.callback(what);
    // Allocated here, once; the callback only reuses it.
    let mut mono = vec![0i16; 4 * FRAME_SAMPLES];
    let stream = match format {
        SampleFormat::F32 => device.build_output_stream(
            config,
            move |data: &mut [f32], _: &_| {
                for chunk in data.chunks_mut(mono.len() * channels) {
                    let mono = &mut mono[..chunk.len() / channels];
                    fill(mono);
                    for (out, &sample) in chunk.chunks_mut(channels).zip(mono.iter()) {
                        out.fill(f32::from(sample) / 32768.0);
                    }
                }
            },
            failed,
            None,
        ),
        _ => device.build_output_stream(
            config,
            move |data: &mut [i16], _: &_| {
                for chunk in data.chunks_mut(mono.len() * channels) {
                    let mono = &mut mono[..chunk.len() / channels];
                    fill(mono);
                    for (out, &sample) in chunk.chunks_mut(channels).zip(mono.iter()) {
                        out.fill(sample);
                    }
                }
            },
            failed,
            None,
        ),
    }
    .map_err(|e| Error::Invalid(format!("cannot open the {what}: {e}")))?;
    stream
        .play()
        .map_err(|e| Error::Invalid(format!("cannot start the {what}: {e}")))?;
    Ok((stream, lost))
}
