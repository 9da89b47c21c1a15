//! PingOne's "OAuth 2 client credentials" authentication: the IdP fetches a token from the
//! bridge's `POST /oauth/token` and sends it as a bearer token (RFC 6749 §4.4, §5).

use crate::helpers::*;
use base64::Engine;
use serde_json::Value;

const SIGNING: &str = "a-signing-secret-of-at-least-32-characters";
const CLIENT: &str = "pingone-contacts";
const SECRET: &str = "client-secret-0123456789";

/// The demo, with an OAuth client on `contacts` and a signing secret.
async fn spawn() -> TestApp {
    spawn_with_secret(SECRET).await
}

async fn spawn_with_secret(secret: &'static str) -> TestApp {
    TestApp::spawn_with(with_oauth_client(secret)).await
}

/// The TOML edit that gives `contacts` the OAuth client `CLIENT` with `secret`.
fn with_oauth_client(secret: &'static str) -> impl FnOnce(String) -> String {
    move |t| {
        let t = t.replacen(
            &format!("bearer_tokens = [\"{TOKEN}\"]"),
            &format!(
                "bearer_tokens = [\"{TOKEN}\"]\noauth_client_id = \"{CLIENT}\"\noauth_client_secret = \"{secret}\""
            ),
            1,
        );
        format!("token_signing_secret = \"{SIGNING}\"\n{t}")
    }
}

async fn token_request(
    app: &TestApp,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> reqwest::Response {
    let mut req = app
        .http
        .post(format!("{}/oauth/token", app.address))
        .form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    req.send().await.unwrap()
}

async fn scim_get(app: &TestApp, conn: &str, token: &str) -> reqwest::Response {
    app.http
        .get(format!("{}/Users", app.scim(conn)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn pingone_gets_a_token_with_client_credentials_and_provisions_with_it() {
    let app = spawn().await;
    let res = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("scope", "scim"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let token = body["access_token"].as_str().unwrap().to_string();
    assert_ne!(token, SECRET);

    let created = app
        .http
        .post(format!("{}/Users", app.scim("contacts")))
        .bearer_auth(&token)
        .header("Content-Type", SCIM)
        .body(user("oauth@example.com", "O", "Auth").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(
        app.sf_query("SELECT Id FROM Contact WHERE Email = 'oauth@example.com'")
            .await
            .len(),
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn client_credentials_in_http_basic_work_too() {
    let app = spawn().await;
    let res = token_request(
        &app,
        &[("grant_type", "client_credentials")],
        Some((CLIENT, SECRET)),
    )
    .await;
    assert_eq!(res.status(), 200);
    let token: Value = res.json().await.unwrap();
    let res = scim_get(&app, "contacts", token["access_token"].as_str().unwrap()).await;
    assert_eq!(res.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn a_token_for_one_connection_is_refused_by_another() {
    let app = spawn().await;
    let res = token_request(
        &app,
        &[("grant_type", "client_credentials")],
        Some((CLIENT, SECRET)),
    )
    .await;
    let token: Value = res.json().await.unwrap();
    let res = scim_get(&app, "leads", token["access_token"].as_str().unwrap()).await;
    assert_scim_error(res, 401, None).await;
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_secret_is_invalid_client_and_no_token_is_issued() {
    let app = spawn().await;
    for basic in [false, true] {
        let res = if basic {
            token_request(
                &app,
                &[("grant_type", "client_credentials")],
                Some((CLIENT, "wrong-secret-000000")),
            )
            .await
        } else {
            token_request(
                &app,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", CLIENT),
                    ("client_secret", "nope"),
                ],
                None,
            )
            .await
        };
        assert_eq!(res.status(), 401);
        if basic {
            assert!(res.headers().contains_key("www-authenticate"));
        }
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client");
        assert!(body.get("access_token").is_none());
    }
    app.stop().await;
}

#[tokio::test]
async fn other_grants_and_missing_grants_are_refused_as_rfc_6749_says() {
    let app = spawn().await;
    let res = token_request(
        &app,
        &[
            ("grant_type", "password"),
            ("username", "u"),
            ("password", "p"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
    let res = token_request(&app, &[("client_id", CLIENT)], None).await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_forged_or_expired_token_is_refused() {
    let app = spawn().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = |secret: &str, exp: u64| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &serde_json::json!({"iss": "scim-bridge", "sub": CLIENT, "aud": "scim-bridge:contacts", "iat": now, "exp": exp, "jti": "t"}),
            &jsonwebtoken::EncodingKey::from_secret(
                format!("{secret}\0{CLIENT}\0{SECRET}").as_bytes(),
            ),
        )
        .unwrap()
    };
    // Signed with the right secret and valid: accepted (proves the forgeries below differ only
    // in what makes them invalid).
    assert_eq!(
        scim_get(&app, "contacts", &claims(SIGNING, now + 600))
            .await
            .status(),
        200
    );
    let expired = claims(SIGNING, now - 3600);
    assert_scim_error(scim_get(&app, "contacts", &expired).await, 401, None).await;
    // Signed with the right key, but valid for 30 years: longer than token_lifetime_secs.
    let everlasting = claims(SIGNING, now + 30 * 365 * 86_400);
    assert_scim_error(scim_get(&app, "contacts", &everlasting).await, 401, None).await;
    let forged = claims("someone-elses-secret-of-32-characters", now + 600);
    assert_scim_error(scim_get(&app, "contacts", &forged).await, 401, None).await;
    let alg_none = format!(
        "{}.{}.",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            r#"{{"iss":"scim-bridge","sub":"x","aud":"scim-bridge:contacts","exp":{}}}"#,
            now + 600
        ))
    );
    assert_scim_error(scim_get(&app, "contacts", &alg_none).await, 401, None).await;
    app.stop().await;
}

#[tokio::test]
async fn without_an_oauth_client_the_token_endpoint_issues_nothing() {
    let app = TestApp::spawn().await;
    let res = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "x"),
            ("client_secret", "y"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "unauthorized_client"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_token_is_valid_on_every_replica_until_the_client_secret_is_rotated() {
    let first = spawn().await;
    let replica = spawn().await;
    let rotated = spawn_with_secret("a-brand-new-client-secret-42").await;
    let res = token_request(
        &first,
        &[("grant_type", "client_credentials")],
        Some((CLIENT, SECRET)),
    )
    .await;
    let token: Value = res.json().await.unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    assert_eq!(scim_get(&replica, "contacts", &token).await.status(), 200);
    assert_scim_error(scim_get(&rotated, "contacts", &token).await, 401, None).await;
    first.stop().await;
    replica.stop().await;
    rotated.stop().await;
}

#[tokio::test]
async fn a_secret_with_plus_and_percent_works_in_raw_http_basic_as_in_the_form() {
    let app = spawn_with_secret("base64+like/secret%2B==").await;
    // reqwest sends Basic credentials raw (not form-urlencoded), as many IdPs do.
    let raw = token_request(
        &app,
        &[("grant_type", "client_credentials")],
        Some((CLIENT, "base64+like/secret%2B==")),
    )
    .await;
    assert_eq!(raw.status(), 200);
    let form = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", "base64+like/secret%2B=="),
        ],
        None,
    )
    .await;
    assert_eq!(form.status(), 200);
    app.stop().await;
}

async fn with_secret(app: &TestApp, id: &str, secret: &str) -> reqwest::Response {
    token_request(
        app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ],
        None,
    )
    .await
}

#[tokio::test]
async fn after_five_wrong_secrets_even_the_right_one_is_refused_with_429_until_the_window_ends() {
    let window = std::time::Duration::from_millis(1500);
    let app = TestApp::spawn_tuned(
        scim_bridge::demo::emulator_config(),
        with_oauth_client(SECRET),
        |cfg| {
            cfg.token_backoff = scim_bridge::inbound::Backoff {
                max_failures: 5,
                window,
            }
        },
    )
    .await;
    for attempt in 1..=5 {
        let res = with_secret(&app, CLIENT, &format!("guess-{attempt}")).await;
        assert_eq!(res.status(), 401, "guess {attempt}");
    }
    let started = std::time::Instant::now();
    let res = with_secret(&app, CLIENT, SECRET).await;
    assert_eq!(res.status(), 429);
    // The rest of the 1.5 s block, in whole seconds rounded up.
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "slow_down", "{body}");
    assert!(body.get("access_token").is_none());
    // HTTP Basic is the same client id: refused too. Another client id is not blocked.
    let res = token_request(
        &app,
        &[("grant_type", "client_credentials")],
        Some((CLIENT, SECRET)),
    )
    .await;
    assert_eq!(res.status(), 429);
    assert_eq!(with_secret(&app, "someone-else", "x").await.status(), 401);
    // Once the window is over, the right secret works again.
    tokio::time::sleep(
        window.saturating_sub(started.elapsed()) + std::time::Duration::from_millis(100),
    )
    .await;
    let res = with_secret(&app, CLIENT, SECRET).await;
    assert_eq!(res.status(), 200);
    let token: Value = res.json().await.unwrap();
    let res = scim_get(&app, "contacts", token["access_token"].as_str().unwrap()).await;
    assert_eq!(res.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn an_unconfigured_client_id_is_blocked_exactly_like_a_real_one() {
    let app = spawn().await;
    for id in [CLIENT, "no-such-client"] {
        for attempt in 1..=5 {
            assert_eq!(
                with_secret(&app, id, "wrong").await.status(),
                401,
                "{id} {attempt}"
            );
        }
        let res = with_secret(&app, id, SECRET).await;
        assert_eq!(res.status(), 429, "{id}");
        let retry: u64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((59..=60).contains(&retry), "{id}: Retry-After {retry}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_token_request_body_that_trickles_in_is_a_408_at_the_deadline() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(with_timeouts(2, 1)).await;
    let host = app.address.trim_start_matches("http://").to_string();
    let mut conn = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /oauth/token HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 100\r\n\r\ngrant_type="
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        conn.read_to_end(&mut answer),
    )
    .await;
    assert!(
        read.is_ok(),
        "the bridge still waits for the body after 10 s"
    );
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("invalid_request"), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn a_token_request_body_over_8_kib_is_refused() {
    let app = TestApp::spawn().await;
    let res = app
        .http
        .post(format!("{}/oauth/token", app.address))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&pad={}",
            "x".repeat(9000)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    app.stop().await;
}
