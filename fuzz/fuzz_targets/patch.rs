//! `parse_patch` on JSON built from the input bytes (inputs that are not JSON are skipped),
//! then the operations applied to a person of the default Contact mapping, as
//! `PATCH /Users/{id}` does: no panics; every refusal is a 400 with a `scimType`.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use scim_bridge::mapping::view::Mapping;
use scim_bridge::salesforce::{Record, SObject};
use scim_bridge::scim::{parse_patch, ScimError};
use serde_json::{json, Value};

static MAPPING: LazyLock<Mapping> = LazyLock::new(|| Mapping::defaults(SObject::Contact));

/// An empty record, and one holding a value in most mapped fields.
static RECORDS: LazyLock<[Record; 2]> = LazyLock::new(|| {
    let full = json!({
        "Id": "003000000000001AAA",
        "SCIM_Key__c": "ada@example.com",
        "Email": "ada@example.com",
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "Title": "Analyst",
        "Phone": "+44 20 7946 0000",
        "MobilePhone": "+44 7700 900000",
        "MailingCity": "London",
        "Department": "Engines",
        "Active__c": true
    });
    let Value::Object(full) = full else {
        unreachable!()
    };
    [Record::new(), full]
});

fn refused(what: &str, body: &Value, e: &ScimError) {
    assert_eq!(e.status, 400, "{what} {body}: {e:?}");
    assert!(e.scim_type.is_some(), "{what} {body}: {e:?}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let ops = match parse_patch(&body) {
        Ok(ops) => ops,
        Err(e) => return refused("parse_patch", &body, &e),
    };
    let mapping = &*MAPPING;
    for current in RECORDS.iter() {
        let before = mapping.view_from_record(current);
        let mut view = before.clone();
        if let Err(e) = mapping.apply_patch(&mut view, &ops) {
            refused("apply_patch", &body, &e);
            continue;
        }
        let _ = mapping.required_removed(&before, &view);
        let changes = mapping.changes_for_update(&view, current, true);
        let _ = mapping.required_kept(&view, current);
        let _ = mapping.create_only_ignored(&view, current, &changes);
        let _ = mapping.render(&view);
    }
});
