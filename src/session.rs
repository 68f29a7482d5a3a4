//! Getting to a signed-in session: the built-in hub, the keychain, silent sign-in with a
//! saved token, and signing out. Async functions the app runs as Tasks; no GUI here.

use std::sync::Arc;

use switchboard_client::environment::Environment;
use switchboard_client::secrets::Keychain;
use switchboard_client::{Config, Error, Hub};
use switchboard_protocol::Bootstrap;

use crate::builtin::{self, DEMO_AGENT_EMAIL, DEMO_PASSWORD};

/// A live session with a hub.
#[derive(Debug, Clone)]
pub struct Session {
    pub hub: Hub,
    pub token: String,
    /// Whether the hub is the one built into this program.
    pub builtin: bool,
    /// Whether the agent asked to stay signed in across restarts.
    pub remembered: bool,
}

/// What start-up found.
#[derive(Debug, Clone)]
pub struct Started {
    /// The built-in hub, kept alive for as long as the app holds this.
    pub builtin: Option<Arc<builtin::Hub>>,
    pub keychain: Option<Keychain>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    SignedIn(Session, Box<Bootstrap>),
    /// Show the sign-in screen, with the reason when something failed.
    SignIn(Option<Error>),
    /// The hub built into this program could not start (its data folder is unusable, say):
    /// only a remote hub can be signed in to.
    BuiltinHubFailed(String),
}

/// Starts what is needed and signs in silently when it can: with the token saved in the
/// keychain, or as the demo agent on a fresh built-in hub.
pub async fn start(env: Environment, config: Config, hub_flag: Option<String>) -> Started {
    let keychain = tokio::task::spawn_blocking(Keychain::platform)
        .await
        .ok()
        .and_then(|found| {
            found
                .map_err(|error| tracing::warn!(%error, "no OS keychain"))
                .ok()
        });
    let remote = hub_flag.or(config.hub_url.clone());
    let mut builtin = None;
    let address = match remote {
        Some(address) => address,
        // A thin client with no hub set yet: the agent says which.
        None if !builtin::AVAILABLE => {
            return Started {
                builtin,
                keychain,
                outcome: Outcome::SignIn(None),
            };
        }
        None => match builtin::start(&env).await {
            Ok(hub) => {
                let url = hub.url();
                builtin = Some(hub);
                url
            }
            Err(reason) => {
                return Started {
                    builtin,
                    keychain,
                    outcome: Outcome::BuiltinHubFailed(reason),
                };
            }
        },
    };
    let outcome = match Hub::new(&address) {
        Ok(hub) => silent_sign_in(hub, &config, builtin.is_some(), keychain.as_ref()).await,
        Err(error) => Outcome::SignIn(Some(error)),
    };
    Started {
        builtin,
        keychain,
        outcome,
    }
}

async fn silent_sign_in(
    hub: Hub,
    config: &Config,
    builtin: bool,
    keychain: Option<&Keychain>,
) -> Outcome {
    if !config.email.is_empty()
        && let Some(keychain) = keychain
    {
        match keychain.load(hub.address(), &config.email) {
            Ok(Some(token)) => match hub.bootstrap(&token).await {
                Ok(boot) => {
                    return Outcome::SignedIn(
                        Session {
                            hub,
                            token,
                            builtin,
                            remembered: true,
                        },
                        Box::new(boot),
                    );
                }
                Err(error) if error.is_session_lost() => {
                    let _ = keychain.delete(hub.address(), &config.email);
                    // A fresh built-in hub can still sign the demo agent in.
                    if !builtin {
                        return Outcome::SignIn(Some(error));
                    }
                }
                Err(error) => return Outcome::SignIn(Some(error)),
            },
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "keychain read failed"),
        }
    }
    // A first start on the built-in hub signs the demo agent in; so do later starts, until
    // the agent signs out (which clears `remember`) or signs in as someone else.
    let demo_account =
        config.email.is_empty() || (config.email == DEMO_AGENT_EMAIL && config.remember);
    if builtin && demo_account {
        return match sign_in(
            hub,
            DEMO_AGENT_EMAIL,
            DEMO_PASSWORD,
            true,
            builtin,
            keychain,
        )
        .await
        {
            Ok((session, boot)) => Outcome::SignedIn(session, Box::new(boot)),
            // The demo password was changed: the agent signs in by hand.
            Err(error) if error.code().is_some() => Outcome::SignIn(None),
            Err(error) => Outcome::SignIn(Some(error)),
        };
    }
    Outcome::SignIn(None)
}

/// Signs in and loads the workspace; with `remember`, saves the token in the keychain.
pub async fn sign_in(
    hub: Hub,
    email: &str,
    password: &str,
    remember: bool,
    builtin: bool,
    keychain: Option<&Keychain>,
) -> Result<(Session, Bootstrap), Error> {
    let signed_in = hub.sign_in(email, password, remember).await?;
    let boot = hub.bootstrap(&signed_in.token).await?;
    if remember
        && let Some(keychain) = keychain
        && let Err(error) = keychain.save(hub.address(), &boot.me.email, &signed_in.token)
    {
        tracing::warn!(%error, "could not keep the session in the keychain");
    }
    Ok((
        Session {
            hub,
            token: signed_in.token,
            builtin,
            remembered: remember,
        },
        boot,
    ))
}

/// Ends the session at the hub and forgets the saved token. The token is forgotten even when
/// the hub cannot be reached: the agent asked to sign out of this machine.
pub async fn sign_out(session: Session, email: String, keychain: Option<Keychain>) {
    if let Err(error) = session.hub.sign_out(&session.token).await {
        tracing::warn!(%error, "the hub did not confirm the sign-out");
    }
    if let Some(keychain) = keychain
        && let Err(error) = keychain.delete(session.hub.address(), &email)
    {
        tracing::warn!(%error, "could not remove the saved session");
    }
}
