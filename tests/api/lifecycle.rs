//! The basic life of a user: create, read, list, replace, patch, delete.

use crate::helpers::*;
use serde_json::{json, Value};

#[tokio::test]
async fn a_created_contact_is_in_salesforce_and_reads_back_as_scim() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("ada@example.com", "Ada", "Lovelace"),
        )
        .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let body: Value = res.json().await.unwrap();
    let id = body["id"].as_str().unwrap();
    assert!(id.starts_with("003"));
    assert_eq!(location, format!("{}/Users/{id}", app.scim("contacts")));
    assert_eq!(body["meta"]["location"], json!(location));
    assert_eq!(body["meta"]["version"], json!(etag));
    assert_eq!(body["meta"]["resourceType"], "User");
    let sf = app.sf_get("Contact", id).await.unwrap();
    assert_eq!(sf["LastName"], "Lovelace");
    assert_eq!(sf["Email"], "ada@example.com");
    let again: Value = app
        .get("contacts", &format!("/Users/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["name"]["givenName"], "Ada");
    assert_eq!(again["userName"], "ada@example.com");
    app.stop().await;
}
