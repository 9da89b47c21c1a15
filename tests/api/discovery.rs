//! Discovery over HTTP (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`
//! describe what each connection really supports, so an IdP's attribute picker offers only
//! attributes that reach Salesforce. Each connection answers for its own mapping.

use crate::helpers::*;
use serde_json::{json, Value};

async fn get_json(app: &TestApp, conn: &str, path: &str) -> Value {
    let res = app.get(conn, path).await;
    assert_eq!(res.status(), 200, "{conn}{path}");
    let ct = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with(SCIM), "{path}: content type {ct}");
    res.json().await.unwrap()
}

/// The schema's attributes as dotted names: `userName`, `name.givenName`, `emails.value`.
fn attribute_names(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for a in schema["attributes"].as_array().unwrap() {
        let name = a["name"].as_str().unwrap();
        out.push(name.to_string());
        for s in a["subAttributes"].as_array().into_iter().flatten() {
            out.push(format!("{name}.{}", s["name"].as_str().unwrap()));
        }
    }
    out
}

fn has(names: &[String], n: &str) -> bool {
    names.iter().any(|x| x == n)
}

#[tokio::test]
async fn the_service_provider_config_states_what_the_bridge_supports() {
    let app = TestApp::spawn().await;
    let c = get_json(&app, "contacts", "/ServiceProviderConfig").await;
    assert_eq!(
        c["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );
    assert_eq!(c["patch"]["supported"], json!(true));
    assert_eq!(c["filter"]["supported"], json!(true));
    let max = c["filter"]["maxResults"]
        .as_u64()
        .expect("maxResults is an integer");
    assert!(max >= 1, "{c}");
    assert_eq!(c["bulk"]["supported"], json!(false));
    assert_eq!(c["changePassword"]["supported"], json!(false));
    assert_eq!(c["sort"]["supported"], json!(false));
    assert_eq!(c["etag"]["supported"], json!(true));
    let schemes = c["authenticationSchemes"].as_array().unwrap();
    assert!(
        schemes
            .iter()
            .any(|s| s["type"] == "oauthbearertoken" && s["name"].is_string()),
        "{c}"
    );
    // The demo connections take bearer tokens only, so Basic is not offered.
    assert!(!schemes.iter().any(|s| s["type"] == "httpbasic"), "{c}");
    assert_eq!(c["meta"]["resourceType"], json!("ServiceProviderConfig"));
    assert_eq!(
        c["meta"]["location"],
        json!(format!("{}/ServiceProviderConfig", app.scim("contacts")))
    );
    app.stop().await;
}

#[tokio::test]
async fn max_results_in_the_config_is_the_page_size_the_server_really_uses() {
    let app = TestApp::spawn_with(|t| format!("max_results = 2\n{t}")).await;
    let c = get_json(&app, "contacts", "/ServiceProviderConfig").await;
    assert_eq!(c["filter"]["maxResults"], json!(2));
    for (email, family) in [("a@m.test", "A"), ("b@m.test", "B"), ("c@m.test", "C")] {
        app.create_user("contacts", user(email, "M", family)).await;
    }
    let page = get_json(&app, "contacts", "/Users?count=10").await;
    assert_eq!(page["totalResults"], json!(3));
    assert_eq!(page["itemsPerPage"], json!(2));
    let rest = get_json(&app, "contacts", "/Users?startIndex=3&count=10").await;
    assert_eq!(rest["itemsPerPage"], json!(1));
    app.stop().await;
}

#[tokio::test]
async fn resource_types_list_the_user_type_with_its_extension() {
    let app = TestApp::spawn().await;
    let list = get_json(&app, "contacts", "/ResourceTypes").await;
    assert_eq!(
        list["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    // User first (clients read the first entry as the users'), then Group (groups are on).
    assert_eq!(list["totalResults"], json!(2));
    assert_eq!(list["Resources"][1]["id"], "Group");
    assert_eq!(list["Resources"][1]["endpoint"], "/Groups");
    assert_eq!(list["Resources"][1]["schema"], GROUP_URN);
    let user = &list["Resources"][0];
    assert_eq!(user["id"], "User");
    assert_eq!(user["endpoint"], "/Users");
    assert_eq!(user["schema"], USER_URN);
    assert_eq!(
        user["schemaExtensions"],
        json!([{"schema": ENTERPRISE, "required": false}])
    );
    let one = get_json(&app, "contacts", "/ResourceTypes/User").await;
    assert_eq!(&one, user);
    assert_eq!(
        one["meta"]["location"],
        json!(format!("{}/ResourceTypes/User", app.scim("contacts")))
    );
    let res = app.get("contacts", "/ResourceTypes/Device").await;
    let err = assert_scim_error(res, 404, None).await;
    assert!(err["detail"].as_str().unwrap().contains("Device"), "{err}");
    app.stop().await;
}

#[tokio::test]
async fn the_user_schema_lists_exactly_the_mapped_attributes() {
    let app = TestApp::spawn().await;
    let schemas = get_json(&app, "contacts", "/Schemas").await;
    assert_eq!(schemas["totalResults"], json!(3));
    let ids: Vec<&str> = schemas["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![USER_URN, ENTERPRISE, GROUP_URN]);

    let user = get_json(&app, "contacts", &format!("/Schemas/{USER_URN}")).await;
    assert_eq!(user, schemas["Resources"][0]);
    let names = attribute_names(&user);
    for n in [
        "id",
        "userName",
        "name",
        "name.givenName",
        "name.familyName",
        "name.middleName",
        "name.honorificSuffix",
        "title",
        "active",
        "emails",
        "emails.value",
        "emails.type",
        "phoneNumbers",
        "phoneNumbers.value",
        "addresses",
        "addresses.streetAddress",
        "addresses.postalCode",
    ] {
        assert!(has(&names, n), "{n} missing from {names:?}");
    }
    for n in ["externalId", "displayName"] {
        assert!(has(&names, n), "{n} missing from {names:?}");
    }
    for n in [
        "nickName",
        "x509Certificates",
        "password",
        "groups",
        "roles",
        "entitlements",
        "photos",
        "ims",
        "name.formatted",
        "name.honorificPrefix",
        "addresses.formatted",
    ] {
        assert!(!has(&names, n), "{n} listed but not mapped: {names:?}");
    }
    // Attribute characteristics clients read (RFC 7643 §7).
    let attrs = user["attributes"].as_array().unwrap();
    let user_name = attrs.iter().find(|a| a["name"] == "userName").unwrap();
    assert_eq!(user_name["required"], json!(true));
    assert_eq!(user_name["uniqueness"], json!("server"));
    let emails = attrs.iter().find(|a| a["name"] == "emails").unwrap();
    assert_eq!(emails["multiValued"], json!(true));
    assert_eq!(emails["type"], json!("complex"));
    let id = attrs.iter().find(|a| a["name"] == "id").unwrap();
    assert_eq!(id["mutability"], json!("readOnly"));
    app.stop().await;
}

#[tokio::test]
async fn every_attribute_the_schema_lists_can_be_filtered_on() {
    // What discovery advertises and what the filter accepts come from the same mapping.
    let app = TestApp::spawn().await;
    let user = get_json(&app, "contacts", &format!("/Schemas/{USER_URN}")).await;
    for a in user["attributes"].as_array().unwrap() {
        let name = a["name"].as_str().unwrap();
        let subs: Vec<String> = a["subAttributes"]
            .as_array()
            .map(|s| {
                s.iter()
                    .map(|x| x["name"].as_str().unwrap().to_string())
                    .filter(|x| x != "type" && x != "primary" && x != "display")
                    .collect()
            })
            .unwrap_or_default();
        let paths: Vec<String> = if subs.is_empty() {
            vec![name.to_string()]
        } else {
            subs.iter().map(|s| format!("{name}.{s}")).collect()
        };
        for p in paths {
            let list = app.filter("contacts", &format!("{p} pr")).await;
            assert_eq!(list["totalResults"], json!(0), "{p}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn the_enterprise_schema_follows_each_connections_mapping() {
    let app = TestApp::spawn().await;
    let contact = get_json(&app, "contacts", &format!("/Schemas/{ENTERPRISE}")).await;
    let lead = get_json(&app, "leads", &format!("/Schemas/{ENTERPRISE}")).await;
    let contact_names = attribute_names(&contact);
    let lead_names = attribute_names(&lead);
    // Contact maps department (Department); Lead maps organization (Company).
    assert_eq!(contact_names, vec!["department".to_string()]);
    assert_eq!(lead_names, vec!["organization".to_string()]);
    assert_eq!(
        contact["meta"]["location"],
        json!(format!("{}/Schemas/{ENTERPRISE}", app.scim("contacts")))
    );
    assert_eq!(
        lead["meta"]["location"],
        json!(format!("{}/Schemas/{ENTERPRISE}", app.scim("leads")))
    );
    // The core schema is the same for both: their default core rows agree.
    let c_user = get_json(&app, "contacts", &format!("/Schemas/{USER_URN}")).await;
    let l_user = get_json(&app, "leads", &format!("/Schemas/{USER_URN}")).await;
    assert_eq!(c_user["attributes"], l_user["attributes"]);
    app.stop().await;
}

#[tokio::test]
async fn a_custom_mapping_changes_what_the_connection_advertises() {
    let app = TestApp::spawn_with(|t| {
        t.replace(
            "[connections.contacts.inbound]",
            r#"[[connections.contacts.mapping]]
scim = 'emails[type eq "work"].value'
field = "Email"

[[connections.contacts.mapping]]
scim = "name.familyName"
field = "LastName"

[[connections.contacts.mapping]]
scim = "nickName"
field = "Description"

[connections.contacts.inbound]"#,
        )
    })
    .await;
    let user = get_json(&app, "contacts", &format!("/Schemas/{USER_URN}")).await;
    let mut names = attribute_names(&user);
    names.sort();
    assert_eq!(
        names,
        vec![
            "active",
            "emails",
            "emails.primary",
            "emails.type",
            "emails.value",
            "id",
            "name",
            "name.familyName",
            "nickName",
            "userName"
        ]
    );
    // No enterprise attribute is mapped: no extension schema, and the resource type says so.
    let schemas = get_json(&app, "contacts", "/Schemas").await;
    assert_eq!(schemas["totalResults"], json!(2), "User and Group");
    let res = app.get("contacts", &format!("/Schemas/{ENTERPRISE}")).await;
    assert_scim_error(res, 404, None).await;
    let rt = get_json(&app, "contacts", "/ResourceTypes/User").await;
    assert!(rt.get("schemaExtensions").is_none(), "{rt}");
    // The untouched connection keeps the default mapping.
    let lead = get_json(&app, "leads", &format!("/Schemas/{USER_URN}")).await;
    assert!(!has(&attribute_names(&lead), "nickName"));
    assert!(has(&attribute_names(&lead), "name.givenName"));
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_schema_is_a_scim_404_and_schema_ids_match_in_any_case() {
    let app = TestApp::spawn().await;
    let res = app
        .get(
            "contacts",
            "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Device",
        )
        .await;
    assert_scim_error(res, 404, None).await;
    let lower = get_json(
        &app,
        "contacts",
        &format!("/Schemas/{}", USER_URN.to_lowercase()),
    )
    .await;
    assert_eq!(lower["id"], USER_URN);
    app.stop().await;
}

#[tokio::test]
async fn discovery_needs_the_connection_token() {
    let app = TestApp::spawn().await;
    for path in [
        "/ServiceProviderConfig",
        "/ResourceTypes",
        "/ResourceTypes/User",
        "/Schemas",
        &format!("/Schemas/{USER_URN}"),
    ] {
        let url = format!("{}{path}", app.scim("contacts"));
        let res = app.http.get(&url).send().await.unwrap();
        assert!(res.headers().contains_key("www-authenticate"), "{path}");
        assert_scim_error(res, 401, None).await;
        let res = app
            .http
            .get(&url)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap();
        assert_scim_error(res, 401, None).await;
        let res = app.http.get(&url).bearer_auth(TOKEN).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn discovery_does_not_call_salesforce() {
    let app = TestApp::spawn().await;
    let before = app.api_requests().await;
    for path in ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"] {
        get_json(&app, "contacts", path).await;
        get_json(&app, "leads", path).await;
    }
    assert_eq!(app.api_requests().await, before);
    app.stop().await;
}
