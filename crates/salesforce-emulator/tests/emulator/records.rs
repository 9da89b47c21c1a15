//! Single-record CRUD, ids, soft delete, converted Leads and portal-user Contacts.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_created_contact_reads_back_with_attributes_and_system_fields() {
    let org = Org::start().await;
    let id = org
        .create(
            "Contact",
            json!({"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@x.com"}),
        )
        .await;
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("003"));
    let r = org.get(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert_eq!(
        b["attributes"],
        json!({"type": "Contact", "url": format!("{V}/sobjects/Contact/{id}")})
    );
    assert_eq!(b["Id"], id.as_str());
    assert_eq!(b["Name"], "Ada Lovelace");
    assert_eq!(b["IsDeleted"], false);
    assert_eq!(b["HasOptedOutOfEmail"], false);
    assert_eq!(b["Title"], json!(null));
    assert!(b["OwnerId"].as_str().unwrap().starts_with("005"));
    let created = b["CreatedDate"].as_str().unwrap();
    assert_eq!(created.len(), "2026-11-28T03:50:17.000+0000".len());
    assert!(created.ends_with("+0000"));
}

#[tokio::test]
async fn the_fields_parameter_restricts_the_answer_and_appends_the_id() {
    let org = Org::start().await;
    let id = org
        .create(
            "Contact",
            json!({"LastName": "Lovelace", "Email": "ada@x.com"}),
        )
        .await;
    let r = org
        .get(&format!("/sobjects/contact/{id}?fields=email,LastName"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let keys: Vec<&String> = r.body.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4, "attributes, Email, LastName, Id: {keys:?}");
    assert_eq!(r.body["Email"], "ada@x.com");
    assert_eq!(r.body["Id"], id.as_str());
    let bad = org
        .get(&format!("/sobjects/Contact/{id}?fields=Nope"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body[0]["errorCode"], "INVALID_FIELD");
}

#[tokio::test]
async fn ids_are_case_safe_and_fifteen_character_ids_work_too() {
    let org = Org::start().await;
    let id = org
        .create("Lead", json!({"LastName": "Hopper", "Company": "Navy"}))
        .await;
    assert!(id.starts_with("00Q"));
    assert_eq!(
        org.get(&format!("/sobjects/Lead/{}", &id[..15]))
            .await
            .status,
        StatusCode::OK
    );
    let lower = id.to_ascii_lowercase();
    assert_eq!(
        org.get(&format!("/sobjects/Lead/{lower}")).await.body["Id"],
        id.as_str()
    );
}

#[tokio::test]
async fn an_id_of_the_wrong_shape_or_object_is_not_found() {
    let org = Org::start().await;
    let lead = org
        .create("Lead", json!({"LastName": "Hopper", "Company": "Navy"}))
        .await;
    for path in [
        format!("/sobjects/Contact/{lead}"),
        "/sobjects/Contact/garbage".to_string(),
        "/sobjects/Contact/0035g0000000999AAA".to_string(),
        format!("/sobjects/Widget/{lead}"),
    ] {
        let r = org.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            r.body,
            err("NOT_FOUND", "The requested resource does not exist")
        );
    }
}

#[tokio::test]
async fn patch_updates_only_the_given_fields_and_null_clears_one() {
    let org = Org::start().await;
    let id = org
        .create(
            "Contact",
            json!({"LastName": "Lovelace", "Title": "Countess", "Phone": "123"}),
        )
        .await;
    let before = org.get(&format!("/sobjects/Contact/{id}")).await.body;
    let r = org
        .patch(
            &format!("/sobjects/Contact/{id}"),
            json!({"Title": null, "Department": "Math"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.body, json!(null));
    let after = org.get(&format!("/sobjects/Contact/{id}")).await.body;
    assert_eq!(after["Title"], json!(null));
    assert_eq!(after["Department"], "Math");
    assert_eq!(after["Phone"], "123");
    assert!(after["SystemModstamp"].as_str() > before["SystemModstamp"].as_str());
    assert_eq!(after["CreatedDate"], before["CreatedDate"]);
}

#[tokio::test]
async fn system_modstamps_strictly_increase_across_writes() {
    let org = Org::start().await;
    let mut stamps = Vec::new();
    for i in 0..5 {
        let id = org
            .create("Account", json!({"Name": format!("A{i}")}))
            .await;
        stamps
            .push(org.get(&format!("/sobjects/Account/{id}")).await.body["SystemModstamp"].clone());
    }
    for w in stamps.windows(2) {
        assert!(w[0].as_str() < w[1].as_str(), "{w:?}");
    }
}

#[tokio::test]
async fn a_deleted_record_is_gone_for_get_patch_and_delete() {
    let org = Org::start().await;
    let id = org.create("Contact", json!({"LastName": "Gone"})).await;
    let r = org.delete(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let deleted =
        json!([{"errorCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}]);
    let g = org.get(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!((g.status, g.body), (StatusCode::NOT_FOUND, deleted.clone()));
    let p = org
        .patch(&format!("/sobjects/Contact/{id}"), json!({"Title": "x"}))
        .await;
    assert_eq!((p.status, p.body), (StatusCode::NOT_FOUND, deleted.clone()));
    let d = org.delete(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!((d.status, d.body), (StatusCode::NOT_FOUND, deleted));
}

#[tokio::test]
async fn a_converted_lead_refuses_updates_but_can_be_deleted() {
    let org = Org::start().await;
    let id = org
        .create("Lead", json!({"FirstName": "Grace", "LastName": "Hopper", "Company": "Navy", "Email": "grace@navy.mil"}))
        .await;
    let c = org
        .control(
            Method::POST,
            &format!("/__emulator/leads/{id}/convert"),
            None,
        )
        .await;
    assert_eq!(c.status, StatusCode::OK);
    let contact_id = c.body["contactId"].as_str().unwrap();
    let account_id = c.body["accountId"].as_str().unwrap();
    let lead = org.get(&format!("/sobjects/Lead/{id}")).await.body;
    assert_eq!(lead["IsConverted"], true);
    assert_eq!(lead["Status"], "Closed - Converted");
    assert_eq!(lead["ConvertedContactId"], contact_id);
    assert_eq!(lead["ConvertedAccountId"], account_id);
    assert_eq!(lead["ConvertedDate"].as_str().unwrap().len(), 10);
    let contact = org
        .get(&format!("/sobjects/Contact/{contact_id}"))
        .await
        .body;
    assert_eq!(contact["Email"], "grace@navy.mil");
    assert_eq!(contact["AccountId"], account_id);
    let account = org
        .get(&format!("/sobjects/Account/{account_id}"))
        .await
        .body;
    assert_eq!(account["Name"], "Navy");

    let p = org
        .patch(&format!("/sobjects/Lead/{id}"), json!({"Title": "Admiral"}))
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        p.body,
        dml_err(
            "CANNOT_UPDATE_CONVERTED_LEAD",
            "cannot reference converted lead",
            &[]
        )
    );
    assert_eq!(
        org.delete(&format!("/sobjects/Lead/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_contact_with_a_portal_user_cannot_be_deleted() {
    let org = Org::start().await;
    let id = org
        .create(
            "Contact",
            json!({"FirstName": "Ada", "LastName": "Lovelace"}),
        )
        .await;
    let r = org
        .control(
            Method::POST,
            &format!("/__emulator/contacts/{id}/portal-user"),
            None,
        )
        .await;
    assert!(r.status.is_success());
    let d = org.delete(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(d.status, StatusCode::BAD_REQUEST);
    assert_eq!(d.body[0]["errorCode"], "DELETE_FAILED");
    assert!(d.body[0]["message"]
        .as_str()
        .unwrap()
        .contains("Ada Lovelace"));
    assert_eq!(
        org.get(&format!("/sobjects/Contact/{id}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn unsupported_methods_and_unknown_paths_answer_like_salesforce() {
    let org = Org::start().await;
    let id = org.create("Contact", json!({"LastName": "X"})).await;
    let r = org
        .call(
            Method::PUT,
            &format!("/sobjects/Contact/{id}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.body[0]["errorCode"], "METHOD_NOT_ALLOWED");
    let r = org.get("/nothing/here").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body,
        err("NOT_FOUND", "The requested resource does not exist")
    );
    let r = org
        .raw(
            Method::GET,
            "/services/data/v49.0/limits",
            Some(&org.token.clone()),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body,
        err("NOT_FOUND", "The requested resource does not exist")
    );
    let r = org
        .raw(
            Method::GET,
            "/services/data/v67.0/limits",
            Some(&org.token.clone()),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn deleting_an_account_deletes_its_contacts() {
    let org = Org::start().await;
    let acc = org.create("Account", json!({"Name": "Acme"})).await;
    let c = org
        .create("Contact", json!({"LastName": "Coyote", "AccountId": acc}))
        .await;
    assert_eq!(
        org.delete(&format!("/sobjects/Account/{acc}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        org.get(&format!("/sobjects/Contact/{c}")).await.body[0]["errorCode"],
        "ENTITY_IS_DELETED"
    );
}
