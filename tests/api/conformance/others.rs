//! OneLogin (templates with `"id": null` and string booleans), Keycloak and authentik (PUT of
//! the resource they read).

use crate::helpers::*;
use serde_json::{json, Value};

#[tokio::test]
async fn onelogin_creates_a_user_from_a_template_with_a_null_id_and_active_as_the_string_false() {
    let app = TestApp::spawn().await;
    for kind in [CONTACTS, LEADS] {
        let mut body = kind.body("template@example.com", "Tem", "Plate");
        body["id"] = Value::Null;
        body["active"] = json!("false");
        let (status, created) = read(app.post(kind.conn, "/Users", body).await).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["active"], false);
        let id = created["id"].as_str().unwrap().to_string();
        assert!(id.starts_with(kind.id_prefix()), "{id}");
        assert!(kind.is_disabled(&app.sf_record(kind, &id).await));
    }
    app.stop().await;
}

async fn put_of_what_was_read(kind: Kind) {
    let app = TestApp::spawn().await;
    let mut body = kind.body("kc@example.com", "Key", "Cloak");
    body["title"] = json!("Engineer");
    let id = app.create_user(kind.conn, body).await;
    let path = format!("/Users/{id}");
    // Keycloak-scim and authentik read the resource, change it, and PUT all of it back: id,
    // meta and schemas included.
    let (status, mut resource) = read(app.get(kind.conn, &path).await).await;
    assert_eq!(status, 200);
    assert!(resource["meta"].is_object(), "{resource}");
    resource["name"]["givenName"] = json!("Keyla");
    resource["title"] = json!("Staff Engineer");
    let (status, updated) = read(app.put(kind.conn, &path, resource.clone()).await).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["id"], json!(id));
    assert_eq!(updated["name"]["givenName"], "Keyla");
    assert_eq!(updated["title"], "Staff Engineer");
    let sf = app.sf_record(kind, &id).await;
    assert_eq!(sf["FirstName"], "Keyla");
    assert_eq!(sf["Title"], "Staff Engineer");
    assert_eq!(sf["LastName"], "Cloak");
    // Deactivation is the same PUT with active false.
    resource["active"] = json!(false);
    let (status, off) = read(app.put(kind.conn, &path, resource).await).await;
    assert_eq!(status, 200, "{off}");
    assert_eq!(off["active"], false);
    assert!(kind.is_disabled(&app.sf_record(kind, &id).await));
    app.stop().await;
}

#[tokio::test]
async fn keycloak_and_authentik_update_a_contact_by_putting_back_the_resource_they_read() {
    put_of_what_was_read(CONTACTS).await;
}

#[tokio::test]
async fn keycloak_and_authentik_update_a_lead_by_putting_back_the_resource_they_read() {
    put_of_what_was_read(LEADS).await;
}
