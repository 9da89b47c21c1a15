//! A connection's people: the key field (`SCIM_Key__c`, External ID + Unique) holds userName,
//! and a connection serves exactly the records whose key is set. Each scenario runs on a
//! Contact and on a Lead connection.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

/// A User whose userName is not an email address (PingOne's `jsmith`, an Okta login).
fn login_user(kind: Kind, user_name: &str, email: &str) -> Value {
    let mut body = kind.body(email, "Jane", "Smith");
    body["userName"] = json!(user_name);
    body
}

async fn key_of(app: &TestApp, kind: Kind, id: &str) -> Value {
    app.sf_record(kind, id).await["SCIM_Key__c"].clone()
}

async fn a_non_email_user_name_round_trips(kind: Kind) {
    let app = TestApp::spawn().await;
    let id = app
        .create_user(kind.conn, login_user(kind, "jsmith", "jane@example.com"))
        .await;
    let (status, got) = read(app.get(kind.conn, &format!("/Users/{id}")).await).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["userName"], json!("jsmith"));
    assert_eq!(got["emails"][0]["value"], json!("jane@example.com"));
    let record = app.sf_record(kind, &id).await;
    assert_eq!(record["SCIM_Key__c"], json!("jsmith"));
    assert_eq!(record["Email"], json!("jane@example.com"));
    let found = app.filter(kind.conn, "userName eq \"JSMITH\"").await;
    assert_eq!(found["totalResults"], json!(1), "{found}");
    assert_eq!(found["Resources"][0]["id"], json!(id));
    app.stop().await;
}

#[tokio::test]
async fn a_contact_with_a_non_email_user_name_round_trips_and_is_found_by_it() {
    a_non_email_user_name_round_trips(CONTACTS).await;
}

#[tokio::test]
async fn a_lead_with_a_non_email_user_name_round_trips_and_is_found_by_it() {
    a_non_email_user_name_round_trips(LEADS).await;
}

async fn email_falls_back_to_an_email_user_name(kind: Kind) {
    let app = TestApp::spawn().await;
    let mut body = kind.body("ignored@example.com", "Ada", "Lovelace");
    body.as_object_mut().unwrap().remove("emails");
    body["userName"] = json!("ada@example.com");
    let id = app.create_user(kind.conn, body).await;
    assert_eq!(
        app.sf_record(kind, &id).await["Email"],
        json!("ada@example.com")
    );
    let mut no_email = kind.body("x@example.com", "Bo", "Login");
    no_email.as_object_mut().unwrap().remove("emails");
    no_email["userName"] = json!("bo.login");
    let id = app.create_user(kind.conn, no_email).await;
    let record = app.sf_record(kind, &id).await;
    assert_eq!(record["Email"], Value::Null, "a login is never an Email");
    assert_eq!(record["SCIM_Key__c"], json!("bo.login"));
    app.stop().await;
}

#[tokio::test]
async fn a_contact_without_emails_gets_its_email_from_an_email_user_name_only() {
    email_falls_back_to_an_email_user_name(CONTACTS).await;
}

#[tokio::test]
async fn a_lead_without_emails_gets_its_email_from_an_email_user_name_only() {
    email_falls_back_to_an_email_user_name(LEADS).await;
}

async fn external_id_is_kept_and_filterable(kind: Kind) {
    let app = TestApp::spawn().await;
    let mut body = kind.body("ext@example.com", "Ext", "Ernal");
    body["externalId"] = json!("8c2b-77");
    let id = app.create_user(kind.conn, body).await;
    assert_eq!(
        app.sf_record(kind, &id).await["SCIM_External_Id__c"],
        json!("8c2b-77")
    );
    let (_, got) = read(
        app.get(kind.conn, &format!("/Users/{id}?attributes=externalId"))
            .await,
    )
    .await;
    assert_eq!(got["externalId"], json!("8c2b-77"), "{got}");
    let found = app.filter(kind.conn, "externalId eq \"8c2b-77\"").await;
    assert_eq!(found["totalResults"], json!(1), "{found}");
    app.stop().await;
}

#[tokio::test]
async fn a_contacts_external_id_is_kept_and_filterable() {
    external_id_is_kept_and_filterable(CONTACTS).await;
}

#[tokio::test]
async fn a_leads_external_id_is_kept_and_filterable() {
    external_id_is_kept_and_filterable(LEADS).await;
}

async fn records_without_a_key_are_not_served(kind: Kind) {
    let app = TestApp::spawn().await;
    let crm_only = app
        .sf_create(kind.object, kind.existing("sales@example.com"))
        .await;
    let ours = app
        .create_user(kind.conn, kind.body("ours@example.com", "Our", "Person"))
        .await;
    let all = app.filter(kind.conn, "userName pr").await;
    assert_eq!(all["totalResults"], json!(1), "{all}");
    let (_, listed) = read(app.get(kind.conn, "/Users").await).await;
    assert_eq!(listed["totalResults"], json!(1), "{listed}");
    assert_eq!(listed["Resources"][0]["id"], json!(ours));
    let by_email = app
        .filter(kind.conn, "emails eq \"sales@example.com\"")
        .await;
    assert_eq!(by_email["totalResults"], json!(0), "{by_email}");
    let res = app.get(kind.conn, &format!("/Users/{crm_only}")).await;
    assert_scim_error(res, 404, None).await;
    let res = app
        .put(
            kind.conn,
            &format!("/Users/{crm_only}"),
            kind.body("sales@example.com", "Put", "Over"),
        )
        .await;
    assert_scim_error(res, 404, None).await;
    assert_eq!(
        app.sf_record(kind, &crm_only).await["LastName"],
        json!("Smith")
    );
    app.stop().await;
}

#[tokio::test]
async fn contacts_without_a_key_are_never_listed_filtered_or_served() {
    records_without_a_key_are_not_served(CONTACTS).await;
}

#[tokio::test]
async fn leads_without_a_key_are_never_listed_filtered_or_served() {
    records_without_a_key_are_not_served(LEADS).await;
}

async fn janet_is_adopted(kind: Kind) {
    let app = TestApp::spawn().await;
    let janet = app
        .sf_create(kind.object, kind.existing("janet@example.com"))
        .await;
    let res = app
        .post(
            kind.conn,
            "/Users",
            login_user(kind, "janet.k", "JANET@example.com"),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert!(notice(&res).is_some_and(|n| n.contains("linked")));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], json!(janet), "Janet keeps her Id");
    let record = app.sf_record(kind, &janet).await;
    assert_eq!(record["SCIM_Key__c"], json!("janet.k"));
    assert_eq!(
        record["Description"],
        json!("Met at Dreamforce"),
        "unmapped fields stay"
    );
    let count = app
        .sf_query(&format!(
            "SELECT Id FROM {} WHERE Email = 'janet@example.com'",
            kind.object
        ))
        .await;
    assert_eq!(count.len(), 1, "no second record");
    app.stop().await;
}

#[tokio::test]
async fn a_contact_sales_entered_is_adopted_with_her_id() {
    janet_is_adopted(CONTACTS).await;
}

#[tokio::test]
async fn a_lead_sales_entered_is_adopted_with_her_id() {
    janet_is_adopted(LEADS).await;
}

async fn a_duplicate_create_is_a_409(kind: Kind) {
    let app = TestApp::spawn().await;
    let body = kind.body("dup@example.com", "Dup", "Licate");
    let first = app.create_user(kind.conn, body.clone()).await;
    let before = app.api_requests().await;
    let mut again = body;
    again["userName"] = json!("DUP@example.com");
    let res = app.post(kind.conn, "/Users", again).await;
    let err = assert_scim_error(res, 409, Some("uniqueness")).await;
    assert!(err["detail"].as_str().unwrap().contains(&first), "{err}");
    assert_eq!(
        app.api_requests().await - before,
        1,
        "one look-up, no write"
    );
    let all = app
        .sf_query(&format!(
            "SELECT Id FROM {} WHERE Email = 'dup@example.com'",
            kind.object
        ))
        .await;
    assert_eq!(all.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn creating_a_contact_the_connection_already_has_is_a_409() {
    a_duplicate_create_is_a_409(CONTACTS).await;
}

#[tokio::test]
async fn creating_a_lead_the_connection_already_has_is_a_409() {
    a_duplicate_create_is_a_409(LEADS).await;
}

async fn racing_replicas_make_one_record(kind: Kind) {
    let app = TestApp::spawn().await;
    let (second, handle) = app.second_bridge().await;
    let body = kind.body("race@example.com", "Race", "Condition");
    let send = |base: String| {
        let http = app.http.clone();
        let body = body.clone();
        let conn = kind.conn;
        async move {
            http.post(format!("{base}/scim/v2/{conn}/Users"))
                .bearer_auth(TOKEN)
                .header("Content-Type", SCIM)
                .body(body.to_string())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let (a, b) = tokio::join!(send(app.address.clone()), send(second));
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    let all = app
        .sf_query(&format!(
            "SELECT Id FROM {} WHERE Email = 'race@example.com'",
            kind.object
        ))
        .await;
    assert_eq!(all.len(), 1, "one record, whichever replica won");
    handle.stop(false).await;
    app.stop().await;
}

#[tokio::test]
async fn two_replicas_creating_the_same_contact_at_once_make_one_record() {
    racing_replicas_make_one_record(CONTACTS).await;
}

#[tokio::test]
async fn two_replicas_creating_the_same_lead_at_once_make_one_record() {
    racing_replicas_make_one_record(LEADS).await;
}

async fn after_delete_everything_is_404(kind: Kind, remove_action: &'static str) {
    let conn = kind.conn;
    let app = TestApp::spawn_with(move |t| {
        format!("{t}\n[connections.{conn}.policy]\nremove_action = \"{remove_action}\"\n")
    })
    .await;
    let id = app
        .create_user(kind.conn, kind.body("gone@example.com", "Gone", "Away"))
        .await;
    let before = app.api_requests().await;
    let res = app.delete(kind.conn, &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.api_requests().await - before, 2, "read, then one write");
    let path = format!("/Users/{id}");
    for (method, body) in [
        (Method::GET, None),
        (
            Method::PUT,
            Some(kind.body("gone@example.com", "Gone", "Back")),
        ),
        (
            Method::PATCH,
            Some(patch_ops(
                json!([{"op": "replace", "path": "title", "value": "X"}]),
            )),
        ),
        (Method::DELETE, None),
    ] {
        let res = app.call(method.clone(), kind.conn, &path, body).await;
        assert_scim_error(res, 404, None).await;
    }
    let listed = app
        .filter(kind.conn, "userName eq \"gone@example.com\"")
        .await;
    assert_eq!(listed["totalResults"], json!(0));
    match remove_action {
        "disable" => {
            let record = app.sf_record(kind, &id).await;
            assert!(kind.is_disabled(&record), "{record}");
            assert_eq!(record["SCIM_Key__c"], Value::Null, "the key is released");
        }
        _ => assert!(app.sf_get(kind.object, &id).await.is_none()),
    }
    app.stop().await;
}

#[tokio::test]
async fn a_disabled_contact_answers_404_to_everything_after_delete() {
    after_delete_everything_is_404(CONTACTS, "disable").await;
}

#[tokio::test]
async fn a_disabled_lead_answers_404_to_everything_after_delete() {
    after_delete_everything_is_404(LEADS, "disable").await;
}

#[tokio::test]
async fn a_deleted_contact_answers_404_to_everything_after_delete() {
    after_delete_everything_is_404(CONTACTS, "delete").await;
}

#[tokio::test]
async fn a_deleted_lead_answers_404_to_everything_after_delete() {
    after_delete_everything_is_404(LEADS, "delete").await;
}

async fn a_removed_person_comes_back_to_the_same_record(kind: Kind) {
    let app = TestApp::spawn().await;
    let body = kind.body("again@example.com", "Again", "Back");
    let id = app.create_user(kind.conn, body.clone()).await;
    assert_eq!(
        app.delete(kind.conn, &format!("/Users/{id}"))
            .await
            .status(),
        204
    );
    let res = app.post(kind.conn, "/Users", body).await;
    assert_eq!(res.status(), 201);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["id"], json!(id), "the same record");
    assert_eq!(again["active"], json!(true));
    let record = app.sf_record(kind, &id).await;
    assert!(!kind.is_disabled(&record), "{record}");
    assert_eq!(key_of(&app, kind, &id).await, json!("again@example.com"));
    app.stop().await;
}

#[tokio::test]
async fn a_removed_contact_provisioned_again_is_the_same_record_enabled() {
    a_removed_person_comes_back_to_the_same_record(CONTACTS).await;
}

#[tokio::test]
async fn a_removed_lead_provisioned_again_is_the_same_record_enabled() {
    a_removed_person_comes_back_to_the_same_record(LEADS).await;
}

async fn deactivating_keeps_the_person(kind: Kind) {
    let app = TestApp::spawn().await;
    let id = app
        .create_user(kind.conn, kind.body("off@example.com", "Off", "Line"))
        .await;
    let res = app
        .patch(
            kind.conn,
            &format!("/Users/{id}"),
            patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await;
    assert_eq!(res.status(), 200);
    let (status, got) = read(app.get(kind.conn, &format!("/Users/{id}")).await).await;
    assert_eq!(status, 200);
    assert_eq!(got["active"], json!(false));
    assert_eq!(key_of(&app, kind, &id).await, json!("off@example.com"));
    app.stop().await;
}

#[tokio::test]
async fn a_contact_deactivated_by_patch_stays_readable_as_inactive() {
    deactivating_keeps_the_person(CONTACTS).await;
}

#[tokio::test]
async fn a_lead_deactivated_by_patch_stays_readable_as_inactive() {
    deactivating_keeps_the_person(LEADS).await;
}

async fn patch_remove_clears_what_is_mapped(kind: Kind) {
    let app = TestApp::spawn().await;
    let mut body = kind.body("rm@example.com", "Re", "Move");
    body["title"] = json!("Analyst");
    body["phoneNumbers"] = json!([{"type": "work", "value": "+1 555 0100"}, {"type": "mobile", "value": "+1 555 0101"}]);
    body["addresses"] = json!([{"type": "work", "locality": "Paris", "country": "FR"}]);
    if kind.object == "Contact" {
        body[ENTERPRISE] = json!({"department": "R&D"});
    }
    body["name"]["middleName"] = json!("M");
    let id = app.create_user(kind.conn, body).await;
    let path = format!("/Users/{id}");
    let remove = |p: &str| patch_ops(json!([{"op": "remove", "path": p}]));
    // A complex attribute's mapped sub-attributes other than the required one.
    let res = app.patch(kind.conn, &path, remove("name.middleName")).await;
    assert_eq!(res.status(), 200);
    for p in ["phoneNumbers", "addresses", "emails", "title"] {
        let res = app.patch(kind.conn, &path, remove(p)).await;
        assert_eq!(res.status(), 200, "remove {p}");
    }
    let record = app.sf_record(kind, &id).await;
    for f in ["Phone", "MobilePhone", "Email", "Title", "MiddleName"] {
        assert_eq!(record[f], Value::Null, "{f} after removes: {record}");
    }
    let city = if kind.object == "Lead" {
        "City"
    } else {
        "MailingCity"
    };
    assert_eq!(record[city], Value::Null);
    if kind.object == "Contact" {
        let res = app.patch(kind.conn, &path, remove(ENTERPRISE)).await;
        assert_eq!(res.status(), 200);
        assert_eq!(app.sf_record(kind, &id).await["Department"], Value::Null);
    }
    // Lead Company has a default: removing the organization (or the whole extension) puts
    // the placeholder back, which reads as no organization.
    if kind.object == "Lead" {
        for p in [
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization",
            ENTERPRISE,
        ] {
            let (status, got) = read(app.patch(kind.conn, &path, remove(p)).await).await;
            assert_eq!(status, 200, "remove {p}: {got}");
            assert!(got.get(ENTERPRISE).is_none(), "{got}");
            assert_eq!(
                app.sf_record(kind, &id).await["Company"],
                json!("[not provided]")
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn patch_remove_clears_every_kind_of_contact_attribute() {
    patch_remove_clears_what_is_mapped(CONTACTS).await;
}

#[tokio::test]
async fn patch_remove_clears_every_kind_of_lead_attribute() {
    patch_remove_clears_what_is_mapped(LEADS).await;
}

async fn required_attributes_cannot_be_removed(kind: Kind) {
    let app = TestApp::spawn().await;
    let id = app
        .create_user(kind.conn, kind.body("req@example.com", "Re", "Quired"))
        .await;
    let path = format!("/Users/{id}");
    let required = ["name.familyName", "name", "userName", "active"];
    let before = app.sf_record(kind, &id).await;
    for p in required {
        let res = app
            .patch(
                kind.conn,
                &path,
                patch_ops(json!([{"op": "remove", "path": p}])),
            )
            .await;
        assert_scim_error(res, 400, Some("mutability")).await;
    }
    let after = app.sf_record(kind, &id).await;
    assert_eq!(
        before["SystemModstamp"], after["SystemModstamp"],
        "nothing was written"
    );
    let (_, schema) = read(app.get(kind.conn, &format!("/Schemas/{USER_URN}")).await).await;
    let name = schema["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "name")
        .unwrap();
    let family = name["subAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "familyName")
        .unwrap();
    assert_eq!(family["required"], json!(true));
    assert_eq!(
        name["required"],
        json!(true),
        "name holds a required sub-attribute"
    );
    let active = schema["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "active")
        .unwrap();
    assert_eq!(active["required"], json!(true));
    app.stop().await;
}

#[tokio::test]
async fn a_contacts_required_attributes_cannot_be_removed_and_are_published_as_required() {
    required_attributes_cannot_be_removed(CONTACTS).await;
}

#[tokio::test]
async fn a_leads_required_attributes_cannot_be_removed_and_are_published_as_required() {
    required_attributes_cannot_be_removed(LEADS).await;
}

#[tokio::test]
async fn a_put_without_user_name_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("put@example.com", "Put", "Me"))
        .await;
    let mut body = user("put@example.com", "Put", "Changed");
    body.as_object_mut().unwrap().remove("userName");
    let res = app.put("contacts", &format!("/Users/{id}"), body).await;
    assert_scim_error(res, 400, Some("invalidValue")).await;
    assert_eq!(app.sf_record(CONTACTS, &id).await["LastName"], json!("Me"));
    app.stop().await;
}

#[tokio::test]
async fn display_name_is_derived_from_the_name_when_not_mapped() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("dn@example.com", "Grace", "Hopper"))
        .await;
    let (_, got) = read(app.get("contacts", &format!("/Users/{id}")).await).await;
    assert_eq!(got["displayName"], json!("Grace Hopper"));
    app.stop().await;
}

async fn api_costs(kind: Kind) {
    let app = TestApp::spawn().await;
    let mut costs = Vec::new();
    let mut step =
        |label: &'static str, before: u64, after: u64| costs.push((label, after - before));
    let b = app.api_requests().await;
    let id = app
        .create_user(kind.conn, kind.body("cost@example.com", "Co", "St"))
        .await;
    step("create", b, app.api_requests().await);
    let b = app.api_requests().await;
    app.get(kind.conn, &format!("/Users/{id}")).await;
    step("get", b, app.api_requests().await);
    let b = app.api_requests().await;
    app.filter(kind.conn, "userName eq \"cost@example.com\"")
        .await;
    step("filter", b, app.api_requests().await);
    let b = app.api_requests().await;
    let patch = patch_ops(json!([{"op": "replace", "path": "title", "value": "Boss"}]));
    app.patch(kind.conn, &format!("/Users/{id}"), patch.clone())
        .await;
    step("update", b, app.api_requests().await);
    let b = app.api_requests().await;
    app.patch(kind.conn, &format!("/Users/{id}"), patch).await;
    step("update without change", b, app.api_requests().await);
    let b = app.api_requests().await;
    app.delete(kind.conn, &format!("/Users/{id}")).await;
    step("delete", b, app.api_requests().await);
    // DELETE is one write after the read every operation on an id starts with.
    assert_eq!(
        costs,
        [
            ("create", 2),
            ("get", 1),
            ("filter", 1),
            ("update", 2),
            ("update without change", 1),
            ("delete", 2)
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn every_contact_operation_costs_what_it_did_before_the_key() {
    api_costs(CONTACTS).await;
}

#[tokio::test]
async fn every_lead_operation_costs_what_it_did_before_the_key() {
    api_costs(LEADS).await;
}

#[tokio::test]
async fn setup_org_creates_the_missing_fields_and_test_connection_then_passes() {
    // A bare org: none of the custom fields the default connections need.
    let app = TestApp::spawn_custom(salesforce_emulator::EmulatorConfig::default(), |t| t).await;
    for conn in ["contacts", "leads"] {
        let (_, report) = read(app.admin_test(conn, Some(ADMIN_TOKEN)).await).await;
        assert_eq!(report["ok"], json!(false), "{report}");
        let key = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "key")
            .unwrap_or_else(|| panic!("no key check: {report}"));
        assert!(key["fix"].as_str().unwrap().contains("setup-org"), "{key}");
        let groups = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "groups")
            .unwrap_or_else(|| panic!("no groups check: {report}"));
        assert_eq!(groups["ok"], json!(false), "{groups}");
        assert!(
            groups["detail"]
                .as_str()
                .unwrap()
                .contains("Campaign has no field SCIM_Key__c"),
            "{groups}"
        );
    }
    let text = scim_bridge::demo::connections_text("127.0.0.1:0", app.sf.base_url(), TOKEN);
    let cfg = scim_bridge::config::Config::from_raw(scim_bridge::config::parse_raw(&text).unwrap())
        .unwrap();
    for conn in scim_bridge::startup::connections(&cfg).unwrap() {
        let report = scim_bridge::setup::run(&conn).await;
        assert!(report.ok, "{}", report.render());
        let text = report.render();
        assert!(
            text.contains("SCIM_Key__c: created (Text(255), External ID, Unique"),
            "{text}"
        );
        assert!(text.contains("SCIM_External_Id__c: created"), "{text}");
        // Groups' fields, made by the first connection's run and found by the second's.
        for field in [
            "Campaign.SCIM_Key__c",
            "Campaign.SCIM_External_Id__c",
            "CampaignMember.SCIM_Key__c",
        ] {
            assert!(
                text.contains(&format!("{field}: created"))
                    || text.contains(&format!("{field}: already there")),
                "{text}"
            );
        }
        // A second run finds everything there.
        let again = scim_bridge::setup::run(&conn).await.render();
        assert!(!again.contains("created"), "{again}");
    }
    let key = app
        .kit
        .describe_field("Contact", "SCIM_Key__c")
        .await
        .unwrap()
        .expect("the key field exists");
    assert_eq!(key["externalId"], json!(true), "{key}");
    assert_eq!(key["unique"], json!(true), "{key}");
    let active = app
        .kit
        .describe_field("Contact", "Active__c")
        .await
        .unwrap()
        .expect("Active__c exists");
    assert_eq!(active["type"], json!("boolean"), "{active}");
    for conn in ["contacts", "leads"] {
        let (_, report) = read(app.admin_test(conn, Some(ADMIN_TOKEN)).await).await;
        assert_eq!(report["ok"], json!(true), "{report}");
    }
    // And provisioning works on the org setup made, groups included.
    let person = app
        .create_user("contacts", user("setup@example.com", "Set", "Up"))
        .await;
    let res = app
        .post(
            "contacts",
            "/Groups",
            json!({"displayName": "Set up", "members": [{"value": person}]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let campaign_key = app
        .kit
        .describe_field("Campaign", "SCIM_Key__c")
        .await
        .unwrap()
        .expect("the Campaign key field exists");
    assert_eq!(campaign_key["unique"], json!(true), "{campaign_key}");
    app.stop().await;
}

#[tokio::test]
async fn a_search_at_the_connections_root_answers_like_a_users_search() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("root@example.com", "Ro", "Ot"))
        .await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userName eq \"root@example.com\""
    });
    let (status, found) = read(app.post("contacts", "/.search", body).await).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["totalResults"], json!(1));
    assert_eq!(found["Resources"][0]["id"], json!(id));
    app.stop().await;
}

#[tokio::test]
async fn the_only_phone_number_a_user_has_is_the_primary_one() {
    let app = TestApp::spawn().await;
    let mut body = user("fax@example.com", "Fax", "Only");
    body["phoneNumbers"] = json!([{"type": "fax", "value": "4131456208", "primary": true}]);
    let id = app.create_user("contacts", body).await;
    let (_, got) = read(app.get("contacts", &format!("/Users/{id}")).await).await;
    assert_eq!(
        got["phoneNumbers"],
        json!([{"type": "fax", "primary": true, "value": "4131456208"}])
    );
    app.stop().await;
}
