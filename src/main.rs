//! The `scim-bridge` command line: `serve`, `demo`, `test-connection`, `setup-org`,
//! `check-config`.
//! Thin: parse arguments, set up logging, hand over to the library.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use scim_bridge::config::{self, LogFormat};
#[cfg(feature = "demo")]
use scim_bridge::demo;
use scim_bridge::startup::{self, Application};
use scim_bridge::{setup, testconn};

#[derive(Parser)]
#[command(
    name = "scim-bridge",
    version,
    about = "SCIM 2.0 server that provisions PingOne, Entra ID, Okta or OneLogin users into Salesforce as Leads or Contacts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the bridge with a configuration file (environment variables SCIM_BRIDGE_… override it).
    Serve {
        /// The TOML configuration (see config.example.toml).
        #[arg(long, short, env = "SCIM_BRIDGE_CONFIG")]
        config: PathBuf,
        /// Worker threads (default: one per core).
        #[arg(long)]
        workers: Option<usize>,
    },
    /// Run the bridge against the built-in Salesforce emulator, ready for curl.
    #[cfg(feature = "demo")]
    Demo {
        /// Port for the bridge.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Port for the Salesforce emulator (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        salesforce_port: u16,
        /// The bearer token the IdP side must send.
        #[arg(long, default_value = demo::DEFAULT_TOKEN)]
        token: String,
    },
    /// Check each connection against Salesforce and say exactly what is wrong.
    TestConnection {
        #[arg(long, short, env = "SCIM_BRIDGE_CONFIG")]
        config: PathBuf,
        /// Only this connection (default: all).
        #[arg(long)]
        connection: Option<String>,
    },
    /// Create the custom fields each connection needs (its key field, custom fields the mapping
    /// or the disable setting names) through Salesforce's Tooling API, and say what was done.
    SetupOrg {
        #[arg(long, short, env = "SCIM_BRIDGE_CONFIG")]
        config: PathBuf,
        /// Only this connection (default: all).
        #[arg(long)]
        connection: Option<String>,
    },
    /// Validate a configuration file and list every problem, by key.
    CheckConfig {
        #[arg(long, short, env = "SCIM_BRIDGE_CONFIG")]
        config: PathBuf,
    },
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// The connections of a configuration file, or the one named.
fn selected_connections(
    config: &std::path::Path,
    only: Option<String>,
) -> Result<Vec<scim_bridge::provisioning::Connection>, String> {
    let cfg = config::load(config).map_err(|e| e.to_string())?;
    init_logging(cfg.log_format);
    let conns: Vec<_> = startup::connections(&cfg)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|c| only.as_deref().is_none_or(|n| n == c.name()))
        .collect();
    if conns.is_empty() {
        return Err(format!(
            "no connection named '{}' in {}",
            only.unwrap_or_default(),
            config.display()
        ));
    }
    Ok(conns)
}

fn exit_code(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::CheckConfig { config } => match config::load(&config) {
            Ok(cfg) => {
                println!(
                    "{}: OK ({} connection(s): {})",
                    config.display(),
                    cfg.connections.len(),
                    cfg.connections
                        .iter()
                        .map(|c| format!("{} → {}", c.name(), c.spec.mapping.object))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("{}: {e}", config.display());
                Ok(ExitCode::FAILURE)
            }
        },
        Command::TestConnection { config, connection } => {
            let conns = selected_connections(&config, connection)?;
            let mut ok = true;
            for c in &conns {
                let report = testconn::run(c).await;
                print!("{}", report.render());
                ok &= report.ok;
            }
            Ok(exit_code(ok))
        }
        Command::SetupOrg { config, connection } => {
            let conns = selected_connections(&config, connection)?;
            let mut ok = true;
            for c in &conns {
                let report = setup::run(c).await;
                print!("{}", report.render());
                ok &= report.ok;
            }
            Ok(exit_code(ok))
        }
        Command::Serve { config, workers } => {
            let cfg = config::load(&config).map_err(|e| e.to_string())?;
            init_logging(cfg.log_format);
            let signals =
                startup::Signals::new().map_err(|e| format!("cannot catch signals: {e}"))?;
            let listener = TcpListener::bind(cfg.listen)
                .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
            let app = Application::build(&cfg, listener, workers).map_err(|e| e.to_string())?;
            tracing::info!(
                port = app.port(),
                connections = cfg.connections.len(),
                "scim-bridge listening"
            );
            app.run_until_signalled(signals)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "demo")]
        Command::Demo {
            port,
            salesforce_port,
            token,
        } => {
            init_logging(LogFormat::Text);
            let signals =
                startup::Signals::new().map_err(|e| format!("cannot catch signals: {e}"))?;
            let emulator = demo::start_emulator(salesforce_port)
                .await
                .map_err(|e| format!("cannot start the Salesforce emulator: {e}"))?;
            let sf_url = emulator.base_url().to_string();
            let listen = format!("127.0.0.1:{port}");
            let cfg = demo::demo_config(&listen, &sf_url, &token).map_err(|e| e.to_string())?;
            let listener = TcpListener::bind(cfg.listen)
                .map_err(|e| format!("cannot listen on {listen}: {e} (choose another --port)"))?;
            let app = Application::build(&cfg, listener, Some(2)).map_err(|e| e.to_string())?;
            let bridge_url = format!("http://127.0.0.1:{}", app.port());
            println!("{}", demo::banner(&bridge_url, &sf_url, &token));
            // The bridge first (its requests in flight still reach the emulator), then the
            // emulator; whatever stopped the bridge, the emulator stops too.
            let served = app.run_until_signalled(signals).await;
            emulator.stop().await;
            served.map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
