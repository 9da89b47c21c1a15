//! Campaign (701) and CampaignMember (00v), as Salesforce validates them: a member needs its
//! Campaign and one of ContactId or LeadId, a person is in a Campaign once, and memberships go
//! when the Contact, Lead or Campaign is deleted; both objects describe and query.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

async fn setup(org: &Org) -> (String, String, String) {
    let campaign = org
        .create(
            "Campaign",
            json!({"Name": "Beta Testers", "IsActive": true}),
        )
        .await;
    let contact = org.create("Contact", json!({"LastName": "Lovelace"})).await;
    let lead = org
        .create("Lead", json!({"LastName": "Hopper", "Company": "Navy"}))
        .await;
    (campaign, contact, lead)
}

#[tokio::test]
async fn a_campaign_has_members_that_are_contacts_or_leads_and_query_back() {
    let org = Org::start().await;
    let (campaign, contact, lead) = setup(&org).await;
    assert!(campaign.starts_with("701"));
    let c = org
        .get(&format!("/sobjects/Campaign/{campaign}"))
        .await
        .body;
    assert_eq!(
        (
            c["Name"].clone(),
            c["Status"].clone(),
            c["IsActive"].clone()
        ),
        (json!("Beta Testers"), json!("Planned"), json!(true))
    );
    let m1 = org
        .create(
            "CampaignMember",
            json!({"CampaignId": campaign, "ContactId": contact}),
        )
        .await;
    let m2 = org
        .create(
            "CampaignMember",
            json!({"CampaignId": campaign, "LeadId": lead}),
        )
        .await;
    assert!(m1.starts_with("00v") && m2.starts_with("00v"));
    let q = org
        .get(&format!("/query?q=SELECT+Id,ContactId,LeadId,Status+FROM+CampaignMember+WHERE+CampaignId+%3D+'{campaign}'+ORDER+BY+Id"))
        .await;
    assert_eq!(q.body["totalSize"], 2, "{}", q.body);
    assert_eq!(q.body["records"][0]["ContactId"], contact.as_str());
    assert_eq!(q.body["records"][0]["Status"], "Sent");
    assert_eq!(q.body["records"][1]["LeadId"], lead.as_str());
    let d = org.get("/sobjects/CampaignMember/describe").await.body;
    let field = |name: &str| {
        d["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(field("CampaignId")["referenceTo"], json!(["Campaign"]));
    assert_eq!(field("ContactId")["updateable"], false);
}

#[tokio::test]
async fn a_member_needs_a_campaign_and_exactly_one_person_and_joins_once() {
    let org = Org::start().await;
    let (campaign, contact, lead) = setup(&org).await;
    let r = org
        .post("/sobjects/CampaignMember", json!({"ContactId": contact}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body[0]["errorCode"], "REQUIRED_FIELD_MISSING",
        "{}",
        r.body
    );
    let r = org
        .post("/sobjects/CampaignMember", json!({"CampaignId": campaign}))
        .await;
    assert_eq!(
        r.body[0]["errorCode"], "REQUIRED_FIELD_MISSING",
        "{}",
        r.body
    );
    let r = org
        .post(
            "/sobjects/CampaignMember",
            json!({"CampaignId": campaign, "ContactId": contact, "LeadId": lead}),
        )
        .await;
    assert_eq!(
        r.body[0]["errorCode"], "FIELD_INTEGRITY_EXCEPTION",
        "{}",
        r.body
    );
    let r = org
        .post(
            "/sobjects/CampaignMember",
            json!({"CampaignId": "701000000000000AAA", "ContactId": contact}),
        )
        .await;
    assert_eq!(
        r.body[0]["errorCode"], "INVALID_CROSS_REFERENCE_KEY",
        "{}",
        r.body
    );
    org.create(
        "CampaignMember",
        json!({"CampaignId": campaign, "ContactId": contact}),
    )
    .await;
    let r = org
        .post(
            "/sobjects/CampaignMember",
            json!({"CampaignId": campaign, "ContactId": contact}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "DUPLICATE_VALUE", "{}", r.body);
    assert_eq!(r.body[0]["message"], "Already a campaign member.");
}

async fn members(org: &Org) -> Value {
    org.get("/query?q=SELECT+COUNT()+FROM+CampaignMember")
        .await
        .body["totalSize"]
        .clone()
}

#[tokio::test]
async fn memberships_go_with_the_contact_the_lead_or_the_campaign() {
    let org = Org::start().await;
    let (campaign, contact, lead) = setup(&org).await;
    org.create(
        "CampaignMember",
        json!({"CampaignId": campaign, "ContactId": contact}),
    )
    .await;
    org.create(
        "CampaignMember",
        json!({"CampaignId": campaign, "LeadId": lead}),
    )
    .await;
    assert_eq!(members(&org).await, 2);
    assert!(org
        .delete(&format!("/sobjects/Contact/{contact}"))
        .await
        .status
        .is_success());
    assert_eq!(members(&org).await, 1);
    assert!(org
        .delete(&format!("/sobjects/Lead/{lead}"))
        .await
        .status
        .is_success());
    assert_eq!(members(&org).await, 0);
    let other = org.create("Contact", json!({"LastName": "Byron"})).await;
    org.create(
        "CampaignMember",
        json!({"CampaignId": campaign, "ContactId": other}),
    )
    .await;
    assert!(org
        .delete(&format!("/sobjects/Campaign/{campaign}"))
        .await
        .status
        .is_success());
    assert_eq!(members(&org).await, 0);
}
