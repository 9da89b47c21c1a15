//! `salesforce-emulator`: runs the emulator as a process for demos, manual testing and
//! benchmarks. Stops gracefully on Ctrl-C.

use std::net::TcpListener;
use std::time::Duration;

use clap::Parser;
use salesforce_emulator::{spawn_on, CustomField, EmulatorConfig};

/// An in-memory Salesforce REST API (OAuth, sObjects, SOQL, Collections, Composite, limits).
///
/// Control endpoints (no auth): POST /__emulator/reset, /__emulator/tokens/expire,
/// /__emulator/faults (DELETE clears), /__emulator/limits, /__emulator/leads/{id}/convert,
/// /__emulator/contacts/{id}/portal-user, /__emulator/duplicate-rules; GET /__emulator/stats.
#[derive(Debug, Parser)]
#[command(name = "salesforce-emulator", version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0, env = "SF_EMULATOR_PORT")]
    port: u16,
    /// Connected app consumer key.
    #[arg(long, default_value = "demo-client-id")]
    client_id: String,
    /// Connected app consumer secret.
    #[arg(long, default_value = "demo-client-secret")]
    client_secret: String,
    /// Refresh token valid from start.
    #[arg(long, default_value = "demo-refresh-token")]
    refresh_token: String,
    /// An access token valid from start (until the token lifetime passes).
    #[arg(long)]
    access_token: Option<String>,
    /// Access token lifetime (the org's session timeout) in seconds.
    #[arg(long, default_value_t = 7200)]
    token_lifetime_secs: u64,
    /// Rotate refresh tokens: each refresh returns a new one and the old one stops working.
    #[arg(long)]
    rotate_refresh_tokens: bool,
    /// Refuse the client_credentials grant, as a connected app without that flow enabled does.
    #[arg(long)]
    no_client_credentials: bool,
    /// Daily API request limit.
    #[arg(long, default_value_t = 100_000)]
    daily_limit: u64,
    /// PEM file with the RS256 public key for the jwt-bearer grant.
    #[arg(long, value_name = "FILE")]
    jwt_public_key: Option<std::path::PathBuf>,
    /// Username accepted as JWT `sub` (repeatable).
    #[arg(long = "jwt-username", default_value = "demo@example.com")]
    jwt_usernames: Vec<String>,
    /// Custom field, e.g. `Contact.Active__c:checkbox[:true]`, `Lead.Code__c:text[:80]` or a
    /// key `Contact.SCIM_Key__c:text:255:external_id:unique[:case_sensitive]` (repeatable).
    #[arg(long = "custom-field", value_parser = CustomField::parse_spec)]
    custom_fields: Vec<CustomField>,
    /// actix worker threads (default: number of cores).
    #[arg(long)]
    workers: Option<usize>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let jwt_public_key_pem = match &args.jwt_public_key {
        Some(p) => Some(std::fs::read_to_string(p)?),
        None => None,
    };
    let workers = args.workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let config = EmulatorConfig {
        client_id: args.client_id.clone(),
        client_secret: args.client_secret.clone(),
        refresh_token: args.refresh_token.clone(),
        initial_access_token: args.access_token.clone(),
        access_token_lifetime: Duration::from_secs(args.token_lifetime_secs),
        rotate_refresh_tokens: args.rotate_refresh_tokens,
        client_credentials_enabled: !args.no_client_credentials,
        daily_request_limit: args.daily_limit,
        jwt_public_key_pem,
        jwt_usernames: args.jwt_usernames.clone(),
        custom_fields: args.custom_fields.clone(),
        workers,
        ..EmulatorConfig::default()
    };
    let listener = TcpListener::bind(("127.0.0.1", args.port))?;
    let handle = spawn_on(listener, config).await?;
    println!("salesforce-emulator listening on {}", handle.base_url());
    // These are the emulator's well-known demo credentials, not secrets.
    println!("  client_id:     {}", args.client_id);
    println!("  client_secret: {}", args.client_secret);
    println!("  refresh_token: {}", args.refresh_token);
    println!(
        "  token endpoint: {}/services/oauth2/token",
        handle.base_url()
    );
    tokio::signal::ctrl_c().await?;
    println!("salesforce-emulator: stopping");
    handle.stop().await;
    Ok(())
}
