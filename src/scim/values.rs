//! Tolerant readers for attribute values that clients send in more than one JSON type.
//!
//! RFC 7643 §2.3.2 makes `boolean` a JSON `true`/`false`, but Entra ID sends
//! `{"op":"Replace","path":"active","value":"False"}` and OneLogin templates may send
//! `"active": "true"`. PATCH parsing keeps values as JSON; the mapping layer calls these.

use serde_json::Value;

/// `true`/`false`, or the strings `"true"`/`"false"` in any case (surrounding spaces ignored).
/// Anything else (numbers, `null`, `"yes"`) is `None`, so the caller can answer `invalidValue`.
pub fn coerce_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => {
            let s = s.trim();
            if s.eq_ignore_ascii_case("true") {
                Some(true)
            } else if s.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Looks a key up in a JSON object case-insensitively (RFC 7643 §2.1: attribute names are
/// case-insensitive). An exact match wins over a case-insensitive one.
pub fn get_ci<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Compares a present value with a filter literal as SCIM does (RFC 7644 §3.4.2.2): strings
/// case-insensitively (`caseExact` is false for the attributes the bridge filters in memory),
/// booleans with `eq`/`ne`, and a present value is `ne null`.
pub fn compare_value(
    actual: &Value,
    op: crate::scim::filter::CompareOp,
    literal: &crate::scim::filter::CompValue,
) -> bool {
    use crate::scim::filter::{CompValue, CompareOp};
    match (actual, literal) {
        (Value::String(a), CompValue::String(b)) => {
            let (a, b) = (a.to_lowercase(), b.to_lowercase());
            match op {
                CompareOp::Eq => a == b,
                CompareOp::Ne => a != b,
                CompareOp::Co => a.contains(&b),
                CompareOp::Sw => a.starts_with(&b),
                CompareOp::Ew => a.ends_with(&b),
                CompareOp::Gt => a > b,
                CompareOp::Ge => a >= b,
                CompareOp::Lt => a < b,
                CompareOp::Le => a <= b,
            }
        }
        (Value::Bool(a), CompValue::Bool(b)) => match op {
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
            _ => false,
        },
        (_, CompValue::Null) => op == CompareOp::Ne && !actual.is_null(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_booleans_coerce_to_themselves() {
        assert_eq!(coerce_bool(&json!(true)), Some(true));
        assert_eq!(coerce_bool(&json!(false)), Some(false));
    }

    #[test]
    fn entra_and_onelogin_string_booleans_coerce_in_any_case() {
        assert_eq!(coerce_bool(&json!("False")), Some(false));
        assert_eq!(coerce_bool(&json!("True")), Some(true));
        assert_eq!(coerce_bool(&json!("true")), Some(true));
        assert_eq!(coerce_bool(&json!("false")), Some(false));
        assert_eq!(coerce_bool(&json!(" FALSE ")), Some(false));
    }

    #[test]
    fn other_values_do_not_coerce_to_booleans() {
        for v in [
            json!("yes"),
            json!(1),
            json!(0),
            json!(null),
            json!([]),
            json!({}),
        ] {
            assert_eq!(coerce_bool(&v), None, "{v}");
        }
    }

    #[test]
    fn object_keys_are_found_in_any_case() {
        let m = json!({"Operations": 1, "operations": 2, "Foo": 3});
        let m = m.as_object().unwrap();
        assert_eq!(get_ci(m, "operations"), Some(&json!(2)), "exact match wins");
        assert_eq!(get_ci(m, "FOO"), Some(&json!(3)));
        assert_eq!(get_ci(m, "bar"), None);
    }
}
