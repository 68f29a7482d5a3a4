//! The hub's conversations API: the inbox, a thread's messages, replies and notes, taking,
//! handing on and resolving a conversation, canned replies, search.

use reqwest::Method;
use switchboard_protocol::{
    AssignEpisode, CannedReply, Id, Message, MessagePage, ReadUpTo, ResolveEpisode, SearchHit,
    SendMessage, Thread,
};

use super::Hub;
use crate::Result;

/// Which page of a thread to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The newest messages.
    Newest,
    /// Those just before this message.
    Before(Id),
    /// Those just after this message.
    After(Id),
}

/// Whether an outgoing text is for the customer or for colleagues only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Reply,
    Note,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Reply => "reply",
            Kind::Note => "note",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "reply" => Some(Kind::Reply),
            "note" => Some(Kind::Note),
            _ => None,
        }
    }
}

impl Hub {
    /// The agent's conversations and those waiting in their groups, newest activity first.
    pub async fn inbox(&self, token: &str) -> Result<Vec<Thread>> {
        self.send(self.request(Method::GET, "conversations", Some(token)))
            .await
    }

    pub async fn conversation(&self, token: &str, thread: Id) -> Result<Thread> {
        let path = format!("conversations/{thread}");
        self.send(self.request(Method::GET, &path, Some(token)))
            .await
    }

    /// A contact's conversation (made on first use).
    pub async fn contact_conversation(&self, token: &str, contact: Id) -> Result<Thread> {
        let path = format!("contacts/{contact}/conversation");
        self.send(self.request(Method::GET, &path, Some(token)))
            .await
    }

    /// A page of a thread's messages and notes, oldest first.
    pub async fn messages(
        &self,
        token: &str,
        thread: Id,
        page: Page,
        limit: u32,
    ) -> Result<MessagePage> {
        let path = format!("conversations/{thread}/messages");
        let mut request = self
            .request(Method::GET, &path, Some(token))
            .query(&[("limit", limit)]);
        match page {
            Page::Newest => {}
            Page::Before(id) => request = request.query(&[("before", id)]),
            Page::After(id) => request = request.query(&[("after", id)]),
        }
        self.send(request).await
    }

    /// Sends a reply to the customer or a note for colleagues. The same `client_key` sent
    /// again answers the message the hub already has: it never goes out twice.
    pub async fn write(
        &self,
        token: &str,
        thread: Id,
        kind: Kind,
        body: &SendMessage,
    ) -> Result<Message> {
        let path = match kind {
            Kind::Reply => format!("conversations/{thread}/messages"),
            Kind::Note => format!("conversations/{thread}/notes"),
        };
        self.send(self.request(Method::POST, &path, Some(token)).json(body))
            .await
    }

    /// Takes a conversation waiting in a group's queue.
    pub async fn take(&self, token: &str, thread: Id) -> Result<Thread> {
        let path = format!("conversations/{thread}/take");
        self.send(self.request(Method::POST, &path, Some(token)))
            .await
    }

    /// Hands the open conversation to an agent or back to a group's queue, with a note.
    pub async fn assign(&self, token: &str, thread: Id, to: &AssignEpisode) -> Result<Thread> {
        let path = format!("conversations/{thread}/assign");
        self.send(self.request(Method::POST, &path, Some(token)).json(to))
            .await
    }

    pub async fn resolve(
        &self,
        token: &str,
        thread: Id,
        disposition: Option<Id>,
    ) -> Result<Thread> {
        let path = format!("conversations/{thread}/resolve");
        let body = ResolveEpisode {
            disposition_id: disposition,
        };
        self.send(self.request(Method::POST, &path, Some(token)).json(&body))
            .await
    }

    /// The agents read the customer's messages up to `message`.
    pub async fn read_upto(&self, token: &str, thread: Id, message: Id) -> Result<Thread> {
        let path = format!("conversations/{thread}/read");
        let body = ReadUpTo {
            message_id: message,
        };
        self.send(self.request(Method::POST, &path, Some(token)).json(&body))
            .await
    }

    /// Tells the customer (and colleagues) the agent is typing.
    pub async fn typing(&self, token: &str, thread: Id) -> Result<()> {
        let path = format!("conversations/{thread}/typing");
        self.send(self.request(Method::POST, &path, Some(token)))
            .await
    }

    /// The account's canned replies with their placeholders filled for this conversation.
    pub async fn canned_replies(&self, token: &str, thread: Id) -> Result<Vec<CannedReply>> {
        let path = format!("conversations/{thread}/canned-replies");
        self.send(self.request(Method::GET, &path, Some(token)))
            .await
    }

    /// Messages and notes with every word of `text`, best first.
    pub async fn search_messages(&self, token: &str, text: &str) -> Result<Vec<SearchHit>> {
        self.send(
            self.request(Method::GET, "conversations/search", Some(token))
                .query(&[("q", text)]),
        )
        .await
    }

    /// A file sent in a conversation of the account: its bytes.
    pub async fn attachment(&self, token: &str, id: Id) -> Result<Vec<u8>> {
        self.download(token, &format!("attachments/{id}")).await
    }

    /// `from` is the same person as `into`, which survives; answers the surviving thread.
    pub async fn merge_contacts(&self, token: &str, into: Id, from: Id) -> Result<Thread> {
        let path = format!("contacts/{into}/merge");
        let body = switchboard_protocol::MergeContact { from };
        self.send(self.request(Method::POST, &path, Some(token)).json(&body))
            .await
    }
}
