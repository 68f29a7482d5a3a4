//! The Notes of a call (F-41) and of its wrap-up (F-44): free text and a Disposition. Every
//! edit is written to this machine's drafts store first, then sent to the hub; at most one
//! write and one send are in flight, and each catches up with the edits made meanwhile. What
//! the hub did not get (no connection, the app killed) is sent again when the workspace
//! starts and whenever the event stream reconnects.

use iced::widget::{button, column, row, text, text_editor};
use iced::{Alignment, Length, Task};
use switchboard_client::notes::{self, Draft, Drafts};
use switchboard_client::{Error, Hub};
use switchboard_protocol::{CallNotes, Disposition, Id, MAX_NOTES_CHARS};
use time::OffsetDateTime;

use crate::widget::Element;
use crate::{fl, font, theme};

/// What notes need from the workspace.
pub struct Context<'a> {
    pub hub: &'a Hub,
    pub token: &'a str,
    pub me: Id,
    pub now: OffsetDateTime,
}

impl Context<'_> {
    fn draft(&self, call: Id) -> Draft {
        Draft::new(self.hub.address(), self.me, call)
    }
}

#[derive(Debug, Clone)]
pub struct Notes {
    drafts: Drafts,
    sheet: Option<Sheet>,
}

/// The notes of one call.
#[derive(Debug, Clone)]
struct Sheet {
    call: Id,
    content: text_editor::Content,
    disposition: Option<Id>,
    /// The latest edit's revision.
    revision: u64,
    /// The highest revision written here, and whether a write is in flight.
    saved: u64,
    saving: bool,
    /// The highest revision the hub has, and whether a send is in flight.
    synced: u64,
    syncing: bool,
    /// Why the notes are not safe: the hub refused them, or this machine could not keep them.
    problem: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Edited(text_editor::Action),
    DispositionPicked(Id),
    /// A draft found here for the sheet's call (typed before a restart).
    Loaded(Id, Result<Option<Draft>, Error>),
    Saved(Id, u64, Result<(), Error>),
    Synced(Id, u64, Result<CallNotes, Error>),
    /// Drafts the hub lacked, sent again (how many reached it).
    Resent(Result<usize, Error>),
}

impl Notes {
    pub fn new(drafts: Drafts) -> Self {
        Self {
            drafts,
            sheet: None,
        }
    }

    pub fn call(&self) -> Option<Id> {
        self.sheet.as_ref().map(|sheet| sheet.call)
    }

    /// The notes text as typed.
    pub fn text(&self) -> Option<String> {
        self.sheet.as_ref().map(|sheet| sheet.content.text())
    }

    /// The disposition picked.
    pub fn disposition(&self) -> Option<Id> {
        self.sheet.as_ref().and_then(|sheet| sheet.disposition)
    }

    /// Whether every edit is written on this computer.
    pub fn saved_here(&self) -> bool {
        self.sheet
            .as_ref()
            .is_none_or(|sheet| sheet.saved >= sheet.revision)
    }

    /// Whether the hub has every edit.
    pub fn synced(&self) -> bool {
        self.sheet
            .as_ref()
            .is_none_or(|sheet| sheet.synced >= sheet.revision)
    }

    /// Opens the notes of `call` (a call just connected, or the one being wrapped up after a
    /// restart): whatever was typed here before comes back. `saved` is what the hub keeps,
    /// if known; the newer of the two wins.
    pub fn open(&mut self, call: Id, saved: Option<CallNotes>, cx: &Context<'_>) -> Task<Message> {
        if self.call() == Some(call) {
            return Task::none();
        }
        let mut sheet = Sheet {
            call,
            content: text_editor::Content::new(),
            disposition: None,
            revision: 0,
            saved: 0,
            saving: false,
            synced: 0,
            syncing: false,
            problem: None,
        };
        if let Some(saved) = saved {
            sheet.content = text_editor::Content::with_text(&saved.notes);
            sheet.disposition = saved.disposition.map(|d| d.id);
            sheet.revision = saved.revision;
            sheet.saved = saved.revision;
            sheet.synced = saved.revision;
        }
        // The sheet it replaces may still owe the hub its last edits.
        let owed = self
            .sheet
            .replace(sheet)
            .is_some_and(|old| old.synced < old.revision);
        let (drafts, hub, me) = (self.drafts.clone(), cx.hub.address().to_owned(), cx.me);
        let load = Task::perform(
            async move { drafts.get(&hub, me, call).await },
            move |found| Message::Loaded(call, found),
        );
        if owed {
            Task::batch([load, self.resend(cx)])
        } else {
            load
        }
    }

    /// Sends the drafts the hub lacks (after a restart, or once the connection is back).
    pub fn resend(&self, cx: &Context<'_>) -> Task<Message> {
        let (drafts, hub, token, me) = (
            self.drafts.clone(),
            cx.hub.clone(),
            cx.token.to_owned(),
            cx.me,
        );
        // The open sheet sends its own; the others go from the store.
        let open = self.call();
        Task::perform(
            async move {
                let mut sent = 0;
                for draft in drafts.unsynced(hub.address(), me).await? {
                    if Some(draft.call) == open {
                        continue;
                    }
                    match notes::sync(&hub, &token, &drafts, &draft).await {
                        Ok(_) => sent += 1,
                        Err(error @ Error::Unreachable { .. }) => return Err(error),
                        Err(error) => {
                            tracing::warn!(call = draft.call, %error, "notes refused by the hub");
                        }
                    }
                }
                Ok(sent)
            },
            Message::Resent,
        )
    }

    pub fn update(&mut self, message: Message, cx: &Context<'_>) -> Task<Message> {
        match message {
            Message::Edited(action) => {
                let Some(sheet) = &mut self.sheet else {
                    return Task::none();
                };
                let edit = action.is_edit();
                sheet.content.perform(action);
                if edit {
                    if sheet.content.text().chars().count() > MAX_NOTES_CHARS {
                        sheet.problem = Some(fl!("notes-too-long", max = MAX_NOTES_CHARS));
                        return Task::none();
                    }
                    return self.edited(cx);
                }
            }
            Message::DispositionPicked(id) => {
                if let Some(sheet) = &mut self.sheet {
                    sheet.disposition = Some(id);
                    return self.edited(cx);
                }
            }
            Message::Loaded(call, found) => {
                let Some(sheet) = self.sheet.as_mut().filter(|s| s.call == call) else {
                    return Task::none();
                };
                match found {
                    // Typed here before, and newer than anything since: it comes back.
                    Ok(Some(draft)) if draft.revision > sheet.revision => {
                        sheet.content = text_editor::Content::with_text(&draft.notes);
                        sheet.disposition = draft.disposition;
                        sheet.revision = draft.revision;
                        sheet.saved = draft.revision;
                        sheet.synced = sheet.synced.max(draft.synced);
                        sheet.problem = draft.refused;
                        return self.sync(cx);
                    }
                    Ok(_) => {}
                    Err(error) => sheet.problem = Some(super::super::describe(&error)),
                }
            }
            Message::Saved(call, revision, result) => {
                let Some(sheet) = self.sheet.as_mut().filter(|s| s.call == call) else {
                    return Task::none();
                };
                sheet.saving = false;
                match result {
                    Ok(()) => {
                        sheet.saved = sheet.saved.max(revision);
                        if sheet.problem.is_some() && sheet.saved == sheet.revision {
                            sheet.problem = None;
                        }
                    }
                    Err(error) => {
                        sheet.problem = Some(super::super::describe(&error));
                    }
                }
                return Task::batch([self.save(cx), self.sync(cx)]);
            }
            Message::Synced(call, revision, result) => {
                let Some(sheet) = self.sheet.as_mut().filter(|s| s.call == call) else {
                    return Task::none();
                };
                sheet.syncing = false;
                match result {
                    Ok(kept) => {
                        sheet.synced = sheet.synced.max(kept.revision).max(revision);
                        return self.sync(cx);
                    }
                    // Not reached: sent again with the next edit or when the connection is back.
                    Err(Error::Unreachable { .. }) => {}
                    Err(error) => sheet.problem = Some(super::super::describe(&error)),
                }
            }
            Message::Resent(Ok(_)) => {}
            Message::Resent(Err(error)) => {
                tracing::info!(%error, "notes not sent yet");
            }
        }
        Task::none()
    }

    /// An edit: a new revision, written here, then sent.
    fn edited(&mut self, cx: &Context<'_>) -> Task<Message> {
        let Some(sheet) = &mut self.sheet else {
            return Task::none();
        };
        // Milliseconds since the epoch, and always growing: newer than any revision an
        // earlier run of the app (or another machine) wrote for this call.
        let now = u64::try_from(cx.now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        sheet.revision = (sheet.revision + 1).max(now);
        self.save(cx)
    }

    fn snapshot(sheet: &Sheet, cx: &Context<'_>) -> Draft {
        Draft {
            notes: sheet.content.text(),
            disposition: sheet.disposition,
            revision: sheet.revision,
            ..cx.draft(sheet.call)
        }
    }

    /// Writes the latest edit here, unless a write is in flight (its answer writes again).
    fn save(&mut self, cx: &Context<'_>) -> Task<Message> {
        let Some(sheet) = self
            .sheet
            .as_mut()
            .filter(|s| !s.saving && s.saved < s.revision)
        else {
            return Task::none();
        };
        sheet.saving = true;
        let draft = Self::snapshot(sheet, cx);
        let (drafts, call, revision) = (self.drafts.clone(), sheet.call, sheet.revision);
        Task::perform(async move { drafts.save(draft).await }, move |result| {
            Message::Saved(call, revision, result)
        })
    }

    /// Sends what is written here and the hub lacks, unless a send is in flight.
    fn sync(&mut self, cx: &Context<'_>) -> Task<Message> {
        let Some(sheet) = self
            .sheet
            .as_mut()
            .filter(|s| !s.syncing && s.synced < s.saved && s.saved == s.revision)
        else {
            return Task::none();
        };
        sheet.syncing = true;
        let draft = Self::snapshot(sheet, cx);
        let (drafts, hub, token) = (self.drafts.clone(), cx.hub.clone(), cx.token.to_owned());
        let (call, revision) = (sheet.call, sheet.revision);
        Task::perform(
            async move { notes::sync(&hub, &token, &drafts, &draft).await },
            move |result| Message::Synced(call, revision, result),
        )
    }

    /// The disposition chips (one click picks) and the editor.
    pub fn view<'a>(&'a self, dispositions: &'a [Disposition]) -> Option<Element<'a, Message>> {
        let sheet = self.sheet.as_ref()?;
        let disposition: Element<'a, Message> = if dispositions.is_empty() {
            text(fl!("notes-no-dispositions"))
                .style(theme::text::muted)
                .into()
        } else {
            let mut chips = row![].spacing(6);
            for choice in dispositions {
                let picked = sheet.disposition == Some(choice.id);
                chips = chips.push(
                    button(text(choice.label.clone()).size(13))
                        .padding([4, 12])
                        .style(theme::button::tab(picked))
                        .on_press(Message::DispositionPicked(choice.id)),
                );
            }
            chips.wrap().vertical_spacing(6).into()
        };
        let state = match &sheet.problem {
            Some(problem) => text(problem.clone()).size(12).style(theme::text::danger),
            None if sheet.revision == 0 => text(""),
            None if sheet.synced >= sheet.revision => {
                text(fl!("notes-saved")).size(12).style(theme::text::muted)
            }
            None => text(fl!("notes-saved-here"))
                .size(12)
                .style(theme::text::muted),
        };
        Some(
            column![
                row![
                    text(fl!("notes-disposition")).font(font::BOLD),
                    iced::widget::space().width(Length::Fill),
                    state,
                ]
                .spacing(12)
                .align_y(Alignment::Center),
                disposition,
                text_editor(&sheet.content)
                    .id("notes")
                    .placeholder(fl!("notes-placeholder"))
                    .on_action(Message::Edited)
                    .height(120),
            ]
            .spacing(8)
            .into(),
        )
    }
}
