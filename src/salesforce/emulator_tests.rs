//! Client tests against the real emulator (`salesforce_emulator::spawn`): CRUD, token renewal and
//! rotation, grant fallback, retries, create de-duplication, rate limits and describe caching.
//! Each test starts its own emulator on a random port, so tests run in parallel.

use std::sync::Arc;
use std::time::Duration;

use salesforce_emulator::testkit::{FaultId, Kit};
use salesforce_emulator::{spawn, EmulatorConfig, EmulatorHandle};
use secrecy::SecretString;
use serde_json::{json, Value};

use super::*;

/// The throwaway RSA key pair the emulator's own tests use (it signs nothing anywhere else).
const TEST_PRIVATE_KEY: &str =
    include_str!("../../crates/salesforce-emulator/tests/fixtures/jwt-private.pem");
const TEST_PUBLIC_KEY: &str =
    include_str!("../../crates/salesforce-emulator/tests/fixtures/jwt-public.pem");

async fn start(config: EmulatorConfig) -> EmulatorHandle {
    spawn(config).await.expect("emulator starts")
}

/// Settings for the demo org with the refresh token and the client secret configured.
fn settings(em: &EmulatorHandle) -> SalesforceSettings {
    let d = EmulatorConfig::default();
    SalesforceSettings {
        client_secret: Some(SecretString::from(d.client_secret)),
        refresh_token: Some(SecretString::from(d.refresh_token)),
        timeout: Duration::from_secs(10),
        max_retries: 2,
        ..SalesforceSettings::new(em.base_url(), d.client_id)
    }
}

fn client(settings: SalesforceSettings) -> SalesforceClient {
    SalesforceClient::new(settings).expect("client builds")
}

/// The emulator's test kit (default credentials).
fn kit(em: &EmulatorHandle) -> Kit {
    Kit::new(em.base_url())
}

async fn expire_tokens(em: &EmulatorHandle) {
    kit(em).expire_tokens(false).await.expect("expire tokens");
}

async fn fault(em: &EmulatorHandle, spec: Value) -> FaultId {
    kit(em).inject_fault(&spec).await.expect("fault")
}

async fn fired(em: &EmulatorHandle, fault: FaultId) -> u64 {
    kit(em).fired(fault).await.expect("stats")
}

async fn token_requests(em: &EmulatorHandle) -> u64 {
    kit(em).stats().await.expect("stats").token_requests
}

async fn api_requests(em: &EmulatorHandle) -> u64 {
    kit(em).stats().await.expect("stats").api_requests_total
}

fn record(v: Value) -> Record {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

fn name(s: &str) -> FieldName {
    FieldName::new(s).unwrap()
}

async fn count_by_email(c: &SalesforceClient, email: &str) -> u64 {
    let select = Select::count(
        name("Contact"),
        Some(Condition::eq(name("Email"), SoqlValue::Str(email.into()))),
    );
    c.query(&select, None).await.unwrap().total_size
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_survives_a_create_read_update_query_delete_round_trip() {
    let em = start(EmulatorConfig::default()).await;
    let c = client(settings(&em));

    let id = c
        .create(
            SObject::Contact,
            &record(
                json!({"FirstName": "Ada", "LastName": "O'Lovelace", "Email": "ada@example.com"}),
            ),
            None,
        )
        .await
        .unwrap();
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("003"));

    let got = c
        .get(
            SObject::Contact,
            &id,
            &[name("FirstName"), name("LastName"), name("Email")],
        )
        .await
        .unwrap();
    assert_eq!(got.get("LastName"), Some(&json!("O'Lovelace")));
    assert!(!got.contains_key("attributes"));

    c.update(
        SObject::Contact,
        &id,
        &record(json!({"Title": "Analyst", "FirstName": null})),
    )
    .await
    .unwrap();
    let got = c
        .get(SObject::Contact, &id, &[name("FirstName"), name("Title")])
        .await
        .unwrap();
    assert_eq!(got.get("Title"), Some(&json!("Analyst")));
    assert_eq!(got.get("FirstName"), Some(&Value::Null));

    let mut select = Select::new(name("Contact"), vec![name("Id"), name("LastName")]);
    select.filter = Some(Condition::Like {
        field: name("LastName"),
        pattern: LikePattern::StartsWith("O'Love".into()),
    });
    let page = c.query(&select, None).await.unwrap();
    assert_eq!(page.total_size, 1);
    assert!(page.done);
    assert_eq!(page.records[0].get("Id"), Some(&json!(id)));
    assert!(!page.records[0].contains_key("attributes"));

    c.delete(SObject::Contact, &id).await.unwrap();
    let err = c.get(SObject::Contact, &id, &[]).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.code(), Some("ENTITY_IS_DELETED"));
    assert_eq!(count_by_email(&c, "ada@example.com").await, 0);

    let usage = c.api_usage().expect("Sforce-Limit-Info seen");
    assert!(usage.0 >= 7 && usage.1 == 100_000, "{usage:?}");
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validation_error_comes_back_as_the_salesforce_error_array() {
    let em = start(EmulatorConfig::default()).await;
    let c = client(settings(&em));
    let err = c
        .create(
            SObject::Contact,
            &record(json!({"FirstName": "NoLast"})),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("REQUIRED_FIELD_MISSING"));
    assert!(!err.is_retryable());
    match err {
        SfError::Api { status, errors } => {
            assert_eq!(status, 400);
            assert_eq!(errors[0].fields, vec!["LastName".to_string()]);
        }
        other => panic!("{other:?}"),
    }
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_concurrent_calls_on_an_expired_token_share_exactly_one_token_request() {
    let em = start(EmulatorConfig {
        initial_access_token: Some("initial-access-token".into()),
        ..EmulatorConfig::default()
    })
    .await;
    let c = client(SalesforceSettings {
        access_token: Some(SecretString::from("initial-access-token")),
        ..settings(&em)
    });
    c.limits().await.unwrap();
    assert_eq!(
        token_requests(&em).await,
        0,
        "the configured token is used first"
    );

    expire_tokens(&em).await;
    let calls = (0..10).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.limits().await })
    });
    for result in futures_util::future::join_all(calls).await {
        assert!(result.unwrap().is_ok());
    }
    assert_eq!(token_requests(&em).await, 1);
    assert_eq!(c.token_requests_made(), 1);
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_call_without_an_access_token_gets_one_and_uses_the_instance_url() {
    let em = start(EmulatorConfig::default()).await;
    let c = client(SalesforceSettings {
        instance_url: Some("http://127.0.0.1:9".into()),
        ..settings(&em)
    });
    // No token yet: the grant happens first and its instance_url replaces the configured one.
    c.limits().await.unwrap();
    assert_eq!(c.instance_url(), em.base_url());
    assert_eq!(token_requests(&em).await, 1);
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_token_rotation_keeps_working_across_two_expiries() {
    let em = start(EmulatorConfig {
        rotate_refresh_tokens: true,
        ..EmulatorConfig::default()
    })
    .await;
    let c = client(settings(&em));
    let first = c.authenticate().await.unwrap();
    assert_eq!(first.grant, "refresh_token");
    assert!(first.rotated_refresh_token);

    for _ in 0..2 {
        expire_tokens(&em).await;
        // Reusing a rotated-out refresh token would revoke the chain and fail here.
        c.limits().await.unwrap();
    }
    assert_eq!(token_requests(&em).await, 3);
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_refresh_token_falls_back_to_client_credentials() {
    let em = start(EmulatorConfig::default()).await;
    let c = client(SalesforceSettings {
        refresh_token: Some(SecretString::from("revoked-refresh-token")),
        ..settings(&em)
    });
    let info = c.authenticate().await.unwrap();
    assert_eq!(info.grant, "client_credentials");
    assert_eq!(info.instance_url, em.base_url());
    assert_eq!(
        token_requests(&em).await,
        2,
        "the refused refresh, then client credentials"
    );
    c.limits().await.unwrap();

    // The refused refresh token is not offered again.
    let again = c.authenticate().await.unwrap();
    assert_eq!(again.grant, "client_credentials");
    assert_eq!(token_requests(&em).await, 3);
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_grant_without_a_fallback_is_a_permanent_auth_error() {
    let em = start(EmulatorConfig::default()).await;
    // No client secret: no client credentials fallback (and Salesforce, like the emulator,
    // wants the secret for the refresh grant too, so it answers invalid_client).
    let c = client(SalesforceSettings {
        refresh_token: Some(SecretString::from("revoked-refresh-token")),
        client_secret: None,
        ..settings(&em)
    });
    let err = c.limits().await.unwrap_err();
    assert!(matches!(&err, SfError::Auth { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert!(!err.message().contains("revoked-refresh-token"));
    assert_eq!(token_requests(&em).await, 1, "auth errors are not retried");
    assert_eq!(c.api_calls_made(), 0);

    // The next requests get the same answer without asking the token endpoint again…
    assert_eq!(c.limits().await.unwrap_err(), err);
    assert_eq!(token_requests(&em).await, 1);
    // …while an explicit test connection does ask.
    assert!(c.authenticate().await.is_err());
    assert_eq!(token_requests(&em).await, 2);
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jwt_bearer_grant_signs_an_accepted_assertion() {
    let em = start(EmulatorConfig {
        jwt_public_key_pem: Some(TEST_PUBLIC_KEY.trim().to_string()),
        ..EmulatorConfig::default()
    })
    .await;
    let c = client(SalesforceSettings {
        refresh_token: None,
        client_secret: None,
        jwt: Some(JwtBearer {
            username: "demo@example.com".into(),
            private_key_pem: SecretString::from(TEST_PRIVATE_KEY.trim()),
            audience: "https://login.salesforce.com".into(),
        }),
        ..settings(&em)
    });
    let info = c.authenticate().await.unwrap();
    assert_eq!(info.grant, "jwt-bearer");
    assert!(!info.rotated_refresh_token);
    c.limits().await.unwrap();
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_refresh_token_falls_back_to_jwt_before_client_credentials() {
    let em = start(EmulatorConfig {
        jwt_public_key_pem: Some(TEST_PUBLIC_KEY.trim().to_string()),
        ..EmulatorConfig::default()
    })
    .await;
    let c = client(SalesforceSettings {
        refresh_token: Some(SecretString::from("expired-by-pingone")),
        jwt: Some(JwtBearer {
            username: "demo@example.com".into(),
            private_key_pem: SecretString::from(TEST_PRIVATE_KEY.trim()),
            audience: "https://login.salesforce.com".into(),
        }),
        ..settings(&em)
    });
    assert_eq!(c.authenticate().await.unwrap().grant, "jwt-bearer");
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_lock_on_update_is_retried_and_then_succeeds() {
    let em = start(EmulatorConfig::default()).await;
    let c = client(settings(&em));
    let id = c
        .create(
            SObject::Contact,
            &record(json!({"LastName": "Locked"})),
            None,
        )
        .await
        .unwrap();
    let injected = fault(&em, json!({"status": 400, "errorCode": "UNABLE_TO_LOCK_ROW", "count": 1, "method": "PATCH", "path": "/sobjects/Contact"})).await;
    let before = c.api_calls_made();
    c.update(SObject::Contact, &id, &record(json!({"Title": "Unlocked"})))
        .await
        .unwrap();
    assert_eq!(c.api_calls_made() - before, 2, "one refused, one resent");
    assert_eq!(fired(&em, injected).await, 1, "the row lock never happened");
    let got = c
        .get(SObject::Contact, &id, &[name("Title")])
        .await
        .unwrap();
    assert_eq!(got.get("Title"), Some(&json!("Unlocked")));
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_on_create_with_a_match_key_returns_the_existing_record_without_a_second_one() {
    let em = start(EmulatorConfig::default()).await;
    let c = client(settings(&em));
    let fields = record(json!({"LastName": "Hopper", "Email": "grace@example.com"}));
    // The record the "failed" create actually made.
    let seeded = c.create(SObject::Contact, &fields, None).await.unwrap();
    let injected = fault(&em, json!({"status": 503, "errorCode": "SERVER_UNAVAILABLE", "count": 1, "method": "POST", "path": "/sobjects/Contact"})).await;
    let key = MatchKey {
        field: name("Email"),
        value: "GRACE@example.com".into(),
    };
    let id = c
        .create(SObject::Contact, &fields, Some(&key))
        .await
        .unwrap();
    assert_eq!(fired(&em, injected).await, 1, "the 503 never happened");
    assert_eq!(id, seeded);
    assert_eq!(count_by_email(&c, "grace@example.com").await, 1);
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_on_create_with_a_match_key_and_no_record_creates_it_once() {
    let em = start(EmulatorConfig::default()).await;
    let c = client(settings(&em));
    let injected = fault(&em, json!({"status": 503, "errorCode": "SERVER_UNAVAILABLE", "count": 1, "method": "POST", "path": "/sobjects/Contact"})).await;
    let key = MatchKey {
        field: name("Email"),
        value: "linus@example.com".into(),
    };
    let fields = record(json!({"LastName": "Torvalds", "Email": "linus@example.com"}));
    let id = c
        .create(SObject::Contact, &fields, Some(&key))
        .await
        .unwrap();
    assert_eq!(fired(&em, injected).await, 1, "the 503 never happened");
    assert!(id.starts_with("003"));
    assert_eq!(count_by_email(&c, "linus@example.com").await, 1);
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_on_create_without_a_match_key_is_not_resent() {
    let em = start(EmulatorConfig::default()).await;
    let c = client(settings(&em));
    let injected = fault(&em, json!({"status": 503, "errorCode": "SERVER_UNAVAILABLE", "count": 1, "method": "POST", "path": "/sobjects/Contact"})).await;
    let fields = record(json!({"LastName": "Ritchie", "Email": "dmr@example.com"}));
    let err = c.create(SObject::Contact, &fields, None).await.unwrap_err();
    assert_eq!(err.code(), Some("SERVER_UNAVAILABLE"));
    assert_eq!(fired(&em, injected).await, 1);
    assert_eq!(c.api_calls_made(), 1);
    assert_eq!(count_by_email(&c, "dmr@example.com").await, 0);
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_limit_exceeded_is_not_retried() {
    let em = start(EmulatorConfig::default()).await;
    let c = client(settings(&em));
    let injected = fault(&em, json!({"status": 403, "errorCode": "REQUEST_LIMIT_EXCEEDED", "count": 1, "method": "GET", "path": "/limits"})).await;
    let err = c.limits().await.unwrap_err();
    assert!(err.is_rate_limited());
    assert!(!err.is_retryable());
    assert_eq!(fired(&em, injected).await, 1);
    assert_eq!(c.api_calls_made(), 1, "a resend would have succeeded");
    assert_eq!(
        token_requests(&em).await,
        1,
        "a rate limit never triggers re-authentication"
    );
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_is_cached_so_a_second_call_makes_no_api_request() {
    let em = start(EmulatorConfig::default()).await;
    let c = client(settings(&em));
    let first = c.describe(SObject::Contact).await.unwrap();
    let after_first = api_requests(&em).await;
    let second = c.describe(SObject::Contact).await.unwrap();
    assert_eq!(api_requests(&em).await, after_first);
    assert!(Arc::ptr_eq(&first, &second));

    assert_eq!(first.name, "Contact");
    let last_name = first.field("lastname").expect("LastName described");
    assert_eq!(last_name.length, 80);
    assert!(last_name.createable && !last_name.nillable);
    assert_eq!(
        first.field("Email").map(|f| f.field_type.as_str()),
        Some("email")
    );

    c.clear_describe_cache();
    c.describe(SObject::Contact).await.unwrap();
    assert_eq!(api_requests(&em).await, after_first + 1);
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_more_follows_next_records_url_until_done() {
    let em = start(EmulatorConfig::default()).await;
    let c = client(settings(&em));
    for i in 0..205 {
        c.create(
            SObject::Lead,
            &record(json!({"LastName": format!("Pager{i:03}"), "Company": "Paging Inc"})),
            None,
        )
        .await
        .unwrap();
    }
    let mut select = Select::new(name("Lead"), vec![name("Id"), name("LastName")]);
    select.filter = Some(Condition::eq(
        name("Company"),
        SoqlValue::Str("Paging Inc".into()),
    ));
    select.order_by = vec![(name("LastName"), true)];
    let first = c.query(&select, Some(50)).await.unwrap();
    assert_eq!(first.total_size, 205);
    assert_eq!(
        first.records.len(),
        200,
        "batch size is clamped to at least 200"
    );
    assert!(!first.done);
    let next = first.next_records_url.expect("a next page");
    let second = c.query_more(&next).await.unwrap();
    assert!(second.done);
    assert_eq!(second.records.len(), 5);
    assert_eq!(second.records[4].get("LastName"), Some(&json!("Pager204")));
    em.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_are_listed_without_a_token() {
    let em = start(EmulatorConfig::default()).await;
    let c = client(SalesforceSettings::new(
        em.base_url(),
        EmulatorConfig::default().client_id,
    ));
    let versions = c.versions().await.unwrap();
    assert!(versions.iter().any(|v| v == "62.0"), "{versions:?}");
    assert_eq!(c.token_requests_made(), 0);
    em.stop().await;
}
