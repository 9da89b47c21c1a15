//! Records Salesforce changed behind the bridge's back, as PingOne's connector documents them:
//! converted Leads (a 200 with a notice, nothing written), Contacts with a portal user (disabled
//! instead of deleted), Leads in the Recycle Bin, and records deleted or gone (404).

use super::{ada, detail};
use crate::helpers::*;
use serde_json::{json, Value};

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
    assert_eq!(sf["SCIM_Key__c"], Value::Null, "it left the connection");
    assert_scim_error(
        app.get("contacts", &format!("/Users/{id}")).await,
        404,
        None,
    )
    .await;
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
