//! A SCIM User body (JSON built from the input bytes; inputs that are not JSON are skipped) →
//! the default Lead mapping's view (`view_from_scim`) → the fields of a create
//! (`fields_for_create`) and of an update of a small fixed record (`changes_for_update`, as PUT
//! and as a create that links an existing record): no panics; every refusal is a 400 with a
//! `scimType`.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use scim_bridge::mapping::view::Mapping;
use scim_bridge::salesforce::{Record, SObject};
use serde_json::{json, Value};

static MAPPING: LazyLock<Mapping> = LazyLock::new(|| Mapping::defaults(SObject::Lead));

static CURRENT: LazyLock<Record> = LazyLock::new(|| {
    let record = json!({
        "Id": "00Q000000000001AAA",
        "SCIM_Key__c": "ada@example.com",
        "Email": "ada@example.com",
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "Company": "[not provided]",
        "Phone": "+44 20 7946 0000",
        "City": "London",
        "Status": "Open - Not Contacted"
    });
    let Value::Object(record) = record else {
        unreachable!()
    };
    record
});

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let mapping = &*MAPPING;
    let view = match mapping.view_from_scim(&body) {
        Ok(view) => view,
        Err(e) => {
            assert_eq!(e.status, 400, "{body}: {e:?}");
            assert!(e.scim_type.is_some(), "{body}: {e:?}");
            return;
        }
    };
    let _ = mapping.user_name(&view);
    let _ = mapping.fields_for_create(&view);
    let replace = mapping.changes_for_update(&view, &CURRENT, true);
    let _ = mapping.changes_for_update(&view, &CURRENT, false);
    let _ = mapping.required_kept(&view, &CURRENT);
    let _ = mapping.create_only_ignored(&view, &CURRENT, &replace);
    let _ = mapping.render(&view);
});
