//! Listing and searching (RFC 7644 §3.4.2, §3.4.3): query parameters, the POST `/.search`
//! SearchRequest body, the ListResponse message, and attribute projection (§3.4.2.5).
//!
//! Tolerances, each for a client that really sends it:
//! - Parameter names are matched case-insensitively (`startindex`, `Filter`), since several
//!   clients and proxies change their case.
//! - `startIndex` and `count` are optional (some servers fail without them; clients notice).
//!   §3.4.2.4: a `startIndex` below 1 is read as 1 and a negative `count` as 0. An empty
//!   parameter (`count=`) is treated as absent; a non-integer one is `invalidValue`.
//! - An empty `filter=` is treated as no filter (listing everything), not as a parse error.
//! - The query string is `application/x-www-form-urlencoded`, so `+` decodes to a space: a literal
//!   `+` inside a filter value must arrive as `%2B` (clients do percent-encode it).
//! - A repeated parameter: the last one wins.

use serde_json::{json, Map, Value};

use super::error::ScimError;
use super::filter::{parse_filter, Filter};
use super::patch::check_schemas;
use super::urn;

/// The most names `attributes` or `excludedAttributes` may list.
pub const MAX_ATTRIBUTE_NAMES: usize = 200;

/// A list or search request, after defaults (§3.4.2.4: `startIndex` defaults to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    /// 1-based index of the first result (never below 1).
    pub start_index: u64,
    /// Requested page size; `None` when not given (the server picks, up to its `maxResults`).
    pub count: Option<u64>,
    pub attributes: Vec<String>,
    pub excluded_attributes: Vec<String>,
    pub sort_by: Option<String>,
    pub sort_ascending: bool,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            filter: None,
            start_index: 1,
            count: None,
            attributes: Vec::new(),
            excluded_attributes: Vec::new(),
            sort_by: None,
            sort_ascending: true,
        }
    }
}

impl ListQuery {
    /// Parses the query string of `GET /Users?…` (with or without the leading `?`).
    pub fn from_query_string(qs: &str) -> Result<Self, ScimError> {
        let qs = qs.strip_prefix('?').unwrap_or(qs);
        let mut q = Self::default();
        for (key, value) in url::form_urlencoded::parse(qs.as_bytes()) {
            let value = value.as_ref();
            match Param::from_name(&key) {
                Some(Param::Filter) => q.filter = parse_optional_filter(value)?,
                Some(Param::StartIndex) => {
                    if let Some(n) = parse_int_text("startIndex", value)? {
                        q.start_index = clamp_start_index(n);
                    }
                }
                Some(Param::Count) => {
                    if let Some(n) = parse_int_text("count", value)? {
                        q.count = Some(clamp_count(n));
                    }
                }
                Some(Param::Attributes) => q.attributes = split_list(value),
                Some(Param::ExcludedAttributes) => q.excluded_attributes = split_list(value),
                Some(Param::SortBy) => q.sort_by = non_empty(value),
                Some(Param::SortOrder) => q.sort_ascending = parse_sort_order(value)?,
                // Unknown parameters are ignored: clients add their own (e.g. cache busters).
                None => {}
            }
        }
        q.check_attribute_counts()
    }

    /// Parses a SearchRequest body (`POST /Users/.search`, RFC 7644 §3.4.3). `schemas`, when
    /// present, must list the SearchRequest URN; a missing one is tolerated as for PATCH.
    pub fn from_search_request(body: &Value) -> Result<Self, ScimError> {
        let Some(obj) = body.as_object() else {
            return Err(ScimError::invalid_syntax(
                "a SearchRequest body must be a JSON object (RFC 7644 §3.4.3)",
            ));
        };
        check_schemas(obj, urn::SEARCH_REQUEST, "search")?;
        let mut q = Self::default();
        for (key, value) in obj {
            match Param::from_name(key) {
                Some(Param::Filter) => {
                    q.filter = match value {
                        Value::Null => None,
                        Value::String(s) => parse_optional_filter(s)?,
                        other => {
                            return Err(ScimError::invalid_filter(format!(
                                "\"filter\" must be a string, found {other}"
                            )))
                        }
                    }
                }
                Some(Param::StartIndex) => {
                    if let Some(n) = parse_int_json("startIndex", value)? {
                        q.start_index = clamp_start_index(n);
                    }
                }
                Some(Param::Count) => {
                    if let Some(n) = parse_int_json("count", value)? {
                        q.count = Some(clamp_count(n));
                    }
                }
                Some(Param::Attributes) => q.attributes = string_list("attributes", value)?,
                Some(Param::ExcludedAttributes) => {
                    q.excluded_attributes = string_list("excludedAttributes", value)?
                }
                Some(Param::SortBy) => {
                    q.sort_by = match value {
                        Value::Null => None,
                        Value::String(s) => non_empty(s),
                        other => {
                            return Err(ScimError::invalid_value(format!(
                                "\"sortBy\" must be a string, found {other}"
                            )))
                        }
                    }
                }
                Some(Param::SortOrder) => match value {
                    Value::Null => {}
                    Value::String(s) => q.sort_ascending = parse_sort_order(s)?,
                    other => {
                        return Err(ScimError::invalid_value(format!(
                            "\"sortOrder\" must be \"ascending\" or \"descending\", found {other}"
                        )))
                    }
                },
                None => {}
            }
        }
        q.check_attribute_counts()
    }

    /// Refuses more attribute names than any User has (with sub-attributes and the extension
    /// URN forms well below [`MAX_ATTRIBUTE_NAMES`]): thousands of them would only make every
    /// projection slow (a request that ties up a worker).
    fn check_attribute_counts(self) -> Result<Self, ScimError> {
        for (param, names) in [
            ("attributes", &self.attributes),
            ("excludedAttributes", &self.excluded_attributes),
        ] {
            if names.len() > MAX_ATTRIBUTE_NAMES {
                return Err(ScimError::invalid_value(format!(
                    "\"{param}\" names {} attributes; at most {MAX_ATTRIBUTE_NAMES} are accepted (a User has fewer)",
                    names.len()
                )));
            }
        }
        Ok(self)
    }

    /// The page size to use: the requested `count` capped at `max_results`, or `max_results`
    /// when none was requested (RFC 7644 §3.4.2.4: the server may return fewer than asked).
    pub fn page_size(&self, max_results: u64) -> u64 {
        self.count.map_or(max_results, |c| c.min(max_results))
    }
}

#[derive(Clone, Copy)]
enum Param {
    Filter,
    StartIndex,
    Count,
    Attributes,
    ExcludedAttributes,
    SortBy,
    SortOrder,
}

impl Param {
    fn from_name(name: &str) -> Option<Self> {
        const NAMES: [(&str, Param); 7] = [
            ("filter", Param::Filter),
            ("startIndex", Param::StartIndex),
            ("count", Param::Count),
            ("attributes", Param::Attributes),
            ("excludedAttributes", Param::ExcludedAttributes),
            ("sortBy", Param::SortBy),
            ("sortOrder", Param::SortOrder),
        ];
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
            .map(|(_, p)| *p)
    }
}

fn parse_optional_filter(s: &str) -> Result<Option<Filter>, ScimError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        parse_filter(s).map(Some)
    }
}

/// §3.4.2.4: "A value less than 1 SHALL be interpreted as 1."
fn clamp_start_index(n: i128) -> u64 {
    u64::try_from(n.max(1)).unwrap_or(u64::MAX)
}

/// §3.4.2.4: "A negative value SHALL be interpreted as 0."
fn clamp_count(n: i128) -> u64 {
    u64::try_from(n.max(0)).unwrap_or(u64::MAX)
}

/// An integer parameter; `None` when empty. Values beyond `i128` saturate.
fn parse_int_text(name: &str, s: &str) -> Result<Option<i128>, ScimError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Ok(n) = t.parse::<i128>() {
        return Ok(Some(n));
    }
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Some(if neg { i128::MIN } else { i128::MAX }));
    }
    Err(ScimError::invalid_value(format!(
        "{name} must be an integer, found '{s}'"
    )))
}

/// An integer in a SearchRequest: a JSON integer, an integral float, or a numeric string.
fn parse_int_json(name: &str, v: &Value) -> Result<Option<i128>, ScimError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i128::from(i)))
            } else if let Some(u) = n.as_u64() {
                Ok(Some(i128::from(u)))
            } else {
                match n.as_f64() {
                    // Saturating float-to-int conversion is exactly the clamping we want.
                    #[allow(clippy::cast_possible_truncation)]
                    Some(f) if f.fract() == 0.0 => Ok(Some(f as i128)),
                    _ => Err(ScimError::invalid_value(format!(
                        "{name} must be an integer, found {n}"
                    ))),
                }
            }
        }
        Value::String(s) => parse_int_text(name, s),
        other => Err(ScimError::invalid_value(format!(
            "{name} must be an integer, found {other}"
        ))),
    }
}

fn parse_sort_order(s: &str) -> Result<bool, ScimError> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("ascending") {
        Ok(true)
    } else if t.eq_ignore_ascii_case("descending") {
        Ok(false)
    } else {
        Err(ScimError::invalid_value(format!(
            "sortOrder must be \"ascending\" or \"descending\", found '{s}'"
        )))
    }
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// `attributes=userName,name.givenName` (§3.4.2.5: "a multi-valued list of strings").
fn split_list(s: &str) -> Vec<String> {
    s.split(',').filter_map(non_empty).collect()
}

fn string_list(name: &str, v: &Value) -> Result<Vec<String>, ScimError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(split_list(s)),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::trim)
                    .map(str::to_string)
                    .ok_or_else(|| {
                        ScimError::invalid_value(format!("{name} must hold strings, found {i}"))
                    })
            })
            .filter(|r| r.as_ref().map_or(true, |s| !s.is_empty()))
            .collect(),
        other => Err(ScimError::invalid_value(format!(
            "{name} must be an array of strings, found {other}"
        ))),
    }
}

/// A ListResponse (RFC 7644 §3.4.2). Numbers are JSON integers (Okta checks `totalResults: 0`).
pub fn list_response(total_results: u64, start_index: u64, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [urn::LIST_RESPONSE],
        "totalResults": total_results,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

// ---------------------------------------------------------------------------------------------
// Projection (§3.4.2.5)

/// Attributes returned whatever `attributes`/`excludedAttributes` say: `id` is
/// `returned: "always"` (RFC 7643 §3.1) and `schemas` is needed to read the rest.
const ALWAYS: [&str; 2] = ["id", "schemas"];

/// One requested name, resolved against the resource: `ext` is the resource's own key of the
/// extension object (`None` for top-level attributes), `attr` `None` means the whole extension.
struct Selector {
    ext: Option<String>,
    attr: Option<String>,
    sub: Option<String>,
}

fn split_dot(s: &str) -> (String, Option<String>) {
    match s.split_once('.') {
        Some((a, b)) => (a.to_string(), Some(b.to_string())),
        None => (s.to_string(), None),
    }
}

fn resolve(resource: &Map<String, Value>, name: &str) -> Option<Selector> {
    let name = name.trim();
    let is_urn = name
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    if !is_urn {
        let (attr, sub) = split_dot(name);
        return Some(Selector {
            ext: None,
            attr: Some(attr),
            sub,
        });
    }
    for key in resource
        .keys()
        .filter(|k| k.len() > 4 && resource[*k].is_object())
    {
        if key.eq_ignore_ascii_case(name) {
            return Some(Selector {
                ext: Some(key.clone()),
                attr: None,
                sub: None,
            });
        }
        let prefix_matches = name
            .get(..key.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(key))
            && name.as_bytes().get(key.len()) == Some(&b':');
        if prefix_matches {
            let (attr, sub) = split_dot(&name[key.len() + 1..]);
            return Some(Selector {
                ext: Some(key.clone()),
                attr: Some(attr),
                sub,
            });
        }
    }
    // `urn:ietf:params:scim:schemas:core:2.0:User:userName` names the top-level `userName`.
    let (schema, rest) = name.rsplit_once(':')?;
    if urn::is_core(schema) {
        let (attr, sub) = split_dot(rest);
        return Some(Selector {
            ext: None,
            attr: Some(attr),
            sub,
        });
    }
    None
}

/// Keeps the listed sub-attributes of a complex value, or of each element of a multi-valued one.
fn keep_subs(v: &Value, subs: &[&str]) -> Option<Value> {
    let pick = |m: &Map<String, Value>| -> Map<String, Value> {
        m.iter()
            .filter(|(k, _)| subs.iter().any(|s| s.eq_ignore_ascii_case(k)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    match v {
        Value::Object(m) => {
            Some(Value::Object(pick(m))).filter(|o| o.as_object().is_some_and(|m| !m.is_empty()))
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items
                .iter()
                .filter_map(Value::as_object)
                .map(pick)
                .filter(|m| !m.is_empty())
                .map(Value::Object)
                .collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        _ => None,
    }
}

fn drop_subs(v: &mut Value, subs: &[&str]) {
    let strip = |m: &mut Map<String, Value>| {
        m.retain(|k, _| !subs.iter().any(|s| s.eq_ignore_ascii_case(k)))
    };
    match v {
        Value::Object(m) => strip(m),
        Value::Array(items) => items
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(strip),
        _ => {}
    }
}

/// Projects `obj` (the resource or one extension object) onto selectors with `ext == scope`.
fn keep_in(obj: &Map<String, Value>, sels: &[Selector], scope: Option<&str>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in obj {
        let matching: Vec<&Selector> = sels
            .iter()
            .filter(|s| {
                s.ext.as_deref() == scope
                    && s.attr.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(k))
            })
            .collect();
        if matching.is_empty() {
            continue;
        }
        if matching.iter().any(|s| s.sub.is_none()) {
            out.insert(k.clone(), v.clone());
        } else {
            let subs: Vec<&str> = matching.iter().filter_map(|s| s.sub.as_deref()).collect();
            if let Some(kept) = keep_subs(v, &subs) {
                out.insert(k.clone(), kept);
            }
        }
    }
    out
}

fn drop_in(obj: &mut Map<String, Value>, sels: &[Selector], scope: Option<&str>) {
    let keys: Vec<String> = obj.keys().cloned().collect();
    for k in keys {
        if scope.is_none() && ALWAYS.iter().any(|a| a.eq_ignore_ascii_case(&k)) {
            continue;
        }
        let matching: Vec<&Selector> = sels
            .iter()
            .filter(|s| {
                s.ext.as_deref() == scope
                    && s.attr
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(&k))
            })
            .collect();
        if matching.iter().any(|s| s.sub.is_none()) {
            obj.remove(&k);
        } else if !matching.is_empty() {
            let subs: Vec<&str> = matching.iter().filter_map(|s| s.sub.as_deref()).collect();
            if let Some(v) = obj.get_mut(&k) {
                drop_subs(v, &subs);
            }
        }
    }
}

/// Applies `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5) to one resource.
///
/// Names are case-insensitive; `name.givenName` selects a sub-attribute (of each element for
/// multi-valued attributes); `urn:…:enterprise:2.0:User:department` selects inside the extension
/// object, `urn:…:enterprise:2.0:User` the whole extension, and `urn:…:core:2.0:User:userName`
/// the top-level attribute. `id` and `schemas` are always kept. With both lists, `attributes`
/// is applied first. A non-object resource is returned unchanged.
pub fn project(resource: &Value, attributes: &[String], excluded: &[String]) -> Value {
    let Some(obj) = resource.as_object() else {
        return resource.clone();
    };
    let mut result = if attributes.is_empty() {
        obj.clone()
    } else {
        let sels: Vec<Selector> = attributes.iter().filter_map(|a| resolve(obj, a)).collect();
        let mut out = keep_in(obj, &sels, None);
        for (k, v) in obj {
            if ALWAYS.iter().any(|a| a.eq_ignore_ascii_case(k)) {
                out.insert(k.clone(), v.clone());
            }
            let ext_sels: Vec<&Selector> = sels
                .iter()
                .filter(|s| s.ext.as_deref() == Some(k.as_str()))
                .collect();
            if ext_sels.is_empty() {
                continue;
            }
            if ext_sels.iter().any(|s| s.attr.is_none()) {
                out.insert(k.clone(), v.clone());
            } else if let Some(ext) = v.as_object() {
                let kept = keep_in(ext, &sels, Some(k));
                if !kept.is_empty() {
                    out.insert(k.clone(), Value::Object(kept));
                }
            }
        }
        out
    };
    if !excluded.is_empty() {
        let sels: Vec<Selector> = excluded.iter().filter_map(|a| resolve(obj, a)).collect();
        drop_in(&mut result, &sels, None);
        let ext_keys: Vec<String> = sels.iter().filter_map(|s| s.ext.clone()).collect();
        for k in ext_keys {
            if sels
                .iter()
                .any(|s| s.ext.as_deref() == Some(k.as_str()) && s.attr.is_none())
            {
                result.remove(&k);
                continue;
            }
            if let Some(Value::Object(ext)) = result.get_mut(&k) {
                drop_in(ext, &sels, Some(&k));
                if ext.is_empty() {
                    result.remove(&k);
                }
            }
        }
    }
    Value::Object(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::ScimType;

    fn qs(s: &str) -> ListQuery {
        ListQuery::from_query_string(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_okta_lookup_query_string_parses_with_url_decoding() {
        let q = qs("filter=userName%20eq%20%22a%2Bb%40example.com%22&startIndex=1&count=100");
        assert_eq!(q.start_index, 1);
        assert_eq!(q.count, Some(100));
        let Some(Filter::Compare { attr, value, .. }) = q.filter else {
            panic!("{:?}", q.filter)
        };
        assert!(attr.is("userName"));
        assert_eq!(
            value,
            crate::scim::CompValue::String("a+b@example.com".into())
        );
    }

    #[test]
    fn plus_signs_decode_to_spaces_as_form_encoding_says() {
        let q = qs("?filter=userName+eq+%22x%22");
        assert!(q.filter.is_some());
    }

    #[test]
    fn no_parameters_give_the_defaults() {
        assert_eq!(qs(""), ListQuery::default());
        let d = ListQuery::default();
        assert_eq!((d.start_index, d.count, d.sort_ascending), (1, None, true));
    }

    #[test]
    fn parameter_names_are_case_insensitive() {
        let q = qs("FILTER=title%20pr&startindex=3&COUNT=5&Attributes=userName&excludedattributes=emails&SORTBY=userName&sortorder=Descending");
        assert!(q.filter.is_some());
        assert_eq!((q.start_index, q.count), (3, Some(5)));
        assert_eq!(q.attributes, strings(&["userName"]));
        assert_eq!(q.excluded_attributes, strings(&["emails"]));
        assert_eq!(q.sort_by.as_deref(), Some("userName"));
        assert!(!q.sort_ascending);
    }

    #[test]
    fn a_start_index_below_one_is_read_as_one() {
        assert_eq!(qs("startIndex=0").start_index, 1);
        assert_eq!(qs("startIndex=-5").start_index, 1);
        assert_eq!(
            qs("startIndex=-99999999999999999999999999999999999999999").start_index,
            1
        );
    }

    #[test]
    fn a_negative_count_is_read_as_zero() {
        assert_eq!(qs("count=-1").count, Some(0));
        assert_eq!(
            qs("count=99999999999999999999999999999999999999999").count,
            Some(u64::MAX)
        );
    }

    #[test]
    fn non_numeric_start_index_or_count_is_invalid_value_with_detail() {
        for (q, name) in [
            ("startIndex=abc", "startIndex"),
            ("count=1.5", "count"),
            ("count=ten", "count"),
        ] {
            let e = ListQuery::from_query_string(q).expect_err(q);
            assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "{q}");
            assert!(e.detail.contains(name), "{}", e.detail);
        }
    }

    #[test]
    fn empty_parameters_are_treated_as_absent() {
        let q = qs("filter=&startIndex=&count=");
        assert_eq!(q, ListQuery::default());
    }

    #[test]
    fn attributes_are_comma_separated_and_trimmed() {
        let q = qs("attributes=userName,%20name.givenName,,emails.value");
        assert_eq!(
            q.attributes,
            strings(&["userName", "name.givenName", "emails.value"])
        );
    }

    #[test]
    fn filter_parse_errors_propagate() {
        let e = ListQuery::from_query_string("filter=userName%20equals%20%22x%22").unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
        assert!(e.detail.contains("position 10"), "{}", e.detail);
    }

    #[test]
    fn a_bad_sort_order_is_invalid_value() {
        let e = ListQuery::from_query_string("sortOrder=sideways").unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    }

    #[test]
    fn a_repeated_parameter_takes_the_last_value() {
        assert_eq!(qs("count=5&count=7").count, Some(7));
    }

    #[test]
    fn unknown_parameters_are_ignored() {
        assert_eq!(qs("foo=bar&_=123"), ListQuery::default());
    }

    #[test]
    fn a_search_request_body_parses_with_the_same_rules() {
        let q = ListQuery::from_search_request(&json!({
            "schemas": [urn::SEARCH_REQUEST],
            "filter": "userName Eq \"x\"",
            "startIndex": 0,
            "count": -3,
            "attributes": ["userName", "name.givenName"],
            "excludedAttributes": "emails, phoneNumbers",
            "sortBy": "userName",
            "sortOrder": "descending"
        }))
        .unwrap();
        assert!(q.filter.is_some());
        assert_eq!((q.start_index, q.count), (1, Some(0)));
        assert_eq!(q.attributes, strings(&["userName", "name.givenName"]));
        assert_eq!(q.excluded_attributes, strings(&["emails", "phoneNumbers"]));
        assert_eq!(q.sort_by.as_deref(), Some("userName"));
        assert!(!q.sort_ascending);
    }

    #[test]
    fn a_search_request_accepts_numeric_strings_and_any_key_case_and_no_schemas() {
        let q = ListQuery::from_search_request(&json!({"StartIndex": "2", "COUNT": 10.0})).unwrap();
        assert_eq!((q.start_index, q.count), (2, Some(10)));
    }

    #[test]
    fn a_search_request_rejects_wrong_schemas_and_bad_values() {
        let e = ListQuery::from_search_request(&json!({"schemas": [urn::PATCH_OP]})).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
        let e = ListQuery::from_search_request(&json!({"count": "many"})).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        let e = ListQuery::from_search_request(&json!({"count": 1.5})).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        let e = ListQuery::from_search_request(&json!({"filter": "userName eq"})).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
        let e = ListQuery::from_search_request(&json!({"attributes": [1]})).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        let e = ListQuery::from_search_request(&json!("x")).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    }

    #[test]
    fn page_size_caps_the_requested_count() {
        assert_eq!(qs("count=500").page_size(100), 100);
        assert_eq!(qs("count=5").page_size(100), 5);
        assert_eq!(qs("").page_size(100), 100);
    }

    #[test]
    fn an_empty_list_response_has_integer_counts_and_an_empty_resources_array() {
        assert_eq!(
            list_response(0, 1, vec![]),
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": 0,
                "startIndex": 1,
                "itemsPerPage": 0,
                "Resources": []
            })
        );
    }

    #[test]
    fn items_per_page_is_the_number_of_resources_returned() {
        let r = list_response(42, 11, vec![json!({"id": "a"}), json!({"id": "b"})]);
        assert_eq!(r["totalResults"], 42);
        assert_eq!(r["startIndex"], 11);
        assert_eq!(r["itemsPerPage"], 2);
        assert!(r["totalResults"].is_u64());
    }

    fn user() -> Value {
        json!({
            "schemas": [urn::USER_SCHEMA, urn::ENTERPRISE_USER_SCHEMA],
            "id": "u1",
            "userName": "bjensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"type": "work", "value": "b@x.com", "primary": true}],
            "active": true,
            "meta": {"resourceType": "User"},
            urn::ENTERPRISE_USER_SCHEMA: {"department": "Sales", "manager": {"value": "m1"}}
        })
    }

    #[test]
    fn projection_keeps_only_requested_attributes_plus_id_and_schemas() {
        let p = project(&user(), &strings(&["USERNAME"]), &[]);
        assert_eq!(
            p,
            json!({"schemas": [urn::USER_SCHEMA, urn::ENTERPRISE_USER_SCHEMA], "id": "u1", "userName": "bjensen"})
        );
    }

    #[test]
    fn projection_selects_dotted_sub_attributes_of_complex_and_multi_valued_attributes() {
        let p = project(&user(), &strings(&["name.givenName", "emails.value"]), &[]);
        assert_eq!(p["name"], json!({"givenName": "Barbara"}));
        assert_eq!(p["emails"], json!([{"value": "b@x.com"}]));
        assert!(p.get("userName").is_none());
    }

    #[test]
    fn projection_understands_urn_qualified_names() {
        let ent = urn::ENTERPRISE_USER_SCHEMA;
        let p = project(
            &user(),
            &strings(&[
                &format!("{ent}:department"),
                "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            ]),
            &[],
        );
        assert_eq!(p[ent], json!({"department": "Sales"}));
        assert_eq!(p["userName"], "bjensen");
        let whole = project(&user(), &strings(&[&ent.to_lowercase()]), &[]);
        assert_eq!(whole[ent]["manager"]["value"], "m1");
        let sub = project(&user(), &strings(&[&format!("{ent}:manager.value")]), &[]);
        assert_eq!(sub[ent], json!({"manager": {"value": "m1"}}));
    }

    #[test]
    fn excluded_attributes_are_removed_but_id_and_schemas_stay() {
        let ent = urn::ENTERPRISE_USER_SCHEMA;
        let p = project(
            &user(),
            &[],
            &strings(&[
                "emails",
                "id",
                "schemas",
                "name.familyName",
                &format!("{ent}:department"),
            ]),
        );
        assert!(p.get("emails").is_none());
        assert_eq!(p["id"], "u1");
        assert!(p.get("schemas").is_some());
        assert_eq!(p["name"], json!({"givenName": "Barbara"}));
        assert_eq!(p[ent], json!({"manager": {"value": "m1"}}));
        let no_ext = project(
            &user(),
            &[],
            &strings(&[&format!("{ent}:department"), &format!("{ent}:manager")]),
        );
        assert!(no_ext.get(ent).is_none(), "an emptied extension disappears");
    }

    #[test]
    fn no_lists_return_the_resource_unchanged() {
        assert_eq!(project(&user(), &[], &[]), user());
    }

    #[test]
    fn unknown_names_select_nothing_but_id_and_schemas() {
        let p = project(&user(), &strings(&["nope", "urn:x:y:z"]), &[]);
        assert_eq!(p.as_object().map(|m| m.len()), Some(2));
    }
}
