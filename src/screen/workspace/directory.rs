//! "Call an Agent" (F-15, F-16): the account's agents with live status, searchable once at
//! least three characters are typed. Agents in callable statuses (green, yellow) are marked.

use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Length};
use switchboard_protocol::{AgentSummary, StatusDef};
use time::OffsetDateTime;

use crate::widget::{self, Element};
use crate::{fl, font, theme};

/// Fewer characters than this do not filter: "a" would match nearly everyone.
pub const MIN_QUERY: usize = 3;

#[derive(Debug, Clone, Default)]
pub struct Directory {
    query: String,
}

#[derive(Debug, Clone)]
pub enum Message {
    QueryChanged(String),
    Close,
    Call(switchboard_protocol::Id),
}

pub enum Action {
    None,
    Close,
    /// Ring this agent.
    Call(switchboard_protocol::Id),
}

impl Directory {
    pub fn query(&self) -> &str {
        &self.query
    }

    pub fn update(&mut self, message: Message) -> Action {
        match message {
            Message::QueryChanged(query) => {
                self.query = query;
                Action::None
            }
            Message::Close => Action::Close,
            Message::Call(agent) => Action::Call(agent),
        }
    }

    /// The agents to list for the current query.
    pub fn filter<'a>(&self, agents: &'a [AgentSummary]) -> Vec<&'a AgentSummary> {
        let query = self.query.trim().to_lowercase();
        if query.chars().count() < MIN_QUERY {
            return agents.iter().collect();
        }
        agents
            .iter()
            .filter(|agent| {
                agent.name.to_lowercase().contains(&query)
                    || agent.email.to_lowercase().contains(&query)
            })
            .collect()
    }

    pub fn view<'a>(
        &'a self,
        agents: &'a [AgentSummary],
        statuses: &'a [StatusDef],
        now: OffsetDateTime,
    ) -> Element<'a, Message> {
        let header = row![
            text(fl!("directory-title")).size(18).font(font::BOLD),
            space().width(Length::Fill),
            button(text(fl!("directory-close")).size(13))
                .style(theme::button::item)
                .on_press(Message::Close),
        ]
        .align_y(Alignment::Center);

        let search = text_input(&fl!("directory-search"), &self.query)
            .id("directory-search")
            .on_input(Message::QueryChanged)
            .padding(8);

        let shown = self.filter(agents);
        let mut list = column![].spacing(2);
        if shown.is_empty() {
            list = list.push(
                text(fl!("directory-empty", query = self.query.trim().to_owned()))
                    .style(theme::text::muted),
            );
        }
        for agent in shown {
            list = list.push(agent_row(agent, statuses, now));
        }

        let mut panel = column![header, search].spacing(12);
        if self.query.trim().chars().count() < MIN_QUERY {
            panel = panel.push(
                text(fl!("directory-search-hint"))
                    .size(12)
                    .style(theme::text::muted),
            );
        }
        panel = panel.push(scrollable(list).spacing(4).height(Length::Fill));
        container(panel)
            .padding(16)
            .width(340)
            .height(Length::Fill)
            .style(theme::container::panel)
            .into()
    }
}

fn agent_row<'a>(
    agent: &'a AgentSummary,
    statuses: &'a [StatusDef],
    now: OffsetDateTime,
) -> Element<'a, Message> {
    let status = &agent.presence.status;
    let callable = statuses
        .iter()
        .find(|def| &def.key == status)
        .is_some_and(|def| def.callable);
    let elapsed = (now - agent.presence.since).whole_seconds();
    let tag = if callable {
        text(fl!("directory-callable"))
            .size(12)
            .style(theme::text::success)
    } else {
        text(fl!("directory-not-callable"))
            .size(12)
            .style(theme::text::muted)
    };
    container(
        row![
            widget::dot(widget::status_color(status, statuses), 12.0),
            column![
                text(&agent.name).size(15),
                text(format!(
                    "{} · {}",
                    widget::status_label(status, statuses),
                    widget::duration(elapsed)
                ))
                .size(12)
                .style(theme::text::muted),
            ]
            .spacing(2)
            // The name gives way (wraps) before the tag and the Call button do.
            .width(Length::Fill),
            tag,
            button(text(fl!("directory-call")).size(13))
                .padding([4, 10])
                .style(theme::button::primary)
                .on_press_maybe(callable.then_some(Message::Call(agent.id))),
        ]
        .spacing(10)
        .align_y(Alignment::Center),
    )
    .padding([8, 6])
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::{Presence, Role, StatusKey};

    fn agent(name: &str, email: &str) -> AgentSummary {
        AgentSummary {
            id: 1,
            name: name.into(),
            email: email.into(),
            role: Role::Agent,
            presence: Presence {
                status: StatusKey::available(),
                since: OffsetDateTime::UNIX_EPOCH,
            },
        }
    }

    #[test]
    fn fewer_than_three_characters_do_not_filter() {
        let agents = [
            agent("Lucía Fernández", "lucia@x.test"),
            agent("Marcus Chen", "marcus@x.test"),
        ];
        let mut directory = Directory::default();
        for query in ["", "l", "lu", "  lu  "] {
            directory.update(Message::QueryChanged(query.into()));
            assert_eq!(directory.filter(&agents).len(), 2, "{query:?}");
        }
        directory.update(Message::QueryChanged("luc".into()));
        let names: Vec<_> = directory
            .filter(&agents)
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(names, ["Lucía Fernández"]);
    }

    #[test]
    fn search_ignores_case_and_matches_emails() {
        let agents = [
            agent("Lucía Fernández", "lucia@x.test"),
            agent("Marcus Chen", "mchen@x.test"),
        ];
        let mut directory = Directory::default();
        directory.update(Message::QueryChanged("MCHEN".into()));
        assert_eq!(directory.filter(&agents)[0].name, "Marcus Chen");
        directory.update(Message::QueryChanged("zzz".into()));
        assert!(directory.filter(&agents).is_empty());
    }
}
