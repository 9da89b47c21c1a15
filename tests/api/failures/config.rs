//! Failures that are the connection's configuration (a mapped field the org lacks or cannot
//! write, missing permissions): a 502 that points the admin at test-connection.

use super::{ada, contacts_with_email, detail};
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn a_mapping_to_a_field_the_org_lacks_is_a_502_naming_test_connection() {
    let app = TestApp::spawn_with(|t| {
        format!(
            r#"{t}
[[connections.contacts.mapping]]
scim = 'emails[type eq "work"].value'
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
scim = 'emails[type eq "work"].value'
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
