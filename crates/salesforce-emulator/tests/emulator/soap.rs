//! SOAP `convertLead` at `/services/Soap/u/{version}`: the session header, `LeadConvert` in,
//! `LeadConvertResult` out, faults, and what a conversion does to the Lead, Contact and
//! Account. (Request envelopes are written as text here, as a SOAP client on the wire sends.)

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

fn envelope(session: &str, converts: &[&str]) -> String {
    let items: String = converts
        .iter()
        .map(|c| format!("<urn:leadConverts>{c}</urn:leadConverts>"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com">
<soapenv:Header><urn:SessionHeader><urn:sessionId>{session}</urn:sessionId></urn:SessionHeader></soapenv:Header>
<soapenv:Body><urn:convertLead>{items}</urn:convertLead></soapenv:Body></soapenv:Envelope>"#
    )
}

fn convert(lead: &str, extra: &str) -> String {
    format!(
        "<urn:convertedStatus>Closed - Converted</urn:convertedStatus>\
         <urn:doNotCreateOpportunity>true</urn:doNotCreateOpportunity>\
         <urn:leadId>{lead}</urn:leadId>{extra}"
    )
}

async fn soap(org: &Org, body: String) -> (StatusCode, String) {
    let res = reqwest::Client::new()
        .post(format!("{}/services/Soap/u/62.0", org.handle.base_url()))
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", "\"\"")
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The text of the first `<name>…</name>`.
fn tag<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

async fn lead(org: &Org, email: &str) -> String {
    org.create(
        "Lead",
        json!({"FirstName": "Ada", "LastName": "Lovelace", "Company": "Analytical Engines",
               "Email": email, "Title": "Countess", "City": "London"}),
    )
    .await
}

async fn record(org: &Org, object: &str, id: &str) -> Value {
    org.get(&format!("/sobjects/{object}/{id}")).await.body
}

#[tokio::test]
async fn a_lead_converts_into_a_new_contact_and_account_with_the_standard_mappings() {
    let org = Org::start().await;
    let id = lead(&org, "ada@engines.example").await;
    let before = org.stats().await["api_requests_total"].as_u64().unwrap();
    let (status, xml) = soap(&org, envelope(&org.token, &[&convert(&id, "")])).await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert_eq!(tag(&xml, "success"), Some("true"), "{xml}");
    let contact = tag(&xml, "contactId").unwrap().to_string();
    let account = tag(&xml, "accountId").unwrap().to_string();
    assert!(
        contact.starts_with("003") && account.starts_with("001"),
        "{xml}"
    );
    assert!(xml.contains("<opportunityId xsi:nil=\"true\"/>"), "{xml}");
    assert_eq!(
        org.stats().await["api_requests_total"].as_u64().unwrap() - before,
        1
    );

    let l = record(&org, "Lead", &id).await;
    assert_eq!(l["IsConverted"], true);
    assert_eq!(l["ConvertedContactId"], contact.as_str());
    assert_eq!(l["ConvertedAccountId"], account.as_str());
    assert_eq!(l["Status"], "Closed - Converted");
    assert!(l["ConvertedDate"].is_string());
    let c = record(&org, "Contact", &contact).await;
    assert_eq!(
        (c["Email"].clone(), c["Title"].clone()),
        (json!("ada@engines.example"), json!("Countess"))
    );
    assert_eq!(c["MailingCity"], "London");
    assert_eq!(c["AccountId"], account.as_str());
    assert_eq!(
        record(&org, "Account", &account).await["Name"],
        "Analytical Engines"
    );
    // A converted Lead is read-only, and cannot be converted twice.
    let (_, again) = soap(&org, envelope(&org.token, &[&convert(&id, "")])).await;
    assert_eq!(
        tag(&again, "statusCode"),
        Some("CANNOT_UPDATE_CONVERTED_LEAD"),
        "{again}"
    );
    assert_eq!(tag(&again, "success"), Some("false"));
}

#[tokio::test]
async fn a_lead_merges_into_a_named_contact_filling_only_its_blank_fields() {
    let org = Org::start().await;
    let account = org.create("Account", json!({"Name": "Existing Co"})).await;
    let contact = org
        .create(
            "Contact",
            json!({"LastName": "Byron", "Email": "ada@engines.example", "AccountId": account}),
        )
        .await;
    let id = lead(&org, "ada@engines.example").await;
    let extra =
        format!("<urn:accountId>{account}</urn:accountId><urn:contactId>{contact}</urn:contactId>");
    let (_, xml) = soap(&org, envelope(&org.token, &[&convert(&id, &extra)])).await;
    assert_eq!(tag(&xml, "success"), Some("true"), "{xml}");
    assert_eq!(tag(&xml, "contactId"), Some(contact.as_str()));
    let c = record(&org, "Contact", &contact).await;
    assert_eq!(c["LastName"], "Byron", "an existing value was overwritten");
    assert_eq!(c["Title"], "Countess", "a blank was not filled");
    let q = org.get("/query?q=SELECT+COUNT()+FROM+Account").await;
    assert_eq!(q.body["totalSize"], 1, "a second Account was made");
    // A contact of another account is refused and changes nothing.
    let other = org.create("Account", json!({"Name": "Other"})).await;
    let id2 = lead(&org, "second@engines.example").await;
    let extra =
        format!("<urn:accountId>{other}</urn:accountId><urn:contactId>{contact}</urn:contactId>");
    let (_, xml) = soap(&org, envelope(&org.token, &[&convert(&id2, &extra)])).await;
    assert_eq!(
        tag(&xml, "statusCode"),
        Some("INVALID_CROSS_REFERENCE_KEY"),
        "{xml}"
    );
    assert_eq!(record(&org, "Lead", &id2).await["IsConverted"], false);
}

#[tokio::test]
async fn an_invalid_session_is_a_soap_fault_and_counts_nothing() {
    let org = Org::start().await;
    let id = lead(&org, "x@y.example").await;
    let before = org.stats().await["api_requests_total"].as_u64().unwrap();
    let (status, xml) = soap(&org, envelope("not-a-token", &[&convert(&id, "")])).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        tag(&xml, "faultcode"),
        Some("sf:INVALID_SESSION_ID"),
        "{xml}"
    );
    assert_eq!(
        org.stats().await["api_requests_total"].as_u64().unwrap(),
        before
    );
    assert_eq!(record(&org, "Lead", &id).await["IsConverted"], false);
}

#[tokio::test]
async fn without_the_convert_leads_permission_or_a_converted_status_nothing_converts() {
    let org = Org::start().await;
    let id = lead(&org, "x@y.example").await;
    let q = org
        .get("/query?q=SELECT+MasterLabel+FROM+LeadStatus+WHERE+IsConverted+%3D+true")
        .await;
    assert_eq!(
        q.body["records"][0]["MasterLabel"], "Closed - Converted",
        "{}",
        q.body
    );
    let bad_status = format!(
        "<urn:convertedStatus>Open - Not Contacted</urn:convertedStatus>\
         <urn:doNotCreateOpportunity>true</urn:doNotCreateOpportunity><urn:leadId>{id}</urn:leadId>"
    );
    let (_, xml) = soap(&org, envelope(&org.token, &[&bad_status])).await;
    assert_eq!(tag(&xml, "statusCode"), Some("INVALID_STATUS"), "{xml}");

    let r = org
        .control(
            Method::POST,
            "/__emulator/permissions",
            Some(json!({"convertLeads": false})),
        )
        .await;
    assert!(r.status.is_success());
    let q = org
        .get("/query?q=SELECT+PermissionsConvertLeads+FROM+UserPermissionAccess")
        .await;
    assert_eq!(
        q.body["records"][0]["PermissionsConvertLeads"], false,
        "{}",
        q.body
    );
    let (_, xml) = soap(&org, envelope(&org.token, &[&convert(&id, "")])).await;
    assert_eq!(
        tag(&xml, "statusCode"),
        Some("INSUFFICIENT_ACCESS_OR_READONLY"),
        "{xml}"
    );
    assert_eq!(record(&org, "Lead", &id).await["IsConverted"], false);
    let q = org.get("/query?q=SELECT+COUNT()+FROM+Contact").await;
    assert_eq!(q.body["totalSize"], 0);
}

#[tokio::test]
async fn an_injected_validation_error_fails_every_result_and_leaves_the_lead() {
    let org = Org::start().await;
    let id = lead(&org, "x@y.example").await;
    let fault = json!({"status": 400, "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                       "message": "Accounts need a billing country", "count": 1,
                       "method": "POST", "path": "/services/Soap/u/"});
    let fid = org.kit.inject_fault(&fault).await.unwrap();
    let (status, xml) = soap(&org, envelope(&org.token, &[&convert(&id, "")])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        tag(&xml, "statusCode"),
        Some("FIELD_CUSTOM_VALIDATION_EXCEPTION"),
        "{xml}"
    );
    assert_eq!(
        tag(&xml, "message"),
        Some("Accounts need a billing country")
    );
    assert_eq!(org.kit.fired(fid).await.unwrap(), 1);
    assert_eq!(record(&org, "Lead", &id).await["IsConverted"], false);
}
