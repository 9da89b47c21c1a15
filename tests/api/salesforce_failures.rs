//! Every Salesforce error in the reference table (salesforce-rest.md "Errors"), injected with the
//! emulator's faults or produced for real, and what the IdP gets for it: a SCIM status a client
//! acts on correctly (RFC 7644 §3.12), a detail that says what to fix, and a Salesforce that
//! holds exactly what the answer claims: no duplicates after a retried create, nothing
//! half-written.
//!
//! Also the connector failures PingOne documents (scim-clients.md): converted Leads, Contacts
//! linked to portal users, and Leads left in the Recycle Bin.

use std::time::{Duration, Instant};

use crate::helpers::*;
use reqwest::Response;
use salesforce_emulator::EmulatorConfig;
use scim_bridge::demo;
use serde_json::{json, Value};

/// Creates sent when every one meets a 503 (`max_retries = 2`): the Composite create, then,
/// each after a look-up that finds nothing, the first direct create and its two resends.
const PERSISTENT_503_CREATE: u64 = 4;
/// Reads sent when every one meets a row lock: the first and `max_retries = 2` resends.
const PERSISTENT_LOCK_READ: u64 = 3;
/// Reads sent when each outlasts the 1 s timeout: the first and one resend, which the 2 s
/// deadline cuts off.
const TOO_SLOW_READ: u64 = 2;

fn retry_after(res: &Response) -> Option<u64> {
    res.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

fn detail(body: &Value) -> &str {
    body["detail"].as_str().unwrap_or_default()
}

async fn contacts_with_email(app: &TestApp, email: &str) -> Vec<Value> {
    app.sf_query(&format!(
        "SELECT Id, FirstName, LastName FROM Contact WHERE Email = '{email}'"
    ))
    .await
}

async fn ada(app: &TestApp) -> String {
    app.create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await
}

// ---- retryable: UNABLE_TO_LOCK_ROW, SERVER_UNAVAILABLE, plain 5xx ----------------------------

#[tokio::test]
async fn a_row_lock_on_update_is_retried_and_the_put_succeeds() {
    let app = TestApp::spawn().await;
    let id = ada(&app).await;
    let fault = app
        .sf_fault(
            json!({"status": 400, "errorCode": "UNABLE_TO_LOCK_ROW", "count": 1,
               "method": "PATCH", "path": "/sobjects/Contact"}),
        )
        .await;
    let res = app
        .put(
            "contacts",
            &format!("/Users/{id}"),
            user("ada@example.com", "Augusta", "Lovelace"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["name"]["givenName"], "Augusta");
    assert_eq!(
        app.sf_get("Contact", &id).await.unwrap()["FirstName"],
        "Augusta"
    );
    assert_eq!(app.sf_fired(fault).await, 1, "the row lock never happened");
    app.stop().await;
}

#[tokio::test]
async fn a_row_lock_on_create_is_retried_without_making_a_duplicate() {
    let app = TestApp::spawn().await;
    let fault = app
        .sf_fault(
            json!({"status": 400, "errorCode": "UNABLE_TO_LOCK_ROW", "count": 1,
               "method": "POST", "path": "/sobjects/Contact"}),
        )
        .await;
    let id = ada(&app).await;
    assert_eq!(app.sf_fired(fault).await, 1, "the row lock never happened");
    let found = contacts_with_email(&app, "ada@example.com").await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["Id"], json!(id));
    app.stop().await;
}

#[tokio::test]
async fn a_503_once_on_create_succeeds_with_exactly_one_record() {
    let app = TestApp::spawn().await;
    let fault = app
        .sf_fault(
            json!({"status": 503, "errorCode": "SERVER_UNAVAILABLE", "count": 1,
               "method": "POST", "path": "/sobjects/Contact"}),
        )
        .await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("ada@example.com", "Ada", "Lovelace"),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.sf_fired(fault).await, 1, "the 503 never happened");
    let body: Value = res.json().await.unwrap();
    let found = contacts_with_email(&app, "ada@example.com").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["Id"], body["id"]);
    app.stop().await;
}

#[tokio::test]
async fn a_plain_500_once_on_read_is_retried() {
    let app = TestApp::spawn().await;
    let id = ada(&app).await;
    let fault = app
        .sf_fault(
            json!({"status": 500, "errorCode": "UNKNOWN_EXCEPTION", "count": 1,
               "method": "GET", "path": "/sobjects/Contact"}),
        )
        .await;
    let before = app.api_requests().await;
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], json!(id));
    assert_eq!(app.sf_fired(fault).await, 1, "the 500 never happened");
    // A 5xx is not counted by Salesforce: the one counted request is the resent read.
    assert_eq!(app.api_requests().await - before, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_persistent_503_on_create_is_a_scim_503_with_retry_after_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let fault = app
        .sf_fault(
            json!({"status": 503, "errorCode": "SERVER_UNAVAILABLE", "rate": 1.0,
               "method": "POST", "path": "/sobjects/Contact"}),
        )
        .await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("ada@example.com", "Ada", "Lovelace"),
        )
        .await;
    assert!(retry_after(&res).is_some_and(|s| s > 0), "no Retry-After");
    let body = assert_scim_error(res, 503, None).await;
    assert!(detail(&body).contains("SERVER_UNAVAILABLE"), "{body}");
    assert!(detail(&body).contains("try again"), "{body}");
    assert_eq!(app.sf_fired(fault).await, PERSISTENT_503_CREATE, "attempts");
    app.sf_clear_faults().await;
    assert!(contacts_with_email(&app, "ada@example.com")
        .await
        .is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_persistent_row_lock_on_read_is_a_scim_503_with_retry_after() {
    let app = TestApp::spawn().await;
    let id = ada(&app).await;
    let fault = app
        .sf_fault(
            json!({"status": 400, "errorCode": "UNABLE_TO_LOCK_ROW", "rate": 1.0,
               "method": "GET", "path": "/sobjects/Contact"}),
        )
        .await;
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert!(retry_after(&res).is_some());
    let body = assert_scim_error(res, 503, None).await;
    assert!(detail(&body).contains("UNABLE_TO_LOCK_ROW"), "{body}");
    assert_eq!(app.sf_fired(fault).await, PERSISTENT_LOCK_READ, "attempts");
    app.stop().await;
}

// ---- REQUEST_LIMIT_EXCEEDED: back off, never retried, never re-authenticated ----------------

#[tokio::test]
async fn an_exhausted_api_limit_is_a_429_that_the_bridge_does_not_retry() {
    let app = TestApp::spawn().await;
    let id = ada(&app).await;
    // Two refusals: if the bridge retried, both would be used up by the first request.
    let fault = app
        .sf_fault(
            json!({"status": 403, "errorCode": "REQUEST_LIMIT_EXCEEDED", "count": 2,
               "method": "GET", "path": "/sobjects/Contact"}),
        )
        .await;
    let tokens_before = app.token_requests().await;
    let path = format!("/Users/{id}");
    let res = app.get("contacts", &path).await;
    assert!(retry_after(&res).is_some_and(|s| s > 0), "no Retry-After");
    let body = assert_scim_error(res, 429, None).await;
    assert!(detail(&body).contains("REQUEST_LIMIT_EXCEEDED"), "{body}");
    assert_eq!(app.sf_fired(fault).await, 1, "one refusal per IdP request");
    let res = app.get("contacts", &path).await;
    assert_scim_error(res, 429, None).await;
    assert_eq!(app.sf_fired(fault).await, 2);
    assert_eq!(app.get("contacts", &path).await.status(), 200);
    assert_eq!(
        app.token_requests().await,
        tokens_before,
        "a limit refusal must not trigger a token renewal"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_spent_daily_limit_is_a_429_with_retry_after() {
    let app = TestApp::spawn_custom(
        EmulatorConfig {
            daily_request_limit: 3,
            ..demo::emulator_config()
        },
        |t| t,
    )
    .await;
    // Match lookup, then create + read back in one Composite call; one request left.
    let id = ada(&app).await;
    assert_eq!(app.api_requests().await, 2);
    assert_eq!(
        app.get("contacts", &format!("/Users/{id}")).await.status(),
        200
    );
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert!(retry_after(&res).is_some());
    assert_scim_error(res, 429, None).await;
    let stats = app.sf_stats().await;
    assert_eq!(stats["api_requests_total"], 3, "{stats}");
    app.stop().await;
}

// ---- values Salesforce refuses: 400 invalidValue naming the SCIM attribute ------------------

#[tokio::test]
async fn an_invalid_email_is_a_400_naming_the_scim_attribute() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("not-an-email", "Ada", "Lovelace"),
        )
        .await;
    let body = assert_scim_error(res, 400, Some("invalidValue")).await;
    let d = detail(&body);
    assert!(d.contains("userName"), "{d}");
    assert!(d.contains("INVALID_EMAIL_ADDRESS"), "{d}");
    assert!(app.sf_query("SELECT Id FROM Contact").await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_given_name_over_40_characters_is_a_400_naming_name_given_name() {
    let app = TestApp::spawn().await;
    let long = "A".repeat(41);
    let res = app
        .post(
            "contacts",
            "/Users",
            user("ada@example.com", &long, "Lovelace"),
        )
        .await;
    let body = assert_scim_error(res, 400, Some("invalidValue")).await;
    let d = detail(&body);
    assert!(d.contains("name.givenName"), "{d}");
    assert!(d.contains("STRING_TOO_LONG"), "{d}");
    assert!(contacts_with_email(&app, "ada@example.com")
        .await
        .is_empty());
    // Exactly 40 is fine: Salesforce's limit, not one less.
    app.create_user(
        "contacts",
        user("ada@example.com", &"A".repeat(40), "Lovelace"),
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn a_contact_without_a_family_name_is_a_400_naming_name_family_name() {
    let app = TestApp::spawn().await;
    let mut body = user("ada@example.com", "Ada", "x");
    body["name"] = json!({"givenName": "Ada"});
    let res = app.post("contacts", "/Users", body).await;
    let body = assert_scim_error(res, 400, Some("invalidValue")).await;
    let d = detail(&body);
    assert!(d.contains("name.familyName"), "{d}");
    assert!(contacts_with_email(&app, "ada@example.com")
        .await
        .is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_put_or_patch_that_blanks_the_family_name_keeps_the_required_last_name() {
    // Salesforce cannot hold a Contact without LastName; clearing it would be refused with
    // REQUIRED_FIELD_MISSING and fail the whole update, so the bridge leaves it as it is.
    let app = TestApp::spawn().await;
    let id = ada(&app).await;
    let mut body = user("ada@example.com", "Augusta", "x");
    body["name"] = json!({"givenName": "Augusta", "familyName": ""});
    let res = app.put("contacts", &format!("/Users/{id}"), body).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["name"]["familyName"], "Lovelace");
    let res = app
        .patch(
            "contacts",
            &format!("/Users/{id}"),
            patch_ops(json!([{"op": "remove", "path": "name.familyName"}])),
        )
        .await;
    assert_eq!(res.status(), 200);
    let sf = app.sf_get("Contact", &id).await.unwrap();
    assert_eq!(sf["LastName"], "Lovelace");
    assert_eq!(sf["FirstName"], "Augusta");
    app.stop().await;
}

// ---- duplicates: 409 uniqueness ---------------------------------------------------------------

#[tokio::test]
async fn changing_an_email_to_one_a_duplicate_rule_protects_is_a_409() {
    let app = TestApp::spawn().await;
    let ada = ada(&app).await;
    app.create_user("contacts", user("grace@example.com", "Grace", "Hopper"))
        .await;
    app.sf_control(
        "duplicate-rules",
        json!({"object": "Contact", "enabled": true}),
    )
    .await;
    // The bridge matches on Email before a create, so a duplicate rule shows when a person's
    // email changes to one another record already has.
    let res = app
        .put(
            "contacts",
            &format!("/Users/{ada}"),
            user("GRACE@example.com", "Ada", "Lovelace"),
        )
        .await;
    let body = assert_scim_error(res, 409, Some("uniqueness")).await;
    assert!(detail(&body).contains("DUPLICATES_DETECTED"), "{body}");
    assert!(detail(&body).contains("allow_duplicate_save"), "{body}");
    assert_eq!(
        app.sf_get("Contact", &ada).await.unwrap()["Email"],
        "ada@example.com"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_duplicate_refusal_on_create_is_a_409_uniqueness_and_writes_nothing() {
    // The bridge's Email match runs first, so these show only when another writer wins a
    // race between the match and the create: injected here.
    let app = TestApp::spawn().await;
    for code in ["DUPLICATE_VALUE", "DUPLICATES_DETECTED"] {
        let fault = app
            .sf_fault(json!({"status": 400, "errorCode": code, "count": 1,
                   "message": "Use one of these records?",
                   "method": "POST", "path": "/sobjects/Contact"}))
            .await;
        let res = app
            .post(
                "contacts",
                "/Users",
                user("ada@example.com", "Ada", "Lovelace"),
            )
            .await;
        let body = assert_scim_error(res, 409, Some("uniqueness")).await;
        assert!(detail(&body).contains(code), "{body}");
        assert_eq!(app.sf_fired(fault).await, 1, "{code} never happened");
    }
    assert!(contacts_with_email(&app, "ada@example.com")
        .await
        .is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_lead_converted_between_read_and_write_is_a_200_with_a_notice() {
    // The bridge reads IsConverted before writing; a conversion in between makes Salesforce
    // answer CANNOT_UPDATE_CONVERTED_LEAD itself (injected here).
    let app = TestApp::spawn().await;
    let id = app
        .create_user("leads", lead_user("lea@example.com", "Lea", "Lead", "Acme"))
        .await;
    let race = json!({"status": 400, "errorCode": "CANNOT_UPDATE_CONVERTED_LEAD", "count": 1,
                      "message": "cannot reference converted lead",
                      "method": "PATCH", "path": "/sobjects/Lead"});
    let fault = app.sf_fault(race.clone()).await;
    let res = app
        .put(
            "leads",
            &format!("/Users/{id}"),
            lead_user("lea@example.com", "Leah", "Lead", "Acme"),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(notice(&res).is_some_and(|n| n.contains("converted")));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["name"]["givenName"], "Lea");
    assert_eq!(app.sf_fired(fault).await, 1, "the PUT never met the race");
    // The same race on the default remove action (disable).
    let fault = app.sf_fault(race).await;
    let res = app.delete("leads", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204);
    assert!(notice(&res).is_some_and(|n| n.contains("converted")));
    assert_eq!(
        app.sf_fired(fault).await,
        1,
        "the DELETE never met the race"
    );
    let sf = app.sf_get("Lead", &id).await.unwrap();
    assert_eq!(sf["FirstName"], "Lea");
    assert_eq!(sf["Status"], "Open - Not Contacted");
    app.stop().await;
}

#[tokio::test]
async fn query_errors_are_scim_errors_that_name_the_salesforce_code() {
    // The bridge builds every query: Salesforce refusing one is the bridge's bug (500), while
    // an unknown object is the connection's configuration (502, run test-connection).
    let app = TestApp::spawn().await;
    for (code, status) in [
        ("MALFORMED_QUERY", 500),
        ("NUMBER_OUTSIDE_VALID_RANGE", 500),
        ("INVALID_TYPE", 502),
    ] {
        let fault = app
            .sf_fault(json!({"status": 400, "errorCode": code, "count": 1,
                   "method": "GET", "path": "/query"}))
            .await;
        let res = app.get("contacts", "/Users?count=5").await;
        let body = assert_scim_error(res, status, None).await;
        assert!(detail(&body).contains(code), "{body}");
        if status == 502 {
            assert!(detail(&body).contains("test-connection"), "{body}");
        }
        assert_eq!(app.sf_fired(fault).await, 1, "{code} never happened");
    }
    app.stop().await;
}

// ---- records gone from Salesforce: 404 -------------------------------------------------------

#[tokio::test]
async fn a_contact_deleted_in_salesforce_is_a_404_for_every_method() {
    let app = TestApp::spawn().await;
    let id = ada(&app).await;
    app.sf_delete("Contact", &id).await;
    let path = format!("/Users/{id}");
    assert_scim_error(app.get("contacts", &path).await, 404, None).await;
    assert_scim_error(
        app.put(
            "contacts",
            &path,
            user("ada@example.com", "Ada", "Lovelace"),
        )
        .await,
        404,
        None,
    )
    .await;
    assert_scim_error(
        app.patch(
            "contacts",
            &path,
            patch_ops(json!([{"op": "replace", "path": "title", "value": "x"}])),
        )
        .await,
        404,
        None,
    )
    .await;
    assert_scim_error(app.delete("contacts", &path).await, 404, None).await;
    app.stop().await;
}

#[tokio::test]
async fn a_contact_that_no_longer_exists_at_all_is_a_404() {
    let app = TestApp::spawn().await;
    let id = ada(&app).await;
    // Resetting the org drops every record: the id is now unknown (NOT_FOUND), not deleted.
    app.kit.reset().await.unwrap();
    let body = assert_scim_error(
        app.get("contacts", &format!("/Users/{id}")).await,
        404,
        None,
    )
    .await;
    assert!(detail(&body).contains(&id), "{body}");
    app.stop().await;
}

// ---- the connection's configuration: 502 pointing at test-connection --------------------------

#[tokio::test]
async fn a_mapping_to_a_field_the_org_lacks_is_a_502_naming_test_connection() {
    let app = TestApp::spawn_with(|t| {
        format!(
            r#"{t}
[[connections.contacts.mapping]]
scim = "userName"
field = "Email"

[[connections.contacts.mapping]]
scim = "name.familyName"
field = "LastName"

[[connections.contacts.mapping]]
scim = "title"
field = "Nonexistent__c"
"#
        )
    })
    .await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("ada@example.com", "Ada", "Lovelace"),
        )
        .await;
    let body = assert_scim_error(res, 502, None).await;
    let d = detail(&body);
    assert!(d.contains("test-connection"), "{d}");
    assert!(d.contains("INVALID_FIELD"), "{d}");
    assert!(contacts_with_email(&app, "ada@example.com")
        .await
        .is_empty());
    // The admin's test names the field.
    let report = json_of(app.admin_test("contacts", Some(ADMIN_TOKEN)).await).await;
    assert_eq!(report["ok"], false, "{report}");
    assert!(report.to_string().contains("Nonexistent__c"), "{report}");
    app.stop().await;
}

#[tokio::test]
async fn a_mapping_to_a_read_only_field_is_a_502_naming_test_connection() {
    let app = TestApp::spawn_with(|t| {
        format!(
            r#"{t}
[[connections.contacts.mapping]]
scim = "userName"
field = "Email"

[[connections.contacts.mapping]]
scim = "name.familyName"
field = "LastName"

[[connections.contacts.mapping]]
scim = "title"
field = "Name"
"#
        )
    })
    .await;
    let mut body = user("ada@example.com", "Ada", "Lovelace");
    body["title"] = json!("x");
    let res = app.post("contacts", "/Users", body).await;
    let body = assert_scim_error(res, 502, None).await;
    assert!(detail(&body).contains("test-connection"), "{body}");
    assert!(contacts_with_email(&app, "ada@example.com")
        .await
        .is_empty());
    app.stop().await;
}

#[tokio::test]
async fn missing_permissions_are_a_502_naming_test_connection() {
    let app = TestApp::spawn().await;
    let id = ada(&app).await;
    for (status, code) in [
        (403, "INSUFFICIENT_ACCESS_OR_READONLY"),
        (403, "API_DISABLED_FOR_ORG"),
    ] {
        let fault = app
            .sf_fault(json!({"status": status, "errorCode": code, "count": 1,
                   "method": "PATCH", "path": "/sobjects/Contact"}))
            .await;
        let res = app
            .put(
                "contacts",
                &format!("/Users/{id}"),
                user("ada@example.com", "Augusta", "Lovelace"),
            )
            .await;
        let body = assert_scim_error(res, 502, None).await;
        assert!(detail(&body).contains(code), "{body}");
        assert!(detail(&body).contains("test-connection"), "{body}");
        assert_eq!(app.sf_fired(fault).await, 1, "{code} never happened");
    }
    assert_eq!(
        app.sf_get("Contact", &id).await.unwrap()["FirstName"],
        "Ada"
    );
    app.stop().await;
}

// ---- slow Salesforce -----------------------------------------------------------------------------

#[tokio::test]
async fn a_slow_salesforce_within_the_timeout_still_answers_correctly_and_nothing_is_resent() {
    // Every Salesforce call takes 500 ms: under the 1 s client timeout, so none times out or is
    // resent, and a create (match query, then the Composite create) still fits the 2 s deadline
    // with a whole timeout left after the query, so the create is sent.
    let app = TestApp::spawn_with(with_timeouts(2, 1)).await;
    let slow = app.sf_fault(json!({"delay_ms": 500, "rate": 1.0})).await;
    let started = Instant::now();
    let id = ada(&app).await;
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "two slow calls"
    );
    let started = Instant::now();
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "one slow call"
    );
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], json!(id));
    assert_eq!(body["userName"], "ada@example.com");
    let stats = app.kit.stats().await.unwrap();
    assert_eq!(
        stats.api_requests_total, 3,
        "query + create, then the read: {stats:?}"
    );
    assert_eq!(stats.fired(slow), 3, "every call was slowed: {stats:?}");
    app.stop().await;
}

// ---- nothing half-written ------------------------------------------------------------------------

#[tokio::test]
async fn a_patch_with_one_bad_operation_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = ada(&app).await;
    let before = app.sf_get("Contact", &id).await.unwrap();
    let res = app
        .patch(
            "contacts",
            &format!("/Users/{id}"),
            patch_ops(json!([
                {"op": "replace", "path": "name.givenName", "value": "Augusta"},
                {"op": "replace", "path": "active", "value": "maybe"}
            ])),
        )
        .await;
    assert_scim_error(res, 400, Some("invalidValue")).await;
    // RFC 7644 §3.5.2.2: a remove without a path is refused (noTarget).
    let res = app
        .patch(
            "contacts",
            &format!("/Users/{id}"),
            patch_ops(json!([
                {"op": "replace", "path": "name.givenName", "value": "Augusta"},
                {"op": "remove"}
            ])),
        )
        .await;
    assert_scim_error(res, 400, Some("noTarget")).await;
    let after = app.sf_get("Contact", &id).await.unwrap();
    assert_eq!(after["FirstName"], "Ada");
    assert_eq!(after["Active__c"], true);
    assert_eq!(after["SystemModstamp"], before["SystemModstamp"]);
    app.stop().await;
}

#[tokio::test]
async fn a_patch_with_one_value_salesforce_refuses_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = ada(&app).await;
    let before = app.sf_get("Contact", &id).await.unwrap();
    let res = app
        .patch(
            "contacts",
            &format!("/Users/{id}"),
            patch_ops(json!([
                {"op": "replace", "path": "title", "value": "Countess"},
                {"op": "replace", "path": "name.givenName", "value": "A".repeat(41)}
            ])),
        )
        .await;
    let body = assert_scim_error(res, 400, Some("invalidValue")).await;
    assert!(detail(&body).contains("name.givenName"), "{body}");
    let after = app.sf_get("Contact", &id).await.unwrap();
    assert_eq!(after["Title"], Value::Null);
    assert_eq!(after["FirstName"], "Ada");
    assert_eq!(after["SystemModstamp"], before["SystemModstamp"]);
    app.stop().await;
}

// ---- PingOne's documented connector failures ------------------------------------------------

async fn converted_lead(app: &TestApp) -> (String, String) {
    let mut body = lead_user("lea@example.com", "Lea", "Lead", "Acme");
    body["title"] = json!("CTO");
    let id = app.create_user("leads", body).await;
    let converted = app
        .sf_control(&format!("leads/{id}/convert"), json!({}))
        .await;
    let contact = converted["contactId"].as_str().unwrap().to_string();
    (id, contact)
}

#[tokio::test]
async fn a_put_to_a_converted_lead_is_a_200_with_the_lead_as_it_is_and_a_notice() {
    let app = TestApp::spawn().await;
    let (id, contact) = converted_lead(&app).await;
    let res = app
        .put(
            "leads",
            &format!("/Users/{id}"),
            lead_user("lea@example.com", "Leah", "Lead", "Globex"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let n = notice(&res).expect("a notice");
    assert!(n.contains(&contact), "{n}");
    // The PUT has no title, but nothing was written: the notice must not claim a clear.
    assert!(!n.contains("cleared"), "{n}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["name"]["givenName"], "Lea");
    let sf = app.sf_get("Lead", &id).await.unwrap();
    assert_eq!(sf["FirstName"], "Lea");
    assert_eq!(sf["Company"], "Acme");
    assert_eq!(sf["Title"], "CTO");
    app.stop().await;
}

#[tokio::test]
async fn a_patch_or_disable_of_a_converted_lead_is_a_200_with_a_notice() {
    let app = TestApp::spawn().await;
    let (id, contact) = converted_lead(&app).await;
    for ops in [
        json!([{"op": "Replace", "path": "name.givenName", "value": "Leah"}]),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    ] {
        let res = app
            .patch("leads", &format!("/Users/{id}"), patch_ops(ops))
            .await;
        assert_eq!(res.status(), 200);
        assert!(notice(&res).is_some_and(|n| n.contains(&contact)));
    }
    // The default remove action (disable) is not a failure either.
    let res = app.delete("leads", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204);
    assert!(notice(&res).is_some_and(|n| n.contains(&contact)));
    let sf = app.sf_get("Lead", &id).await.unwrap();
    assert_eq!(sf["FirstName"], "Lea");
    assert_eq!(sf["IsConverted"], true);
    app.stop().await;
}

#[tokio::test]
async fn a_converted_lead_can_still_be_deleted_when_the_remove_action_is_delete() {
    let app = TestApp::spawn_with(with_policy("leads", "remove_action = \"delete\"")).await;
    let (id, contact) = converted_lead(&app).await;
    let res = app.delete("leads", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204);
    assert!(app.sf_get("Lead", &id).await.is_none());
    assert_scim_error(app.get("leads", &format!("/Users/{id}")).await, 404, None).await;
    // The Contact the conversion made is not the bridge's to remove.
    assert!(app.sf_get("Contact", &contact).await.is_some());
    app.stop().await;
}

#[tokio::test]
async fn deleting_a_contact_with_a_portal_user_disables_it_instead_with_a_notice() {
    let app = TestApp::spawn_with(with_policy("contacts", "remove_action = \"delete\"")).await;
    let id = ada(&app).await;
    app.sf_control(&format!("contacts/{id}/portal-user"), json!({}))
        .await;
    let res = app.delete("contacts", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204);
    let n = notice(&res).expect("a notice");
    assert!(n.contains("DELETE_FAILED") && n.contains("disabled"), "{n}");
    let sf = app.sf_get("Contact", &id).await.expect("not deleted");
    assert_eq!(sf["Active__c"], false);
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert_eq!(res.json::<Value>().await.unwrap()["active"], false);
    app.stop().await;
}

#[tokio::test]
async fn deleting_a_contact_with_a_portal_user_is_a_409_when_disabling_is_off() {
    let app = TestApp::spawn_with(with_policy(
        "contacts",
        "remove_action = \"delete\"\nallow_disable = false",
    ))
    .await;
    let id = ada(&app).await;
    app.sf_control(&format!("contacts/{id}/portal-user"), json!({}))
        .await;
    let res = app.delete("contacts", &format!("/Users/{id}")).await;
    let body = assert_scim_error(res, 409, None).await;
    assert!(detail(&body).contains("DELETE_FAILED"), "{body}");
    let sf = app.sf_get("Contact", &id).await.expect("not deleted");
    assert_eq!(sf["Active__c"], true);
    app.stop().await;
}

#[tokio::test]
async fn a_lead_in_the_recycle_bin_does_not_block_a_new_lead_with_the_same_email() {
    let app = TestApp::spawn().await;
    let old = app
        .sf_create(
            "Lead",
            json!({"LastName": "Lead", "Company": "Acme", "Email": "lea@example.com"}),
        )
        .await;
    app.sf_delete("Lead", &old).await;
    let res = app
        .post(
            "leads",
            "/Users",
            lead_user("lea@example.com", "Lea", "Lead", "Acme"),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert!(notice(&res).is_none());
    let body: Value = res.json().await.unwrap();
    let id = body["id"].as_str().unwrap();
    assert_ne!(id, old);
    assert!(app.sf_get("Lead", id).await.is_some());
    app.stop().await;
}

#[tokio::test]
async fn a_create_that_gets_no_answer_is_not_resent_and_the_idps_retry_links_the_record() {
    let app = TestApp::spawn_with(with_salesforce_keys("timeout_secs = 1")).await;
    // Salesforce takes longer than the bridge waits, then saves the record anyway.
    let fault = app
        .sf_fault(json!({"delay_ms": 2500, "count": 1, "method": "POST", "path": "/composite"}))
        .await;
    let body = user("slow@example.com", "Slow", "Save");
    let res = app.post("contacts", "/Users", body.clone()).await;
    assert_scim_error(res, 503, None).await;
    let soql = "SELECT Id FROM Contact WHERE Email = 'slow@example.com'";
    let mut found = Vec::new();
    for _ in 0..100 {
        found = app.sf_query(soql).await;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found.len(), 1, "the first create never landed");
    assert_eq!(app.sf_fired(fault).await, 1);
    // The IdP retries the create: it links the record the first attempt made.
    let res = app.post("contacts", "/Users", body).await;
    assert_eq!(res.status(), 201);
    let created: serde_json::Value = res.json().await.unwrap();
    assert_eq!(created["id"], found[0]["Id"]);
    assert_eq!(app.sf_query(soql).await.len(), 1, "a duplicate was made");
    app.stop().await;
}

#[tokio::test]
async fn a_failed_read_back_inside_the_composite_create_is_retried_not_reported_as_a_400() {
    let app = TestApp::spawn().await;
    // The create sub-request succeeds, the read-back hits an outage: allOrNone rolls the
    // create back and marks it PROCESSING_HALTED. The real error is the retryable 503.
    let fault = app.sf_fault(json!({"status": 503, "errorCode": "SERVER_UNAVAILABLE", "count": 1, "method": "GET", "path": "/sobjects/Contact/"})).await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("halted@example.com", "Hal", "Ted"),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.sf_fired(fault).await, 1, "the read-back never failed");
    let body: Value = res.json().await.unwrap();
    let records = app
        .sf_query("SELECT Id FROM Contact WHERE Email = 'halted@example.com'")
        .await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["Id"], body["id"]);
    app.stop().await;
}

#[tokio::test]
async fn a_request_salesforce_is_too_slow_for_is_answered_503_within_the_deadline() {
    let app = TestApp::spawn_with(with_timeouts(2, 1)).await;
    let id = app
        .create_user("contacts", user("slowpoke@example.com", "Slow", "Poke"))
        .await;
    // Every attempt (the first and its retries) is slower than the client timeout, and the
    // attempts together outlast the 2 s deadline.
    let fault = app
        .sf_fault(
            json!({"delay_ms": 3000, "count": 5, "method": "GET", "path": "/sobjects/Contact/"}),
        )
        .await;
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert!(retry_after(&res).is_some());
    let body = assert_scim_error(res, 503, None).await;
    assert!(body["detail"].as_str().unwrap().contains("2 s"), "{body}");
    assert_eq!(
        app.sf_fired(fault).await,
        TOO_SLOW_READ,
        "attempts before the deadline"
    );
    app.stop().await;
}

#[tokio::test]
async fn allow_duplicate_save_gets_past_an_alerting_duplicate_rule_but_not_a_blocking_one() {
    let app = TestApp::spawn_with(with_salesforce_keys("allow_duplicate_save = true")).await;
    let ada = ada(&app).await;
    app.create_user("contacts", user("grace@example.com", "Grace", "Hopper"))
        .await;
    app.sf_control(
        "duplicate-rules",
        json!({"object": "Contact", "enabled": true, "action": "alert"}),
    )
    .await;
    let path = format!("/Users/{ada}");
    let res = app
        .put(
            "contacts",
            &path,
            user("grace@example.com", "Ada", "Lovelace"),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.sf_get("Contact", &ada).await.unwrap()["Email"],
        "grace@example.com"
    );
    app.sf_control(
        "duplicate-rules",
        json!({"object": "Contact", "enabled": true, "action": "block"}),
    )
    .await;
    let res = app
        .put(
            "contacts",
            &path,
            user("GRACE@example.com", "Ada", "Lovelace"),
        )
        .await;
    assert_scim_error(res, 409, Some("uniqueness")).await;
    app.stop().await;
}

#[tokio::test]
async fn a_gateway_timeout_on_create_is_not_resent_blindly() {
    let app = TestApp::spawn().await;
    // A 504 from a proxy in front of Salesforce: the insert may or may not have happened
    // behind it, so the bridge looks, finds nothing yet, and leaves the retry to the IdP.
    let fault = app.sf_fault(json!({"status": 504, "errorCode": "GATEWAY_TIMEOUT", "count": 1, "method": "POST", "path": "/composite"})).await;
    let body = user("gateway@example.com", "Gate", "Way");
    let res = app.post("contacts", "/Users", body.clone()).await;
    assert_scim_error(res, 503, None).await;
    assert_eq!(app.sf_fired(fault).await, 1, "the 504 never happened");
    let soql = "SELECT Id FROM Contact WHERE Email = 'gateway@example.com'";
    assert_eq!(app.sf_query(soql).await.len(), 0, "the create was resent");
    let res = app.post("contacts", "/Users", body).await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.sf_query(soql).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_create_that_could_not_finish_before_the_deadline_is_not_sent() {
    let app = TestApp::spawn_with(with_timeouts(3, 2)).await;
    // Warm the session so the slow match query is the only delay: it answers, but leaves
    // less than one Salesforce timeout (2 s) before the 3 s deadline.
    assert_eq!(app.get("contacts", "/Users?count=1").await.status(), 200);
    let fault = app
        .sf_fault(json!({"delay_ms": 1500, "count": 1, "method": "GET", "path": "/query"}))
        .await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("late@example.com", "Late", "Comer"),
        )
        .await;
    let body = assert_scim_error(res, 503, None).await;
    assert!(detail(&body).contains("not sent"), "{body}");
    assert_eq!(
        app.sf_fired(fault).await,
        1,
        "the match query was not slowed"
    );
    let stats = app.sf_stats().await;
    assert!(
        stats["by_endpoint"].get("POST /composite").is_none(),
        "a create was sent: {stats}"
    );
    assert_eq!(
        app.sf_query("SELECT Id FROM Contact WHERE Email = 'late@example.com'")
            .await
            .len(),
        0
    );
    app.stop().await;
}
