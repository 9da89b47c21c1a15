//! The audit of `reference/scim-clients.md`: every item there that no other test module covered
//! gets a test here, named after what the IdP does and asserting what the IdP would check.
//! Items fully covered elsewhere (clients.rs, errors.rs, filters.rs, lifecycle.rs, policy.rs,
//! failures/, tokens.rs, oauth.rs) are not repeated; where an existing test checks
//! only part of an item (one record type, one policy, one media type), the test here checks all.

use crate::helpers::*;
use reqwest::{Method, Response};
use salesforce_emulator::{CustomField, CustomFieldKind};
use serde_json::{json, Value};

/// The response's `Content-Type`, or "" when there is none.
fn content_type(res: &Response) -> String {
    res.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Percent-encodes a query value.
fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// An edit that appends the same policy table to both demo connections.
fn policy_for_both(keys: String) -> impl FnOnce(String) -> String {
    move |toml| {
        format!(
            "{toml}\n[connections.contacts.policy]\n{keys}\n\n[connections.leads.policy]\n{keys}\n"
        )
    }
}

// ---------------------------------------------------------------------------------------------
// PingOne

#[tokio::test]
async fn pingone_authenticates_with_http_basic_a_custom_authorization_header_or_none_behind_a_gateway(
) {
    const PASSWORD: &str = "pingone-basic-password-0123";
    let app = TestApp::spawn_with(|t| {
        t.replace(
            "[connections.contacts.inbound]\n",
            &format!(
                "[connections.contacts.inbound]\nbasic_username = \"pingone\"\nbasic_password = \"{PASSWORD}\"\n"
            ),
        )
        .replace(
            "[connections.leads.inbound]\n",
            "[connections.leads.inbound]\nallow_anonymous = true\n",
        )
    })
    .await;
    let contacts = format!("{}/Users", app.scim("contacts"));

    // HTTP Basic, as PingOne sends it.
    let res = app
        .http
        .post(&contacts)
        .basic_auth("pingone", Some(PASSWORD))
        .header("Content-Type", SCIM)
        .body(user("basic@example.com", "Basic", "Auth").to_string())
        .send()
        .await
        .unwrap();
    let (status, created) = read(res).await;
    assert_eq!(status, 201, "{created}");
    let res = app
        .http
        .get(&contacts)
        .basic_auth("pingone", Some(PASSWORD))
        .send()
        .await
        .unwrap();
    let (status, list) = read(res).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["totalResults"], 1);
    // A wrong password is a SCIM 401.
    let res = app
        .http
        .get(&contacts)
        .basic_auth("pingone", Some("not-the-password"))
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 401, None).await;

    // A "custom" Authorization header value typed by the admin is sent as-is.
    let res = app
        .http
        .get(&contacts)
        .header("Authorization", format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // No authentication at all, where the admin allowed it (behind their own gateway).
    let res = app
        .http
        .post(format!("{}/Users", app.scim("leads")))
        .header("Content-Type", SCIM)
        .body(lead_user("anon@example.com", "Anon", "Ymous", "Gateway Inc").to_string())
        .send()
        .await
        .unwrap();
    let (status, created) = read(res).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["userName"], "anon@example.com");
    app.stop().await;
}

#[tokio::test]
async fn pingone_admin_written_filters_find_the_user_by_user_name_or_work_email_in_any_case() {
    let app = TestApp::spawn().await;
    let email = "grace@example.com";
    let id = app
        .create_user("contacts", user(email, "Grace", "Hopper"))
        .await;
    for filter in [
        format!("username Eq \"{email}\""),
        format!("USERNAME EQ \"{email}\""),
        format!("userName eq \"{}\"", email.to_uppercase()),
        format!("emails eq \"{email}\""),
        format!("Emails Co \"{}\"", &email[..5]),
        // Ping's documented example: `email` is no SCIM attribute, but can only mean `emails`.
        format!("email Co \"{}\"", &email[..5]),
        format!("emails.value eq \"{email}\""),
        format!("emails[type eq \"work\"].value eq \"{email}\""),
        format!("emails[Type EQ \"work\"].Value Eq \"{email}\""),
    ] {
        let found = app.filter("contacts", &filter).await;
        assert_eq!(found["totalResults"], 1, "{filter}: {found}");
        assert_eq!(found["Resources"][0]["id"], json!(id), "{filter}");
    }
    app.stop().await;
}

async fn pingone_one_value_per_type(kind: Kind) {
    let app = TestApp::spawn().await;
    let email = "grace@example.com";
    let mut body = kind.body(email, "Grace", "Hopper");
    // One value per type, as PingOne sends multi-valued attributes.
    body["emails"] = json!([
        {"value": "grace.home@example.org", "type": "home"},
        {"value": email, "type": "work"}
    ]);
    body["phoneNumbers"] = json!([
        {"value": "+1 555 0101", "type": "work"},
        {"value": "+1 555 0102", "type": "mobile"},
        {"value": "+1 555 0103", "type": "fax"}
    ]);
    body["addresses"] = json!([
        {"type": "home", "streetAddress": "1 Home Lane", "locality": "Homeville"},
        {"type": "work", "streetAddress": "1 Navy Yard", "locality": "Arlington",
         "region": "VA", "postalCode": "22202", "country": "US"}
    ]);
    let (status, created) = read(app.post(kind.conn, "/Users", body.clone()).await).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let sf = app.sf_record(kind, &id).await;
    assert_eq!(sf["Email"], email, "the home email fed Email: {sf}");
    assert_eq!(sf["Phone"], "+1 555 0101");
    assert_eq!(sf["MobilePhone"], "+1 555 0102");
    assert_eq!(sf["Fax"], "+1 555 0103");
    let (street, city, state, postal, country) = if kind.object == "Lead" {
        ("Street", "City", "State", "PostalCode", "Country")
    } else {
        (
            "MailingStreet",
            "MailingCity",
            "MailingState",
            "MailingPostalCode",
            "MailingCountry",
        )
    };
    assert_eq!(sf[street], "1 Navy Yard");
    assert_eq!(sf[city], "Arlington");
    assert_eq!(sf[state], "VA");
    assert_eq!(sf[postal], "22202");
    assert_eq!(sf[country], "US");

    // The IdP reads each value back under its own type.
    let phone = |list: &Value, t: &str| -> Value {
        list["phoneNumbers"]
            .as_array()
            .unwrap_or_else(|| panic!("no phoneNumbers: {list}"))
            .iter()
            .find(|p| p["type"] == t)
            .map(|p| p["value"].clone())
            .unwrap_or(Value::Null)
    };
    for res in [
        created.clone(),
        read(app.get(kind.conn, &format!("/Users/{id}")).await)
            .await
            .1,
    ] {
        assert_eq!(phone(&res, "work"), "+1 555 0101", "{res}");
        assert_eq!(phone(&res, "mobile"), "+1 555 0102", "{res}");
        assert_eq!(phone(&res, "fax"), "+1 555 0103", "{res}");
        let work = res["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["type"] == "work")
            .cloned()
            .unwrap_or_else(|| panic!("no work address: {res}"));
        assert_eq!(work["postalCode"], "22202");
    }

    // The same PUT again (PingOne's update) changes one value of one type only.
    body["phoneNumbers"][1]["value"] = json!("+1 555 0199");
    let (status, updated) = read(app.put(kind.conn, &format!("/Users/{id}"), body).await).await;
    assert_eq!(status, 200, "{updated}");
    let sf = app.sf_record(kind, &id).await;
    assert_eq!(sf["Phone"], "+1 555 0101");
    assert_eq!(sf["MobilePhone"], "+1 555 0199");
    assert_eq!(sf["Fax"], "+1 555 0103");
    assert_eq!(sf["Email"], email);
    app.stop().await;
}

#[tokio::test]
async fn pingone_sending_one_value_per_type_fills_each_contact_field_of_that_type() {
    pingone_one_value_per_type(CONTACTS).await;
}

#[tokio::test]
async fn pingone_sending_one_value_per_type_fills_each_lead_field_of_that_type() {
    pingone_one_value_per_type(LEADS).await;
}

#[tokio::test]
async fn a_lead_created_without_an_organisation_gets_the_default_company() {
    let app = TestApp::spawn().await;
    // The connector's Lead needs LastName and Company; PingOne may send no organisation.
    let id = app
        .create_user(LEADS.conn, user("nocompany@example.com", "No", "Company"))
        .await;
    let sf = app.sf_record(LEADS, &id).await;
    assert_eq!(sf["Company"], "[not provided]");
    assert_eq!(sf["LastName"], "Company");
    app.stop().await;
}

#[tokio::test]
async fn a_person_moved_from_the_leads_group_to_the_contacts_group_is_closed_as_a_lead_and_created_as_a_contact(
) {
    let app = TestApp::spawn().await;
    let email = "promoted@example.com";
    let lookup = format!("userName eq \"{email}\"");
    let lead = app
        .create_user(LEADS.conn, lead_user(email, "Pro", "Moted", "Prospect Co"))
        .await;
    // Each connection sees only its own record type.
    assert_eq!(app.filter(CONTACTS.conn, &lookup).await["totalResults"], 0);

    // Leaving the Leads group deprovisions from that connection (default remove action).
    let res = app.delete(LEADS.conn, &format!("/Users/{lead}")).await;
    assert_eq!(res.status(), 204);
    // Joining the Contacts group provisions into the other connection: a new Contact.
    let (status, contact) = read(
        app.post(CONTACTS.conn, "/Users", user(email, "Pro", "Moted"))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{contact}");
    let contact_id = contact["id"].as_str().unwrap().to_string();
    assert!(contact_id.starts_with(CONTACTS.id_prefix()), "{contact_id}");
    assert_eq!(contact["active"], true);

    let in_leads = app.filter(LEADS.conn, &lookup).await;
    assert_eq!(in_leads["totalResults"], 1);
    assert_eq!(in_leads["Resources"][0]["id"], json!(lead));
    assert_eq!(in_leads["Resources"][0]["active"], false);
    let in_contacts = app.filter(CONTACTS.conn, &lookup).await;
    assert_eq!(in_contacts["totalResults"], 1);
    assert_eq!(in_contacts["Resources"][0]["id"], json!(contact_id));
    assert!(LEADS.is_disabled(&app.sf_record(LEADS, &lead).await));

    // Demoting again: out of Contacts, back into Leads (the closed Lead is linked and re-opened).
    let res = app
        .delete(CONTACTS.conn, &format!("/Users/{contact_id}"))
        .await;
    assert_eq!(res.status(), 204);
    let (status, back) = read(
        app.post(
            LEADS.conn,
            "/Users",
            lead_user(email, "Pro", "Moted", "Prospect Co"),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{back}");
    assert_eq!(back["id"], json!(lead));
    assert_eq!(back["active"], true);
    assert!(!LEADS.is_disabled(&app.sf_record(LEADS, &lead).await));
    assert!(CONTACTS.is_disabled(&app.sf_record(CONTACTS, &contact_id).await));
    app.stop().await;
}

#[tokio::test]
async fn starting_the_bridge_fetches_no_salesforce_metadata_and_a_first_lookup_is_one_request() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.api_requests().await,
        0,
        "Salesforce was called at start"
    );
    let found = app
        .filter("contacts", "userName eq \"first@example.com\"")
        .await;
    assert_eq!(found["totalResults"], 0);
    assert_eq!(app.api_requests().await, 1);
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Microsoft Entra ID

#[tokio::test]
async fn entra_finds_a_user_by_an_unquoted_external_id_when_the_mapping_carries_it() {
    let mut emulator = scim_bridge::demo::emulator_config();
    emulator.custom_fields.push(CustomField {
        object: "Contact".to_string(),
        name: "ExternalId__c".to_string(),
        kind: CustomFieldKind::Text { length: 80 },
    });
    let app = TestApp::spawn_custom(emulator, |t| {
        t.replace(
            "[connections.contacts.inbound]",
            r#"[[connections.contacts.mapping]]
scim = "userName"
field = "Email"

[[connections.contacts.mapping]]
scim = "name.givenName"
field = "FirstName"

[[connections.contacts.mapping]]
scim = "name.familyName"
field = "LastName"

[[connections.contacts.mapping]]
scim = "externalId"
field = "ExternalId__c"

[connections.contacts.inbound]"#,
        )
    })
    .await;
    let guid = "7c3e2a0e-1f5b-4b8e-9d1c-000000000001";
    let mut body = user("megan@example.com", "Megan", "Bowen");
    body["externalId"] = json!(guid);
    let id = app.create_user("contacts", body).await;
    assert_eq!(
        app.sf_record(CONTACTS, &id).await["ExternalId__c"],
        json!(guid)
    );
    // Entra's documented sample: the value unquoted.
    for filter in [
        format!("externalId eq {guid}"),
        format!("externalId eq \"{guid}\""),
        format!("EXTERNALID EQ {guid}"),
    ] {
        let found = app.filter("contacts", &filter).await;
        assert_eq!(found["totalResults"], 1, "{filter}: {found}");
        assert_eq!(found["Resources"][0]["id"], json!(id));
        assert_eq!(found["Resources"][0]["externalId"], json!(guid));
    }
    let none = app
        .filter(
            "contacts",
            &format!("externalId eq {}", uuid::Uuid::new_v4()),
        )
        .await;
    assert_eq!(none["totalResults"], 0);
    assert_eq!(none["Resources"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn unquoted_filter_values_are_read_as_the_value_they_spell() {
    let app = TestApp::spawn().await;
    let mut body = user("ada@example.com", "Ada", "Lovelace");
    body["title"] = json!("Analyst");
    let ada = app.create_user("contacts", body).await;
    let bob = app
        .create_user("contacts", user("bob@example.com", "Bob", "Babbage"))
        .await;
    app.patch(
        "contacts",
        &format!("/Users/{bob}"),
        patch_ops(json!([{"op": "replace", "path": "active", "value": false}])),
    )
    .await;
    for (filter, expected) in [
        ("userName eq ada@example.com", vec![ada.as_str()]),
        ("USERNAME EQ ADA@EXAMPLE.COM", vec![ada.as_str()]),
        ("title eq Analyst", vec![ada.as_str()]),
        (
            "(name.familyName eq Lovelace) or (name.familyName eq Babbage)",
            vec![ada.as_str(), bob.as_str()],
        ),
        ("active eq False", vec![bob.as_str()]),
        ("active eq TRUE", vec![ada.as_str()]),
        ("userName eq nobody@example.com", vec![]),
    ] {
        let found = app.filter("contacts", filter).await;
        let mut ids: Vec<String> = found["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(ids, want, "{filter}: {found}");
        assert_eq!(found["totalResults"], json!(want.len()), "{filter}");
    }
    app.stop().await;
}

async fn entra_flagged_patch(kind: Kind) {
    let app = TestApp::spawn().await;
    let id = app
        .create_user(kind.conn, kind.body("alex@example.com", "Alex", "Wilber"))
        .await;
    let path = format!("/Users/{id}");
    // aadOptscim062020: lowercase op, a real boolean, one path-less replace whose keys are dotted
    // or URN-qualified.
    let org_or_dept = if kind.object == "Lead" {
        "organization"
    } else {
        "department"
    };
    let mut value = json!({
        "displayName": "Alex W.",
        "name.givenName": "Alexander",
        "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName": "Wilberforce",
        "urn:ietf:params:scim:schemas:core:2.0:User:title": "Engineer",
        "emails[type eq \"work\"].value": "alex.w@example.com",
        "active": false
    });
    value[format!("{ENTERPRISE}:{org_or_dept}")] = json!("Contoso");
    let (status, res) = read(
        app.patch(
            kind.conn,
            &path,
            patch_ops(json!([{"op": "replace", "value": value}])),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["name"]["givenName"], "Alexander");
    assert_eq!(res["name"]["familyName"], "Wilberforce");
    assert_eq!(res["title"], "Engineer");
    assert_eq!(res["emails"][0]["value"], "alex.w@example.com");
    assert_eq!(res["active"], false);
    assert_eq!(res[ENTERPRISE][org_or_dept], "Contoso");
    for literal in ["name.givenName", "emails[type eq \"work\"].value"] {
        assert!(res.get(literal).is_none(), "stored as a literal key: {res}");
    }
    let sf = app.sf_record(kind, &id).await;
    assert_eq!(sf["FirstName"], "Alexander");
    assert_eq!(sf["LastName"], "Wilberforce");
    assert_eq!(sf["Title"], "Engineer");
    assert_eq!(sf["Email"], "alex.w@example.com");
    assert!(kind.is_disabled(&sf), "{sf}");
    let field = if kind.object == "Lead" {
        "Company"
    } else {
        "Department"
    };
    assert_eq!(sf[field], "Contoso");

    // Real booleans and lowercase ops with paths, too.
    let (status, res) = read(
        app.patch(
            kind.conn,
            &path,
            patch_ops(json!([{"op": "replace", "path": "active", "value": true}])),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["active"], true);
    assert!(!kind.is_disabled(&app.sf_record(kind, &id).await));
    app.stop().await;
}

#[tokio::test]
async fn entra_with_aadoptscim062020_updates_a_contact_from_one_path_less_replace_with_dotted_and_urn_keys(
) {
    entra_flagged_patch(CONTACTS).await;
}

#[tokio::test]
async fn entra_with_aadoptscim062020_updates_a_lead_from_one_path_less_replace_with_dotted_and_urn_keys(
) {
    entra_flagged_patch(LEADS).await;
}

#[tokio::test]
async fn entra_string_booleans_in_any_case_disable_and_enable_the_user() {
    let app = TestApp::spawn().await;
    for kind in [CONTACTS, LEADS] {
        let id = app
            .create_user(kind.conn, kind.body("bool@example.com", "Bo", "Olean"))
            .await;
        for (value, active) in [
            (json!("False"), false),
            (json!("True"), true),
            (json!("false"), false),
            (json!("true"), true),
            (json!("FALSE"), false),
            (json!("TRUE"), true),
            (json!(false), false),
            (json!(true), true),
        ] {
            let (status, res) = read(
                app.patch(
                    kind.conn,
                    &format!("/Users/{id}"),
                    patch_ops(json!([{"op": "Replace", "path": "active", "value": value}])),
                )
                .await,
            )
            .await;
            assert_eq!(status, 200, "{value}: {res}");
            assert_eq!(res["active"], json!(active), "{value}");
            let sf = app.sf_record(kind, &id).await;
            assert_eq!(kind.is_disabled(&sf), !active, "{value}: {sf}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn entra_manager_as_a_value_object_is_accepted_on_create_patch_and_remove() {
    let app = TestApp::spawn().await;
    for kind in [CONTACTS, LEADS] {
        let mut body = kind.body("adele@example.com", "Adele", "Vance");
        body["schemas"] = json!([USER_URN, ENTERPRISE]);
        body[ENTERPRISE]["manager"] = json!({"value": "0030000000000AAAAA"});
        let (status, created) = read(app.post(kind.conn, "/Users", body).await).await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().unwrap().to_string();
        let path = format!("/Users/{id}");
        for ops in [
            json!([{"op": "Add", "path": format!("{ENTERPRISE}:manager"),
                    "value": {"value": "0030000000000BBBBB"}}]),
            json!([{"op": "Replace", "path": format!("{ENTERPRISE}:manager.value"),
                    "value": "0030000000000CCCCC"}]),
            json!([{"op": "Replace", "value": {
                format!("{ENTERPRISE}:manager"): {"value": "0030000000000DDDDD"}}}]),
            json!([{"op": "Remove", "path": format!("{ENTERPRISE}:manager")}]),
        ] {
            let (status, res) =
                read(app.patch(kind.conn, &path, patch_ops(ops.clone())).await).await;
            assert_eq!(status, 200, "{ops}: {res}");
            assert_eq!(res["id"], json!(id));
        }
        let sf = app.sf_record(kind, &id).await;
        assert_eq!(sf["LastName"], "Vance");
    }
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Okta

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

// ---------------------------------------------------------------------------------------------
// OneLogin, Keycloak, authentik

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

// ---------------------------------------------------------------------------------------------
// Interop failures seen in public threads

#[tokio::test]
async fn every_method_a_route_does_not_serve_is_a_scim_405_with_allow_including_head_options_and_trace(
) {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("kept@example.com", "Kept", "Safe"))
        .await;
    let routes: Vec<(String, &str)> = vec![
        ("/Users".to_string(), "GET, POST"),
        ("/Users/.search".to_string(), "POST"),
        (format!("/Users/{id}"), "GET, PUT, PATCH, DELETE"),
        ("/ServiceProviderConfig".to_string(), "GET"),
        ("/ResourceTypes".to_string(), "GET"),
        ("/ResourceTypes/User".to_string(), "GET"),
        ("/Schemas".to_string(), "GET"),
        (format!("/Schemas/{USER_URN}"), "GET"),
    ];
    for (path, allow) in &routes {
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"] {
            if allow.split(", ").any(|m| m == method) {
                continue;
            }
            let m = Method::from_bytes(method.as_bytes()).unwrap();
            let mut req = app
                .http
                .request(m, format!("{}{path}", app.scim("contacts")))
                .bearer_auth(TOKEN);
            if matches!(method, "POST" | "PUT" | "PATCH") {
                req = req
                    .header("Content-Type", SCIM)
                    .body(user("kept@example.com", "Kept", "Safe").to_string());
            }
            let res = req.send().await.unwrap();
            assert_eq!(
                res.headers().get("allow").and_then(|v| v.to_str().ok()),
                Some(*allow),
                "{method} {path}"
            );
            assert_scim_error(res, 405, None).await;
        }
        // HEAD carries no body, but its status and type are the same as any refusal.
        if !allow.contains("HEAD") && !allow.contains("GET") {
            let res = app
                .http
                .head(format!("{}{path}", app.scim("contacts")))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 405, "HEAD {path}");
            assert!(content_type(&res).starts_with(SCIM), "HEAD {path}");
        }
    }
    // The user the refused calls targeted is untouched.
    let (status, got) = read(app.get("contacts", &format!("/Users/{id}")).await).await;
    assert_eq!(status, 200);
    assert_eq!(got["active"], true);
    assert_eq!(app.sf_query("SELECT Id FROM Contact").await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn no_path_or_method_is_ever_answered_with_html_even_for_a_browser_accept_header() {
    let app = TestApp::spawn().await;
    let base = app.scim("contacts");
    let cases: Vec<(Method, String)> = vec![
        (Method::GET, format!("{}/", app.address)),
        (Method::GET, format!("{}/index.html", app.address)),
        (Method::GET, format!("{}/scim/v2", app.address)),
        (Method::GET, format!("{base}/users")),
        (Method::GET, format!("{base}/Users/003000000000001AAA/x")),
        (Method::GET, format!("{base}/Groups")),
        (Method::POST, format!("{base}/Groups")),
        (Method::PATCH, format!("{base}/Groups/00G000000000001")),
        (Method::PUT, format!("{base}/Groups/00G000000000001")),
        (Method::DELETE, format!("{base}/Groups/00G000000000001")),
        (Method::GET, format!("{base}/Users/0")),
        (Method::PUT, format!("{base}/Users/0")),
        (Method::PATCH, format!("{base}/Users/0")),
        (Method::DELETE, format!("{base}/Users/0")),
        (Method::GET, format!("{}/scim/v2/nope/Users", app.address)),
    ];
    for (method, url) in cases {
        let mut req = app
            .http
            .request(method.clone(), &url)
            .bearer_auth(TOKEN)
            .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
        if matches!(method, Method::POST | Method::PUT | Method::PATCH) {
            req = req.header("Content-Type", SCIM).body(
                patch_ops(json!([{"op": "add", "path": "members", "value": []}])).to_string(),
            );
        }
        let res = req.send().await.unwrap();
        let ct = content_type(&res);
        assert!(!ct.contains("html"), "{method} {url}: {ct}");
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "{method} {url}: {status}");
        let body = assert_scim_error(res, status, None).await;
        assert!(
            !body.to_string().to_ascii_lowercase().contains("<html"),
            "{method} {url}: {body}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn listing_works_with_neither_either_or_both_of_start_index_and_count() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for name in ["ames", "baker", "clark"] {
        ids.push(
            app.create_user("contacts", user(&format!("{name}@example.com"), "P", name))
                .await,
        );
    }
    ids.sort();
    let page_ids = |page: &Value| -> Vec<String> {
        page["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    for (q, start, items) in [
        ("", 1, 3),
        ("?startIndex=1", 1, 3),
        ("?startIndex=2", 2, 2),
        ("?count=2", 1, 2),
        ("?count=100", 1, 3),
        ("?startIndex=1&count=100", 1, 3),
        ("?startIndex=3&count=1", 3, 1),
        ("?filter=userName%20pr", 1, 3),
    ] {
        let (status, page) = read(app.get("contacts", &format!("/Users{q}")).await).await;
        assert_eq!(status, 200, "{q}: {page}");
        assert_eq!(page["totalResults"], json!(3), "{q}: {page}");
        assert_eq!(page["startIndex"], json!(start), "{q}");
        assert_eq!(page["itemsPerPage"], json!(items), "{q}");
        let got = page_ids(&page);
        assert_eq!(got.len(), items, "{q}");
        // Pages are slices of one stable order (by id).
        assert_eq!(got, ids[start - 1..start - 1 + items].to_vec(), "{q}");
    }
    // The same through POST /.search, with an empty SearchRequest and with only one of them.
    for body in [
        json!({}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}),
        json!({"startIndex": 1}),
        json!({"count": 3}),
    ] {
        let (status, page) = read(app.post("contacts", "/Users/.search", body.clone()).await).await;
        assert_eq!(status, 200, "{body}: {page}");
        assert_eq!(page["totalResults"], json!(3), "{body}");
        assert_eq!(page_ids(&page), ids, "{body}");
    }
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// What the server must therefore do

/// Sends a request with the given body type and Accept header and returns the response.
async fn typed(
    app: &TestApp,
    method: Method,
    path: &str,
    content: &str,
    accept: Option<&str>,
    body: Option<Vec<u8>>,
) -> Response {
    let mut req = app
        .http
        .request(method, format!("{}{path}", app.scim("contacts")))
        .bearer_auth(TOKEN);
    if let Some(a) = accept {
        req = req.header("Accept", a);
    }
    if let Some(b) = body {
        req = req.header("Content-Type", content).body(b);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn both_json_media_types_are_accepted_and_every_answer_is_application_scim_json() {
    let app = TestApp::spawn().await;
    let app_conflict = TestApp::spawn_with(CONTACTS.conflict()).await;
    let mut n = 0;
    for content in [SCIM, "application/json", "application/json; charset=utf-8"] {
        for accept in [
            Some(SCIM),
            Some("application/json"),
            Some("*/*"),
            Some("application/scim+json, application/json"),
            None,
        ] {
            n += 1;
            let email = format!("mt{n}@example.com");
            let body = |v: Value| Some(v.to_string().into_bytes());
            let mut successes: Vec<(String, Response, u16)> = Vec::new();
            let res = typed(
                &app,
                Method::POST,
                "/Users",
                content,
                accept,
                body(user(&email, "Media", "Type")),
            )
            .await;
            assert!(
                content_type(&res).starts_with(SCIM),
                "POST {content} {accept:?}"
            );
            let (status, created) = read(res).await;
            assert_eq!(status, 201, "POST {content} {accept:?}: {created}");
            let id = created["id"].as_str().unwrap().to_string();
            let one = format!("/Users/{id}");
            for (what, method, path, b, want) in [
                ("GET one", Method::GET, one.clone(), None, 200),
                ("list", Method::GET, "/Users".to_string(), None, 200),
                (
                    "filter",
                    Method::GET,
                    format!(
                        "/Users?filter={}",
                        urlencode(&format!("userName eq \"{email}\""))
                    ),
                    None,
                    200,
                ),
                (
                    "search",
                    Method::POST,
                    "/Users/.search".to_string(),
                    body(json!({"filter": format!("userName eq \"{email}\"")})),
                    200,
                ),
                (
                    "PUT",
                    Method::PUT,
                    one.clone(),
                    body(user(&email, "Media", "Typed")),
                    200,
                ),
                (
                    "PATCH",
                    Method::PATCH,
                    one.clone(),
                    body(patch_ops(
                        json!([{"op": "replace", "path": "title", "value": "T"}]),
                    )),
                    200,
                ),
                (
                    "SPC",
                    Method::GET,
                    "/ServiceProviderConfig".to_string(),
                    None,
                    200,
                ),
                (
                    "ResourceTypes",
                    Method::GET,
                    "/ResourceTypes".to_string(),
                    None,
                    200,
                ),
                (
                    "ResourceType",
                    Method::GET,
                    "/ResourceTypes/User".to_string(),
                    None,
                    200,
                ),
                ("Schemas", Method::GET, "/Schemas".to_string(), None, 200),
                (
                    "Schema",
                    Method::GET,
                    format!("/Schemas/{USER_URN}"),
                    None,
                    200,
                ),
                // Errors.
                (
                    "bad JSON",
                    Method::POST,
                    "/Users".to_string(),
                    Some(b"{".to_vec()),
                    400,
                ),
                (
                    "bad filter",
                    Method::GET,
                    "/Users?filter=userName%20zz%20%22x%22".to_string(),
                    None,
                    400,
                ),
                (
                    "bad patch",
                    Method::PATCH,
                    one.clone(),
                    body(patch_ops(json!([{"op": "explode", "path": "title"}]))),
                    400,
                ),
                ("unknown id", Method::GET, "/Users/0".to_string(), None, 404),
                (
                    "unknown route",
                    Method::GET,
                    "/Groups".to_string(),
                    None,
                    404,
                ),
                (
                    "wrong method",
                    Method::DELETE,
                    "/Users".to_string(),
                    None,
                    405,
                ),
            ] {
                let res = typed(&app, method, &path, content, accept, b).await;
                successes.push((what.to_string(), res, want));
            }
            for (what, res, want) in successes {
                let ct = content_type(&res);
                assert_eq!(res.status().as_u16(), want, "{what} {content} {accept:?}");
                assert!(ct.starts_with(SCIM), "{what} {content} {accept:?}: {ct}");
                let (_, json) = read(res).await;
                if want >= 400 {
                    assert_eq!(json["status"], json!(want.to_string()), "{what}");
                }
            }
            // DELETE answers 204 with no body.
            let res = typed(&app, Method::DELETE, &one, content, accept, None).await;
            assert_eq!(res.status(), 204);
            assert!(res.text().await.unwrap().is_empty());
        }
    }
    // Authentication failures, a stale If-Match, a wrong body type and a conflict.
    let res = app
        .http
        .get(format!("{}/Users", app.scim("contacts")))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 401, None).await;
    let id = app
        .create_user("contacts", user("etag@example.com", "E", "Tag"))
        .await;
    let res = app
        .http
        .put(format!("{}/Users/{id}", app.scim("contacts")))
        .bearer_auth(TOKEN)
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .header("If-Match", "W/\"stale\"")
        .body(user("etag@example.com", "E", "Tagged").to_string())
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 412, None).await;
    let res = typed(
        &app,
        Method::POST,
        "/Users",
        "text/plain",
        Some("application/json"),
        Some(b"hello".to_vec()),
    )
    .await;
    assert_scim_error(res, 415, None).await;
    app_conflict
        .create_user("contacts", user("twice@example.com", "Tw", "Ice"))
        .await;
    let res = app_conflict
        .http
        .post(format!("{}/Users", app_conflict.scim("contacts")))
        .bearer_auth(TOKEN)
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body(user("twice@example.com", "Tw", "Ice").to_string())
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 409, Some("uniqueness")).await;
    app.stop().await;
    app_conflict.stop().await;
}

async fn delete_then_404(kind: Kind) {
    let app = TestApp::spawn_with(with_policy(kind.conn, "remove_action = \"delete\"")).await;
    let email = "gone@example.com";
    let id = app
        .create_user(kind.conn, kind.body(email, "Gone", "Away"))
        .await;
    let path = format!("/Users/{id}");
    let res = app.delete(kind.conn, &path).await;
    assert_eq!(res.status(), 204);
    assert!(res.text().await.unwrap().is_empty());
    assert!(app.sf_get(kind.object, &id).await.is_none());

    assert_scim_error(app.get(kind.conn, &path).await, 404, None).await;
    assert_scim_error(
        app.put(kind.conn, &path, kind.body(email, "Gone", "Back"))
            .await,
        404,
        None,
    )
    .await;
    assert_scim_error(
        app.patch(
            kind.conn,
            &path,
            patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await,
        404,
        None,
    )
    .await;
    assert_scim_error(app.delete(kind.conn, &path).await, 404, None).await;
    let found = app
        .filter(kind.conn, &format!("userName eq \"{email}\""))
        .await;
    assert_eq!(found["totalResults"], 0);
    // The IdP can provision the person again: a new record, not the deleted one.
    let again = app
        .create_user(kind.conn, kind.body(email, "Gone", "Away"))
        .await;
    assert_ne!(again, id);
    app.stop().await;
}

#[tokio::test]
async fn with_remove_action_delete_a_contact_delete_is_204_and_then_every_method_is_404() {
    delete_then_404(CONTACTS).await;
}

#[tokio::test]
async fn with_remove_action_delete_a_lead_delete_is_204_and_then_every_method_is_404() {
    delete_then_404(LEADS).await;
}

#[tokio::test]
async fn a_disabled_user_stays_readable_by_id_filter_list_and_search_on_both_record_types() {
    let app = TestApp::spawn().await;
    for kind in [CONTACTS, LEADS] {
        // Disabled three ways: Entra's PATCH, a PUT, and the default DELETE.
        let mut ids = Vec::new();
        for (n, how) in ["patch", "put", "delete"].iter().enumerate() {
            let email = format!("off{n}@example.com");
            let id = app
                .create_user(kind.conn, kind.body(&email, "Off", how))
                .await;
            let path = format!("/Users/{id}");
            let status = match *how {
                "patch" => app
                    .patch(
                        kind.conn,
                        &path,
                        patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
                    )
                    .await
                    .status(),
                "put" => {
                    let mut b = kind.body(&email, "Off", how);
                    b["active"] = json!(false);
                    app.put(kind.conn, &path, b).await.status()
                }
                _ => app.delete(kind.conn, &path).await.status(),
            };
            assert!(status.is_success(), "{how}: {status}");
            ids.push((id, email));
        }
        for (id, email) in &ids {
            let (status, got) = read(app.get(kind.conn, &format!("/Users/{id}")).await).await;
            assert_eq!(status, 200, "{got}");
            assert_eq!(got["active"], false);
            assert_eq!(got["userName"], json!(email));
            let found = app
                .filter(kind.conn, &format!("userName eq \"{email}\""))
                .await;
            assert_eq!(found["totalResults"], 1, "{found}");
            assert_eq!(found["Resources"][0]["active"], false);
            let (status, searched) = read(
                app.post(
                    kind.conn,
                    "/Users/.search",
                    json!({"filter": format!("emails eq \"{email}\"")}),
                )
                .await,
            )
            .await;
            assert_eq!(status, 200);
            assert_eq!(searched["totalResults"], 1, "{searched}");
        }
        let (status, all) = read(app.get(kind.conn, "/Users").await).await;
        assert_eq!(status, 200);
        assert_eq!(all["totalResults"], 3, "{all}");
        let inactive = app.filter(kind.conn, "active eq false").await;
        assert_eq!(inactive["totalResults"], 3, "{inactive}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_disable_is_answered_2xx_under_every_policy_combination_and_shows_what_salesforce_holds()
{
    for mask in 0..32u32 {
        let bit = |i: u32| mask & (1 << i) != 0;
        let (update, disable, delete, deprovision) = (bit(0), bit(1), bit(2), bit(3));
        let remove = if bit(4) { "delete" } else { "disable" };
        let keys = format!(
            "allow_update = {update}\nallow_disable = {disable}\nallow_delete = {delete}\n\
             allow_deprovision = {deprovision}\nremove_action = \"{remove}\""
        );
        let app = TestApp::spawn_with(policy_for_both(keys.clone())).await;
        for kind in [CONTACTS, LEADS] {
            let email = "policy@example.com";
            // The person exists in Salesforce already (creating may not be the point here).
            let id = app.sf_create(kind.object, kind.existing(email)).await;
            let path = format!("/Users/{id}");
            let mut put = kind.body(email, "Johnny", "Smith");
            put["active"] = json!(false);
            let disables = [
                (
                    "Entra PATCH",
                    Method::PATCH,
                    patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
                ),
                (
                    "Okta path-less PATCH",
                    Method::PATCH,
                    patch_ops(json!([{"op": "replace", "value": {"active": false}}])),
                ),
                ("PingOne PUT", Method::PUT, put),
            ];
            for (what, method, body) in disables {
                let res = app.call(method, kind.conn, &path, Some(body)).await;
                let status = res.status();
                let told = notice(&res);
                let (_, got) = read(res).await;
                assert_eq!(status, 200, "{what} with\n{keys}\n{got}");
                let sf = app.sf_record(kind, &id).await;
                // The answer is what Salesforce holds, and a refusal is explained.
                assert_eq!(
                    got["active"],
                    json!(!kind.is_disabled(&sf)),
                    "{what} with\n{keys}"
                );
                assert_eq!(kind.is_disabled(&sf), disable, "{what} with\n{keys}");
                if !disable {
                    assert!(told.is_some(), "{what} with\n{keys}: no notice");
                }
            }
            let res = app.delete(kind.conn, &path).await;
            let status = res.status();
            let told = notice(&res);
            assert_eq!(status, 204, "DELETE with\n{keys}");
            let sf = app.sf_get(kind.object, &id).await;
            let removed = deprovision && remove == "delete" && delete;
            assert_eq!(sf.is_none(), removed, "DELETE with\n{keys}");
            let refused = !deprovision
                || (remove == "delete" && !delete)
                || (remove == "disable" && !disable);
            if refused {
                assert!(told.is_some(), "DELETE with\n{keys}: no notice");
            }
        }
        app.stop().await;
    }
}
