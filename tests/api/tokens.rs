//! The bridge's Salesforce session seen from the IdP: an expired access token is renewed once
//! (one grant for every request waiting on it, salesforce-rest.md "OAuth 2.0"), rotated
//! refresh tokens are followed, refused credentials become a 502 that tells the admin what to
//! run and never echoes a secret, and the admin "test connection" route reports the same.

use crate::helpers::*;
use futures_util::future::join_all;
use reqwest::Response;
use salesforce_emulator::EmulatorConfig;
use scim_bridge::demo;
use serde_json::{json, Value};

/// Emulator defaults the bridge's demo configuration uses; none may appear in an answer.
fn secrets() -> Vec<String> {
    let d = EmulatorConfig::default();
    vec![d.client_secret, d.refresh_token, "Bearer ".to_string()]
}

async fn text_without_secrets(res: Response) -> String {
    let text = res.text().await.expect("body");
    for s in secrets() {
        assert!(!text.contains(&s), "the answer leaks {s:?}: {text}");
    }
    text
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no {name} check in {report}"))
}

/// The demo configuration with the `contacts` connection's client secret replaced, so that
/// every grant is refused with `invalid_client` (and there is no other grant to fall back to).
fn wrong_client_secret(toml: String) -> String {
    let d = EmulatorConfig::default();
    toml.replacen(
        &format!("client_secret = \"{}\"", d.client_secret),
        "client_secret = \"not-the-secret-0123\"",
        1,
    )
}

#[tokio::test]
async fn an_access_token_that_expires_mid_run_is_renewed_once_and_the_calls_succeed() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    let before = app.token_requests().await;
    app.sf_control("tokens/expire", json!({})).await;
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 200);
    let res = app
        .put(
            "contacts",
            &format!("/Users/{id}"),
            user("ada@example.com", "Augusta", "Lovelace"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let list = app
        .filter("contacts", "userName eq \"ada@example.com\"")
        .await;
    assert_eq!(list["totalResults"], 1);
    assert_eq!(app.token_requests().await - before, 1);
    app.stop().await;
}

#[tokio::test]
async fn ten_concurrent_requests_after_expiry_share_a_single_token_request() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    let before = app.token_requests().await;
    app.sf_control("tokens/expire", json!({})).await;
    let path = format!("/Users/{id}");
    let answers = join_all((0..10).map(|_| app.get("contacts", &path))).await;
    for res in answers {
        assert_eq!(res.status(), 200);
    }
    assert_eq!(app.token_requests().await - before, 1);
    app.stop().await;
}

#[tokio::test]
async fn rotated_refresh_tokens_are_followed_through_two_expiries() {
    // No direct Salesforce calls here: the helpers redeem the original refresh token, and
    // replaying a rotated-out token revokes the whole chain (as Salesforce does).
    let app = TestApp::spawn_custom(
        EmulatorConfig {
            rotate_refresh_tokens: true,
            ..demo::emulator_config()
        },
        |t| t,
    )
    .await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    for round in 0..2 {
        let before = app.token_requests().await;
        app.sf_control("tokens/expire", json!({})).await;
        let res = app.get("contacts", &format!("/Users/{id}")).await;
        assert_eq!(res.status(), 200, "after expiry {round}");
        let res = app
            .patch(
                "contacts",
                &format!("/Users/{id}"),
                patch_ops(
                    json!([{"op": "replace", "path": "title", "value": format!("Round {round}")}]),
                ),
            )
            .await;
        assert_eq!(res.status(), 200, "after expiry {round}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["title"], format!("Round {round}"));
        assert_eq!(app.token_requests().await - before, 1, "round {round}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_revoked_refresh_token_falls_back_to_the_client_credentials_grant() {
    // The demo connection has a client secret, so the bridge can still get a session with the
    // client credentials flow when the refresh token dies (PingOne's "expiring refresh tokens
    // are unsupported", scim-clients.md).
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    app.sf_control("tokens/expire", json!({"refresh_tokens": true}))
        .await;
    let before = app.token_requests().await;
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 200);
    // One refused refresh grant, one client credentials grant; later calls reuse the session.
    assert_eq!(app.token_requests().await - before, 2);
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.token_requests().await - before, 2);
    let report: Value = app
        .admin_test("contacts", Some(ADMIN_TOKEN))
        .await
        .json()
        .await
        .unwrap();
    let token = check(&report, "token");
    assert_eq!(token["ok"], true, "{report}");
    let detail = token["detail"].as_str().unwrap();
    assert!(detail.contains("client_credentials"), "{report}");
    assert!(detail.contains("refresh token was refused"), "{report}");
    assert!(
        token["fix"]
            .as_str()
            .is_some_and(|f| f.contains("connections.contacts.salesforce.refresh_token")),
        "{report}"
    );
    app.stop().await;
}

#[tokio::test]
async fn refused_credentials_are_a_502_that_names_test_connection_and_leaks_no_secret() {
    let app = TestApp::spawn_with(wrong_client_secret).await;
    let before = app.token_requests().await;
    let res = app.get("contacts", "/Users").await;
    assert_eq!(res.status(), 502);
    let text = text_without_secrets(res).await;
    assert!(!text.contains("not-the-secret-0123"), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["status"], "502");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("test-connection"), "{detail}");
    assert!(detail.contains("contacts"), "{detail}");
    // A refused grant is permanent: the next calls do not hammer the token endpoint.
    let res = app
        .post(
            "contacts",
            "/Users",
            user("ada@example.com", "Ada", "Lovelace"),
        )
        .await;
    assert_scim_error(res, 502, None).await;
    assert_eq!(app.token_requests().await - before, 1);
    assert!(app.sf_query("SELECT Id FROM Contact").await.is_empty());
    // The other connection has its own, valid credentials.
    app.create_user(
        "leads",
        lead_user("ada@example.com", "Ada", "Lovelace", "Acme"),
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn the_admin_test_route_reports_a_healthy_connection() {
    let app = TestApp::spawn().await;
    let res = app.admin_test("contacts", Some(ADMIN_TOKEN)).await;
    assert_eq!(res.status(), 200);
    let report: Value = serde_json::from_str(&text_without_secrets(res).await).unwrap();
    assert_eq!(report["connection"], "contacts");
    assert_eq!(report["ok"], true, "{report}");
    for c in report["checks"].as_array().unwrap() {
        assert_eq!(c["ok"], true, "{report}");
        assert!(c.get("fix").is_none(), "{report}");
    }
    assert_eq!(check(&report, "token")["ok"], true);
    app.stop().await;
}

#[tokio::test]
async fn the_admin_test_route_reports_refused_credentials_with_a_fix() {
    let app = TestApp::spawn_with(wrong_client_secret).await;
    let res = app.admin_test("contacts", Some(ADMIN_TOKEN)).await;
    assert_eq!(res.status(), 200);
    let text = text_without_secrets(res).await;
    assert!(!text.contains("not-the-secret-0123"), "{text}");
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["ok"], false, "{report}");
    let token = check(&report, "token");
    assert_eq!(token["ok"], false);
    let fix = token["fix"].as_str().expect("a fix");
    assert!(
        fix.contains("connections.contacts.salesforce.client_secret"),
        "{fix}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_admin_test_route_needs_the_admin_token() {
    let app = TestApp::spawn().await;
    let res = app.admin_test("contacts", None).await;
    assert_scim_error(res, 401, None).await;
    let res = app
        .admin_test("contacts", Some("not-the-admin-token"))
        .await;
    assert_scim_error(res, 401, None).await;
    // The SCIM token of a connection is not an admin token.
    let res = app.admin_test("contacts", Some(TOKEN)).await;
    assert_scim_error(res, 401, None).await;
    app.stop().await;
}

#[tokio::test]
async fn the_admin_test_route_answers_404_for_an_unknown_connection() {
    let app = TestApp::spawn().await;
    let res = app.admin_test("nosuch", Some(ADMIN_TOKEN)).await;
    let body = assert_scim_error(res, 404, None).await;
    assert!(body["detail"].as_str().unwrap().contains("nosuch"));
    app.stop().await;
}

#[tokio::test]
async fn a_rotated_refresh_token_is_saved_to_its_file_so_a_restarted_bridge_continues_the_chain() {
    let dir = std::env::temp_dir().join(format!("scim-bridge-rotation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("refresh-token");
    let root = EmulatorConfig::default().refresh_token;
    std::fs::write(&file, format!("{root}\n")).unwrap();
    let path = file.display().to_string();
    let edit = |t: String| {
        t.replacen(
            &format!("refresh_token = \"{root}\""),
            &format!("refresh_token_file = {path:?}"),
            1,
        )
    };
    let app = TestApp::spawn_custom(
        salesforce_emulator::EmulatorConfig {
            rotate_refresh_tokens: true,
            ..scim_bridge::demo::emulator_config()
        },
        edit,
    )
    .await;
    let id = app
        .create_user("contacts", user("chain@example.com", "Chain", "Rotation"))
        .await;
    let saved = std::fs::read_to_string(&file).unwrap();
    assert_ne!(saved.trim(), root, "the rotated token was not saved");

    // "Restart": a second bridge from the same configuration, against the same org.
    let text = edit(scim_bridge::demo::connections_text(
        "127.0.0.1:0",
        app.sf.base_url(),
        TOKEN,
    ));
    let cfg = scim_bridge::config::Config::from_raw(scim_bridge::config::parse_raw(&text).unwrap())
        .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let restarted = scim_bridge::startup::Application::build(&cfg, listener, Some(1)).unwrap();
    let url = format!(
        "http://127.0.0.1:{}/scim/v2/contacts/Users/{id}",
        restarted.port()
    );
    let handle = restarted.handle();
    tokio::spawn(restarted.run_until_stopped());
    let res = app.http.get(url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(
        res.status(),
        200,
        "the restarted bridge could not continue the chain"
    );
    assert!(!std::fs::read_to_string(&file).unwrap().contains(&root));
    handle.stop(false).await;
    app.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn a_rotated_refresh_token_file_stays_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir =
        std::env::temp_dir().join(format!("scim-bridge-rotation-mode-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("refresh-token");
    let root = EmulatorConfig::default().refresh_token;
    std::fs::write(&file, format!("{root}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let path = file.display().to_string();
    let app = TestApp::spawn_custom(
        EmulatorConfig {
            rotate_refresh_tokens: true,
            ..demo::emulator_config()
        },
        move |t| {
            t.replacen(
                &format!("refresh_token = \"{root}\""),
                &format!("refresh_token_file = {path:?}"),
                1,
            )
        },
    )
    .await;
    app.create_user("contacts", user("mode@example.com", "Mode", "Kept"))
        .await;
    let saved = std::fs::read_to_string(&file).unwrap();
    assert_ne!(
        saved.trim(),
        EmulatorConfig::default().refresh_token,
        "no rotation happened"
    );
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the token file is now {mode:o}");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["refresh-token".to_string()],
        "left behind: {names:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_grant_naming_a_plain_http_instance_url_off_loopback_is_refused_and_its_token_never_sent()
{
    let app = TestApp::spawn_custom(
        EmulatorConfig {
            granted_instance_url: Some("http://instance.example.com".to_string()),
            ..demo::emulator_config()
        },
        |t| t,
    )
    .await;
    let tokens = app.token_requests().await;
    let api = app.api_requests().await;
    let res = app
        .get("contacts", "/Users?filter=userName%20eq%20%22x%22")
        .await;
    let err = assert_scim_error(res, 502, None).await;
    assert!(
        err["detail"].as_str().unwrap().contains("plain http"),
        "{err}"
    );
    assert_eq!(
        app.token_requests().await - tokens,
        1,
        "the grant was asked for"
    );
    assert_eq!(
        app.api_requests().await,
        api,
        "no call was made with the token"
    );
    app.stop().await;
}
