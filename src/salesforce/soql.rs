//! SOQL building: a small domain filter ([`Condition`]) and [`Select`] rendered to SOQL text.
//!
//! This module is THE ONE place in the bridge where SOQL literals are escaped. Nothing else may
//! paste user text into SOQL: field and object names go through [`FieldName`] (a whitelist of
//! characters, so a name can never inject), values through [`quote`] / [`escape_like`].
//!
//! Escaping follows Salesforce's SOQL reference ("Quoted String Escape Sequences"): a string
//! literal is single-quoted; `\` is escaped first, then `'` and `"`, the control characters
//! `\n \r \t \b \f`, and any other control character as `\uXXXX`. Inside `LIKE` patterns `%` and
//! `_` are wildcards, so the user's own `%` and `_` become `\%` and `\_`. Any other backslash
//! sequence is a syntax error in SOQL, which is why nothing else is ever emitted after a `\`.
//!
//! Rendering never produces invalid SOQL: nested `AND`/`OR` groups are always parenthesised
//! (SOQL refuses to mix them without parentheses), and constant conditions (an empty `And`, an
//! empty `In`, a `<` comparison with `null`) are folded away before rendering; a filter that can
//! match nothing renders as `Id = null`, which is valid on every sObject and matches no row
//! (see [`Select::matches_nothing`] to skip such a query entirely and save an API call).

use std::fmt::{self, Write as _};

pub use super::name::{FieldName, SoqlBuildError};

/// A literal on the right-hand side of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum SoqlValue {
    /// A string literal, quoted and escaped by [`quote`].
    Str(String),
    /// `true` / `false`.
    Bool(bool),
    /// A number, rendered in plain decimal notation (SOQL has no exponent syntax).
    Number(serde_json::Number),
    /// `null`: only `=` and `!=` compare with it.
    Null,
    /// A dateTime literal (`2024-05-01T10:00:00Z`, unquoted as SOQL requires).
    DateTime(chrono::DateTime<chrono::Utc>),
    /// A date literal (`2024-05-01`, unquoted).
    Date(chrono::NaiveDate),
}

impl SoqlValue {
    fn render(&self, out: &mut String) {
        match self {
            SoqlValue::Str(s) => out.push_str(&quote(s)),
            SoqlValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            SoqlValue::Number(n) => out.push_str(&render_number(n)),
            SoqlValue::Null => out.push_str("null"),
            // Whole seconds in the documented form; milliseconds only when there are some,
            // since Salesforce stores them and `meta.lastModified eq "…"` must match exactly.
            SoqlValue::DateTime(d) => {
                let format = if d.timestamp_subsec_millis() == 0 {
                    "%Y-%m-%dT%H:%M:%SZ"
                } else {
                    "%Y-%m-%dT%H:%M:%S%.3fZ"
                };
                out.push_str(&d.format(format).to_string())
            }
            SoqlValue::Date(d) => out.push_str(&d.format("%Y-%m-%d").to_string()),
        }
    }
}

/// The deepest parenthesis nesting of SOQL text (string literals, with their `\'` escapes,
/// skipped).
pub fn paren_depth(soql: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for c in soql.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '\'') => in_string = false,
            (true, false, _) => {}
            (false, _, '\'') => in_string = true,
            (false, _, '(') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, _, ')') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// serde_json prints large or tiny floats with an exponent (`1e20`), which SOQL does not accept;
/// Rust's own `f64` Display never uses one.
fn render_number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else if let Some(f) = n.as_f64() {
        format!("{f}")
    } else {
        // Unreachable with serde_json's default features; keep the query valid regardless.
        "0".to_string()
    }
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    fn as_soql(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// A `LIKE` pattern built from the user's plain text; the text's own `%` and `_` are escaped, so
/// they match literally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LikePattern {
    /// `'%text%'`
    Contains(String),
    /// `'text%'`
    StartsWith(String),
    /// `'%text'`
    EndsWith(String),
}

impl LikePattern {
    fn render(&self) -> String {
        match self {
            LikePattern::Contains(s) => format!("'%{}%'", escape_like(s)),
            LikePattern::StartsWith(s) => format!("'{}%'", escape_like(s)),
            LikePattern::EndsWith(s) => format!("'%{}'", escape_like(s)),
        }
    }
}

/// The domain filter that becomes a SOQL `WHERE` clause.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// All must hold. Empty = always true.
    And(Vec<Condition>),
    /// At least one must hold. Empty = always false.
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Compare {
        field: FieldName,
        op: CompareOp,
        value: SoqlValue,
    },
    Like {
        field: FieldName,
        pattern: LikePattern,
    },
    /// `field IN (…)`. Empty = always false; a `Null` among the values becomes `field = null`.
    In {
        field: FieldName,
        values: Vec<SoqlValue>,
    },
}

impl Condition {
    /// `field = value` shorthand.
    pub fn eq(field: FieldName, value: SoqlValue) -> Self {
        Condition::Compare {
            field,
            op: CompareOp::Eq,
            value,
        }
    }

    /// This condition with constants folded away (see [`Folded`]).
    pub fn fold(&self) -> Folded {
        fold(self)
    }
}

/// A condition after constant folding: either a constant, or a tree that contains no constants
/// and no empty groups.
#[derive(Clone, Debug, PartialEq)]
pub enum Folded {
    True,
    False,
    Cond(Condition),
}

fn fold(c: &Condition) -> Folded {
    match c {
        Condition::And(items) => {
            let mut kept = Vec::new();
            for item in items {
                match fold(item) {
                    Folded::True => {}
                    Folded::False => return Folded::False,
                    Folded::Cond(Condition::And(inner)) => kept.extend(inner),
                    Folded::Cond(other) => kept.push(other),
                }
            }
            match kept.len() {
                0 => Folded::True,
                1 => kept.pop().map_or(Folded::True, Folded::Cond),
                _ => Folded::Cond(Condition::And(kept)),
            }
        }
        Condition::Or(items) => {
            let mut kept = Vec::new();
            for item in items {
                match fold(item) {
                    Folded::False => {}
                    Folded::True => return Folded::True,
                    Folded::Cond(Condition::Or(inner)) => kept.extend(inner),
                    Folded::Cond(other) => kept.push(other),
                }
            }
            match kept.len() {
                0 => Folded::False,
                1 => kept.pop().map_or(Folded::False, Folded::Cond),
                _ => Folded::Cond(Condition::Or(kept)),
            }
        }
        Condition::Not(inner) => match fold(inner) {
            Folded::True => Folded::False,
            Folded::False => Folded::True,
            Folded::Cond(Condition::Not(x)) => Folded::Cond(*x),
            Folded::Cond(other) => Folded::Cond(Condition::Not(Box::new(other))),
        },
        Condition::Compare {
            op: CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge,
            value: SoqlValue::Null,
            ..
        } => {
            // Ordering against null is never true (and `< null` is not valid SOQL).
            Folded::False
        }
        Condition::Compare { .. } | Condition::Like { .. } => Folded::Cond(c.clone()),
        Condition::In { field, values } => {
            let has_null = values.contains(&SoqlValue::Null);
            let rest: Vec<SoqlValue> = values
                .iter()
                .filter(|v| **v != SoqlValue::Null)
                .cloned()
                .collect();
            let in_part = (!rest.is_empty()).then(|| Condition::In {
                field: field.clone(),
                values: rest,
            });
            let null_part = has_null.then(|| Condition::eq(field.clone(), SoqlValue::Null));
            match (in_part, null_part) {
                (None, None) => Folded::False,
                (Some(x), None) | (None, Some(x)) => Folded::Cond(x),
                (Some(a), Some(b)) => Folded::Cond(Condition::Or(vec![a, b])),
            }
        }
    }
}

/// Renders a folded (constant-free) condition. Groups inside groups and the operand of `NOT`
/// are parenthesised whenever they are not a single comparison.
fn render_condition(c: &Condition, out: &mut String) {
    match c {
        Condition::And(items) | Condition::Or(items) => {
            let joiner = if matches!(c, Condition::And(_)) {
                " AND "
            } else {
                " OR "
            };
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(joiner);
                }
                render_operand(item, out);
            }
        }
        Condition::Not(inner) => {
            out.push_str("NOT ");
            render_operand(inner, out);
        }
        Condition::Compare { field, op, value } => {
            out.push_str(field.as_str());
            out.push(' ');
            out.push_str(op.as_soql());
            out.push(' ');
            value.render(out);
        }
        Condition::Like { field, pattern } => {
            out.push_str(field.as_str());
            out.push_str(" LIKE ");
            out.push_str(&pattern.render());
        }
        Condition::In { field, values } => {
            out.push_str(field.as_str());
            out.push_str(" IN (");
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                v.render(out);
            }
            out.push(')');
        }
    }
}

fn render_operand(c: &Condition, out: &mut String) {
    match c {
        Condition::And(_) | Condition::Or(_) | Condition::Not(_) => {
            out.push('(');
            render_condition(c, out);
            out.push(')');
        }
        _ => render_condition(c, out),
    }
}

/// Renders a condition as SOQL `WHERE` text. `None` when the condition is always true (no
/// `WHERE` needed); a never-true condition renders as `Id = null`.
pub fn render_where(c: &Condition) -> Option<String> {
    match fold(c) {
        Folded::True => None,
        Folded::False => Some(MATCH_NOTHING.to_string()),
        Folded::Cond(c) => {
            let mut out = String::new();
            render_condition(&c, &mut out);
            Some(out)
        }
    }
}

/// Every sObject has a non-null `Id`, so this is a valid condition that matches no row.
const MATCH_NOTHING: &str = "Id = null";

/// A SOQL `SELECT`. An empty `fields` list means `SELECT COUNT()` (see [`Select::count`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Select {
    pub fields: Vec<FieldName>,
    pub object: FieldName,
    pub filter: Option<Condition>,
    /// `(field, ascending)` pairs.
    pub order_by: Vec<(FieldName, bool)>,
    pub limit: Option<u32>,
    /// Salesforce refuses `OFFSET` above 2,000 (`NUMBER_OUTSIDE_VALID_RANGE`); page deeper with
    /// `query_more` or a keyset (`WHERE Id > :last ORDER BY Id`).
    pub offset: Option<u32>,
}

impl Select {
    /// `SELECT f1, f2 FROM object` with no filter, order or limit.
    pub fn new(object: FieldName, fields: Vec<FieldName>) -> Self {
        Select {
            fields,
            object,
            filter: None,
            order_by: Vec::new(),
            limit: None,
            offset: None,
        }
    }

    /// `SELECT COUNT() FROM object [WHERE …]`: the answer's `totalSize` is the count.
    pub fn count(object: FieldName, filter: Option<Condition>) -> Self {
        Select {
            fields: Vec::new(),
            object,
            filter,
            order_by: Vec::new(),
            limit: None,
            offset: None,
        }
    }

    /// Whether this is a `SELECT COUNT()` query.
    pub fn is_count(&self) -> bool {
        self.fields.is_empty()
    }

    /// Whether the filter can never match (e.g. an empty `In`), so the query can be skipped.
    pub fn matches_nothing(&self) -> bool {
        matches!(self.filter.as_ref().map(fold), Some(Folded::False))
    }

    /// The SOQL text.
    pub fn to_soql(&self) -> String {
        let mut out = String::from("SELECT ");
        if self.is_count() {
            out.push_str("COUNT()");
        } else {
            for (i, f) in self.fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(f.as_str());
            }
        }
        out.push_str(" FROM ");
        out.push_str(self.object.as_str());
        if let Some(w) = self.filter.as_ref().and_then(render_where) {
            out.push_str(" WHERE ");
            out.push_str(&w);
        }
        // ORDER BY makes no sense for COUNT(); leaving it out keeps such a query valid.
        if !self.order_by.is_empty() && !self.is_count() {
            out.push_str(" ORDER BY ");
            for (i, (f, asc)) in self.order_by.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(f.as_str());
                out.push_str(if *asc { " ASC" } else { " DESC" });
            }
        }
        if let Some(l) = self.limit {
            let _ = write!(out, " LIMIT {l}");
        }
        if let Some(o) = self.offset {
            let _ = write!(out, " OFFSET {o}");
        }
        out
    }
}

impl fmt::Display for Select {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_soql())
    }
}

/// Escapes text for the inside of a SOQL string literal (no surrounding quotes).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    escape_into(s, false, &mut out);
    out
}

/// Escapes text for the inside of a `LIKE` pattern literal: like [`escape`], plus `%` → `\%` and
/// `_` → `\_` so the user's text matches literally.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    escape_into(s, true, &mut out);
    out
}

/// A complete SOQL string literal: `'…'` with the text escaped.
pub fn quote(s: &str) -> String {
    format!("'{}'", escape(s))
}

fn escape_into(s: &str, like: bool, out: &mut String) {
    // One pass over chars is equivalent to "backslash first, then the rest": each input char
    // maps to its escape exactly once, so an inserted backslash is never escaped again.
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '%' if like => out.push_str("\\%"),
            '_' if like => out.push_str("\\_"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parenthesis_depth_skips_string_literals_and_their_escapes() {
        assert_eq!(paren_depth("SELECT Id FROM Contact"), 0);
        assert_eq!(paren_depth("WHERE (A = 1 AND (NOT (B = 2)))"), 3);
        assert_eq!(paren_depth(r"WHERE Title = '((((\'((' AND (X = 1)"), 1);
    }

    fn f(s: &str) -> FieldName {
        FieldName::new(s).unwrap()
    }

    fn s(v: &str) -> SoqlValue {
        SoqlValue::Str(v.to_string())
    }

    fn eq(field: &str, v: &str) -> Condition {
        Condition::eq(f(field), s(v))
    }

    fn contacts_where(c: Condition) -> String {
        let mut q = Select::new(f("Contact"), vec![f("Id")]);
        q.filter = Some(c);
        q.to_soql()
    }

    #[test]
    fn a_plain_string_is_single_quoted() {
        assert_eq!(quote("Ada"), "'Ada'");
    }

    #[test]
    fn a_single_quote_is_escaped_with_a_backslash() {
        assert_eq!(quote("O'Brien"), r"'O\'Brien'");
    }

    #[test]
    fn a_backslash_is_escaped_before_anything_else() {
        // `\'` in the input must become `\\\'`: escaped backslash, then escaped quote.
        assert_eq!(quote(r"a\'b"), r"'a\\\'b'");
        assert_eq!(quote(r"C:\temp"), r"'C:\\temp'");
    }

    #[test]
    fn double_quotes_and_control_characters_are_escaped() {
        assert_eq!(
            quote("say \"hi\"\nline\r\ttab\u{8}\u{c}"),
            r#"'say \"hi\"\nline\r\ttab\b\f'"#
        );
    }

    #[test]
    fn other_control_characters_become_unicode_escapes() {
        assert_eq!(quote("a\u{0}b\u{1f}c\u{7f}"), r"'a\u0000b\u001fc\u007f'");
    }

    #[test]
    fn non_ascii_text_passes_through_unchanged() {
        assert_eq!(quote("Zoë Ñúñez 山田 🙂"), "'Zoë Ñúñez 山田 🙂'");
    }

    #[test]
    fn percent_and_underscore_are_literal_outside_like() {
        assert_eq!(quote("50%_off"), "'50%_off'");
    }

    #[test]
    fn percent_and_underscore_are_escaped_inside_like() {
        assert_eq!(
            LikePattern::StartsWith("50%_off".into()).render(),
            r"'50\%\_off%'"
        );
        assert_eq!(escape_like(r"a\%"), r"a\\\%");
    }

    #[test]
    fn an_injection_attempt_stays_one_literal() {
        let soql = contacts_where(eq("Email", "x' OR Name != '"));
        assert_eq!(
            soql,
            r"SELECT Id FROM Contact WHERE Email = 'x\' OR Name != \''"
        );
        // Outside the literal there is exactly one operator: the `=`; every quote inside is
        // preceded by a backslash.
        let literal = soql.split_once("= ").unwrap().1;
        let unescaped_quotes = literal
            .char_indices()
            .filter(|(i, c)| *c == '\'' && (*i == 0 || literal.as_bytes()[i - 1] != b'\\'))
            .count();
        assert_eq!(unescaped_quotes, 2, "only the opening and closing quote");
    }

    #[test]
    fn an_injection_attempt_with_a_trailing_backslash_stays_one_literal() {
        // A trailing backslash must not escape our closing quote.
        assert_eq!(quote(r"x\"), r"'x\\'");
        let soql = contacts_where(Condition::Like {
            field: f("LastName"),
            pattern: LikePattern::Contains(r"x\' OR Id != null OR Name = '".to_string()),
        });
        assert_eq!(
            soql,
            r"SELECT Id FROM Contact WHERE LastName LIKE '%x\\\' OR Id != null OR Name = \'%'"
        );
    }

    #[test]
    fn field_names_with_spaces_quotes_or_punctuation_are_rejected() {
        for bad in [
            "",
            "Last Name",
            "Name'",
            "Name = 'x' OR Id",
            "1Name",
            "_Name",
            "Name;",
            "Account.Name",
            "Name--",
            "Näme",
            "(Id)",
        ] {
            assert!(FieldName::new(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn custom_and_namespaced_field_names_are_accepted() {
        for good in ["LastName", "Custom_Field__c", "ns__Thing__c", "A1"] {
            assert_eq!(FieldName::new(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn relationship_paths_are_accepted_only_through_path() {
        assert_eq!(
            FieldName::path("Account.Name").unwrap().as_str(),
            "Account.Name"
        );
        assert!(FieldName::path("Account..Name").is_err());
        assert!(FieldName::path("Account.Name ").is_err());
        assert!(FieldName::path(".Name").is_err());
    }

    #[test]
    fn a_select_renders_fields_filter_order_limit_and_offset() {
        let q = Select {
            fields: vec![f("Id"), f("FirstName"), f("LastName")],
            object: f("Contact"),
            filter: Some(eq("Email", "ada@example.com")),
            order_by: vec![(f("LastName"), true), (f("Id"), false)],
            limit: Some(50),
            offset: Some(100),
        };
        assert_eq!(
            q.to_soql(),
            "SELECT Id, FirstName, LastName FROM Contact WHERE Email = 'ada@example.com' \
             ORDER BY LastName ASC, Id DESC LIMIT 50 OFFSET 100"
        );
    }

    #[test]
    fn a_count_query_renders_count_and_drops_ordering() {
        let mut q = Select::count(f("Lead"), Some(eq("Company", "Acme")));
        q.order_by.push((f("Id"), true));
        assert_eq!(
            q.to_soql(),
            "SELECT COUNT() FROM Lead WHERE Company = 'Acme'"
        );
        assert!(q.is_count());
    }

    #[test]
    fn nested_and_inside_or_is_parenthesised() {
        let c = Condition::Or(vec![
            Condition::And(vec![eq("FirstName", "Ada"), eq("LastName", "Lovelace")]),
            eq("Email", "ada@example.com"),
        ]);
        assert_eq!(
            contacts_where(c),
            "SELECT Id FROM Contact WHERE (FirstName = 'Ada' AND LastName = 'Lovelace') \
             OR Email = 'ada@example.com'"
        );
    }

    #[test]
    fn nested_or_inside_and_is_parenthesised() {
        let c = Condition::And(vec![
            eq("LeadSource", "Web"),
            Condition::Or(vec![eq("City", "Paris"), eq("City", "Lyon")]),
        ]);
        assert_eq!(
            contacts_where(c),
            "SELECT Id FROM Contact WHERE LeadSource = 'Web' AND (City = 'Paris' OR City = 'Lyon')"
        );
    }

    #[test]
    fn not_wraps_groups_in_parentheses() {
        let c = Condition::And(vec![
            Condition::Not(Box::new(Condition::Or(vec![eq("A", "1"), eq("B", "2")]))),
            Condition::Not(Box::new(eq("C", "3"))),
        ]);
        assert_eq!(
            contacts_where(c),
            "SELECT Id FROM Contact WHERE (NOT (A = '1' OR B = '2')) AND (NOT C = '3')"
        );
    }

    #[test]
    fn a_double_negation_cancels_out() {
        let c = Condition::Not(Box::new(Condition::Not(Box::new(eq("A", "1")))));
        assert_eq!(contacts_where(c), "SELECT Id FROM Contact WHERE A = '1'");
    }

    #[test]
    fn same_kind_groups_are_flattened() {
        let c = Condition::And(vec![
            eq("A", "1"),
            Condition::And(vec![eq("B", "2"), eq("C", "3")]),
        ]);
        assert_eq!(
            contacts_where(c),
            "SELECT Id FROM Contact WHERE A = '1' AND B = '2' AND C = '3'"
        );
    }

    #[test]
    fn an_empty_and_renders_no_where_clause() {
        assert_eq!(
            contacts_where(Condition::And(vec![])),
            "SELECT Id FROM Contact"
        );
        let nested = Condition::And(vec![
            Condition::And(vec![]),
            Condition::Or(vec![Condition::And(vec![]), eq("A", "1")]),
        ]);
        assert_eq!(contacts_where(nested), "SELECT Id FROM Contact");
    }

    #[test]
    fn an_empty_or_or_empty_in_matches_nothing() {
        for c in [
            Condition::Or(vec![]),
            Condition::In {
                field: f("Email"),
                values: vec![],
            },
            Condition::And(vec![eq("A", "1"), Condition::Or(vec![])]),
            Condition::Not(Box::new(Condition::And(vec![]))),
        ] {
            let mut q = Select::new(f("Contact"), vec![f("Id")]);
            q.filter = Some(c);
            assert_eq!(q.to_soql(), "SELECT Id FROM Contact WHERE Id = null");
            assert!(q.matches_nothing());
        }
    }

    #[test]
    fn a_single_item_group_renders_without_parentheses() {
        let c = Condition::Or(vec![Condition::And(vec![eq("A", "1")])]);
        assert_eq!(contacts_where(c), "SELECT Id FROM Contact WHERE A = '1'");
    }

    #[test]
    fn in_renders_a_list_and_splits_out_null() {
        let c = Condition::In {
            field: f("Email"),
            values: vec![s("a@x.org"), s("b'@x.org")],
        };
        assert_eq!(
            contacts_where(c),
            r"SELECT Id FROM Contact WHERE Email IN ('a@x.org', 'b\'@x.org')"
        );
        let with_null = Condition::In {
            field: f("Email"),
            values: vec![s("a@x.org"), SoqlValue::Null],
        };
        assert_eq!(
            contacts_where(with_null),
            "SELECT Id FROM Contact WHERE Email IN ('a@x.org') OR Email = null"
        );
    }

    #[test]
    fn like_patterns_add_wildcards_around_escaped_text() {
        let like = |p| {
            contacts_where(Condition::Like {
                field: f("Email"),
                pattern: p,
            })
        };
        assert_eq!(
            like(LikePattern::Contains("100%_x".into())),
            r"SELECT Id FROM Contact WHERE Email LIKE '%100\%\_x%'"
        );
        assert_eq!(
            like(LikePattern::StartsWith("ad".into())),
            "SELECT Id FROM Contact WHERE Email LIKE 'ad%'"
        );
        assert_eq!(
            like(LikePattern::EndsWith("@x.org".into())),
            "SELECT Id FROM Contact WHERE Email LIKE '%@x.org'"
        );
    }

    #[test]
    fn non_string_values_render_unquoted() {
        let c = Condition::And(vec![
            Condition::eq(f("DoNotCall"), SoqlValue::Bool(true)),
            Condition::Compare {
                field: f("NumberOfEmployees"),
                op: CompareOp::Ge,
                value: SoqlValue::Number(10.into()),
            },
            Condition::Compare {
                field: f("AnnualRevenue"),
                op: CompareOp::Lt,
                value: SoqlValue::Number(serde_json::Number::from_f64(1e21).unwrap()),
            },
            Condition::Compare {
                field: f("Email"),
                op: CompareOp::Ne,
                value: SoqlValue::Null,
            },
            Condition::Compare {
                field: f("LastModifiedDate"),
                op: CompareOp::Gt,
                value: SoqlValue::DateTime(
                    chrono::DateTime::parse_from_rfc3339("2024-05-01T10:00:00.123+02:00")
                        .unwrap()
                        .to_utc(),
                ),
            },
            Condition::Compare {
                field: f("Birthdate"),
                op: CompareOp::Le,
                value: SoqlValue::Date(chrono::NaiveDate::from_ymd_opt(1990, 1, 2).unwrap()),
            },
        ]);
        assert_eq!(
            contacts_where(c),
            "SELECT Id FROM Contact WHERE DoNotCall = true AND NumberOfEmployees >= 10 \
             AND AnnualRevenue < 1000000000000000000000 AND Email != null \
             AND LastModifiedDate > 2024-05-01T08:00:00.123Z AND Birthdate <= 1990-01-02"
        );
    }

    #[test]
    fn ordering_against_null_never_matches() {
        let c = Condition::Or(vec![
            Condition::Compare {
                field: f("CreatedDate"),
                op: CompareOp::Lt,
                value: SoqlValue::Null,
            },
            eq("A", "1"),
        ]);
        assert_eq!(contacts_where(c), "SELECT Id FROM Contact WHERE A = '1'");
    }

    #[test]
    fn every_rendered_shape_is_accepted_by_the_emulator_soql_parser() {
        let nasty = "x' OR Name != '\\ \"q\" 50%_ \n\t\u{1} Zoë 🙂";
        let like = |p| Condition::Like {
            field: f("LastName"),
            pattern: p,
        };
        let conditions = vec![
            Condition::And(vec![]),
            Condition::Or(vec![]),
            eq("Email", nasty),
            Condition::Not(Box::new(eq("Email", nasty))),
            Condition::And(vec![
                eq("FirstName", nasty),
                Condition::Not(Box::new(like(LikePattern::Contains(nasty.into())))),
                Condition::Or(vec![
                    like(LikePattern::StartsWith(nasty.into())),
                    like(LikePattern::EndsWith(nasty.into())),
                    Condition::Not(Box::new(Condition::Or(vec![
                        eq("A", "1"),
                        Condition::And(vec![eq("B", "2"), eq("C", "3")]),
                    ]))),
                ]),
                Condition::In {
                    field: f("Email"),
                    values: vec![s(nasty), s("b"), SoqlValue::Null],
                },
                Condition::Compare {
                    field: f("LastModifiedDate"),
                    op: CompareOp::Ge,
                    value: SoqlValue::DateTime(chrono::DateTime::UNIX_EPOCH),
                },
                Condition::Compare {
                    field: f("NumberOfEmployees"),
                    op: CompareOp::Lt,
                    value: SoqlValue::Number(serde_json::Number::from_f64(0.5).unwrap()),
                },
                Condition::eq(f("DoNotCall"), SoqlValue::Bool(false)),
            ]),
        ];
        for c in conditions {
            let q = Select {
                fields: vec![f("Id"), f("Email")],
                object: f("Contact"),
                filter: Some(c),
                order_by: vec![(f("LastName"), true)],
                limit: Some(10),
                offset: Some(5),
            };
            let soql = q.to_soql();
            assert!(
                salesforce_emulator::soql::parse(&soql).is_ok(),
                "emulator refused: {soql} ({:?})",
                salesforce_emulator::soql::parse(&soql).err()
            );
            let count = Select::count(f("Contact"), q.filter.clone()).to_soql();
            assert!(
                salesforce_emulator::soql::parse(&count).is_ok(),
                "emulator refused: {count}"
            );
        }
    }
}
