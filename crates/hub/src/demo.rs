//! The demo account a new hub can seed, so a fresh install shows a working contact center:
//! agents in every kind of status, ring groups, caller IDs, contacts with CRM links and
//! dispositions. Every demo person signs in with [`DEMO_PASSWORD`].

use switchboard_protocol::{AccountSettings, CallOutcome, Channel, Id, Role, SaveNotes, StatusKey};

use crate::auth::hash_password;
use crate::conversation::{Agent, Conversations, Draft, Inbound};
use crate::events;
use crate::store::{NewAccount, NewAgent, NewContact, NewIntegration, PastCall, Store, now_ms};
use crate::{Result, phone};

pub const DEMO_ACCOUNT: &str = "Acme Support";
/// The agent the desktop signs in as when it runs its built-in hub.
pub const DEMO_AGENT_EMAIL: &str = "alex@acme.example";
pub const DEMO_ADMIN_EMAIL: &str = "admin@acme.example";
pub const DEMO_PASSWORD: &str = "switchboard";

/// (name, email, role, may choose caller ID, status key, minutes in that status)
const PEOPLE: &[(&str, &str, Role, bool, &str, i64)] = &[
    (
        "Dana Admin",
        DEMO_ADMIN_EMAIL,
        Role::Admin,
        true,
        StatusKey::OFFLINE,
        600,
    ),
    (
        "Alex Rivera",
        DEMO_AGENT_EMAIL,
        Role::Agent,
        true,
        StatusKey::OFFLINE,
        0,
    ),
    (
        "Sam Okafor",
        "sam@acme.example",
        Role::Supervisor,
        true,
        StatusKey::AVAILABLE,
        42,
    ),
    (
        "Lucía Fernández",
        "lucia@acme.example",
        Role::Agent,
        false,
        StatusKey::AVAILABLE,
        7,
    ),
    (
        "Priya Natarajan",
        "priya@acme.example",
        Role::Agent,
        false,
        StatusKey::AWAY,
        12,
    ),
    (
        "Marcus Chen",
        "marcus@acme.example",
        Role::Agent,
        false,
        StatusKey::ON_CALL,
        4,
    ),
    (
        "Hannah Becker",
        "hannah@acme.example",
        Role::Agent,
        false,
        StatusKey::AFTER_CALL_WORK,
        1,
    ),
    (
        "Tomás Silva",
        "tomas@acme.example",
        Role::Agent,
        false,
        "custom-lunch",
        25,
    ),
    (
        "Grace Kim",
        "grace@acme.example",
        Role::Agent,
        false,
        "custom-training",
        55,
    ),
    (
        "Omar Haddad",
        "omar@acme.example",
        Role::Agent,
        false,
        StatusKey::OFFLINE,
        300,
    ),
];

/// (name, company, numbers in national or international form, email, CRM id, helpdesk id)
type DemoContact = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static str,
);

/// The demo account's main line (a number customers call, and its caller ID).
pub const DEMO_NUMBER: &str = "+14155550100";

const DEMO_FLOW: &str = r#"
start = "menu"

[steps.menu]
gather = { prompt = "menu", timeout = "5s", attempts = 2, into = "choice" }
choices = { "1" = "sales", "2" = "support" }
no_input = "support"

[steps.sales]
set = { department = "Sales" }
next = "to-sales"

[steps.to-sales]
route = "Sales"

[steps.support]
set = { department = "Support" }
next = "to-support"

[steps.to-support]
route = "Support"
"#;

const CONTACTS: &[DemoContact] = &[
    (
        "Olivia Martin",
        "Northwind Traders",
        &["(415) 555-0132"],
        "olivia.martin@northwind.example",
        "003A001",
        "H-1001",
    ),
    (
        "Liam Johnson",
        "Contoso Ltd",
        &["(212) 555-0147", "(646) 555-0190"],
        "liam@contoso.example",
        "003A002",
        "",
    ),
    (
        "Emma Williams",
        "Fabrikam",
        &["(312) 555-0171"],
        "emma.w@fabrikam.example",
        "003A003",
        "H-1003",
    ),
    (
        "Noah Brown",
        "Tailspin Toys",
        &["(206) 555-0118"],
        "noah.brown@tailspin.example",
        "",
        "H-1004",
    ),
    (
        "Ava Jones",
        "Wide World Importers",
        &["(305) 555-0153"],
        "ava@wideworld.example",
        "003A005",
        "",
    ),
    (
        "Mateo García",
        "Litware",
        &["+34 912 345 678"],
        "mateo.garcia@litware.example",
        "003A006",
        "H-1006",
    ),
    (
        "Sofía López",
        "Adventure Works",
        &["+34 933 123 456", "+34 612 345 678"],
        "sofia@adventure.example",
        "003A007",
        "",
    ),
    (
        "Ethan Davis",
        "Proseware",
        &["(617) 555-0126"],
        "ethan.davis@proseware.example",
        "003A008",
        "H-1008",
    ),
    (
        "Mia Wilson",
        "Lucerne Publishing",
        &["(503) 555-0164"],
        "mia@lucerne.example",
        "",
        "",
    ),
    (
        "Lucas Anderson",
        "Coho Winery",
        &["(707) 555-0139"],
        "lucas@cohowinery.example",
        "003A010",
        "H-1010",
    ),
    (
        "Isabella Thomas",
        "Trey Research",
        &["(919) 555-0182"],
        "isabella.t@treyresearch.example",
        "003A011",
        "",
    ),
    (
        "Mason Taylor",
        "Woodgrove Bank",
        &["(704) 555-0157"],
        "mason.taylor@woodgrove.example",
        "003A012",
        "H-1012",
    ),
    (
        "Charlotte Moore",
        "Alpine Ski House",
        &["(970) 555-0111"],
        "charlotte@alpineski.example",
        "003A013",
        "",
    ),
    (
        "Elijah Jackson",
        "Blue Yonder Airlines",
        &["(214) 555-0195"],
        "elijah.j@blueyonder.example",
        "",
        "H-1014",
    ),
    (
        "Amelia White",
        "Margie's Travel",
        &["(702) 555-0143"],
        "amelia@margiestravel.example",
        "003A015",
        "H-1015",
    ),
    (
        "James Harris",
        "Fourth Coffee",
        &["(206) 555-0176"],
        "james.harris@fourthcoffee.example",
        "003A016",
        "",
    ),
    (
        "Harper Martin",
        "Graphic Design Institute",
        &["(415) 555-0168"],
        "harper@gdi.example",
        "003A017",
        "H-1017",
    ),
    (
        "Benjamin Thompson",
        "Humongous Insurance",
        &["(860) 555-0124"],
        "ben.thompson@humongous.example",
        "003A018",
        "H-1018",
    ),
    (
        "Valentina Ruiz",
        "Consolidated Messenger",
        &["+34 954 222 333"],
        "valentina@consolidated.example",
        "",
        "H-1019",
    ),
    (
        "Henry Clark",
        "City Power & Light",
        &["(313) 555-0185"],
        "henry.clark@cpandl.example",
        "003A020",
        "",
    ),
    (
        "Evelyn Lewis",
        "School of Fine Art",
        &["(215) 555-0137"],
        "evelyn@fineart.example",
        "003A021",
        "H-1021",
    ),
    (
        "Diego Hernández",
        "Southridge Video",
        &["+52 55 1234 5678"],
        "diego@southridge.example",
        "003A022",
        "",
    ),
    (
        "Abigail Walker",
        "VanArsdel Ltd",
        &["(602) 555-0159"],
        "abigail.walker@vanarsdel.example",
        "003A023",
        "H-1023",
    ),
    (
        "Jack Hall",
        "Relecloud",
        &["(408) 555-0103"],
        "jack.hall@relecloud.example",
        "003A024",
        "H-1024",
    ),
];

const DISPOSITIONS: &[&str] = &[
    "Resolved",
    "Follow-up needed",
    "Escalated",
    "Sale",
    "Callback requested",
    "Wrong number",
    "Voicemail left",
];

/// Seeds the demo account when the hub has no account yet. Returns whether it seeded.
pub async fn seed_if_empty(store: &Store) -> Result<bool> {
    if !store.accounts().await?.is_empty() {
        return Ok(false);
    }
    seed(store).await?;
    Ok(true)
}

pub async fn seed(store: &Store) -> Result<()> {
    let account = store
        .create_account(&NewAccount {
            name: DEMO_ACCOUNT.into(),
            default_country: "US".into(),
        })
        .await?;
    store
        .set_account_settings(
            account,
            &AccountSettings {
                auto_on_call: true,
                after_call_work: true,
                after_call_work_timeout_secs: 60,
                default_country: "US".into(),
                identity: true,
                record_calls: true,
                recording_pause: true,
                recording_retention_days: 90,
            },
        )
        .await?;
    store
        .create_custom_status(account, "Lunch", "#e07b39", false)
        .await?;
    store
        .create_custom_status(account, "Training", "#3b82c4", true)
        .await?;

    // One hash for everyone: argon2 is slow on purpose and the demo password is shared.
    let password_hash = hash_password(DEMO_PASSWORD)?;
    let mut agent_ids = Vec::new();
    for (name, email, role, caller_id, status, minutes) in PEOPLE {
        let id = store
            .create_agent(&NewAgent {
                account_id: account,
                email: (*email).into(),
                name: (*name).into(),
                role: *role,
                password_hash: password_hash.clone(),
                can_choose_caller_id: *caller_id,
            })
            .await?;
        let since = now_ms() - minutes * 60_000;
        store
            .seed_status(id, &StatusKey::new(*status), since)
            .await?;
        agent_ids.push((*email, id));
    }

    store
        .create_ring_group(account, "Sales", "longest_idle")
        .await?;
    let support = store
        .create_ring_group(account, "Support", "ring_all")
        .await?;
    for (email, id) in &agent_ids {
        let groups: &[&str] = match *email {
            DEMO_ADMIN_EMAIL => &[],
            "sam@acme.example" | DEMO_AGENT_EMAIL => &["Sales", "Support"],
            "lucia@acme.example" | "marcus@acme.example" | "grace@acme.example" => &["Sales"],
            _ => &["Support"],
        };
        for group in groups {
            store
                .set_ring_group_member(account, group, *id, true)
                .await?;
        }
    }

    // The main line runs a call flow: a menu to Sales or Support, what the caller chose
    // kept as Context. Any softphone can call it on a hub whose SIP trunk listens.
    store
        .set_prompt(
            account,
            "menu",
            include_bytes!("../resources/demo-menu.wav"),
        )
        .await?;
    store.set_flow(account, "main", DEMO_FLOW).await?;
    store
        .add_flow_number(account, DEMO_NUMBER, "main", "Main line")
        .await?;
    store
        .add_caller_id(account, "+14155550100", "Main line")
        .await?;
    store
        .add_caller_id(account, "+14155550199", "Support line")
        .await?;
    for label in DISPOSITIONS {
        store.add_disposition(account, label).await?;
    }

    store
        .create_integration(
            account,
            &NewIntegration {
                key: "crm".into(),
                label: "Acme CRM".into(),
                url_template: "https://crm.acme.example/contacts/{id}".into(),
                is_default: true,
            },
        )
        .await?;
    store
        .create_integration(
            account,
            &NewIntegration {
                key: "helpdesk".into(),
                label: "Helpdesk".into(),
                url_template: "https://help.acme.example/users/{id}".into(),
                is_default: false,
            },
        )
        .await?;
    let mut contacts = Vec::new();
    for (name, company, numbers, email, crm, helpdesk) in CONTACTS {
        let mut phones = Vec::new();
        for (i, number) in numbers.iter().enumerate() {
            let label = if i == 0 { "Work" } else { "Mobile" };
            phones.push((phone::to_e164(number, "US")?, label.to_owned()));
        }
        let mut links = Vec::new();
        if !crm.is_empty() {
            links.push(("crm".to_owned(), (*crm).to_owned()));
        }
        if !helpdesk.is_empty() {
            links.push(("helpdesk".to_owned(), (*helpdesk).to_owned()));
        }
        let id = store
            .create_contact(
                account,
                &NewContact {
                    name: (*name).into(),
                    company: (*company).into(),
                    phones,
                    emails: vec![(*email).into()],
                    links,
                },
            )
            .await?;
        contacts.push(id);
    }
    let agent = |email: &str| {
        agent_ids
            .iter()
            .find(|(e, _)| *e == email)
            .map(|(_, id)| *id)
    };
    if let (Some(alex), Some(lucia)) = (agent(DEMO_AGENT_EMAIL), agent("lucia@acme.example")) {
        seed_history(store, account, alex, lucia).await?;
        if let [olivia, liam, ..] = contacts[..] {
            seed_conversations(store, account, support, alex, (olivia, liam)).await?;
        }
    }
    tracing::info!(account, "demo account seeded");
    Ok(())
}

/// Two live chats: Olivia waits in Support's queue; Liam's is Alex's, answered, with a
/// note for colleagues.
async fn seed_conversations(
    store: &Store,
    account: Id,
    support: Id,
    alex: Id,
    (olivia, liam): (Id, Id),
) -> Result<()> {
    let conversations = Conversations::new(
        store.clone(),
        events::Publisher {
            store: store.clone(),
            notifier: events::Notifier::default(),
            retention: crate::config::Events::default().retention,
        },
    );
    let chat = |text: &str| Inbound {
        channel: Channel::Chat,
        text: text.to_owned(),
        automatic: false,
        group: Some(support),
        provider_id: None,
        attachments: Vec::new(),
    };
    let alex = Agent {
        id: alex,
        role: Role::Agent,
        name: "Alex Rivera".into(),
    };
    let (thread, _) = conversations
        .inbound_from(
            account,
            liam,
            chat("Hi! Can I move my plan renewal to the 1st of the month?"),
        )
        .await?;
    conversations.take(account, thread.id, alex.clone()).await?;
    conversations
        .reply(
            account,
            thread.id,
            alex.clone(),
            Draft::text(
                "demo-liam-1",
                "Hi Liam, yes: I can change it today. Would you like it from next month?",
            ),
        )
        .await?;
    conversations
        .note(
            account,
            thread.id,
            alex,
            Draft::text(
                "demo-liam-2",
                "Renewal date changes need a supervisor in the CRM.",
            ),
        )
        .await?;
    conversations
        .inbound_from(account, liam, chat("Yes please, from next month."))
        .await?;
    conversations
        .inbound_from(
            account,
            olivia,
            chat("Hello, I was charged twice for my March invoice. Who can help me with facturación?"),
        )
        .await?;
    Ok(())
}

/// One past call of the demo.
struct Past {
    minutes_ago: i64,
    direction: &'static str,
    from_agent: Option<Id>,
    from_number: Option<&'static str>,
    to_agent: Option<Id>,
    to_number: Option<&'static str>,
    /// None: never answered.
    talk_secs: Option<i64>,
    outcome: CallOutcome,
    /// Alex's notes and disposition.
    notes: &'static str,
    disposition: &'static str,
}

/// A few past calls, so History and the contacts' past interactions have something to show.
async fn seed_history(store: &Store, account: Id, alex: Id, lucia: Id) -> Result<()> {
    let dispositions = store.dispositions(account).await?;
    let olivia = "+14155550132";
    let liam = "+12125550147";
    let calls = [
        Past {
            minutes_ago: 26 * 60,
            direction: "inbound",
            from_agent: None,
            from_number: Some(olivia),
            to_agent: Some(alex),
            to_number: None,
            talk_secs: Some(252),
            outcome: CallOutcome::Completed,
            notes: "Asked to move the delivery to Friday; confirmed by email.",
            disposition: "Resolved",
        },
        Past {
            minutes_ago: 150,
            direction: "inbound",
            from_agent: None,
            from_number: Some(liam),
            to_agent: None,
            to_number: None,
            talk_secs: None,
            outcome: CallOutcome::Cancelled,
            notes: "",
            disposition: "",
        },
        Past {
            minutes_ago: 95,
            direction: "outbound",
            from_agent: Some(alex),
            from_number: None,
            to_agent: None,
            to_number: Some(liam),
            talk_secs: Some(131),
            outcome: CallOutcome::Completed,
            notes: "Called back about the missed call; sending a quote for 40 seats.",
            disposition: "Follow-up needed",
        },
        Past {
            minutes_ago: 40,
            direction: "internal",
            from_agent: Some(lucia),
            from_number: None,
            to_agent: Some(alex),
            to_number: None,
            talk_secs: Some(64),
            outcome: CallOutcome::Completed,
            notes: "",
            disposition: "",
        },
    ];
    let now = now_ms();
    for past in calls {
        let started = now - past.minutes_ago * 60_000;
        let answered = past.talk_secs.map(|_| started + 6_000);
        let ended = started + 6_000 + past.talk_secs.unwrap_or(24) * 1000;
        let id = store
            .import_call(&PastCall {
                account,
                direction: past.direction,
                from_agent: past.from_agent,
                from_number: past.from_number,
                to_agent: past.to_agent,
                to_number: past.to_number,
                dialled: (past.direction == "inbound").then_some(DEMO_NUMBER),
                started_at: started,
                answered_at: answered,
                ended_at: ended,
                outcome: past.outcome,
            })
            .await?;
        if past.notes.is_empty() {
            continue;
        }
        let notes = SaveNotes {
            notes: past.notes.into(),
            disposition_id: dispositions
                .iter()
                .find(|d| d.label == past.disposition)
                .map(|d| d.id),
            revision: u64::try_from(ended).unwrap_or(1),
        };
        store.save_notes(account, id, alex, &notes).await?;
    }
    Ok(())
}
