//! Call flows (the seed's "Studio"): what a caller hears and presses before an agent takes
//! the call. An account writes each flow as a TOML file of named steps — play a prompt,
//! gather keys (with a timeout and attempts), set context, branch on a menu choice, check
//! business hours, route to a ring group, take a voicemail, hang up — and each of its
//! numbers runs one. What a flow collects becomes the call's Context.
//!
//! ```toml
//! start = "hours"
//!
//! [steps.hours]
//! business_hours = { timezone = "America/New_York", open = ["mon-fri 09:00-18:00"] }
//! when_open = "menu"
//! when_closed = "voicemail"
//!
//! [steps.menu]
//! gather = { prompt = "menu", max_digits = 1, timeout = "5s", attempts = 3, into = "choice" }
//! choices = { "1" = "sales", "2" = "account" }
//! no_input = "sales"
//!
//! [steps.account]
//! gather = { prompt = "account-number", min_digits = 4, max_digits = 10, finish_on = "#", into = "account" }
//! next = "support"
//!
//! [steps.sales]
//! set = { department = "Sales" }
//! next = "to-sales"
//!
//! [steps.to-sales]
//! route = "Sales"
//!
//! [steps.support]
//! route = "Support"
//!
//! [steps.voicemail]
//! voicemail = { prompt = "closed", max_length = "2m" }
//! ```
//!
//! The engine ([`Run`]) is sans-IO: it says what to do next ([`Effect`]) and is told what
//! happened ([`Input`]); the inbound call task plays, listens and times.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A flow as written.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FlowFile {
    /// The step a call starts at.
    pub start: String,
    pub steps: BTreeMap<String, StepFile>,
}

/// One step as written: exactly one action, and where to go next.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StepFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub play: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gather: Option<GatherFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<HoursFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voicemail: Option<VoicemailFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hangup: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// For a gather: the step each answer leads to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<BTreeMap<String, String>>,
    /// For a gather: where a caller goes who gave no (valid) answer in all attempts;
    /// without it, the call ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_input: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_open: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_closed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GatherFile {
    /// Played while the caller may already press (a key stops it).
    #[serde(default)]
    pub prompt: Option<String>,
    #[serde(default = "one")]
    pub min_digits: usize,
    #[serde(default = "one")]
    pub max_digits: usize,
    /// A key that ends the answer early (`#` usually); it is not part of it.
    #[serde(default)]
    pub finish_on: Option<char>,
    /// How long to wait for the first key after the prompt, and between keys.
    #[serde(default = "five_seconds", with = "humantime_serde")]
    pub timeout: Duration,
    /// How many times the caller is asked before `no_input`.
    #[serde(default = "three")]
    pub attempts: u32,
    /// The context variable the answer is kept in.
    #[serde(default)]
    pub into: Option<String>,
}

fn one() -> usize {
    1
}
fn three() -> u32 {
    3
}
fn five_seconds() -> Duration {
    Duration::from_secs(5)
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursFile {
    /// IANA time zone, `Europe/Madrid`.
    pub timezone: String,
    /// `mon-fri 09:00-18:00`, `sat 10:00-14:00`, `sun 00:00-24:00`…
    pub open: Vec<String>,
    /// Days closed whatever the weekday (`2026-12-25`).
    #[serde(default)]
    pub closed_on: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VoicemailFile {
    /// Played before the tone; without it, a built-in "leave a message" prompt.
    #[serde(default)]
    pub prompt: Option<String>,
    #[serde(default = "two_minutes", with = "humantime_serde")]
    pub max_length: Duration,
}

fn two_minutes() -> Duration {
    Duration::from_secs(120)
}

/// A checked flow, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    start: usize,
    steps: Vec<Step>,
    names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Play {
        prompt: String,
        next: usize,
    },
    Gather {
        spec: Gather,
        choices: Option<BTreeMap<String, usize>>,
        next: Option<usize>,
        no_input: Option<usize>,
    },
    Set {
        values: Vec<(String, String)>,
        next: usize,
    },
    Hours {
        schedule: Schedule,
        open: usize,
        closed: usize,
    },
    Route {
        group: String,
    },
    Voicemail {
        prompt: Option<String>,
        max: Duration,
    },
    Hangup,
}

#[derive(Debug, Clone, PartialEq)]
struct Gather {
    prompt: Option<String>,
    min: usize,
    max: usize,
    finish_on: Option<char>,
    timeout: Duration,
    attempts: u32,
    into: Option<String>,
}

/// When an account is open: per weekday, the opening ranges in local minutes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Schedule {
    zone: TimeZone,
    open: Vec<(Weekday, u16, u16)>,
    closed_on: BTreeSet<Date>,
}

impl Schedule {
    pub(crate) fn read(file: &HoursFile) -> Result<Self> {
        let bad = |why: String| Error::BadRequest(format!("business_hours: {why}"));
        let zone = TimeZone::get(&file.timezone)
            .map_err(|_| bad(format!("{:?} is not a time zone", file.timezone)))?;
        let mut open = Vec::new();
        for range in &file.open {
            let (days, hours) = range
                .split_once(' ')
                .ok_or_else(|| bad(format!("{range:?}: write it as \"mon-fri 09:00-18:00\"")))?;
            let (from, to) = hours
                .trim()
                .split_once('-')
                .ok_or_else(|| bad(format!("{range:?}: the hours are \"09:00-18:00\"")))?;
            let days = weekdays(days, &bad)?;
            let (from, to) = (minutes(from, &bad)?, minutes(to, &bad)?);
            if from >= to {
                return Err(bad(format!("{range:?}: opens after it closes")));
            }
            for day in days {
                open.push((day, from, to));
            }
        }
        let closed_on = file
            .closed_on
            .iter()
            .map(|day| {
                day.parse::<Date>()
                    .map_err(|_| bad(format!("{day:?} is not a date (2026-12-25)")))
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            zone,
            open,
            closed_on,
        })
    }

    pub(crate) fn is_open(&self, now: Timestamp) -> bool {
        let local = now.to_zoned(self.zone.clone());
        if self.closed_on.contains(&local.date()) {
            return false;
        }
        let minute = u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute()))
            .unwrap_or_default();
        self.open
            .iter()
            .any(|(day, from, to)| *day == local.weekday() && (*from..*to).contains(&minute))
    }
}

fn minutes(text: &str, bad: &impl Fn(String) -> Error) -> Result<u16> {
    let text = text.trim();
    if text == "24:00" {
        return Ok(24 * 60);
    }
    let time: Time = text
        .parse()
        .map_err(|_| bad(format!("{text:?} is not a time (09:00)")))?;
    Ok(u16::try_from(i32::from(time.hour()) * 60 + i32::from(time.minute())).unwrap_or_default())
}

fn weekdays(text: &str, bad: &impl Fn(String) -> Error) -> Result<Vec<Weekday>> {
    let day = |name: &str| match name.trim().to_ascii_lowercase().as_str() {
        "mon" => Ok(Weekday::Monday),
        "tue" => Ok(Weekday::Tuesday),
        "wed" => Ok(Weekday::Wednesday),
        "thu" => Ok(Weekday::Thursday),
        "fri" => Ok(Weekday::Friday),
        "sat" => Ok(Weekday::Saturday),
        "sun" => Ok(Weekday::Sunday),
        other => Err(bad(format!("{other:?} is not a day (mon, tue… sun)"))),
    };
    let mut days = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((first, last)) => {
                let (first, last) = (day(first)?, day(last)?);
                let mut at = first;
                loop {
                    days.push(at);
                    if at == last {
                        break;
                    }
                    at = at.next();
                }
            }
            None => days.push(day(part)?),
        }
    }
    Ok(days)
}

impl Flow {
    /// Reads and checks a flow file: one action per step, every step it names exists.
    pub fn parse(source: &str) -> Result<Self> {
        let file: FlowFile = toml::from_str(source)
            .map_err(|e| Error::BadRequest(format!("the flow file: {}", e.message())))?;
        Self::check(&file)
    }

    fn check(file: &FlowFile) -> Result<Self> {
        let names: Vec<String> = file.steps.keys().cloned().collect();
        let index = |from: &str, to: &str| {
            names.iter().position(|n| n == to).ok_or_else(|| {
                Error::BadRequest(format!("step {from:?} goes to {to:?}, which is not a step"))
            })
        };
        let needs = |from: &str, what: &str, value: &Option<String>| {
            value
                .as_deref()
                .ok_or_else(|| Error::BadRequest(format!("step {from:?} needs `{what}`")))
                .and_then(|to| index(from, to))
        };
        let mut steps = Vec::with_capacity(names.len());
        for (name, step) in &file.steps {
            let actions = [
                step.play.is_some(),
                step.gather.is_some(),
                step.set.is_some(),
                step.business_hours.is_some(),
                step.route.is_some(),
                step.voicemail.is_some(),
                step.hangup == Some(true),
            ]
            .iter()
            .filter(|a| **a)
            .count();
            if actions != 1 {
                return Err(Error::BadRequest(format!(
                    "step {name:?} must do exactly one thing (play, gather, set, \
                     business_hours, route, voicemail or hangup)"
                )));
            }
            let built = if let Some(prompt) = &step.play {
                Step::Play {
                    prompt: prompt.clone(),
                    next: needs(name, "next", &step.next)?,
                }
            } else if let Some(gather) = &step.gather {
                if gather.min_digits == 0
                    || gather.max_digits < gather.min_digits
                    || gather.max_digits > 32
                {
                    return Err(Error::BadRequest(format!(
                        "step {name:?}: digits must be 1 ≤ min_digits ≤ max_digits ≤ 32"
                    )));
                }
                if gather.attempts == 0 || gather.timeout.is_zero() {
                    return Err(Error::BadRequest(format!(
                        "step {name:?}: attempts and timeout must be more than zero"
                    )));
                }
                let choices = match &step.choices {
                    Some(choices) => Some(
                        choices
                            .iter()
                            .map(|(answer, to)| Ok((answer.clone(), index(name, to)?)))
                            .collect::<Result<BTreeMap<_, _>>>()?,
                    ),
                    None => None,
                };
                if choices.is_none() && step.next.is_none() {
                    return Err(Error::BadRequest(format!(
                        "step {name:?} needs `choices` or `next`"
                    )));
                }
                Step::Gather {
                    spec: Gather {
                        prompt: gather.prompt.clone(),
                        min: gather.min_digits,
                        max: gather.max_digits,
                        finish_on: gather.finish_on,
                        timeout: gather.timeout,
                        attempts: gather.attempts,
                        into: gather.into.clone(),
                    },
                    choices,
                    next: step.next.as_deref().map(|to| index(name, to)).transpose()?,
                    no_input: step
                        .no_input
                        .as_deref()
                        .map(|to| index(name, to))
                        .transpose()?,
                }
            } else if let Some(values) = &step.set {
                Step::Set {
                    values: values.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                    next: needs(name, "next", &step.next)?,
                }
            } else if let Some(hours) = &step.business_hours {
                Step::Hours {
                    schedule: Schedule::read(hours)?,
                    open: needs(name, "when_open", &step.when_open)?,
                    closed: needs(name, "when_closed", &step.when_closed)?,
                }
            } else if let Some(group) = &step.route {
                Step::Route {
                    group: group.clone(),
                }
            } else if let Some(voicemail) = &step.voicemail {
                Step::Voicemail {
                    prompt: voicemail.prompt.clone(),
                    max: voicemail.max_length,
                }
            } else {
                Step::Hangup
            };
            steps.push(built);
        }
        let start = index("start", &file.start)?;
        Ok(Self {
            start,
            steps,
            names,
        })
    }

    /// The prompts the flow plays (they must exist before it runs).
    pub fn prompts(&self) -> BTreeSet<&str> {
        self.steps
            .iter()
            .filter_map(|step| match step {
                Step::Play { prompt, .. } => Some(prompt.as_str()),
                Step::Gather { spec, .. } => spec.prompt.as_deref(),
                Step::Voicemail { prompt, .. } => prompt.as_deref(),
                _ => None,
            })
            .collect()
    }

    /// The ring groups the flow routes to.
    pub fn groups(&self) -> BTreeSet<&str> {
        self.steps
            .iter()
            .filter_map(|step| match step {
                Step::Route { group } => Some(group.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// What the call task does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Play a prompt; with `barge_in`, a key stops it (and is the next input).
    Play { prompt: String, barge_in: bool },
    /// Wait this long for a key.
    Listen { timeout: Duration },
    /// Queue the caller in this ring group: the flow is done.
    Route { group: String },
    /// Take a message: the flow is done.
    Voicemail {
        prompt: Option<String>,
        max: Duration,
    },
    /// End the call: the flow is done.
    Hangup,
}

/// What happened since the last effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Played,
    Key(char),
    TimedOut,
}

/// Steps one call may take before the flow is taken to be looping (without a caller who
/// keeps answering): the call ends.
const MAX_STEPS: u32 = 200;

/// One call going through a flow.
#[derive(Debug, Clone)]
pub struct Run {
    flow: Flow,
    at: usize,
    taken: u32,
    /// In a gather: the attempt, and the keys so far.
    attempt: u32,
    digits: String,
    context: Vec<(String, String)>,
}

impl Run {
    /// Starts at the flow's first step; returns what to do first.
    pub fn start(flow: Flow, now: Timestamp) -> (Self, Effect) {
        let at = flow.start;
        let mut run = Self {
            flow,
            at,
            taken: 0,
            attempt: 0,
            digits: String::new(),
            context: Vec::new(),
        };
        let effect = run.enter(at, now);
        (run, effect)
    }

    /// What the flow collected: context variables in the order they were set (a variable
    /// set again keeps its place and takes the new value).
    pub fn context(&self) -> &[(String, String)] {
        &self.context
    }

    /// The step the call is at.
    pub fn step(&self) -> &str {
        &self.flow.names[self.at]
    }

    pub fn input(&mut self, input: Input, now: Timestamp) -> Effect {
        match self.flow.steps[self.at].clone() {
            // An announcement is not interrupted: keys pressed meanwhile wait, unread, for
            // the next question.
            Step::Play { next, .. } => self.enter(next, now),
            Step::Gather {
                spec,
                choices,
                next,
                no_input,
            } => match input {
                Input::Played => Effect::Listen {
                    timeout: spec.timeout,
                },
                Input::Key(key) if Some(key) == spec.finish_on => {
                    if self.digits.len() >= spec.min {
                        self.answered(&spec, choices.as_ref(), next, no_input, now)
                    } else {
                        self.ask_again(&spec, no_input, now)
                    }
                }
                Input::Key(key) => {
                    self.digits.push(key);
                    if self.digits.len() >= spec.max {
                        self.answered(&spec, choices.as_ref(), next, no_input, now)
                    } else {
                        Effect::Listen {
                            timeout: spec.timeout,
                        }
                    }
                }
                Input::TimedOut if self.digits.len() >= spec.min => {
                    self.answered(&spec, choices.as_ref(), next, no_input, now)
                }
                Input::TimedOut => self.ask_again(&spec, no_input, now),
            },
            // The other steps never wait for input: the flow was over.
            _ => Effect::Hangup,
        }
    }

    fn answered(
        &mut self,
        spec: &Gather,
        choices: Option<&BTreeMap<String, usize>>,
        next: Option<usize>,
        no_input: Option<usize>,
        now: Timestamp,
    ) -> Effect {
        let answer = std::mem::take(&mut self.digits);
        let to = match choices {
            Some(choices) => match choices.get(&answer) {
                Some(to) => Some(*to),
                None => return self.ask_again(spec, no_input, now),
            },
            None => next,
        };
        if let Some(into) = &spec.into {
            self.set(into.clone(), answer);
        }
        match to.or(next) {
            Some(to) => self.enter(to, now),
            None => Effect::Hangup,
        }
    }

    fn ask_again(&mut self, spec: &Gather, no_input: Option<usize>, now: Timestamp) -> Effect {
        self.digits.clear();
        if self.attempt >= spec.attempts {
            return match no_input {
                Some(to) => self.enter(to, now),
                None => Effect::Hangup,
            };
        }
        self.attempt += 1;
        self.ask(spec)
    }

    fn ask(&self, spec: &Gather) -> Effect {
        match &spec.prompt {
            Some(prompt) => Effect::Play {
                prompt: prompt.clone(),
                barge_in: true,
            },
            None => Effect::Listen {
                timeout: spec.timeout,
            },
        }
    }

    fn set(&mut self, key: String, value: String) {
        match self.context.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.context.push((key, value)),
        }
    }

    /// Goes to step `to` and on through the steps that need no caller, to the next effect.
    fn enter(&mut self, mut to: usize, now: Timestamp) -> Effect {
        loop {
            self.taken += 1;
            if self.taken > MAX_STEPS {
                tracing::warn!(step = %self.flow.names[to], "a call flow loops; the call ends");
                return Effect::Hangup;
            }
            self.at = to;
            self.digits.clear();
            match self.flow.steps[to].clone() {
                Step::Play { prompt, .. } => {
                    return Effect::Play {
                        prompt,
                        barge_in: false,
                    };
                }
                Step::Gather { spec, .. } => {
                    self.attempt = 1;
                    return self.ask(&spec);
                }
                Step::Set { values, next } => {
                    for (key, value) in values {
                        self.set(key, value);
                    }
                    to = next;
                }
                Step::Hours {
                    schedule,
                    open,
                    closed,
                } => to = if schedule.is_open(now) { open } else { closed },
                Step::Route { group } => return Effect::Route { group },
                Step::Voicemail { prompt, max } => return Effect::Voicemail { prompt, max },
                Step::Hangup => return Effect::Hangup,
            }
        }
    }
}
