//! Unit tests for the SOQL engine: parsing, resolution and evaluation, checked the way a client of
//! the emulator would see them (rows returned, error codes and messages).

use serde_json::{json, Value};

use super::*;

/// A small Contact / Lead schema, with the field kinds the emulator uses.
struct TestSchema;

const CONTACT_FIELDS: &[(&str, FieldKind)] = &[
    ("Id", FieldKind::Id),
    ("FirstName", FieldKind::String),
    ("LastName", FieldKind::String),
    ("Email", FieldKind::Email),
    ("Phone", FieldKind::Phone),
    ("LeadSource", FieldKind::Picklist),
    ("Description", FieldKind::TextArea),
    ("AccountId", FieldKind::Reference),
    ("HasOptedOutOfEmail", FieldKind::Boolean),
    ("CreatedDate", FieldKind::DateTime),
    ("Birthdate", FieldKind::Date),
    ("Score__c", FieldKind::Double),
    ("Rank__c", FieldKind::Int),
];

impl SchemaLookup for TestSchema {
    fn object(&self, name: &str) -> Option<String> {
        ["Contact", "Lead"]
            .iter()
            .find(|o| o.eq_ignore_ascii_case(name))
            .map(|o| o.to_string())
    }

    fn field(&self, object: &str, name: &str) -> Option<(String, FieldKind)> {
        if object != "Contact" && object != "Lead" {
            return None;
        }
        CONTACT_FIELDS
            .iter()
            .find(|(f, _)| f.eq_ignore_ascii_case(name))
            .map(|(f, k)| (f.to_string(), *k))
    }

    // Description plays the long text area.
    fn is_filterable(&self, _object: &str, field: &str) -> bool {
        field != "Description"
    }

    fn is_sortable(&self, _object: &str, field: &str) -> bool {
        field != "Description"
    }
}

fn row(v: Value) -> Row {
    match v {
        Value::Object(m) => m,
        _ => Row::new(),
    }
}

fn people() -> Vec<Row> {
    vec![
        row(
            json!({"Id": "003000000000001AAA", "FirstName": "Ada", "LastName": "Lovelace",
            "Email": "ada@x.com", "HasOptedOutOfEmail": false,
            "CreatedDate": "2026-01-01T09:00:00.000+0000", "Birthdate": "1815-12-10",
            "Score__c": 9.5, "Rank__c": 1, "LeadSource": "Web"}),
        ),
        row(
            json!({"Id": "003000000000002AAA", "FirstName": "Grace", "LastName": "Hopper",
            "Email": "grace@navy.mil", "HasOptedOutOfEmail": true,
            "CreatedDate": "2026-02-01T00:00:00.000+0000", "Birthdate": "1906-12-09",
            "Score__c": 8.0, "Rank__c": 2}),
        ),
        row(
            json!({"Id": "003000000000003AAA", "FirstName": "Conan", "LastName": "O'Brien",
            "Email": null, "HasOptedOutOfEmail": false,
            "CreatedDate": "2026-03-01T12:30:00.000+0000", "Score__c": 5.0, "Rank__c": 3,
            "LeadSource": "Phone Inquiry"}),
        ),
        row(json!({"Id": "003000000000004AAA", "LastName": "100%_Real",
            "Email": "real@x.com",
            "CreatedDate": "2026-03-01T12:30:00.000+0000", "Rank__c": 4})),
        row(
            json!({"Id": "003000000000005AAA", "FirstName": "ada", "LastName": "Élodie",
            "Email": "elodie@x.com", "HasOptedOutOfEmail": true, "Rank__c": 5}),
        ),
    ]
}

fn run(soql: &str) -> Result<QueryOutcome, SoqlError> {
    let data = people();
    Ok(parse(soql)?.resolve(&TestSchema)?.execute(data.iter()))
}

/// The LastNames a query returns, in order.
fn last_names(soql: &str) -> Vec<String> {
    match run(soql) {
        Ok(QueryOutcome::Rows(rows)) => rows
            .iter()
            .map(|r| {
                r.get("LastName")
                    .and_then(Value::as_str)
                    .unwrap_or("<null>")
                    .to_string()
            })
            .collect(),
        other => vec![format!("unexpected outcome: {other:?}")],
    }
}

fn error(soql: &str) -> SoqlError {
    match run(soql) {
        Err(e) => e,
        Ok(outcome) => SoqlError {
            code: "NO_ERROR",
            message: format!("{outcome:?}"),
        },
    }
}

fn assert_malformed(soql: &str, token: &str) {
    let e = error(soql);
    assert_eq!(e.code, "MALFORMED_QUERY", "{soql}: {e:?}");
    let expected = format!("unexpected token: '{token}'");
    assert!(
        e.message.contains(&expected),
        "{soql}: {} lacks {expected}",
        e.message
    );
}

// ---------- SELECT, projection, COUNT ----------

#[test]
fn selected_fields_come_back_in_select_order_with_canonical_names_and_nulls() {
    let Ok(QueryOutcome::Rows(rows)) =
        run("SELECT lastname, ID, email FROM contact WHERE Rank__c = 3")
    else {
        panic!("query failed")
    };
    assert_eq!(rows.len(), 1);
    let keys: Vec<&String> = rows[0].keys().collect();
    let mut expected = vec!["LastName", "Id", "Email"];
    expected.sort();
    let mut got: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
    got.sort();
    assert_eq!(got, expected);
    assert_eq!(rows[0]["Email"], Value::Null);
    assert_eq!(rows[0]["LastName"], json!("O'Brien"));
}

#[test]
fn keywords_are_case_insensitive() {
    assert_eq!(
        last_names(
            "select LastName from Contact where FirstName = 'grace' order by LastName limit 5"
        ),
        vec!["Hopper"]
    );
    assert_eq!(
        last_names(
            "SeLeCt LastName FrOm Contact WhErE Rank__c In (1) OrDeR By LastName DeSc NuLlS LaSt"
        ),
        vec!["Lovelace"]
    );
}

#[test]
fn resolved_query_reports_object_and_selection() {
    let Ok(q) = parse("SELECT id, FIRSTNAME FROM lead").and_then(|q| q.resolve(&TestSchema)) else {
        panic!("query failed")
    };
    assert_eq!(q.object(), "Lead");
    assert_eq!(
        q.selection(),
        &Selection::Fields(vec!["Id".into(), "FirstName".into()])
    );
}

#[test]
fn count_returns_the_number_of_rows_after_where_and_limit_caps_it() {
    assert_eq!(
        run("SELECT COUNT() FROM Contact"),
        Ok(QueryOutcome::Count(5))
    );
    assert_eq!(
        run("SELECT COUNT() FROM Contact WHERE Email LIKE '%@x.com'"),
        Ok(QueryOutcome::Count(3))
    );
    assert_eq!(
        run("SELECT count ( ) FROM Contact LIMIT 2"),
        Ok(QueryOutcome::Count(2))
    );
}

#[test]
fn count_with_a_field_is_an_aggregate_and_is_refused() {
    assert_malformed("SELECT COUNT(Id) FROM Contact", "Id");
}

#[test]
fn a_field_selected_twice_is_invalid_field() {
    let e = error("SELECT Id, id FROM Contact");
    assert_eq!(e.code, "INVALID_FIELD");
    assert!(
        e.message.contains("duplicate field selected: Id"),
        "{}",
        e.message
    );
}

// ---------- operators ----------

#[test]
fn equals_on_text_ignores_case() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Email = 'ADA@X.COM'"),
        vec!["Lovelace"]
    );
}

#[test]
fn not_equals_in_both_spellings_includes_rows_whose_value_is_null() {
    let expected = vec!["Lovelace", "O'Brien", "100%_Real", "Élodie"];
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Email != 'grace@navy.mil'"),
        expected
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Email <> 'GRACE@navy.mil'"),
        expected
    );
}

#[test]
fn ordering_operators_compare_numbers() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Score__c < 8"),
        vec!["O'Brien"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Score__c <= 8"),
        vec!["Hopper", "O'Brien"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Score__c > 8"),
        vec!["Lovelace"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Score__c >= 8.0"),
        vec!["Lovelace", "Hopper"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Rank__c >= -1 AND Rank__c < 2.5"),
        vec!["Lovelace", "Hopper"]
    );
}

#[test]
fn ordering_operators_compare_text_case_insensitively() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE LastName > 'lovelace' AND LastName < 'Z'"),
        vec!["O'Brien"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Id > '003000000000003AAA'"),
        vec!["100%_Real", "Élodie"]
    );
}

#[test]
fn like_supports_percent_and_underscore_wildcards_case_insensitively() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE LastName LIKE 'l%'"),
        vec!["Lovelace"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE LastName LIKE '_OPPER'"),
        vec!["Hopper"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE LastName LIKE '%e%a%'"),
        vec!["Lovelace", "100%_Real"]
    );
    assert!(last_names("SELECT LastName FROM Contact WHERE LastName LIKE 'Hop'").is_empty());
}

#[test]
fn like_with_an_escaped_apostrophe_matches_obrien() {
    assert_eq!(
        last_names(r"SELECT LastName FROM Contact WHERE LastName LIKE 'O\'Br%'"),
        vec!["O'Brien"]
    );
}

#[test]
fn escaped_percent_and_underscore_in_like_are_literal_characters() {
    assert_eq!(
        last_names(r"SELECT LastName FROM Contact WHERE LastName LIKE '100\%\_%'"),
        vec!["100%_Real"]
    );
    // Escaped, `_` only matches an underscore; unescaped it matches any one character.
    assert!(last_names(r"SELECT LastName FROM Contact WHERE LastName LIKE 'Love\_ace'").is_empty());
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE LastName LIKE 'Love_ace'"),
        vec!["Lovelace"]
    );
}

#[test]
fn in_matches_any_listed_value_and_not_in_includes_nulls() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Email IN ('ADA@x.com', 'real@x.com')"),
        vec!["Lovelace", "100%_Real"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Email NOT IN ('ada@x.com', 'real@x.com', 'elodie@x.com')"),
        vec!["Hopper", "O'Brien"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Email IN (null)"),
        vec!["O'Brien"]
    );
}

#[test]
fn equals_null_matches_missing_and_null_values_and_not_equals_null_the_rest() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Email = null"),
        vec!["O'Brien"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE FirstName = NULL"),
        vec!["100%_Real"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Score__c != null").len(),
        3
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Email = ''"),
        vec!["O'Brien"]
    );
}

#[test]
fn boolean_fields_compare_with_true_and_false_and_missing_is_false() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE HasOptedOutOfEmail = TRUE"),
        vec!["Hopper", "Élodie"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE HasOptedOutOfEmail = false"),
        vec!["Lovelace", "O'Brien", "100%_Real"]
    );
}

#[test]
fn a_fifteen_character_id_matches_its_eighteen_character_form() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Id = '003000000000002'"),
        vec!["Hopper"]
    );
}

// ---------- AND / OR / NOT ----------

#[test]
fn and_binds_all_conditions_and_or_any() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE FirstName = 'ada' AND HasOptedOutOfEmail = true AND Rank__c = 5"),
        vec!["Élodie"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Rank__c = 1 OR Rank__c = 3 OR Rank__c = 99"),
        vec!["Lovelace", "O'Brien"]
    );
}

#[test]
fn mixing_and_with_or_without_parentheses_is_malformed_as_in_salesforce() {
    assert_malformed(
        "SELECT Id FROM Contact WHERE Rank__c = 1 AND Rank__c = 2 OR Rank__c = 3",
        "OR",
    );
    assert_malformed(
        "SELECT Id FROM Contact WHERE Rank__c = 1 OR Rank__c = 2 AND Rank__c = 3",
        "AND",
    );
}

#[test]
fn parentheses_decide_precedence() {
    assert_eq!(
        last_names(
            "SELECT LastName FROM Contact WHERE FirstName = 'ada' AND (Rank__c = 5 OR Rank__c = 2)"
        ),
        vec!["Élodie"]
    );
    assert_eq!(
        last_names(
            "SELECT LastName FROM Contact WHERE (FirstName = 'ada' AND Rank__c = 5) OR Rank__c = 2"
        ),
        vec!["Hopper", "Élodie"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE ((((Rank__c = 2))))"),
        vec!["Hopper"]
    );
}

#[test]
fn not_negates_a_condition_that_stands_alone_or_in_parentheses() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE NOT Rank__c < 4"),
        vec!["100%_Real", "Élodie"]
    );
    assert_eq!(
        last_names(
            "SELECT LastName FROM Contact WHERE Rank__c > 1 AND (NOT (Rank__c = 2 OR Rank__c = 3))"
        ),
        vec!["100%_Real", "Élodie"]
    );
    // Salesforce refuses NOT directly after AND/OR: the parentheses are required.
    assert_malformed(
        "SELECT LastName FROM Contact WHERE Rank__c > 1 AND NOT Rank__c = 2",
        "NOT",
    );
    assert_malformed(
        "SELECT LastName FROM Contact WHERE NOT Rank__c = 2 AND Rank__c > 1",
        "AND",
    );
}

// ---------- string literal escapes ----------

#[test]
fn unicode_escapes_decode_to_the_character() {
    assert_eq!(
        last_names(r"SELECT LastName FROM Contact WHERE LastName = '\u00c9lodie'"),
        vec!["Élodie"]
    );
    assert_eq!(
        last_names(r"SELECT LastName FROM Contact WHERE LastName = '\u00e9lodie'"),
        vec!["Élodie"]
    );
}

#[test]
fn every_documented_escape_decodes_exactly() {
    let Ok(tokens) = lexer::tokenize(r#"'\\ \' \" \n \r \t \b \f \u0041 \uD83D\uDE00'"#) else {
        panic!("lexing failed")
    };
    let lexer::Tok::Str(chars) = &tokens[0].tok else {
        panic!("not a string: {:?}", tokens[0])
    };
    let s: String = chars.iter().map(|c| c.ch).collect();
    assert_eq!(s, "\\ ' \" \n \r \t \u{8} \u{c} A \u{1F600}");
}

#[test]
fn an_illegal_escape_is_malformed() {
    let e = error(r"SELECT Id FROM Contact WHERE LastName = 'a\qb'");
    assert_eq!(e.code, "MALFORMED_QUERY");
    assert!(
        e.message.contains(r"Illegal character sequence '\q'"),
        "{}",
        e.message
    );
    for bad in [r"'\U00e9'", r"'\u12'", r"'\uZZZZ'", r"'\uD800'", r"'\"] {
        let e = error(&format!("SELECT Id FROM Contact WHERE LastName = {bad}"));
        assert_eq!(e.code, "MALFORMED_QUERY", "{bad}");
    }
}

#[test]
fn an_unterminated_string_is_malformed() {
    let e = error("SELECT Id FROM Contact WHERE LastName = 'O");
    assert_eq!(e.code, "MALFORMED_QUERY");
    assert!(e.message.contains("unterminated string"), "{}", e.message);
    // Salesforce does not double quotes: 'O''Brien' is 'O' followed by the string 'Brien'.
    assert_malformed(
        "SELECT Id FROM Contact WHERE LastName = 'O''Brien'",
        "'Brien'",
    );
}

// ---------- LIMIT / OFFSET ----------

#[test]
fn offset_is_applied_before_limit() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact ORDER BY Rank__c LIMIT 2 OFFSET 1"),
        vec!["Hopper", "O'Brien"]
    );
    assert!(last_names("SELECT LastName FROM Contact LIMIT 0").is_empty());
    assert!(last_names("SELECT LastName FROM Contact OFFSET 10").is_empty());
}

#[test]
fn offset_2000_is_accepted_and_2001_is_number_outside_valid_range() {
    assert!(parse("SELECT Id FROM Contact LIMIT 10 OFFSET 2000").is_ok());
    for big in ["2001", "99999999999999999999999"] {
        let Err(e) = parse(&format!("SELECT Id FROM Contact OFFSET {big}")) else {
            panic!("OFFSET {big} accepted")
        };
        assert_eq!(e.code, "NUMBER_OUTSIDE_VALID_RANGE");
        assert!(
            e.message.contains("offset allowed is 2000"),
            "{}",
            e.message
        );
    }
}

#[test]
fn limit_and_offset_need_plain_non_negative_integers() {
    assert_malformed("SELECT Id FROM Contact LIMIT -1", "-1");
    assert_malformed("SELECT Id FROM Contact LIMIT 1.5", "1.5");
    assert_malformed("SELECT Id FROM Contact LIMIT", "<EOF>");
    let e = error("SELECT Id FROM Contact LIMIT 2147483648");
    assert_eq!(e.code, "MALFORMED_QUERY");
    assert!(
        e.message.contains("numeric value out of range"),
        "{}",
        e.message
    );
    assert_malformed("SELECT Id FROM Contact OFFSET 1 LIMIT 1", "LIMIT");
}

// ---------- ORDER BY ----------

#[test]
fn order_by_defaults_to_ascending_with_nulls_first() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact ORDER BY FirstName"),
        vec!["100%_Real", "Lovelace", "Élodie", "O'Brien", "Hopper"]
    );
}

#[test]
fn order_by_several_fields_honours_desc_and_nulls_last() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact ORDER BY FirstName DESC NULLS LAST, Rank__c DESC"),
        vec!["Hopper", "O'Brien", "Élodie", "Lovelace", "100%_Real"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact ORDER BY Score__c DESC NULLS FIRST, LastName ASC"),
        vec!["100%_Real", "Élodie", "Lovelace", "Hopper", "O'Brien"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact ORDER BY CreatedDate DESC NULLS LAST, LastName"),
        vec!["100%_Real", "O'Brien", "Hopper", "Lovelace", "Élodie"]
    );
}

#[test]
fn order_by_text_ignores_case() {
    let data = [
        row(json!({"LastName": "beta"})),
        row(json!({"LastName": "Alpha"})),
        row(json!({"LastName": "Charlie"})),
    ];
    let Ok(q) = parse("SELECT LastName FROM Contact ORDER BY LastName")
        .and_then(|q| q.resolve(&TestSchema))
    else {
        panic!("query failed")
    };
    let QueryOutcome::Rows(rows) = q.execute(data.iter()) else {
        panic!("not rows")
    };
    let names: Vec<&Value> = rows.iter().map(|r| &r["LastName"]).collect();
    assert_eq!(names, vec!["Alpha", "beta", "Charlie"]);
}

// ---------- dates ----------

#[test]
fn datetimes_compare_as_instants_whatever_the_offset() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE CreatedDate > 2026-02-01T00:00:00Z"),
        vec!["O'Brien", "100%_Real"]
    );
    // 01:00 at +01:00 is midnight UTC: Hopper's exact creation instant.
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE CreatedDate = 2026-02-01T01:00:00+01:00"),
        vec!["Hopper"]
    );
    assert_eq!(
        last_names(
            "SELECT LastName FROM Contact WHERE CreatedDate <= 2026-01-01T04:00:00.000-05:00"
        ),
        vec!["Lovelace"]
    );
}

#[test]
fn dates_compare_on_date_fields() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE Birthdate < 1900-01-01"),
        vec!["Lovelace"]
    );
}

#[test]
fn date_literals_must_match_the_field_type_and_be_unquoted() {
    for (soql, needle) in [
        (
            "SELECT Id FROM Contact WHERE CreatedDate > 2026-01-01",
            "must be of type dateTime",
        ),
        (
            "SELECT Id FROM Contact WHERE CreatedDate > '2026-01-01T00:00:00Z'",
            "should not be enclosed in quotes",
        ),
        (
            "SELECT Id FROM Contact WHERE Birthdate = 2026-01-01T00:00:00Z",
            "must be of type date",
        ),
    ] {
        let e = error(soql);
        assert_eq!(e.code, "INVALID_FIELD", "{soql}");
        assert!(e.message.contains(needle), "{soql}: {}", e.message);
    }
    for bad in [
        "2026-13-01",
        "2026-01-01T25:00:00Z",
        "2026-01-01T00:00:00",
        "2026-01-01T00:00Z",
    ] {
        let e = error(&format!("SELECT Id FROM Contact WHERE CreatedDate > {bad}"));
        assert_eq!(e.code, "MALFORMED_QUERY", "{bad}: {e:?}");
    }
}

// ---------- resolution errors ----------

#[test]
fn an_unknown_object_is_invalid_type() {
    let e = error("SELECT Id FROM Foo");
    assert_eq!(e.code, "INVALID_TYPE");
    assert!(
        e.message.contains("sObject type 'Foo' is not supported."),
        "{}",
        e.message
    );
}

#[test]
fn an_unknown_field_anywhere_is_invalid_field() {
    for soql in [
        "SELECT Foo FROM Contact",
        "SELECT Id FROM Contact WHERE Foo = 'x'",
        "SELECT Id FROM Contact WHERE Foo IN ('x')",
        "SELECT Id FROM Contact ORDER BY Foo",
        "SELECT COUNT() FROM Contact WHERE Foo LIKE 'x'",
    ] {
        let e = error(soql);
        assert_eq!(e.code, "INVALID_FIELD", "{soql}");
        assert!(
            e.message
                .contains("No such column 'Foo' on entity 'Contact'"),
            "{soql}: {}",
            e.message
        );
    }
}

#[test]
fn literals_of_the_wrong_type_are_invalid_field() {
    for (soql, needle) in [
        (
            "SELECT Id FROM Contact WHERE HasOptedOutOfEmail = 'true'",
            "must be of type boolean",
        ),
        (
            "SELECT Id FROM Contact WHERE Email = 5",
            "must be of type string and should be enclosed in quotes",
        ),
        (
            "SELECT Id FROM Contact WHERE LastName IN ('a', 5)",
            "must be of type string",
        ),
        (
            "SELECT Id FROM Contact WHERE Score__c = '5'",
            "must be of type double",
        ),
        (
            "SELECT Id FROM Contact WHERE Rank__c = true",
            "must be of type integer",
        ),
        (
            "SELECT Id FROM Contact WHERE HasOptedOutOfEmail LIKE 'x'",
            "invalid operator on boolean field",
        ),
        (
            "SELECT Id FROM Contact WHERE Rank__c LIKE '1%'",
            "LIKE is only valid on text fields",
        ),
        (
            "SELECT Id FROM Contact WHERE Id LIKE '003%'",
            "invalid operator on id field",
        ),
        (
            "SELECT Id FROM Contact WHERE HasOptedOutOfEmail > false",
            "invalid operator on boolean field",
        ),
        (
            "SELECT Id FROM Contact WHERE LastName LIKE null",
            "must be of type string",
        ),
    ] {
        let e = error(soql);
        assert_eq!(e.code, "INVALID_FIELD", "{soql}: {e:?}");
        assert!(e.message.contains(needle), "{soql}: {}", e.message);
    }
}

#[test]
fn an_id_literal_that_is_not_an_id_is_refused_like_salesforce_does() {
    for soql in [
        "SELECT Id FROM Contact WHERE Id = 'abc'",
        "SELECT Id FROM Contact WHERE AccountId IN ('001000000000001AAA', 'nope')",
        "SELECT Id FROM Contact WHERE Id = '003000000000001AA!'",
    ] {
        let e = error(soql);
        assert_eq!(e.code, "INVALID_QUERY_FILTER_OPERATOR", "{soql}");
        assert!(
            e.message.contains("invalid ID field: "),
            "{soql}: {}",
            e.message
        );
    }
    assert_eq!(
        last_names("SELECT LastName FROM Contact WHERE AccountId = null").len(),
        5
    );
}

#[test]
fn a_long_text_area_can_be_selected_but_not_filtered_or_sorted() {
    assert_eq!(
        last_names("SELECT LastName, Description FROM Contact").len(),
        5
    );
    let e = error("SELECT Id FROM Contact WHERE Description LIKE '%x%'");
    assert_eq!(e.code, "INVALID_FIELD");
    assert!(
        e.message
            .contains("field 'Description' can not be filtered in a query call"),
        "{}",
        e.message
    );
    let e = error("SELECT Id FROM Contact ORDER BY description");
    assert_eq!(e.code, "INVALID_FIELD");
    assert!(
        e.message
            .contains("field 'Description' can not be sorted in a query call"),
        "{}",
        e.message
    );
}

// ---------- malformed input ----------

#[test]
fn trailing_garbage_after_a_valid_query_is_malformed() {
    assert_malformed("SELECT Id FROM Contact garbage", "garbage");
    assert_malformed("SELECT Id FROM Contact LIMIT 1 garbage", "garbage");
    assert_malformed("SELECT Id FROM Contact WHERE LastName = 'x' 'y'", "'y'");
    assert_malformed("SELECT Id FROM Contact;", ";");
}

#[test]
fn unsupported_clauses_are_refused_and_never_ignored() {
    for (soql, token) in [
        (
            "SELECT LeadSource FROM Contact GROUP BY LeadSource",
            "GROUP",
        ),
        ("SELECT Id FROM Contact HAVING COUNT(Id) > 1", "HAVING"),
        ("SELECT Id, (SELECT Id FROM Cases) FROM Account", "("),
        ("SELECT Account.Name FROM Contact", "."),
        ("SELECT Id FROM Contact WHERE Account.Name = 'x'", "."),
        ("SELECT toLabel(LeadSource) FROM Contact", "("),
        ("SELECT Id FROM Contact FOR UPDATE", "FOR"),
        ("SELECT Id FROM Contact WITH SECURITY_ENFORCED", "WITH"),
        (
            "SELECT TYPEOF What WHEN Account THEN Name END FROM Event",
            "TYPEOF",
        ),
        ("SELECT Id FROM Contact USING SCOPE Mine", "USING"),
        (
            "SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account)",
            "SELECT",
        ),
        ("SELECT Id FROM Contact WHERE CreatedDate = TODAY", "TODAY"),
        (
            "SELECT Id FROM Contact WHERE CreatedDate = LAST_N_DAYS:7",
            "LAST_N_DAYS",
        ),
        ("SELECT Id FROM Contact WHERE LastName = :name", ":"),
        (
            "SELECT Id FROM Contact WHERE LeadSource INCLUDES ('Web')",
            "INCLUDES",
        ),
        ("SELECT Id FROM Contact c", "c"),
        ("SELECT * FROM Contact", "*"),
        ("SELECT FIELDS(ALL) FROM Contact", "("),
        ("SELECT Id FROM Contact ORDER BY LastName NULLS", "<EOF>"),
        ("SELECT Id FROM Contact WHERE LastName == 'x'", "="),
        ("SELECT Id, FROM Contact", "FROM"),
        ("SELECT Id FROM Contact WHERE", "<EOF>"),
        ("SELECT Id FROM Contact WHERE (LastName = 'x'", "<EOF>"),
        ("SELECT Id FROM Contact WHERE LastName IN ()", ")"),
        ("", "<EOF>"),
        ("DELETE FROM Contact", "DELETE"),
    ] {
        assert_malformed(soql, token);
    }
}

#[test]
fn only_reserved_words_are_refused_as_names_so_other_keywords_resolve_normally() {
    assert_eq!(error("SELECT Id FROM Order").code, "INVALID_TYPE");
    assert_eq!(
        error("SELECT Id, Offset FROM Contact").code,
        "INVALID_FIELD"
    );
    assert_malformed("SELECT Id FROM Contact WHERE Limit = 1", "Limit");
    assert_malformed("SELECT Id FROM Contact ORDER BY Nulls", "Nulls");
    assert_malformed("SELECT Select FROM Contact", "Select");
}

#[test]
fn a_resolved_query_can_be_shared_between_server_threads() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Query>();
    shareable::<ResolvedQuery>();
    shareable::<SoqlError>();
}

#[test]
fn malformed_messages_give_the_row_and_column_of_the_token() {
    let e = error("SELECT Id\nFROM Contact\n  WHERE LastName = 'x' garbage");
    assert_eq!(e.code, "MALFORMED_QUERY");
    assert!(
        e.message.starts_with("ERROR at Row:3:Column:24\n"),
        "{}",
        e.message
    );
}

#[test]
fn nesting_within_the_limit_works_and_deeper_nesting_is_malformed_not_a_crash() {
    let ok = format!(
        "SELECT LastName FROM Contact WHERE {}Rank__c = 2{}",
        "(".repeat(parser::MAX_DEPTH),
        ")".repeat(parser::MAX_DEPTH)
    );
    assert_eq!(last_names(&ok), vec!["Hopper"]);
    for depth in [parser::MAX_DEPTH + 1, 10_000] {
        let deep = format!(
            "SELECT Id FROM Contact WHERE {}Rank__c = 2{}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let e = error(&deep);
        assert_eq!(e.code, "MALFORMED_QUERY");
        assert!(e.message.contains("nested more than"), "{}", e.message);
    }
    let not_chain = format!(
        "SELECT Id FROM Contact WHERE {}Rank__c = 2{}",
        "(NOT ".repeat(5_000),
        ")".repeat(5_000)
    );
    assert_eq!(error(&not_chain).code, "MALFORMED_QUERY");
}

#[test]
fn a_string_literal_longer_than_4000_characters_is_malformed() {
    let at_limit = format!(
        "SELECT Id FROM Contact WHERE LastName = '{}'",
        "a".repeat(4_000)
    );
    assert!(parse(&at_limit).is_ok());
    let over = format!(
        "SELECT Id FROM Contact WHERE LastName LIKE '{}'",
        "%a".repeat(2_001)
    );
    let e = error(&over);
    assert_eq!(e.code, "MALFORMED_QUERY");
    assert!(e.message.contains("4,000 characters"), "{}", e.message);
}

#[test]
fn a_query_longer_than_100000_characters_is_malformed() {
    let long = format!(
        "SELECT Id FROM Contact WHERE LastName IN ('{}')",
        "a".repeat(100_000)
    );
    let e = error(&long);
    assert_eq!(e.code, "MALFORMED_QUERY");
    assert!(e.message.contains("100,000"), "{}", e.message);
}

#[test]
fn parse_never_panics_on_random_or_mutated_input() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    let seeds = [
        "SELECT Id, FirstName FROM Contact WHERE (Email = 'a\\'b' OR LastName LIKE '%\\_x') AND Rank__c IN (1, 2.5, -3) ORDER BY LastName DESC NULLS LAST LIMIT 10 OFFSET 5",
        "SELECT COUNT() FROM Lead WHERE NOT (CreatedDate >= 2026-01-01T00:00:00+01:00) AND Birthdate < 2020-02-29",
        "select id from contact where HasOptedOutOfEmail = true and Email != null and LastName = '\\u00e9\\n'",
    ];
    let pieces = [
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "IN",
        "LIKE",
        "(",
        ")",
        ",",
        "'",
        "\\",
        "\\u",
        "=",
        "!=",
        "<>",
        "<",
        ">=",
        "ORDER BY",
        "LIMIT",
        "OFFSET",
        "NULLS",
        "2026-01-01",
        "T00:00:00Z",
        "-",
        "9999999999999999999999",
        "1e5",
        ".",
        "é",
        "😀",
        "\u{0}",
        " ",
        "COUNT()",
        "Contact",
        "Id",
        "null",
        "TRUE",
    ];
    let data = people();
    let mut rng = StdRng::seed_from_u64(0x50_51);
    let mut parsed = 0usize;
    for i in 0..4_000 {
        let input: String = if i % 2 == 0 {
            let mut chars: Vec<char> = seeds[i % seeds.len()].chars().collect();
            for _ in 0..rng.gen_range(1..6) {
                let at = rng.gen_range(0..=chars.len());
                match rng.gen_range(0..3) {
                    0 if at < chars.len() => {
                        chars.remove(at);
                    }
                    1 if at < chars.len() => chars[at] = rng.gen_range(' '..='~'),
                    _ => {
                        let piece = pieces[rng.gen_range(0..pieces.len())];
                        for (k, c) in piece.chars().enumerate() {
                            chars.insert(at + k, c);
                        }
                    }
                }
            }
            chars.into_iter().collect()
        } else {
            (0..rng.gen_range(0..25))
                .map(|_| pieces[rng.gen_range(0..pieces.len())])
                .collect::<Vec<_>>()
                .join(if rng.gen_bool(0.5) { " " } else { "" })
        };
        if let Ok(q) = parse(&input) {
            parsed += 1;
            if let Ok(r) = q.resolve(&TestSchema) {
                let _ = r.execute(data.iter());
            }
        }
    }
    // The mutations must leave a fair share of valid queries, or the loop tests only the lexer.
    assert!(parsed > 100, "only {parsed} inputs parsed");
}
