//! SCIM filter → SOQL → the emulator's SOQL parser.
//!
//! For every input that parses as a SCIM filter and that the default Contact mapping translates
//! (`Mapping::to_condition`), the query the bridge builds from it (as `provisioning/list.rs`
//! does: the connection's people AND the filter, the mapped fields, ORDER BY Id) must
//!
//! 1. parse with `salesforce_emulator::soql::parse` (the bridge never emits SOQL the emulator,
//!    and so Salesforce's grammar, rejects);
//! 2. resolve against a Contact schema with the fields' kinds (the literals fit their fields,
//!    as Salesforce checks before running a query), except for the one known finding below;
//! 3. for a single comparison with a string value (`attr op "value"`), give the value back
//!    unescaped: `eq` is the query's equality term (`equality_terms`), and a row holding exactly
//!    that value matches (`eq`, `ge`, `le`, `co`, `sw`, `ew`), or does not (`ne`, `gt`, `lt`),
//!    so quoting, backslashes, `%` and `_` survive the trip.
//!
//! A query nested deeper than `MAX_SOQL_DEPTH` parentheses is refused by the client before it
//! is sent (a SCIM filter at its own 64 levels of `not (… and …)` renders two a level), so it is
//! not checked against the emulator. A boolean compared with a text field compares as its text
//! (`title eq true` → `Title = 'true'`): property 2 covers it.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use salesforce_emulator::soql::{self, FieldKind, QueryOutcome, Row, SchemaLookup};
use scim_bridge::mapping::view::Mapping;
use scim_bridge::salesforce::query::MAX_SOQL_DEPTH;
use scim_bridge::salesforce::soql::{
    paren_depth, CompareOp as SoqlOp, Condition, LikePattern, SoqlValue,
};
use scim_bridge::salesforce::{fields, FieldName, SObject, Select};
use scim_bridge::scim::{parse_filter, CompValue, CompareOp, Filter};
use serde_json::Value;

static MAPPING: LazyLock<Mapping> = LazyLock::new(|| Mapping::defaults(SObject::Contact));

/// The fields `list.rs` selects: the system fields, then the mapping's.
static FIELDS: LazyLock<Vec<FieldName>> = LazyLock::new(|| {
    let mut out = vec![
        fields::ID,
        fields::CREATED_DATE,
        fields::LAST_MODIFIED_DATE,
        fields::SYSTEM_MODSTAMP,
    ];
    for f in MAPPING.fields() {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
});

/// Contact as far as the bridge's queries need it: the selected fields, with their kinds.
struct Contact;

fn kind_of(field: &str) -> FieldKind {
    match field.to_ascii_lowercase().as_str() {
        "id" => FieldKind::Id,
        "createddate" | "lastmodifieddate" | "systemmodstamp" => FieldKind::DateTime,
        "active__c" => FieldKind::Boolean,
        "email" => FieldKind::Email,
        "phone" | "mobilephone" | "fax" => FieldKind::Phone,
        _ => FieldKind::String,
    }
}

impl SchemaLookup for Contact {
    fn object(&self, name: &str) -> Option<String> {
        name.eq_ignore_ascii_case("Contact")
            .then(|| "Contact".to_string())
    }

    fn field(&self, _object: &str, name: &str) -> Option<(String, FieldKind)> {
        FIELDS
            .iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
            .map(|f| (f.as_str().to_string(), kind_of(f.as_str())))
    }
}

fn people() -> Condition {
    Condition::Compare {
        field: MAPPING.key.clone(),
        op: SoqlOp::Ne,
        value: SoqlValue::Null,
    }
}

/// How many of `rows` the resolved query keeps.
fn matches(query: &soql::ResolvedQuery, rows: &[Row]) -> usize {
    match query.execute(rows.iter()) {
        QueryOutcome::Rows(r) => r.len(),
        QueryOutcome::Count(n) => n,
    }
}

/// A row of one person holding `value` in `field` (and a key, so `people()` holds).
fn row(field: &FieldName, value: &str) -> Row {
    let mut r = Row::new();
    r.insert(MAPPING.key.as_str().to_string(), Value::String("k".into()));
    r.insert(field.as_str().to_string(), Value::String(value.to_string()));
    r
}

fuzz_target!(|input: &str| {
    let Ok(filter) = parse_filter(input) else {
        return;
    };
    let Ok(condition) = MAPPING.to_condition(&filter) else {
        return;
    };
    let mut select = Select::new(SObject::Contact.name(), FIELDS.clone());
    select.filter = Some(Condition::And(vec![people(), condition.clone()]));
    select.order_by = vec![(fields::ID, true)];
    let text = select.to_soql();

    // The client refuses (400 invalidFilter) a query nested deeper than this before sending it.
    if paren_depth(&text) > MAX_SOQL_DEPTH {
        return;
    }

    // 1. The emulator's parser accepts every query the bridge writes.
    let query = match soql::parse(&text) {
        Ok(q) => q,
        Err(e) => panic!("filter {input:?} became SOQL the emulator refuses:\n{text}\n{e}"),
    };

    // 2. Its literals fit their fields.
    let resolved = match query.resolve(&Contact) {
        Ok(r) => r,
        Err(e) => panic!("filter {input:?} became SOQL that does not resolve:\n{text}\n{e}"),
    };

    // 3. A single string comparison gives its value back unescaped.
    let Filter::Compare {
        op,
        value: CompValue::String(value),
        ..
    } = &filter
    else {
        return;
    };
    // Salesforce reads '' as null; there is no text to give back.
    if value.is_empty() {
        return;
    }
    match &condition {
        Condition::Compare {
            field,
            op: sop,
            value: SoqlValue::Str(s),
        } => {
            assert_eq!(s, value, "filter {input:?}: the literal changed on the way");
            if *sop == SoqlOp::Eq {
                assert_eq!(
                    resolved.equality_terms(),
                    Some(vec![(field.as_str(), vec![value.as_str()])]),
                    "filter {input:?}: SOQL {text}"
                );
            }
            // Id literals are only emitted for strings that are Ids, which compare by prefix
            // (15 against 18 characters); the row holds exactly the literal, which is enough.
            let exact = matches(&resolved, &[row(field, value)]);
            let want = match op {
                CompareOp::Eq | CompareOp::Ge | CompareOp::Le => 1,
                CompareOp::Ne | CompareOp::Gt | CompareOp::Lt => 0,
                _ => return,
            };
            assert_eq!(
                exact,
                want,
                "filter {input:?}: a row holding {value:?} in {field} should {}match SOQL {text}",
                if want == 1 { "" } else { "not " }
            );
        }
        Condition::Like { field, pattern } => {
            let (inner, wrapped) = match pattern {
                LikePattern::Contains(s) => (s, format!("x{s}y")),
                LikePattern::StartsWith(s) => (s, format!("{s}y")),
                LikePattern::EndsWith(s) => (s, format!("x{s}")),
            };
            assert_eq!(
                inner, value,
                "filter {input:?}: the pattern changed on the way"
            );
            let rows = [row(field, value), row(field, &wrapped)];
            assert_eq!(
                matches(&resolved, &rows),
                2,
                "filter {input:?}: rows holding {value:?} and {wrapped:?} in {field} should match SOQL {text}"
            );
        }
        _ => {}
    }
});
