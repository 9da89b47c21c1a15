//! Okta: its published spec-test sequence on both record types.

use super::urlencode;
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn okta_spec_test(kind: Kind) {
    let app = TestApp::spawn_with(kind.conflict()).await;
    let okta = |method: Method, path: String, body: Option<Value>| {
        let mut req = app
            .http
            .request(method, format!("{}{path}", app.scim(kind.conn)))
            .bearer_auth(TOKEN)
            .header("Accept", "application/scim+json");
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/scim+json; charset=utf-8")
                .body(b.to_string());
        }
        async move { read(req.send().await.expect("bridge answers")).await }
    };
    // The org already holds someone.
    app.create_user(kind.conn, kind.body("existing@example.com", "Ex", "Isting"))
        .await;

    // 1. List with count=1.
    let (status, page) = okta(Method::GET, "/Users?count=1&startIndex=1".into(), None).await;
    assert_eq!(status, 200, "{page}");
    assert!(page["totalResults"].as_u64().unwrap() >= 1, "{page}");
    assert_eq!(page["itemsPerPage"], 1);
    assert_eq!(page["startIndex"], 1);
    assert_eq!(page["Resources"].as_array().unwrap().len(), 1);
    let listed = page["Resources"][0]["id"].as_str().unwrap().to_string();

    // 2. Get that user by id.
    let (status, got) = okta(Method::GET, format!("/Users/{listed}"), None).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["id"], json!(listed));
    assert_eq!(got["userName"], "existing@example.com");

    // 3. A random userName: 200 and nobody.
    let random = format!("{}@example.com", uuid::Uuid::new_v4());
    let filter = |u: &str| {
        format!(
            "/Users?filter={}&startIndex=1&count=100",
            urlencode(&format!("userName eq \"{u}\""))
        )
    };
    let (status, none) = okta(Method::GET, filter(&random), None).await;
    assert_eq!(status, 200, "{none}");
    assert_eq!(none["totalResults"], json!(0));
    assert_eq!(none["Resources"], json!([]));

    // 4. An unknown id: 404 with a SCIM error detail.
    let unknown = uuid::Uuid::new_v4().to_string();
    let (status, err) = okta(Method::GET, format!("/Users/{unknown}"), None).await;
    assert_eq!(status, 404);
    assert_eq!(
        err["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(err["status"], "404");
    assert!(
        err["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{err}"
    );

    // 5. Create: 201 echoing the names.
    let email = "Okta.Spec@example.com";
    let mut body = kind.body(email, "Okta", "Spec");
    body["displayName"] = json!("Okta Spec");
    body["externalId"] = json!("00u1okta5pec");
    body["locale"] = json!("en-US");
    body["password"] = json!("t1meMa$heen");
    let (status, created) = okta(Method::POST, "/Users".into(), Some(body.clone())).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["userName"], email);
    assert_eq!(created["name"]["givenName"], "Okta");
    assert_eq!(created["name"]["familyName"], "Spec");
    assert_eq!(created["active"], true);
    let id = created["id"].as_str().unwrap().to_string();

    // 6. Get it back.
    let (status, got) = okta(Method::GET, format!("/Users/{id}"), None).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["userName"], email);
    assert_eq!(got["name"]["familyName"], "Spec");

    // 7. Create it again: 409.
    let (status, dup) = okta(Method::POST, "/Users".into(), Some(body)).await;
    assert_eq!(status, 409, "{dup}");
    assert_eq!(dup["status"], "409");
    assert_eq!(dup["scimType"], "uniqueness");

    // 8. The userName upper-cased finds it.
    let (status, found) = okta(Method::GET, filter(&email.to_uppercase()), None).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["totalResults"], 1, "{found}");
    assert_eq!(found["Resources"][0]["id"], json!(id));

    // Nothing was duplicated in Salesforce.
    let rows = app
        .sf_query(&format!(
            "SELECT Id FROM {} WHERE Email = '{}'",
            kind.object,
            email.to_lowercase()
        ))
        .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    app.stop().await;
}

#[tokio::test]
async fn okta_passes_its_published_spec_test_sequence_on_a_contact_connection_set_to_conflict() {
    okta_spec_test(CONTACTS).await;
}

#[tokio::test]
async fn okta_passes_its_published_spec_test_sequence_on_a_lead_connection_set_to_conflict() {
    okta_spec_test(LEADS).await;
}
