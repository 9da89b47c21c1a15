//! OAuth grants, rotation, revocation and token expiry.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{Method, StatusCode};
use salesforce_emulator::EmulatorConfig;
use serde_json::json;

use crate::helpers::*;

fn refresh_form(rt: &str) -> Vec<(&str, &str)> {
    vec![
        ("grant_type", "refresh_token"),
        ("client_id", DEFAULTS.client_id.as_str()),
        ("client_secret", DEFAULTS.client_secret.as_str()),
        ("refresh_token", rt),
    ]
}

#[tokio::test]
async fn a_refresh_token_grant_answers_the_salesforce_token_shape() {
    let org = Org::start().await;
    let r = org
        .token_grant(&refresh_form(&DEFAULTS.refresh_token))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert_eq!(b["token_type"], "Bearer");
    assert_eq!(b["instance_url"], org.handle.base_url());
    assert_eq!(b["scope"], "api refresh_token");
    assert!(b["issued_at"].as_str().unwrap().parse::<u64>().is_ok());
    assert!(b["id"].as_str().unwrap().starts_with(org.handle.base_url()));
    assert!(b["signature"].is_string());
    assert!(
        b.get("refresh_token").is_none(),
        "no rotation, no new refresh token"
    );
    assert!(b.get("expires_in").is_none());
    let tok = b["access_token"].as_str().unwrap();
    let me = org
        .raw(Method::GET, &format!("{V}/limits"), Some(tok), &[], None)
        .await;
    assert_eq!(me.status, StatusCode::OK);
}

#[tokio::test]
async fn token_failures_answer_salesforce_oauth_errors() {
    let org = Org::start().await;
    let r = org.token_grant(&refresh_form("wrong")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body,
        json!({"error":"invalid_grant","error_description":"expired access/refresh token"})
    );

    let r = org
        .token_grant(&[
            ("grant_type", "refresh_token"),
            ("client_id", DEFAULTS.client_id.as_str()),
            ("client_secret", "nope"),
            ("refresh_token", DEFAULTS.refresh_token.as_str()),
        ])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body,
        json!({"error":"invalid_client","error_description":"invalid client credentials"})
    );

    let r = org.token_grant(&[("grant_type", "password")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn the_client_credentials_grant_issues_a_token_without_refresh_token() {
    let org = Org::start().await;
    let r = org
        .token_grant(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEFAULTS.client_id.as_str()),
            ("client_secret", DEFAULTS.client_secret.as_str()),
        ])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["access_token"].is_string());
    assert!(r.body.get("refresh_token").is_none());
    let r = org
        .token_grant(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEFAULTS.client_id.as_str()),
            ("client_secret", "bad"),
        ])
        .await;
    assert_eq!(r.body["error"], "invalid_client");
}

#[tokio::test]
async fn a_connected_app_without_the_client_credentials_flow_refuses_that_grant() {
    let org = Org::with(EmulatorConfig {
        client_credentials_enabled: false,
        ..EmulatorConfig::default()
    })
    .await;
    let r = org
        .token_grant(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEFAULTS.client_id.as_str()),
            ("client_secret", DEFAULTS.client_secret.as_str()),
        ])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body,
        json!({"error": "invalid_grant", "error_description": "no client credentials user enabled"})
    );
    // The other grants of the same app still work.
    let r = org
        .token_grant(&refresh_form(&DEFAULTS.refresh_token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn sign(key_pem: &str, claims: serde_json::Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(key_pem.as_bytes()).unwrap();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &key,
    )
    .unwrap()
}

const PRIVATE: &str = include_str!("../fixtures/jwt-private.pem");
const OTHER_PRIVATE: &str = include_str!("../fixtures/other-private.pem");
const PUBLIC: &str = include_str!("../fixtures/jwt-public.pem");

async fn jwt_org() -> Org {
    Org::with(EmulatorConfig {
        jwt_public_key_pem: Some(PUBLIC.to_string()),
        ..EmulatorConfig::default()
    })
    .await
}

async fn jwt(org: &Org, assertion: &str) -> Resp {
    org.token_grant(&[
        ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
        ("assertion", assertion),
    ])
    .await
}

#[tokio::test]
async fn a_jwt_bearer_assertion_signed_with_the_registered_key_gets_a_token() {
    let org = jwt_org().await;
    let a = sign(
        PRIVATE,
        json!({"iss": DEFAULTS.client_id, "sub": DEFAULTS.jwt_usernames[0],"aud":"https://login.salesforce.com","exp":now()+120}),
    );
    let r = jwt(&org, &a).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.get("refresh_token").is_none());
    let tok = r.body["access_token"].as_str().unwrap();
    let me = org
        .raw(Method::GET, &format!("{V}/limits"), Some(tok), &[], None)
        .await;
    assert_eq!(me.status, StatusCode::OK);
}

#[tokio::test]
async fn bad_jwt_assertions_are_refused_with_the_reason_salesforce_gives() {
    let org = jwt_org().await;
    let base = json!({"iss": DEFAULTS.client_id, "sub": DEFAULTS.jwt_usernames[0],"aud":"https://login.salesforce.com","exp":now()+120});
    let with = |k: &str, v: serde_json::Value| {
        let mut c = base.clone();
        c[k] = v;
        c
    };
    let cases = [
        (
            sign(OTHER_PRIVATE, base.clone()),
            "invalid_grant",
            "invalid assertion",
        ),
        (
            sign(PRIVATE, with("aud", json!("https://evil.example.com"))),
            "invalid_grant",
            "audience is invalid",
        ),
        (
            sign(PRIVATE, with("iss", json!("someone-else"))),
            "invalid_client_id",
            "client identifier invalid",
        ),
        (
            sign(PRIVATE, with("sub", json!("mallory@example.com"))),
            "invalid_grant",
            "authentication failure",
        ),
        (
            sign(PRIVATE, with("exp", json!(now() - 10))),
            "invalid_grant",
            "expired authorization code",
        ),
        (
            sign(PRIVATE, with("exp", json!(now() + 3600))),
            "invalid_grant",
            "invalid assertion",
        ),
    ];
    for (assertion, error, description) in cases {
        let r = jwt(&org, &assertion).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            r.body,
            json!({"error": error, "error_description": description})
        );
    }
    let test_aud = sign(PRIVATE, with("aud", json!("https://test.salesforce.com")));
    assert_eq!(jwt(&org, &test_aud).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_jwt_grant_is_unsupported_without_a_registered_key() {
    let org = Org::start().await;
    let a = sign(
        PRIVATE,
        json!({"iss": DEFAULTS.client_id, "sub": DEFAULTS.jwt_usernames[0],"aud":"https://login.salesforce.com","exp":now()+60}),
    );
    assert_eq!(jwt(&org, &a).await.body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn rotation_issues_a_new_refresh_token_and_retires_the_old_one() {
    let org = Org::with(EmulatorConfig {
        rotate_refresh_tokens: true,
        ..EmulatorConfig::default()
    })
    .await;
    // Org::with already redeemed the default refresh token once, so it is rotated out.
    let again = org
        .token_grant(&refresh_form(&DEFAULTS.refresh_token))
        .await;
    assert_eq!(again.body["error"], "invalid_grant");
}

#[tokio::test]
async fn reusing_a_rotated_out_refresh_token_revokes_the_whole_chain() {
    let org = Org::with(EmulatorConfig {
        rotate_refresh_tokens: true,
        refresh_token: "root".into(),
        ..EmulatorConfig::default()
    })
    .await;
    let first = org.token_grant(&refresh_form("root")).await;
    let rt1 = first.body["refresh_token"].as_str().unwrap().to_string();
    let second = org.token_grant(&refresh_form(&rt1)).await;
    assert_eq!(second.status, StatusCode::OK);
    let rt2 = second.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2);
    // Replay of rt1 (rotated out) is treated as theft.
    let replay = org.token_grant(&refresh_form(&rt1)).await;
    assert_eq!(
        replay.body["error_description"],
        "expired access/refresh token"
    );
    // ... and the current token of the chain dies with it.
    let current = org.token_grant(&refresh_form(&rt2)).await;
    assert_eq!(current.status, StatusCode::BAD_REQUEST);
    assert_eq!(current.body["error"], "invalid_grant");
}

#[tokio::test]
async fn an_access_token_older_than_the_configured_lifetime_answers_invalid_session() {
    // A zero lifetime makes every token already expired: no sleeping in tests.
    let org = Org::with(EmulatorConfig {
        initial_access_token: Some("fixed-token".into()),
        access_token_lifetime: Duration::ZERO,
        ..EmulatorConfig::default()
    })
    .await;
    let r = org
        .raw(
            Method::GET,
            &format!("{V}/limits"),
            Some("fixed-token"),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.body,
        err("INVALID_SESSION_ID", "Session expired or invalid")
    );
    let fresh = org.get("/limits").await;
    assert_eq!(
        fresh.status,
        StatusCode::UNAUTHORIZED,
        "granted tokens expire too"
    );
}

#[tokio::test]
async fn an_initial_access_token_is_valid_from_start() {
    let org = Org::with(EmulatorConfig {
        initial_access_token: Some("fixed-token".into()),
        ..EmulatorConfig::default()
    })
    .await;
    let r = org
        .raw(
            Method::GET,
            &format!("{V}/limits"),
            Some("fixed-token"),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_expire_control_invalidates_access_tokens_and_optionally_refresh_tokens() {
    let org = Org::start().await;
    assert_eq!(org.get("/limits").await.status, StatusCode::OK);
    let r = org
        .control(Method::POST, "/__emulator/tokens/expire", None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(org.get("/limits").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        org.token_grant(&refresh_form(&DEFAULTS.refresh_token))
            .await
            .status,
        StatusCode::OK
    );
    org.control(
        Method::POST,
        "/__emulator/tokens/expire",
        Some(json!({"refresh_tokens": true})),
    )
    .await;
    let r = org
        .token_grant(&refresh_form(&DEFAULTS.refresh_token))
        .await;
    assert_eq!(r.body["error"], "invalid_grant");
}

#[tokio::test]
async fn revoking_an_access_token_makes_it_answer_401() {
    let org = Org::start().await;
    let r = org
        .kit
        .http()
        .post(org.url("/services/oauth2/revoke"))
        .form(&[("token", org.token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(org.get("/limits").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rest_calls_without_a_bearer_token_answer_invalid_session() {
    let org = Org::start().await;
    let r = org
        .raw(Method::GET, &format!("{V}/limits"), None, &[], None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.body,
        err("INVALID_SESSION_ID", "Session expired or invalid")
    );
    let stats = org.stats().await;
    assert_eq!(stats["api_requests_total"], 0, "refused calls cost nothing");
    assert_eq!(stats["token_requests"], 1);
}
