//! Microsoft Entra ID: unquoted externalId filters, the aadOptscim062020 flagged PATCH (path-less
//! replace with dotted and URN keys), string booleans in any case and manager value objects.

use crate::helpers::*;
use salesforce_emulator::{CustomField, CustomFieldKind};
use serde_json::json;

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
scim = 'emails[type eq "work"].value'
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
