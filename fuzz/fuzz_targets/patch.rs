//! `parse_patch` on JSON built from the input bytes (inputs that are not JSON are skipped),
//! then the operations applied to a person of the default Contact mapping, as
//! `PATCH /Users/{id}` does, and reduced to a Group change as `PATCH /Groups/{id}` does (with
//! the body also read as a Group, as POST and PUT do): no panics; every refusal is a 400 with a
//! `scimType`.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use scim_bridge::mapping::view::Mapping;
use scim_bridge::salesforce::{Record, SObject};
use scim_bridge::scim::group::{group_patch, parse_group, Members};
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
    if let Err(e) = parse_group(&body) {
        refused("parse_group", &body, &e);
    }
    let ops = match parse_patch(&body) {
        Ok(ops) => ops,
        Err(e) => return refused("parse_patch", &body, &e),
    };
    match group_patch(&ops, "701000000000001AAA") {
        Ok(patch) => {
            // The net change never both adds and removes one member.
            if let Members::Delta { add, remove } = patch.members_after() {
                assert!(add.iter().all(|a| !remove.contains(a)), "{body}");
            }
        }
        Err(e) => refused("group_patch", &body, &e),
    }
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
