//! Values and writes Salesforce refuses: a 400 `invalidValue` naming the SCIM attribute, a 409
//! `uniqueness` for duplicates, query refusals named by their Salesforce code, and nothing
//! half-written when one part of a request fails.

use super::{ada, contacts_with_email, detail};
use crate::helpers::*;
use serde_json::{json, Value};

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
async fn a_put_that_blanks_the_family_name_keeps_last_name_and_a_patch_removing_it_is_refused() {
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
    // A PATCH that removes it outright is refused (RFC 7644 §3.5.2.2) and writes nothing.
    let res = app
        .patch(
            "contacts",
            &format!("/Users/{id}"),
            patch_ops(json!([
                {"op": "replace", "path": "title", "value": "Never written"},
                {"op": "remove", "path": "name.familyName"}
            ])),
        )
        .await;
    assert_scim_error(res, 400, Some("mutability")).await;
    let sf = app.sf_get("Contact", &id).await.unwrap();
    assert_eq!(sf["LastName"], "Lovelace");
    assert_eq!(sf["FirstName"], "Augusta");
    assert_eq!(sf["Title"], Value::Null);
    app.stop().await;
}

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
    let mut to_grace = user("ada@example.com", "Ada", "Lovelace");
    to_grace["emails"][0]["value"] = json!("GRACE@example.com");
    let res = app
        .put("contacts", &format!("/Users/{ada}"), to_grace)
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
    // Ada keeps her userName (the key); only her work email becomes Grace's.
    let mut to_grace = user("ada@example.com", "Ada", "Lovelace");
    to_grace["emails"][0]["value"] = json!("grace@example.com");
    let res = app.put("contacts", &path, to_grace).await;
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
    let mut to_grace = user("ada@example.com", "Ada", "Lovelace");
    to_grace["emails"][0]["value"] = json!("GRACE@example.com");
    let res = app.put("contacts", &path, to_grace).await;
    assert_scim_error(res, 409, Some("uniqueness")).await;
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
