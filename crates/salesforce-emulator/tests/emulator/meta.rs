//! Versions, describe and limits.

use reqwest::{Method, StatusCode};

use crate::helpers::*;

#[tokio::test]
async fn the_version_list_needs_no_auth_and_is_not_counted() {
    let org = Org::start().await;
    let r = org
        .raw(Method::GET, "/services/data/", None, &[], None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let list = r.body.as_array().unwrap();
    assert_eq!(list.len(), 18);
    assert_eq!(list[10]["version"], "60.0");
    assert_eq!(list[10]["url"], "/services/data/v60.0");
    assert_eq!(list[10]["label"], "Spring '24");
    assert_eq!(org.stats().await["api_requests_total"], 0);
}

#[tokio::test]
async fn describe_reports_field_metadata_like_salesforce() {
    let org = Org::start().await;
    let r = org.get("/sobjects/lead/describe").await;
    assert_eq!(r.status, StatusCode::OK);
    let d = &r.body;
    assert_eq!(d["name"], "Lead");
    assert_eq!(d["keyPrefix"], "00Q");
    for k in ["createable", "updateable", "deletable", "queryable"] {
        assert_eq!(d[k], true, "{k}");
    }
    let fields = d["fields"].as_array().unwrap();
    let f = |n: &str| fields.iter().find(|f| f["name"] == n).cloned().unwrap();
    let last = f("LastName");
    assert_eq!(last["type"], "string");
    assert_eq!(last["length"], 80);
    assert_eq!(last["nillable"], false);
    assert_eq!(last["createable"], true);
    let company = f("Company");
    assert_eq!(company["length"], 255);
    let email = f("Email");
    assert_eq!(email["type"], "email");
    assert_eq!(email["nillable"], true);
    let status = f("Status");
    assert_eq!(status["type"], "picklist");
    assert_eq!(status["defaultedOnCreate"], true);
    assert_eq!(status["picklistValues"].as_array().unwrap().len(), 4);
    assert_eq!(status["picklistValues"][0]["value"], "Open - Not Contacted");
    let conv = f("IsConverted");
    assert_eq!(conv["createable"], false);
    assert_eq!(conv["updateable"], false);
    for field in fields {
        for key in [
            "label",
            "externalId",
            "unique",
            "custom",
            "defaultedOnCreate",
        ] {
            assert!(field.get(key).is_some(), "{} lacks {key}", field["name"]);
        }
    }
    let c = org.get("/sobjects/Contact/describe").await.body;
    let dept = c["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Department")
        .cloned()
        .unwrap();
    assert_eq!(dept["length"], 80);
}

#[tokio::test]
async fn an_unknown_object_describe_is_not_found() {
    let org = Org::start().await;
    let r = org.get("/sobjects/Widget/describe").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body,
        err("NOT_FOUND", "The requested resource does not exist")
    );
}
