//! OAuth 2.0 token lifecycle for the Salesforce client: the grants (refresh token, JWT bearer,
//! client credentials), refresh-token rotation, and the single-flight renewal shared by all
//! concurrent requests.
//!
//! Salesforce tokens carry no `expires_in`: the lifetime is the org's session timeout, so expiry
//! shows up only as a 401 `INVALID_SESSION_ID`. The client therefore starts from the configured
//! access token (if any) and renews only when there is none or a request was refused.
//!
//! Single flight: the token state carries an `epoch` that grows with every grant attempt. A
//! request that was refused while holding the token of epoch `g` calls [`Auth::renew`] with `g`;
//! the first caller to take the renewal lock performs the grant, and every caller that was
//! waiting behind it finds the epoch already moved on and reuses the outcome (new token or error)
//! instead of asking again. The grant runs in its own task so a cancelled request cannot lose a
//! rotated refresh token halfway.
//!
//! A grant the token endpoint refused (`invalid_grant`, `invalid_client`, …) is permanent: it is
//! not retried, and for 30 s later requests get the same answer without asking again.
//!
//! No token, secret, assertion or private key is ever logged or put into an error.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tracing::Instrument;

use super::error::{Refusal, SfError};
use crate::telemetry::Meter;

/// Grant type name for the JWT bearer flow (RFC 7523 §2.1).
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Salesforce requires the assertion's `exp` to be within 3 minutes; 10 s less leaves room for
/// clock skew between us and Salesforce.
const JWT_LIFETIME_SECS: i64 = 3 * 60 - 10;

/// Settings for the OAuth 2.0 JWT bearer flow (RFC 7523), signed with RS256.
#[derive(Clone, Debug)]
pub struct JwtBearer {
    /// The Salesforce username the token is issued for (`sub`).
    pub username: String,
    /// The connected app's certificate key, PEM (PKCS#1 or PKCS#8).
    pub private_key_pem: SecretString,
    /// `aud`: `https://login.salesforce.com`, `https://test.salesforce.com` or an Experience
    /// Cloud site URL.
    pub audience: String,
}

/// What a successful grant told us (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantInfo {
    /// Where REST calls go from now on.
    pub instance_url: String,
    /// `"refresh_token"`, `"client_credentials"` or `"jwt-bearer"`.
    pub grant: &'static str,
    /// Whether the grant returned a new refresh token (rotation), which replaces the old one.
    pub rotated_refresh_token: bool,
}

/// An access token with the epoch it belongs to and the instance it is valid for.
#[derive(Clone)]
pub(crate) struct Token {
    pub access: SecretString,
    pub instance_url: String,
    pub epoch: u64,
}

/// Credentials fixed at construction.
pub(crate) struct Credentials {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    pub jwt: Option<JwtSigner>,
    /// Where a rotated refresh token is saved, so a restart continues the chain.
    pub refresh_token_file: Option<std::path::PathBuf>,
}

/// A parsed JWT signing key with its claims' fixed parts.
pub(crate) struct JwtSigner {
    pub username: String,
    pub audience: String,
    pub key: jsonwebtoken::EncodingKey,
}

impl JwtSigner {
    /// Parses the PEM once, so a bad key fails at start rather than at the first expiry.
    pub fn new(jwt: &JwtBearer) -> Result<Self, SfError> {
        let key =
            jsonwebtoken::EncodingKey::from_rsa_pem(jwt.private_key_pem.expose_secret().as_bytes())
                .map_err(|_| {
                    SfError::NotConfigured(
                        "the JWT private key is not a valid RSA PEM key".to_string(),
                    )
                })?;
        Ok(JwtSigner {
            username: jwt.username.clone(),
            audience: jwt.audience.clone(),
            key,
        })
    }
}

struct TokenState {
    access: Option<SecretString>,
    instance_url: String,
    /// The refresh token to use next: the configured one, or the latest rotated one.
    refresh_token: Option<SecretString>,
    /// Grows by one with every completed grant attempt (success or failure).
    epoch: u64,
    /// The failure of the latest attempt, handed to the requests that waited for it.
    last_error: Option<SfError>,
    /// When the latest attempt failed.
    failed_at: Option<Instant>,
}

/// After the token endpoint refused our credentials, requests fail with that answer for this
/// long instead of asking again: a misconfigured bridge must not hammer the token endpoint (and
/// risk the user being locked out) once per incoming SCIM request. `authenticate()` still asks.
const AUTH_FAILURE_COOLDOWN: std::time::Duration = std::time::Duration::from_secs(30);

/// The token holder shared by all requests of one client.
pub(crate) struct Auth {
    http: reqwest::Client,
    creds: Credentials,
    state: RwLock<TokenState>,
    renew_lock: Arc<tokio::sync::Mutex<()>>,
    token_requests: AtomicU64,
    meter: Meter,
}

#[derive(Serialize)]
struct JwtClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    instance_url: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
}

struct Granted {
    access: SecretString,
    instance_url: Option<String>,
    new_refresh_token: Option<SecretString>,
    grant: &'static str,
}

impl Auth {
    pub fn new(
        http: reqwest::Client,
        creds: Credentials,
        access_token: Option<SecretString>,
        refresh_token: Option<SecretString>,
        instance_url: String,
        meter: Meter,
    ) -> Self {
        Auth {
            meter,
            http,
            creds,
            state: RwLock::new(TokenState {
                access: access_token,
                instance_url,
                refresh_token,
                epoch: 0,
                last_error: None,
                failed_at: None,
            }),
            renew_lock: Arc::new(tokio::sync::Mutex::new(())),
            token_requests: AtomicU64::new(0),
        }
    }

    // A poisoned lock only means another thread panicked while holding it; the state itself is
    // always written whole, so keep using it.
    fn read(&self) -> RwLockReadGuard<'_, TokenState> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, TokenState> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Requests sent to the token endpoint so far.
    pub fn token_requests(&self) -> u64 {
        self.token_requests.load(Ordering::Relaxed)
    }

    /// Where REST calls go now.
    pub fn instance_url(&self) -> String {
        self.read().instance_url.clone()
    }

    /// The current token, or a new one if there is none yet.
    pub async fn token(self: &Arc<Self>) -> Result<Token, SfError> {
        let epoch = {
            let st = self.read();
            if let Some(access) = &st.access {
                return Ok(Token {
                    access: access.clone(),
                    instance_url: st.instance_url.clone(),
                    epoch: st.epoch,
                });
            }
            if let (Some(e @ SfError::Auth { .. }), Some(at)) = (&st.last_error, st.failed_at) {
                if at.elapsed() < AUTH_FAILURE_COOLDOWN {
                    return Err(e.clone());
                }
            }
            st.epoch
        };
        self.renew(epoch).await
    }

    /// A token newer than epoch `seen`: obtains one if nobody else has since `seen`, otherwise
    /// returns the outcome of the grant that did.
    pub async fn renew(self: &Arc<Self>, seen: u64) -> Result<Token, SfError> {
        let guard = Arc::clone(&self.renew_lock).lock_owned().await;
        {
            let st = self.read();
            if st.epoch != seen {
                return match (&st.access, &st.last_error) {
                    (Some(access), _) => Ok(Token {
                        access: access.clone(),
                        instance_url: st.instance_url.clone(),
                        epoch: st.epoch,
                    }),
                    (None, Some(e)) => Err(e.clone()),
                    (None, None) => Err(SfError::NotConfigured(
                        "no access token is available".to_string(),
                    )),
                };
            }
        }
        self.spawn_grant(guard).await.map(|(token, _)| token)
    }

    /// Whether this client holds a token Salesforce has not refused: a held token counts (no
    /// request is spent checking it; a refused one is dropped by the call that learns it), and
    /// without one a grant is tried, at most once per `recheck` after a failure. A grant is not
    /// a REST call, so readiness never spends the org's API allowance.
    pub async fn ready(self: &Arc<Self>, recheck: std::time::Duration) -> Result<(), SfError> {
        let epoch = {
            let st = self.read();
            if st.access.is_some() {
                return Ok(());
            }
            if let (Some(e), Some(at)) = (&st.last_error, st.failed_at) {
                if at.elapsed() < recheck {
                    return Err(e.clone());
                }
            }
            st.epoch
        };
        self.renew(epoch).await.map(|_| ())
    }

    /// A fresh grant now, whatever the current token (the "test connection" button).
    pub async fn force(self: &Arc<Self>) -> Result<GrantInfo, SfError> {
        let guard = Arc::clone(&self.renew_lock).lock_owned().await;
        self.spawn_grant(guard).await.map(|(_, info)| info)
    }

    /// Runs the grant in its own task, holding the renewal lock until the state is updated, so
    /// that dropping the waiting request cannot lose a rotated refresh token.
    async fn spawn_grant(
        self: &Arc<Self>,
        guard: tokio::sync::OwnedMutexGuard<()>,
    ) -> Result<(Token, GrantInfo), SfError> {
        let me = Arc::clone(self);
        let task = tokio::spawn(
            async move {
                let outcome = me.grant_and_store().await;
                drop(guard);
                outcome
            }
            .in_current_span(),
        );
        task.await
            .map_err(|_| SfError::Transport("the token request was aborted".to_string()))?
    }

    async fn grant_and_store(&self) -> Result<(Token, GrantInfo), SfError> {
        let outcome = self.grant().await;
        let mut st = self.write();
        st.epoch += 1;
        match outcome {
            Ok(granted) => {
                if let Some(url) = granted.instance_url {
                    st.instance_url = url;
                }
                // Without rotation Salesforce sends no refresh token back; an echo of the same
                // token is not a rotation either.
                let rotated = match (&granted.new_refresh_token, &st.refresh_token) {
                    (Some(new), Some(old)) => new.expose_secret() != old.expose_secret(),
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                if rotated {
                    st.refresh_token = granted.new_refresh_token.clone();
                    if let (Some(path), Some(new)) =
                        (&self.creds.refresh_token_file, &granted.new_refresh_token)
                    {
                        save_refresh_token(path, new);
                    }
                }
                st.access = Some(granted.access.clone());
                st.last_error = None;
                st.failed_at = None;
                let info = GrantInfo {
                    instance_url: st.instance_url.clone(),
                    grant: granted.grant,
                    rotated_refresh_token: rotated,
                };
                Ok((
                    Token {
                        access: granted.access,
                        instance_url: st.instance_url.clone(),
                        epoch: st.epoch,
                    },
                    info,
                ))
            }
            Err(e) => {
                // The old token was refused (or never existed); keep none so the next request
                // tries again rather than sending a dead token.
                st.access = None;
                st.last_error = Some(e.clone());
                st.failed_at = Some(Instant::now());
                Err(e)
            }
        }
    }

    /// The grant order: refresh token if we have one; else JWT bearer; else client credentials.
    /// A refresh token answered with `invalid_grant` (expired, revoked, or an IdP like PingOne
    /// that cannot keep expiring refresh tokens) falls back to the other grants when configured.
    async fn grant(&self) -> Result<Granted, SfError> {
        let refresh_token = self.read().refresh_token.clone();
        let has_fallback = self.creds.jwt.is_some() || self.creds.client_secret.is_some();
        if let Some(rt) = refresh_token {
            match self.refresh_grant(&rt).await {
                Err(SfError::Auth { error, description })
                    if error == "invalid_grant" && has_fallback =>
                {
                    tracing::warn!(
                        oauth_error = %error,
                        oauth_error_description = %description,
                        "Salesforce refused the refresh token; falling back to {}",
                        if self.creds.jwt.is_some() { "the JWT bearer grant" } else { "the client credentials grant" }
                    );
                    // A refused refresh token never works again; stop offering it.
                    self.write().refresh_token = None;
                }
                other => return other,
            }
        }
        if let Some(jwt) = &self.creds.jwt {
            return self.jwt_grant(jwt).await;
        }
        if let Some(secret) = &self.creds.client_secret {
            return self.client_credentials_grant(secret).await;
        }
        Err(SfError::NotConfigured(
            "no way to obtain a Salesforce access token: configure a refresh token, a JWT key, \
             or a client secret for the client credentials flow"
                .to_string(),
        ))
    }

    async fn refresh_grant(&self, refresh_token: &SecretString) -> Result<Granted, SfError> {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("client_id", self.creds.client_id.as_str()),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        if let Some(secret) = &self.creds.client_secret {
            form.push(("client_secret", secret.expose_secret()));
        }
        let granted = self.post_token(&form, "refresh_token").await?;
        Ok(granted)
    }

    async fn client_credentials_grant(&self, secret: &SecretString) -> Result<Granted, SfError> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.creds.client_id.as_str()),
            ("client_secret", secret.expose_secret()),
        ];
        let mut granted = self.post_token(&form, "client_credentials").await?;
        // The client credentials flow issues no refresh token (and must not start a chain).
        granted.new_refresh_token = None;
        Ok(granted)
    }

    async fn jwt_grant(&self, jwt: &JwtSigner) -> Result<Granted, SfError> {
        let claims = JwtClaims {
            iss: &self.creds.client_id,
            sub: &jwt.username,
            aud: &jwt.audience,
            exp: chrono::Utc::now().timestamp() + JWT_LIFETIME_SECS,
        };
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        let assertion = SecretString::from(
            jsonwebtoken::encode(&header, &claims, &jwt.key).map_err(|_| {
                SfError::NotConfigured("could not sign the JWT bearer assertion".to_string())
            })?,
        );
        let form = [
            ("grant_type", JWT_BEARER_GRANT),
            ("assertion", assertion.expose_secret()),
        ];
        let mut granted = self.post_token(&form, "jwt-bearer").await?;
        granted.new_refresh_token = None;
        Ok(granted)
    }

    /// One token request, counted in `scim_bridge_token_grants_total`: `ok`, `refused` (the
    /// token endpoint said no: fix the credentials) or `failed` (it could not be reached, or
    /// answered 5xx or nonsense).
    async fn post_token(
        &self,
        form: &[(&str, &str)],
        grant: &'static str,
    ) -> Result<Granted, SfError> {
        let result = self.exchange(form, grant).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(SfError::Auth { .. } | SfError::Refused(_)) => "refused",
            Err(SfError::Api { status, .. }) if *status < 500 => "refused",
            Err(_) => "failed",
        };
        self.meter.token_grant(&grant.replace('-', "_"), outcome);
        result
    }

    async fn exchange(
        &self,
        form: &[(&str, &str)],
        grant: &'static str,
    ) -> Result<Granted, SfError> {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let result = self
            .http
            .post(&self.creds.token_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await;
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                let err = SfError::transport(e);
                tracing::warn!(grant, error = %err, "Salesforce token request failed");
                return Err(err);
            }
        };
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(SfError::transport)?;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        if !(200..300).contains(&status) {
            let err = SfError::from_token_response(status, &body);
            tracing::warn!(grant, status, elapsed_ms, error = %err, "Salesforce token grant refused");
            return Err(err);
        }
        let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|_| {
            SfError::Decode("the token endpoint answered without an access_token".to_string())
        })?;
        let instance_url = match parsed.instance_url {
            Some(u) => {
                let url = normalise_base_url(&u).ok_or_else(|| {
                    SfError::Decode(
                        "the token endpoint answered an invalid instance_url".to_string(),
                    )
                })?;
                // The access token goes wherever instance_url points: it is held to the rule of
                // the configured domain, so a token is never sent in the clear off this host.
                if !is_secure_base_url(&url) {
                    tracing::warn!(
                        grant,
                        "refused the token grant: its instance_url is plain http off loopback"
                    );
                    return Err(SfError::Refused(Refusal::InsecureInstanceUrl));
                }
                Some(url)
            }
            None => None,
        };
        tracing::info!(
            grant,
            status,
            elapsed_ms,
            instance_url = instance_url.as_deref().unwrap_or("(unchanged)"),
            "obtained a Salesforce access token"
        );
        Ok(Granted {
            access: SecretString::from(parsed.access_token),
            instance_url,
            new_refresh_token: parsed.refresh_token.map(SecretString::from),
            grant,
        })
    }
}

/// Whether the access token may be sent to `url`: https, or plain http on loopback only (the
/// emulator, a local proxy): the rule the configuration holds `salesforce.domain` to.
pub fn is_secure_base_url(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

/// An `http(s)` base URL without a trailing slash, or `None`.
pub(crate) fn normalise_base_url(s: &str) -> Option<String> {
    let trimmed = s.trim().trim_end_matches('/');
    let url = url::Url::parse(trimmed).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    if url.query().is_some() || url.fragment().is_some() {
        return None;
    }
    Some(trimmed.to_string())
}

/// Saves a rotated refresh token over the configured `refresh_token_file`. Without this, a
/// restart would offer the rotated-out token, and Salesforce revokes the whole chain when a
/// rotated-out token is reused. A failure is logged (without the token), not fatal: the token
/// in memory still works until the process stops.
fn save_refresh_token(path: &std::path::Path, token: &SecretString) {
    match write_secret_file(path, token.expose_secret().as_bytes()) {
        Ok(()) => tracing::info!(file = %path.display(), "saved the rotated refresh token"),
        Err(e) => tracing::warn!(
            file = %path.display(),
            error = %e,
            "could not save the rotated refresh token; a restart would reuse the old one"
        ),
    }
}

/// Replaces the secret file `path` with `contents`, atomically: the secret goes to a new file
/// with a random name in the same directory (created exclusively, so nobody can have planted or
/// opened it first, and readable by the owner only from its first byte), is synced, gets the
/// original file's mode (0600 when there is none), and is renamed over the original. A crash
/// leaves either the old or the new secret, never half of one, and the secret is never readable
/// by anyone the original file did not allow.
pub(crate) fn write_secret_file(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0o600)
    };
    let written = options.open(&tmp).and_then(|mut file| {
        file.write_all(contents)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Set explicitly: the mode given at creation is narrowed by the umask.
            file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        file.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&tmp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "scim-bridge-secret-{name}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn a_rewritten_secret_file_keeps_its_mode_and_leaves_no_temporary_file() {
        for original in [0o600, 0o640] {
            let d = dir("mode");
            let file = d.join("refresh-token");
            std::fs::write(&file, "old").unwrap();
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(original)).unwrap();
            write_secret_file(&file, b"new").unwrap();
            assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
            assert_eq!(mode(&file), original, "mode {original:o} was not kept");
            let names: Vec<_> = std::fs::read_dir(&d)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(names, vec![std::ffi::OsString::from("refresh-token")]);
        }
    }

    #[test]
    fn a_new_secret_file_is_readable_by_its_owner_only() {
        let d = dir("new");
        let file = d.join("refresh-token");
        write_secret_file(&file, b"first").unwrap();
        assert_eq!(mode(&file), 0o600);
    }

    #[test]
    fn a_secret_file_that_cannot_be_written_is_an_error_and_leaves_nothing_behind() {
        let d = dir("missing");
        let file = d.join("no-such-dir").join("refresh-token");
        assert!(write_secret_file(&file, b"x").is_err());
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0);
    }
}
