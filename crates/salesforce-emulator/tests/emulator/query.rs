//! Queries through the SOQL engine: paging, escapes, case-insensitive equality, OFFSET limits,
//! queryAll and COUNT().

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

fn q(soql: &str) -> String {
    format!(
        "/query?q={}",
        url::form_urlencoded::byte_serialize(soql.as_bytes()).collect::<String>()
    )
}

async fn seed(org: &Org, n: usize) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(200) {
        let records: Vec<Value> = chunk
            .iter()
            .map(|i| json!({"attributes": {"type": "Contact"}, "LastName": format!("P{i:04}")}))
            .collect();
        let r = org
            .post("/composite/sobjects", json!({"records": records}))
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_thousand_rows_page_through_next_records_url_at_batch_size_200() {
    let org = Org::start().await;
    seed(&org, 1000).await;
    let first = org
        .raw(
            Method::GET,
            &format!(
                "{V}{}",
                q("SELECT Id, LastName FROM Contact ORDER BY LastName")
            ),
            Some(&org.token.clone()),
            &[("Sforce-Query-Options", "batchSize=200")],
            None,
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["totalSize"], 1000);
    assert_eq!(first.body["done"], false);
    let mut seen: Vec<String> = Vec::new();
    let mut page = first.body;
    let mut pages = 1;
    loop {
        for r in page["records"].as_array().unwrap() {
            assert_eq!(r["attributes"]["type"], "Contact");
            seen.push(r["LastName"].as_str().unwrap().to_string());
        }
        if page["done"] == true {
            assert!(page.get("nextRecordsUrl").is_none());
            break;
        }
        let next = page["nextRecordsUrl"].as_str().unwrap().to_string();
        assert!(next.starts_with(&format!("{V}/query/")));
        page = org
            .raw(Method::GET, &next, Some(&org.token.clone()), &[], None)
            .await
            .body;
        pages += 1;
    }
    assert_eq!(pages, 5);
    assert_eq!(seen.len(), 1000);
    assert_eq!(seen[0], "P0000");
    assert_eq!(seen[999], "P0999");
    assert_eq!(org.stats().await["by_endpoint"]["GET /query/{locator}"], 4);
}

#[tokio::test]
async fn an_escaped_quote_in_like_finds_o_brien() {
    let org = Org::start().await;
    org.create("Contact", json!({"LastName": "O'Brien"})).await;
    org.create("Contact", json!({"LastName": "Obama"})).await;
    let r = org
        .get(&q(
            r"SELECT Id, LastName FROM Contact WHERE LastName LIKE 'O\'Br%'",
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["totalSize"], 1);
    assert_eq!(r.body["records"][0]["LastName"], "O'Brien");
}

#[tokio::test]
async fn text_equality_ignores_case() {
    let org = Org::start().await;
    let id = org
        .create(
            "Contact",
            json!({"LastName": "Lovelace", "Email": "ada@x.com"}),
        )
        .await;
    let r = org
        .get(&q("SELECT Id FROM Contact WHERE Email = 'ADA@X.COM'"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["totalSize"], 1);
    assert_eq!(r.body["records"][0]["Id"], id.as_str());
    assert_eq!(
        r.body["records"][0]["attributes"]["url"],
        format!("{V}/sobjects/Contact/{id}")
    );
}

#[tokio::test]
async fn an_offset_above_2000_is_number_outside_valid_range() {
    let org = Org::start().await;
    let r = org.get(&q("SELECT Id FROM Contact OFFSET 2001")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "NUMBER_OUTSIDE_VALID_RANGE");
}

#[tokio::test]
async fn trailing_garbage_is_malformed_query() {
    let org = Org::start().await;
    let r = org.get(&q("SELECT Id FROM Contact garbage here")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "MALFORMED_QUERY");
    assert!(r.body[0]["message"].is_string());
}

#[tokio::test]
async fn query_hides_deleted_rows_and_query_all_shows_them() {
    let org = Org::start().await;
    let keep = org.create("Contact", json!({"LastName": "Keep"})).await;
    let gone = org.create("Contact", json!({"LastName": "Gone"})).await;
    org.delete(&format!("/sobjects/Contact/{gone}")).await;
    let r = org.get(&q("SELECT Id, IsDeleted FROM Contact")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["totalSize"], 1);
    assert_eq!(r.body["records"][0]["Id"], keep.as_str());
    let all = org
        .get(&format!(
            "/queryAll?q={}",
            url::form_urlencoded::byte_serialize(b"SELECT Id, IsDeleted FROM Contact ORDER BY Id")
                .collect::<String>()
        ))
        .await;
    assert_eq!(all.body["totalSize"], 2);
    assert_eq!(all.body["records"][1]["IsDeleted"], true);
}

#[tokio::test]
async fn count_answers_total_size_and_no_records() {
    let org = Org::start().await;
    seed(&org, 3).await;
    let r = org.get(&q("SELECT COUNT() FROM Contact")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, json!({"totalSize": 3, "done": true, "records": []}));
}

#[tokio::test]
async fn the_attributes_url_names_the_record_even_without_selecting_id() {
    let org = Org::start().await;
    let id = org.create("Contact", json!({"LastName": "Url"})).await;
    let r = org.get(&q("SELECT LastName FROM Contact")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["records"][0]["attributes"]["url"],
        format!("{V}/sobjects/Contact/{id}")
    );
    assert!(r.body["records"][0].get("Id").is_none());
}

#[tokio::test]
async fn an_unknown_locator_is_invalid_query_locator() {
    let org = Org::start().await;
    let r = org.get("/query/01gXXXXXXXXXXXXXXX-200").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body,
        err("INVALID_QUERY_LOCATOR", "invalid query locator")
    );
}

#[tokio::test]
async fn a_long_text_area_cannot_be_filtered() {
    let org = Org::start().await;
    let r = org
        .get(&q("SELECT Id FROM Contact WHERE Description = 'x'"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "INVALID_FIELD");
    let ok = org
        .get(&q(
            "SELECT Description FROM Contact WHERE MailingStreet = 'x'",
        ))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

fn ids_of(page: &Value) -> Vec<String> {
    page["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn order_by_id_and_keyset_paging_follow_case_sensitive_ids() {
    // 130 ids span digits, upper- and lower-case letters in their last characters, where a
    // case-insensitive comparison would interleave 'a' with 'A'.
    let org = Org::start().await;
    seed(&org, 130).await;
    let all = org.get(&q("SELECT Id FROM Contact ORDER BY Id")).await.body;
    let ids = ids_of(&all);
    assert_eq!(ids.len(), 130);
    let mut ascii = ids.clone();
    ascii.sort_by(|a, b| a[..15].cmp(&b[..15]));
    assert_eq!(ids, ascii, "ORDER BY Id is the ids' case-sensitive order");
    // Keyset paging: 13 pages of 10 see every record exactly once.
    let mut seen: Vec<String> = Vec::new();
    let mut last: Option<String> = None;
    loop {
        let soql = match &last {
            None => "SELECT Id FROM Contact ORDER BY Id LIMIT 10".to_string(),
            Some(l) => format!("SELECT Id FROM Contact WHERE Id > '{l}' ORDER BY Id LIMIT 10"),
        };
        let page = ids_of(&org.get(&q(&soql)).await.body);
        if page.is_empty() {
            break;
        }
        last = page.last().cloned();
        seen.extend(page);
    }
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn opening_an_eleventh_cursor_releases_the_oldest_as_salesforce_does() {
    let org = Org::start().await;
    seed(&org, 201).await;
    let mut next_urls = Vec::new();
    for _ in 0..11 {
        let page = org
            .raw(
                Method::GET,
                &format!("{V}{}", q("SELECT Id FROM Contact")),
                Some(&org.token.clone()),
                &[("Sforce-Query-Options", "batchSize=200")],
                None,
            )
            .await
            .body;
        next_urls.push(page["nextRecordsUrl"].as_str().unwrap().to_string());
    }
    let token = org.token.clone();
    let oldest = org
        .raw(Method::GET, &next_urls[0], Some(&token), &[], None)
        .await;
    assert_eq!(oldest.status, StatusCode::BAD_REQUEST);
    assert_eq!(oldest.body[0]["errorCode"], "INVALID_QUERY_LOCATOR");
    let second = org
        .raw(Method::GET, &next_urls[1], Some(&token), &[], None)
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(second.body["records"].as_array().unwrap().len(), 1);
}

/// The ids a query answers, in order.
async fn key_query_ids(org: &Org, soql: &str, all: bool) -> Vec<String> {
    let recs = if all {
        org.kit.query_all(soql).await.unwrap()
    } else {
        org.kit.query(soql).await.unwrap()
    };
    recs.iter()
        .map(|r| r["Id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_filter_on_a_key_field_answers_what_a_scan_would() {
    // Such filters run through the key index (an IdP's every look-up is one); the answers
    // must be those of a full scan: letter case ignored, the rest of the filter applied,
    // deleted and re-keyed records handled, id order kept.
    let org = Org::with(salesforce_emulator::EmulatorConfig {
        custom_fields: vec![
            salesforce_emulator::CustomField::external_id("Contact", "SCIM_Key__c", 255),
            salesforce_emulator::CustomField::external_id("Contact", "Code__c", 40)
                .case_sensitive(true),
        ],
        ..salesforce_emulator::EmulatorConfig::default()
    })
    .await;
    let a = org
        .create(
            "Contact",
            json!({"LastName": "A", "SCIM_Key__c": "Key-A", "Email": "a@x.com", "Code__c": "AbC"}),
        )
        .await;
    let b = org
        .create("Contact", json!({"LastName": "B", "SCIM_Key__c": "key-b"}))
        .await;
    let none = org.create("Contact", json!({"LastName": "NoKey"})).await;
    let c = org
        .create("Contact", json!({"LastName": "C", "SCIM_Key__c": "key-c"}))
        .await;
    assert_eq!(
        org.delete(&format!("/sobjects/Contact/{c}")).await.status,
        StatusCode::NO_CONTENT
    );
    let soql = |w: &str| format!("SELECT Id FROM Contact WHERE {w}");

    assert_eq!(
        key_query_ids(&org, &soql("SCIM_Key__c = 'KEY-a'"), false).await,
        [a.as_str()]
    );
    assert_eq!(
        key_query_ids(
            &org,
            &soql("scim_key__c IN ('key-b', 'KEY-A', 'nobody')"),
            false
        )
        .await,
        [a.as_str(), b.as_str()],
        "id order, whatever the order of the values"
    );
    assert!(key_query_ids(
        &org,
        &soql("SCIM_Key__c = 'key-a' AND Email = 'other@x.com'"),
        false
    )
    .await
    .is_empty());
    assert_eq!(
        key_query_ids(
            &org,
            &soql("Email = 'a@x.com' AND SCIM_Key__c = 'key-a'"),
            false
        )
        .await,
        [a.as_str()]
    );
    assert_eq!(
        key_query_ids(
            &org,
            &soql("SCIM_Key__c = 'key-a' OR LastName = 'NoKey'"),
            false
        )
        .await,
        [a.as_str(), none.as_str()]
    );
    assert!(key_query_ids(&org, &soql("SCIM_Key__c = 'nobody'"), false)
        .await
        .is_empty());
    assert!(key_query_ids(&org, &soql("SCIM_Key__c = 'key-c'"), false)
        .await
        .is_empty());
    assert_eq!(
        key_query_ids(&org, &soql("SCIM_Key__c = 'key-c'"), true).await,
        [c.as_str()]
    );
    assert_eq!(
        key_query_ids(&org, &soql("SCIM_Key__c != 'key-a'"), false).await,
        [b.as_str(), none.as_str()]
    );
    let n = org
        .get("/query?q=SELECT+COUNT()+FROM+Contact+WHERE+SCIM_Key__c+=+'key-B'")
        .await;
    assert_eq!(n.body["totalSize"], 1);
    // SOQL `=` ignores case on a case-sensitive unique field too.
    assert_eq!(
        key_query_ids(&org, &soql("Code__c = 'abc'"), false).await,
        [a.as_str()]
    );
    // A re-keyed record is found by its new key only.
    let r = org
        .patch(
            &format!("/sobjects/Contact/{b}"),
            json!({"SCIM_Key__c": "key-z"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(key_query_ids(&org, &soql("SCIM_Key__c = 'key-b'"), false)
        .await
        .is_empty());
    assert_eq!(
        key_query_ids(&org, &soql("SCIM_Key__c = 'KEY-Z'"), false).await,
        [b.as_str()]
    );
}

#[tokio::test]
async fn an_or_of_indexed_fields_answers_what_a_scan_would() {
    // The bridge's create look-up: the record holding a key, or records without a key that
    // have the email. Both branches read an index (the key, and Email as Salesforce indexes
    // it); the answer is the scan's.
    let org = Org::with(salesforce_emulator::EmulatorConfig {
        custom_fields: vec![salesforce_emulator::CustomField::external_id(
            "Contact",
            "SCIM_Key__c",
            255,
        )],
        ..salesforce_emulator::EmulatorConfig::default()
    })
    .await;
    let holder = org
        .create(
            "Contact",
            json!({"LastName": "H", "SCIM_Key__c": "u1", "Email": "other@x.com"}),
        )
        .await;
    let keyless = org
        .create("Contact", json!({"LastName": "K", "Email": "Jane@X.com"}))
        .await;
    let _taken = org
        .create(
            "Contact",
            json!({"LastName": "T", "Email": "jane@x.com", "SCIM_Key__c": "u2"}),
        )
        .await;
    let _unrelated = org
        .create("Contact", json!({"LastName": "U", "Email": "u@x.com"}))
        .await;
    let soql = "SELECT Id FROM Contact WHERE SCIM_Key__c IN ('U1', 'u9') OR (Email IN ('jane@x.com') AND SCIM_Key__c = null)";
    let mut expected = vec![holder.clone(), keyless.clone()];
    expected.sort();
    assert_eq!(key_query_ids(&org, soql, false).await, expected);
    // The same with a branch no index covers: the scan, same answer.
    let scanned = "SELECT Id FROM Contact WHERE SCIM_Key__c IN ('U1', 'u9') OR (LastName = 'K' AND SCIM_Key__c = null)";
    assert_eq!(key_query_ids(&org, scanned, false).await, expected);
}
