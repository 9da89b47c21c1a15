//! Promoting a Lead to a Contact the way Salesforce does (issue "Promote a Lead"): a person
//! provisioned on `leads` and then on `contacts` converts the Lead (SOAP `convertLead`), and
//! Salesforce links the two. Each test checks the Lead, the Contact and the Account in
//! Salesforce afterwards; failures leave the Lead as it was.

use serde_json::{json, Value};

use crate::helpers::*;

/// The demo's connections with the demo's promotion (`contacts` promotes from `leads`), plus
/// `extra` keys in the promotion table.
async fn promoting(extra: &'static str) -> TestApp {
    TestApp::spawn_with(move |t| {
        format!("{t}\n[connections.contacts.promotion]\nfrom = \"leads\"\n{extra}\n")
    })
    .await
}

/// A person on the leads connection (Company "US Navy"); answers the Lead's id.
async fn lead(app: &TestApp, email: &str) -> String {
    app.create_user("leads", LEADS.body(email, "Grace", "Hopper"))
        .await
}

fn contact_body(email: &str) -> Value {
    let mut u = user(email, "Grace", "Hopper");
    u["title"] = json!("Rear Admiral");
    u
}

#[tokio::test]
async fn a_lead_then_a_contact_leaves_one_converted_lead_whose_contact_is_the_answer() {
    let app = promoting("").await;
    let lead_id = lead(&app, "grace@navy.example").await;
    let before = app.api_requests().await;
    let res = app
        .post("contacts", "/Users", contact_body("grace@navy.example"))
        .await;
    assert_eq!(res.status(), 201);
    assert!(notice(&res)
        .unwrap()
        .contains(&format!("the Lead {lead_id} was converted")));
    let body: Value = res.json().await.unwrap();
    let contact_id = body["id"].as_str().unwrap().to_string();
    assert!(contact_id.starts_with("003"));
    // Look-up, Lead look-up, Account by Company, converted status, key release, convertLead,
    // the Contact read, then the mapped attributes and key written with the read-back.
    assert_eq!(app.api_requests().await - before, 8);

    let l = app.sf_record(LEADS, &lead_id).await;
    assert_eq!(l["IsConverted"], true);
    assert_eq!(l["ConvertedContactId"], contact_id.as_str());
    assert!(l["SCIM_Key__c"].is_null(), "the Lead still holds its key");
    let c = app.sf_record(CONTACTS, &contact_id).await;
    assert_eq!(c["SCIM_Key__c"], "grace@navy.example");
    assert_eq!(c["Title"], "Rear Admiral");
    assert_eq!(c["Active__c"], true);
    assert_eq!(c["AccountId"], l["ConvertedAccountId"]);
    let account = app
        .sf_get("Account", c["AccountId"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(
        account["Name"], "US Navy",
        "a new Account named after Company"
    );
    assert_eq!(app.contact_count(Some("grace@navy.example")).await, 1);
    // The Lead has left the leads connection; the Contact is on contacts.
    assert_eq!(
        app.get("leads", &format!("/Users/{lead_id}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.filter("leads", "userName eq \"grace@navy.example\"")
            .await["totalResults"],
        0
    );
    assert_eq!(
        app.get("contacts", &format!("/Users/{contact_id}"))
            .await
            .status(),
        200
    );
    // Demotion has no Salesforce counterpart: the leads connection makes a new Lead.
    let again = lead(&app, "grace@navy.example").await;
    assert_ne!(again, lead_id);
    let m = app.metrics().await;
    assert_eq!(
        sample(
            &m,
            "scim_bridge_outcomes_total",
            &[("connection", "contacts"), ("outcome", "promoted")]
        ),
        1.0
    );
    app.stop().await;
}

#[tokio::test]
async fn a_lead_merges_into_the_existing_contact_with_the_same_email() {
    let app = promoting("").await;
    let account = app.sf_create("Account", json!({"Name": "Navy Yard"})).await;
    let existing = app
        .sf_create(
            "Contact",
            json!({"LastName": "Hopper", "Email": "grace@navy.example", "AccountId": account}),
        )
        .await;
    let lead_id = lead(&app, "grace@navy.example").await;
    let res = app
        .post("contacts", "/Users", contact_body("grace@navy.example"))
        .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], existing.as_str());
    let l = app.sf_record(LEADS, &lead_id).await;
    assert_eq!(l["ConvertedContactId"], existing.as_str());
    assert_eq!(l["ConvertedAccountId"], account.as_str());
    assert_eq!(app.contact_count(Some("grace@navy.example")).await, 1);
    assert_eq!(
        app.sf_record(CONTACTS, &existing).await["Title"],
        "Rear Admiral"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_account_is_the_configured_one_or_one_named_like_the_company_or_a_new_one() {
    let app = promoting("").await;
    // Configured: every promoted Lead goes under this Account.
    let configured = app
        .sf_create("Account", json!({"Name": "Configured"}))
        .await;
    let id = configured.clone();
    let (other, handle) = app
        .another_bridge(move |t| {
            format!(
                "{t}\n[connections.contacts.promotion]\nfrom = \"leads\"\naccount_id = \"{id}\"\n"
            )
        })
        .await;
    let lead1 = lead(&app, "conf@navy.example").await;
    let res = app
        .http
        .post(format!("{other}/scim/v2/contacts/Users"))
        .bearer_auth(TOKEN)
        .header("Content-Type", SCIM)
        .body(contact_body("conf@navy.example").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    handle.stop(false).await;
    assert_eq!(
        app.sf_record(LEADS, &lead1).await["ConvertedAccountId"],
        configured.as_str()
    );

    // Else the Account named like the Lead's Company.
    let named = app.sf_create("Account", json!({"Name": "US Navy"})).await;
    let lead2 = lead(&app, "named@navy.example").await;
    assert_eq!(
        app.post("contacts", "/Users", contact_body("named@navy.example"))
            .await
            .status(),
        201
    );
    assert_eq!(
        app.sf_record(LEADS, &lead2).await["ConvertedAccountId"],
        named.as_str()
    );

    // Else a new one, which Salesforce names after Company.
    let mut body = LEADS.body("new@engines.example", "Ada", "Byron");
    body[ENTERPRISE]["organization"] = json!("Analytical Engines");
    let lead3 = app.create_user("leads", body).await;
    assert_eq!(
        app.post("contacts", "/Users", contact_body("new@engines.example"))
            .await
            .status(),
        201
    );
    let account = app.sf_record(LEADS, &lead3).await["ConvertedAccountId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(account != named && account != configured);
    assert_eq!(
        app.sf_get("Account", &account).await.unwrap()["Name"],
        "Analytical Engines"
    );
    app.stop().await;
}

/// The Lead is as it was: unconverted, still on the leads connection, and no Contact made.
async fn lead_unchanged(app: &TestApp, lead_id: &str, email: &str) {
    let l = app.sf_record(LEADS, lead_id).await;
    assert_eq!(l["IsConverted"], false);
    assert_eq!(l["SCIM_Key__c"], email, "the Lead's key was not put back");
    assert_eq!(
        app.get("leads", &format!("/Users/{lead_id}"))
            .await
            .status(),
        200
    );
    assert_eq!(app.contact_count(Some(email)).await, 0);
}

#[tokio::test]
async fn without_the_convert_leads_permission_the_answer_says_so_and_the_lead_is_left_as_it_was() {
    let app = promoting("").await;
    let lead_id = lead(&app, "perm@navy.example").await;
    app.sf_control("permissions", json!({"convertLeads": false}))
        .await;
    let res = app
        .post("contacts", "/Users", contact_body("perm@navy.example"))
        .await;
    let err = assert_scim_error(res, 502, None).await;
    assert!(
        err["detail"]
            .as_str()
            .unwrap()
            .contains("Convert Leads permission"),
        "{err}"
    );
    lead_unchanged(&app, &lead_id, "perm@navy.example").await;
    let report = json_of(app.admin_test("contacts", Some(ADMIN_TOKEN)).await).await;
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "promotion")
        .unwrap()
        .clone();
    assert_eq!(check["ok"], false, "{report}");
    assert!(check["fix"].as_str().unwrap().contains("Convert Leads"));
    app.sf_control("permissions", json!({"convertLeads": true}))
        .await;
    let report = json_of(app.admin_test("contacts", Some(ADMIN_TOKEN)).await).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(
        app.post("contacts", "/Users", contact_body("perm@navy.example"))
            .await
            .status(),
        201
    );
    app.stop().await;
}

#[tokio::test]
async fn a_validation_rule_refusing_the_conversion_is_a_400_and_the_lead_is_left_as_it_was() {
    let app = promoting("").await;
    let lead_id = lead(&app, "rule@navy.example").await;
    let fault = app
        .sf_fault(
            json!({"status": 400, "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                         "message": "Accounts need a billing country", "count": 1,
                         "method": "POST", "path": "/services/Soap/u/"}),
        )
        .await;
    let res = app
        .post("contacts", "/Users", contact_body("rule@navy.example"))
        .await;
    let err = assert_scim_error(res, 400, Some("invalidValue")).await;
    assert!(
        err["detail"]
            .as_str()
            .unwrap()
            .contains("Accounts need a billing country"),
        "{err}"
    );
    assert_eq!(app.sf_fired(fault).await, 1);
    lead_unchanged(&app, &lead_id, "rule@navy.example").await;
    app.stop().await;
}

#[tokio::test]
async fn a_lead_converted_in_between_is_a_409_and_the_retry_adopts_the_contact_it_became() {
    let app = promoting("").await;
    let lead_id = lead(&app, "between@navy.example").await;
    // Sales converts the Lead while the bridge is promoting it: the key release is refused.
    let fault = app
        .sf_fault(
            json!({"status": 400, "errorCode": "CANNOT_UPDATE_CONVERTED_LEAD",
                         "count": 1, "method": "PATCH", "path": "/sobjects/Lead/"}),
        )
        .await;
    let res = app
        .post("contacts", "/Users", contact_body("between@navy.example"))
        .await;
    let err = assert_scim_error(res, 409, None).await;
    assert!(
        err["detail"]
            .as_str()
            .unwrap()
            .contains("converted in Salesforce meanwhile"),
        "{err}"
    );
    assert_eq!(app.sf_fired(fault).await, 1);
    assert_eq!(app.sf_record(LEADS, &lead_id).await["IsConverted"], false);
    // Sales' conversion lands; the IdP's retry adopts the Contact it made.
    let converted = app
        .sf_control(&format!("leads/{lead_id}/convert"), json!({}))
        .await;
    let res = app
        .post("contacts", "/Users", contact_body("between@navy.example"))
        .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], converted["contactId"]);
    app.stop().await;
}

#[tokio::test]
async fn an_expired_session_during_the_conversion_is_renewed_once() {
    let app = promoting("").await;
    let lead_id = lead(&app, "session@navy.example").await;
    let fault = app
        .sf_fault(
            json!({"status": 401, "errorCode": "INVALID_SESSION_ID", "count": 1,
                         "method": "POST", "path": "/services/Soap/u/"}),
        )
        .await;
    // The contacts connection holds a token already, so the one grant is the renewal.
    assert_eq!(app.get("contacts", "/Users?count=1").await.status(), 200);
    let tokens = app.token_requests().await;
    let res = app
        .post("contacts", "/Users", contact_body("session@navy.example"))
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.sf_fired(fault).await, 1);
    assert_eq!(app.token_requests().await - tokens, 1);
    assert_eq!(app.sf_record(LEADS, &lead_id).await["IsConverted"], true);
    app.stop().await;
}

#[tokio::test]
async fn promotion_is_configured_only_on_a_contact_connection_from_a_lead_connection() {
    let bad = |extra: &str| {
        let text = format!(
            "{}\n{extra}\n",
            scim_bridge::demo::connections_text("127.0.0.1:0", "http://127.0.0.1:9", TOKEN)
        );
        let err =
            scim_bridge::config::Config::from_raw(scim_bridge::config::parse_raw(&text).unwrap())
                .unwrap_err();
        err.to_string()
    };
    assert!(bad("[connections.leads.promotion]\nfrom = \"contacts\"")
        .contains("only a Contact connection"));
    assert!(bad("[connections.contacts.promotion]\nfrom = \"contacts\"")
        .contains("provisions Contacts, not Leads"));
    assert!(bad("[connections.contacts.promotion]\nfrom = \"nope\"")
        .contains("no connection named 'nope'"));
    assert!(
        bad("[connections.contacts.promotion]\nfrom = \"leads\"\naccount_id = \"003x\"")
            .contains("not an Account Id")
    );
}

#[tokio::test]
async fn a_converted_status_salesforce_refuses_is_a_502_naming_the_setting_and_the_lead_is_left() {
    let app = promoting("converted_status = \"Open - Not Contacted\"").await;
    let lead_id = lead(&app, "status@navy.example").await;
    let res = app
        .post("contacts", "/Users", contact_body("status@navy.example"))
        .await;
    let err = assert_scim_error(res, 502, None).await;
    assert!(
        err["detail"]
            .as_str()
            .unwrap()
            .contains("promotion.converted_status"),
        "{err}"
    );
    lead_unchanged(&app, &lead_id, "status@navy.example").await;
    app.stop().await;
}
