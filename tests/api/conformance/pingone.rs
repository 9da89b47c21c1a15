//! PingOne (scim-clients.md "PingOne"): authentication behind a gateway, admin-written
//! filters, one value per type, the default Company, moving a person between connections,
//! and a cold start that fetches no metadata.

use crate::helpers::*;
use serde_json::{json, Value};

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

    // The Lead left the leads connection (its key is released) and is closed in Salesforce.
    let in_leads = app.filter(LEADS.conn, &lookup).await;
    assert_eq!(in_leads["totalResults"], 0);
    let closed = app.sf_record(LEADS, &lead).await;
    assert!(LEADS.is_disabled(&closed), "{closed}");
    assert_eq!(closed["SCIM_Key__c"], Value::Null);
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
