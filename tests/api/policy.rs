//! The connector's policy toggles, seen from the IdP and checked in Salesforce: create, update,
//! disable, deprovision and delete can each be turned off; the remove action decides what a
//! DELETE means; mapping rows without the `update` flag are written on create only.
//!
//! When a toggle changes the outcome, the bridge still answers success (an IdP retries a 4xx
//! forever, scim-clients.md) with the resource as Salesforce holds it and says why in the
//! `x-scim-bridge-notice` header. Only a create that would write nothing is refused (403,
//! RFC 7644 §3.12), so the IdP can count the person as "unsynced".

use crate::helpers::*;
use reqwest::Response;
use serde_json::{json, Value};

/// Asserts that the response carries a notice mentioning `needle` and returns it.
fn assert_notice(res: &Response, needle: &str) -> String {
    let n = notice(res).unwrap_or_else(|| panic!("no x-scim-bridge-notice on {}", res.status()));
    assert!(n.contains(needle), "notice {n:?} does not mention {needle}");
    n
}

// ---- allow_create ---------------------------------------------------------------------------

#[tokio::test]
async fn a_new_contact_is_refused_with_403_naming_the_toggle_when_creating_is_off() {
    let app = TestApp::spawn_with(with_policy("contacts", "allow_create = false")).await;
    let before = app.api_requests().await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("new@example.com", "New", "Person"),
        )
        .await;
    let body = assert_scim_error(res, 403, None).await;
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("policy.allow_create"), "{detail}");
    assert!(detail.contains("nothing was written"), "{detail}");
    // Only the match lookup reached Salesforce.
    assert_eq!(app.api_requests().await - before, 1);
    assert_eq!(app.contact_count(Some("new@example.com")).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn an_existing_contact_is_still_linked_when_creating_is_off() {
    let app = TestApp::spawn_with(with_policy("contacts", "allow_create = false")).await;
    let existing = app
        .sf_create(
            "Contact",
            json!({"LastName": "Hopper", "FirstName": "Grace", "Email": "grace@example.com"}),
        )
        .await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("grace@example.com", "Grace", "Hopper"),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_notice(&res, &existing);
    let body = json_of(res).await;
    assert_eq!(body["id"], json!(existing));
    assert_eq!(app.contact_count(Some("grace@example.com")).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_new_lead_is_refused_with_403_when_creating_leads_is_off() {
    let app = TestApp::spawn_with(with_policy("leads", "allow_create = false")).await;
    let res = app
        .post(
            "leads",
            "/Users",
            lead_user("lead@example.com", "Lea", "Lead", "Acme"),
        )
        .await;
    let body = assert_scim_error(res, 403, None).await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("policy.allow_create"));
    let leads = app
        .sf_query("SELECT Id FROM Lead WHERE Email = 'lead@example.com'")
        .await;
    assert!(leads.is_empty());
    // The other connection is not affected.
    app.create_user("contacts", user("lead@example.com", "Lea", "Lead"))
        .await;
    app.stop().await;
}

// ---- allow_update ---------------------------------------------------------------------------

#[tokio::test]
async fn a_put_changes_nothing_and_says_so_when_updating_is_off() {
    let app = TestApp::spawn_with(with_policy("contacts", "allow_update = false")).await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    let mut changed = user("ada@example.com", "Augusta", "King");
    changed["title"] = json!("Countess");
    let res = app.put("contacts", &format!("/Users/{id}"), changed).await;
    assert_eq!(res.status(), 200);
    assert_notice(&res, "policy.allow_update");
    let body = json_of(res).await;
    assert_eq!(body["name"]["givenName"], "Ada");
    assert_eq!(body["name"]["familyName"], "Lovelace");
    assert!(body.get("title").is_none(), "{body}");
    let sf = app.sf_get("Contact", &id).await.unwrap();
    assert_eq!(sf["FirstName"], "Ada");
    assert_eq!(sf["LastName"], "Lovelace");
    assert_eq!(sf["Title"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn a_patch_changes_nothing_and_says_so_when_updating_is_off() {
    let app = TestApp::spawn_with(with_policy("contacts", "allow_update = false")).await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    let before = app.sf_get("Contact", &id).await.unwrap();
    let res = app
        .patch(
            "contacts",
            &format!("/Users/{id}"),
            patch_ops(json!([{"op": "Replace", "path": "name.givenName", "value": "Augusta"}])),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_notice(&res, "policy.allow_update");
    let body = json_of(res).await;
    assert_eq!(body["name"]["givenName"], "Ada");
    let after = app.sf_get("Contact", &id).await.unwrap();
    assert_eq!(after["FirstName"], "Ada");
    assert_eq!(after["SystemModstamp"], before["SystemModstamp"]);
    app.stop().await;
}

#[tokio::test]
async fn a_disable_still_works_when_only_updating_is_off() {
    let app = TestApp::spawn_with(with_policy("contacts", "allow_update = false")).await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    let res = app
        .patch(
            "contacts",
            &format!("/Users/{id}"),
            patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body = json_of(res).await;
    assert_eq!(body["active"], false);
    assert_eq!(
        app.sf_get("Contact", &id).await.unwrap()["Active__c"],
        false
    );
    app.stop().await;
}

#[tokio::test]
async fn a_lead_put_changes_nothing_when_updating_leads_is_off() {
    let app = TestApp::spawn_with(with_policy("leads", "allow_update = false")).await;
    let id = app
        .create_user("leads", lead_user("lea@example.com", "Lea", "Lead", "Acme"))
        .await;
    let res = app
        .put(
            "leads",
            &format!("/Users/{id}"),
            lead_user("lea@example.com", "Lea", "Lead", "Globex"),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_notice(&res, "policy.allow_update");
    let body = json_of(res).await;
    assert_eq!(
        body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["organization"],
        "Acme"
    );
    assert_eq!(app.sf_get("Lead", &id).await.unwrap()["Company"], "Acme");
    app.stop().await;
}

// ---- allow_disable --------------------------------------------------------------------------

#[tokio::test]
async fn a_disable_is_answered_200_but_left_active_when_disabling_is_off() {
    let app = TestApp::spawn_with(with_policy("contacts", "allow_disable = false")).await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    let res = app
        .patch(
            "contacts",
            &format!("/Users/{id}"),
            patch_ops(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_notice(&res, "policy.allow_disable");
    assert_eq!(json_of(res).await["active"], true);
    assert_eq!(app.sf_get("Contact", &id).await.unwrap()["Active__c"], true);
    app.stop().await;
}

#[tokio::test]
async fn a_put_with_active_false_updates_the_rest_but_not_active_when_disabling_is_off() {
    let app = TestApp::spawn_with(with_policy("contacts", "allow_disable = false")).await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    let mut body = user("ada@example.com", "Augusta", "Lovelace");
    body["active"] = json!(false);
    let res = app.put("contacts", &format!("/Users/{id}"), body).await;
    assert_eq!(res.status(), 200);
    assert_notice(&res, "policy.allow_disable");
    let body = json_of(res).await;
    assert_eq!(body["active"], true);
    assert_eq!(body["name"]["givenName"], "Augusta");
    let sf = app.sf_get("Contact", &id).await.unwrap();
    assert_eq!(sf["Active__c"], true);
    assert_eq!(sf["FirstName"], "Augusta");
    app.stop().await;
}

#[tokio::test]
async fn a_lead_disable_is_left_open_when_disabling_leads_is_off() {
    let app = TestApp::spawn_with(with_policy("leads", "allow_disable = false")).await;
    let id = app
        .create_user("leads", lead_user("lea@example.com", "Lea", "Lead", "Acme"))
        .await;
    let res = app
        .patch(
            "leads",
            &format!("/Users/{id}"),
            patch_ops(json!([{"op": "replace", "path": "active", "value": false}])),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_notice(&res, "policy.allow_disable");
    assert_eq!(json_of(res).await["active"], true);
    assert_eq!(
        app.sf_get("Lead", &id).await.unwrap()["Status"],
        "Open - Not Contacted"
    );
    app.stop().await;
}

// ---- remove action: disable (the default) ---------------------------------------------------

#[tokio::test]
async fn a_delete_disables_the_contact_by_default_and_it_leaves_the_connection() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    let res = app.delete("contacts", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204);
    let sf = app
        .sf_get("Contact", &id)
        .await
        .expect("still in Salesforce");
    assert_eq!(sf["Active__c"], false);
    assert_eq!(sf["SCIM_Key__c"], Value::Null);
    // RFC 7644 §3.6: after a DELETE the resource answers 404, and lists no longer show it.
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert_scim_error(res, 404, None).await;
    let list = app
        .filter("contacts", "userName eq \"ada@example.com\"")
        .await;
    assert_eq!(list["totalResults"], 0);
    app.stop().await;
}

#[tokio::test]
async fn a_disabled_contact_is_enabled_again_with_active_true() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    let res = app
        .patch(
            "contacts",
            &format!("/Users/{id}"),
            patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await;
    assert_eq!(json_of(res).await["active"], false);
    let res = app
        .patch(
            "contacts",
            &format!("/Users/{id}"),
            patch_ops(json!([{"op": "Replace", "path": "active", "value": "True"}])),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await["active"], true);
    assert_eq!(app.sf_get("Contact", &id).await.unwrap()["Active__c"], true);
    // PUT with active:false then active:true round-trips too.
    let mut off = user("ada@example.com", "Ada", "Lovelace");
    off["active"] = json!(false);
    let res = app.put("contacts", &format!("/Users/{id}"), off).await;
    assert_eq!(json_of(res).await["active"], false);
    let res = app
        .put(
            "contacts",
            &format!("/Users/{id}"),
            user("ada@example.com", "Ada", "Lovelace"),
        )
        .await;
    assert_eq!(json_of(res).await["active"], true);
    assert_eq!(app.sf_get("Contact", &id).await.unwrap()["Active__c"], true);
    app.stop().await;
}

#[tokio::test]
async fn a_lead_deactivation_closes_the_lead_and_active_true_reopens_it() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("leads", lead_user("lea@example.com", "Lea", "Lead", "Acme"))
        .await;
    let res = app
        .patch(
            "leads",
            &format!("/Users/{id}"),
            patch_ops(json!([{"op": "replace", "path": "active", "value": false}])),
        )
        .await;
    assert_eq!(json_of(res).await["active"], false);
    assert_eq!(
        app.sf_get("Lead", &id).await.unwrap()["Status"],
        "Closed - Not Converted"
    );
    let res = app
        .patch(
            "leads",
            &format!("/Users/{id}"),
            patch_ops(json!([{"op": "replace", "path": "active", "value": true}])),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await["active"], true);
    assert_eq!(
        app.sf_get("Lead", &id).await.unwrap()["Status"],
        "Open - Not Contacted"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_delete_leaves_the_contact_active_when_the_disable_remove_action_cannot_disable() {
    let app = TestApp::spawn_with(with_policy("contacts", "allow_disable = false")).await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    let res = app.delete("contacts", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204);
    assert_notice(&res, "policy.allow_disable");
    assert_eq!(app.sf_get("Contact", &id).await.unwrap()["Active__c"], true);
    app.stop().await;
}

// ---- allow_deprovision ----------------------------------------------------------------------

#[tokio::test]
async fn a_delete_changes_nothing_but_the_key_when_deprovisioning_is_off() {
    let app = TestApp::spawn_with(with_policy(
        "contacts",
        "allow_deprovision = false\nremove_action = \"delete\"",
    ))
    .await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    let before = app.sf_get("Contact", &id).await.unwrap();
    let res = app.delete("contacts", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204);
    assert_notice(&res, "policy.allow_deprovision");
    let after = app.sf_get("Contact", &id).await.expect("not deleted");
    assert_eq!(after["Active__c"], true);
    for f in ["FirstName", "LastName", "Email"] {
        assert_eq!(after[f], before[f], "{f}");
    }
    // The person still leaves the connection (RFC 7644 §3.6): only the key was written.
    assert_eq!(after["SCIM_Key__c"], Value::Null);
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert_scim_error(res, 404, None).await;
    app.stop().await;
}

#[tokio::test]
async fn a_lead_delete_leaves_the_lead_open_when_deprovisioning_leads_is_off() {
    let app = TestApp::spawn_with(with_policy("leads", "allow_deprovision = false")).await;
    let id = app
        .create_user("leads", lead_user("lea@example.com", "Lea", "Lead", "Acme"))
        .await;
    let res = app.delete("leads", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204);
    assert_notice(&res, "policy.allow_deprovision");
    assert_eq!(
        app.sf_get("Lead", &id).await.unwrap()["Status"],
        "Open - Not Contacted"
    );
    app.stop().await;
}

// ---- remove action: delete ------------------------------------------------------------------

#[tokio::test]
async fn a_delete_removes_the_contact_from_salesforce_when_the_remove_action_is_delete() {
    let app = TestApp::spawn_with(with_policy("contacts", "remove_action = \"delete\"")).await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    let res = app.delete("contacts", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204);
    assert!(notice(&res).is_none());
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert_scim_error(res, 404, None).await;
    assert!(app.sf_get("Contact", &id).await.is_none());
    assert_eq!(app.contact_count(Some("ada@example.com")).await, 0);
    let list = app
        .filter("contacts", "userName eq \"ada@example.com\"")
        .await;
    assert_eq!(list["totalResults"], 0);
    // A second DELETE of the same user is a 404, not a 5xx.
    let res = app.delete("contacts", &format!("/Users/{id}")).await;
    assert_scim_error(res, 404, None).await;
    app.stop().await;
}

#[tokio::test]
async fn a_delete_removes_the_lead_when_the_remove_action_is_delete() {
    let app = TestApp::spawn_with(with_policy("leads", "remove_action = \"delete\"")).await;
    let id = app
        .create_user("leads", lead_user("lea@example.com", "Lea", "Lead", "Acme"))
        .await;
    assert_eq!(
        app.delete("leads", &format!("/Users/{id}")).await.status(),
        204
    );
    assert!(app.sf_get("Lead", &id).await.is_none());
    assert_scim_error(app.get("leads", &format!("/Users/{id}")).await, 404, None).await;
    app.stop().await;
}

#[tokio::test]
async fn a_delete_leaves_the_contact_untouched_when_deleting_is_off() {
    let app = TestApp::spawn_with(with_policy(
        "contacts",
        "remove_action = \"delete\"\nallow_delete = false",
    ))
    .await;
    let id = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    let res = app.delete("contacts", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204);
    assert_notice(&res, "policy.allow_delete");
    let sf = app.sf_get("Contact", &id).await.expect("not deleted");
    assert_eq!(sf["Active__c"], true);
    assert_eq!(sf["SCIM_Key__c"], Value::Null, "released all the same");
    assert_scim_error(
        app.get("contacts", &format!("/Users/{id}")).await,
        404,
        None,
    )
    .await;
    app.stop().await;
}

// ---- the mapping rows' update flag -----------------------------------------------------------

/// The whole Contact mapping, with Title written on create only.
fn title_create_only(toml: String) -> String {
    format!(
        r#"{toml}
[[connections.contacts.mapping]]
scim = 'emails[type eq "work"].value'
field = "Email"
update = true

[[connections.contacts.mapping]]
scim = "name.familyName"
field = "LastName"
update = true

[[connections.contacts.mapping]]
scim = "name.givenName"
field = "FirstName"
update = true

[[connections.contacts.mapping]]
scim = "title"
field = "Title"
update = false
"#
    )
}

#[tokio::test]
async fn a_create_only_mapping_row_is_written_on_create_but_not_on_put() {
    let app = TestApp::spawn_with(title_create_only).await;
    let mut body = user("ada@example.com", "Ada", "Lovelace");
    body["title"] = json!("Analyst");
    let id = app.create_user("contacts", body).await;
    assert_eq!(
        app.sf_get("Contact", &id).await.unwrap()["Title"],
        "Analyst"
    );
    let mut body = user("ada@example.com", "Augusta", "Lovelace");
    body["title"] = json!("Countess");
    let res = app.put("contacts", &format!("/Users/{id}"), body).await;
    assert_eq!(res.status(), 200);
    let notice = res.headers()["x-scim-bridge-notice"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        notice.contains("title") && notice.contains("create only"),
        "{notice}"
    );
    let body = json_of(res).await;
    assert_eq!(body["title"], "Analyst");
    assert_eq!(body["name"]["givenName"], "Augusta");
    let sf = app.sf_get("Contact", &id).await.unwrap();
    assert_eq!(sf["Title"], "Analyst");
    assert_eq!(sf["FirstName"], "Augusta");
    // A PUT without the attribute does not clear a create-only field either.
    let res = app
        .put(
            "contacts",
            &format!("/Users/{id}"),
            user("ada@example.com", "Augusta", "Lovelace"),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.sf_get("Contact", &id).await.unwrap()["Title"],
        "Analyst"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_create_only_mapping_row_is_not_written_by_patch() {
    let app = TestApp::spawn_with(title_create_only).await;
    let mut body = user("ada@example.com", "Ada", "Lovelace");
    body["title"] = json!("Analyst");
    let id = app.create_user("contacts", body).await;
    let res = app
        .patch(
            "contacts",
            &format!("/Users/{id}"),
            patch_ops(json!([
                {"op": "replace", "path": "title", "value": "Countess"},
                {"op": "replace", "path": "name.givenName", "value": "Augusta"}
            ])),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body = json_of(res).await;
    assert_eq!(body["title"], "Analyst");
    assert_eq!(body["name"]["givenName"], "Augusta");
    let sf = app.sf_get("Contact", &id).await.unwrap();
    assert_eq!(sf["Title"], "Analyst");
    assert_eq!(sf["FirstName"], "Augusta");
    app.stop().await;
}
