//! `switchboard`: the agent workspace. With no hub configured it runs the hub built into
//! this program, seeded with a demo account, and signs in as the demo agent.

use clap::Parser;
use switchboard::app::{App, Flags};
use switchboard::font;
use switchboard_client::Config;
use switchboard_client::environment::Environment;

#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about = "Switchboard agent workspace")]
struct Cli {
    /// Sign in to this hub (https://hub.example.com) instead of the one on this computer.
    #[arg(long, env = "SWITCHBOARD_HUB")]
    hub: Option<String>,
    /// Print the time the signed-in workspace first reaches the screen (used by bench/).
    #[arg(long, hide = true)]
    report_first_frame: bool,
}

fn main() -> iced::Result {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,switchboard=info,switchboard_client=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let env = Environment::detect();
    let config = Config::load(&env.config_file());
    switchboard::widget::read_time_zone();
    let flags = Flags {
        env,
        config,
        hub: cli.hub,
        report_first_frame: cli.report_first_frame,
        audio: switchboard::call::Audio::from_env(),
    };

    let mut application =
        iced::application(move || App::new(flags.clone()), App::update, App::view)
            .title(App::title)
            .theme(App::theme)
            .subscription(App::subscription)
            .default_font(font::REGULAR)
            .window_size((1180.0, 760.0));
    for bytes in font::all() {
        application = application.font(bytes);
    }
    application.run()
}
