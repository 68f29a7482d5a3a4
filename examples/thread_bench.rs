//! Benchmark (run by `bench/thread.sh`): a 5,000-message conversation on the Conversations
//! screen, drawn by the default renderer (tiny-skia, through `iced_test`'s headless
//! simulator). Prints the time of `view` + layout when the thread opens on its newest page,
//! then while the agent scrolls back to the first message a page at a time, and how many
//! messages the screen holds in memory on the way (bounded by the window, not the thread).
//! Target (issue 14): `view` + layout ≤ 16 ms.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::borrow::Cow;
use std::time::{Duration, Instant};

use switchboard::screen::workspace::conversations::{
    Context, Conversations, Look, Message, PAGE, WINDOW,
};
use switchboard_client::Hub;
use switchboard_client::api::conversations::Page;
use switchboard_client::local::Local;
use switchboard_client::outbox::Outbox;
use switchboard_protocol::{
    Author, Channel, Episode, EpisodeState, Id, Message as Sent, MessagePage, MessageStatus, Thread,
};
use time::OffsetDateTime;

const MESSAGES: i64 = 5_000;
const ME: Id = 2;
const THREAD: Id = 1;

fn message(id: Id, at: OffsetDateTime) -> Sent {
    let ours = id % 3 == 0;
    Sent {
        id,
        thread_id: THREAD,
        episode_id: Some(1),
        channel: if id % 17 == 0 {
            Channel::Note
        } else {
            Channel::Chat
        },
        author: if ours {
            Author::Agent {
                id: ME,
                name: "Alex Rivera".into(),
            }
        } else {
            Author::Contact
        },
        text: format!(
            "Message {id}: could you check the invoice for March? I was charged twice and the \
             second charge has not been refunded yet."
        ),
        status: if ours {
            MessageStatus::Read
        } else {
            MessageStatus::Accepted
        },
        failure: None,
        client_key: ours.then(|| format!("key-{id}")),
        at: at + time::Duration::seconds(id),
        attachments: Vec::new(),
    }
}

/// The hub's answer for `page`, from the whole thread (ids 1..=MESSAGES, oldest first).
fn answer(all: &[Sent], page: Page) -> MessagePage {
    let limit = PAGE as usize;
    let (from, to) = match page {
        Page::Newest => (all.len().saturating_sub(limit), all.len()),
        Page::Before(id) => {
            let end = all.iter().position(|m| m.id == id).unwrap();
            (end.saturating_sub(limit), end)
        }
        Page::After(id) => {
            let start = all.iter().position(|m| m.id == id).unwrap() + 1;
            (start, (start + limit).min(all.len()))
        }
    };
    let more = match page {
        Page::After(_) => to < all.len(),
        _ => from > 0,
    };
    MessagePage {
        messages: all[from..to].to_vec(),
        more,
    }
}

/// `view` + layout of what is on screen, at 1180×760.
fn frame(screen: &Conversations, now: OffsetDateTime) -> Duration {
    let settings = iced::Settings {
        fonts: switchboard::font::all()
            .into_iter()
            .map(Cow::Borrowed)
            .collect(),
        default_font: switchboard::font::REGULAR,
        ..iced::Settings::default()
    };
    let look = Look {
        me: ME,
        now,
        agents: &[],
        groups: &[],
        dispositions: &[],
    };
    let started = Instant::now();
    let ui = iced_test::Simulator::with_size(settings, (1180.0, 760.0), screen.view(look));
    let took = started.elapsed();
    drop(ui);
    took
}

fn summary(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label}: median {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} frames)",
        ms(p(0.5)),
        ms(p(0.95)),
        ms(*times.last().unwrap()),
        times.len()
    );
}

fn main() {
    let now = OffsetDateTime::now_utc();
    let start = now - time::Duration::seconds(MESSAGES + 60);
    let all: Vec<Sent> = (1..=MESSAGES).map(|id| message(id, start)).collect();
    let thread = Thread {
        id: THREAD,
        contact_id: 1,
        contact_name: "Olivia Martin".into(),
        episode: Some(Episode {
            id: 1,
            state: EpisodeState::Open,
            channel: Channel::Chat,
            assignee: Some(ME),
            group_id: None,
            disposition_id: None,
            opened_at: start,
            first_response_at: Some(start),
            resolved_at: None,
        }),
        last_message: all.last().cloned(),
        unread: 0,
        read_upto: MESSAGES,
        version: 1,
    };
    let hub = Hub::new("http://127.0.0.1:9").unwrap();
    let cx = Context {
        hub: &hub,
        hub_name: "bench".into(),
        token: "sb_bench",
        me: ME,
        now,
    };
    let mut screen = Conversations::new(Outbox::new(Local::in_memory()));
    // The tasks (fetches, scrolling) are not run: the hub's answers are fed in below.
    let _ = screen.update(Message::ThreadFound(Ok(thread)), &cx);
    let _ = screen.update(
        Message::Paged(THREAD, Page::Newest, Ok(answer(&all, Page::Newest))),
        &cx,
    );

    let opened: Vec<Duration> = (0..60).map(|_| frame(&screen, now)).collect();
    summary("open, newest page", opened);

    let mut scrolling = Vec::new();
    let mut most = screen.shown().len();
    loop {
        let oldest = screen.shown().first().unwrap().id;
        if oldest == 1 {
            break;
        }
        let page = Page::Before(oldest);
        let _ = screen.update(Message::Paged(THREAD, page, Ok(answer(&all, page))), &cx);
        most = most.max(screen.shown().len());
        scrolling.push(frame(&screen, now));
    }
    summary("scrolling back to the first message", scrolling);
    println!(
        "messages in memory: at most {most} of {MESSAGES} (window {WINDOW}); first shown: {}",
        screen.shown().first().unwrap().id
    );
    assert!(most <= WINDOW, "memory is bounded by the window");
}
