//! SOQL for the emulator: a hand-written lexer and recursive-descent parser for the subset of SOQL
//! that the emulator serves, name resolution against the emulator's schema, and evaluation
//! (WHERE, ORDER BY, OFFSET, LIMIT, projection) over in-memory rows.
//!
//! Pipeline: [`parse`] (lexer.rs → parser.rs, `MALFORMED_QUERY` / `NUMBER_OUTSIDE_VALID_RANGE`)
//! → [`Query::resolve`] (resolve.rs, `INVALID_TYPE` / `INVALID_FIELD`) → [`ResolvedQuery::execute`]
//! (eval.rs). The grammar of the subset is documented in parser.rs. Anything outside it
//! (GROUP BY, HAVING, subqueries, relationship paths, functions, WITH, FOR, TYPEOF, USING SCOPE,
//! bind variables, date literals such as TODAY) is refused with `MALFORMED_QUERY`
//! `unexpected token: '…'`, never silently ignored: a test against the emulator must not pass
//! with a query the real API would interpret differently.
//!
//! Messages follow Salesforce's shape: `ERROR at Row:r:Column:c` then the reason, e.g.
//! `unexpected token: 'garbage'` (columns count characters from 1).

mod eval;
mod lexer;
mod parser;
mod resolve;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

/// A row as the emulator stores it: canonical field name → JSON value. Missing key == null.
/// DateTime values are strings like `2026-11-28T03:50:17.000+0000`; Date values `2026-11-28`;
/// booleans are JSON booleans; numbers JSON numbers.
pub type Row = Map<String, Value>;

/// The type of a field, as far as comparison and validation need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Id,
    Reference,
    String,
    Email,
    Phone,
    Picklist,
    TextArea,
    Boolean,
    DateTime,
    Date,
    Double,
    Int,
}

/// What the query layer needs to know about the data model. Names are matched case-insensitively.
pub trait SchemaLookup {
    /// The canonical name of an object (`contact` → `Contact`), or `None` (→ `INVALID_TYPE`).
    fn object(&self, name: &str) -> Option<String>;
    /// The canonical name and kind of a field of `object` (canonical object name), or `None`
    /// (→ `INVALID_FIELD`).
    fn field(&self, object: &str, name: &str) -> Option<(String, FieldKind)>;
    /// Whether WHERE may use the field (canonical names). Salesforce refuses long text areas
    /// ("can be any field except a long text area field"): `INVALID_FIELD`
    /// `field 'Description' can not be filtered in a query call`. Defaults to true.
    fn is_filterable(&self, _object: &str, _field: &str) -> bool {
        true
    }
    /// Whether ORDER BY may use the field (canonical names); long text areas cannot be sorted.
    /// Defaults to true.
    fn is_sortable(&self, _object: &str, _field: &str) -> bool {
        true
    }
}

/// A SOQL failure as Salesforce reports it: `errorCode` and `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoqlError {
    /// `MALFORMED_QUERY`, `INVALID_FIELD`, `INVALID_TYPE` or `NUMBER_OUTSIDE_VALID_RANGE`; also
    /// `INVALID_QUERY_FILTER_OPERATOR` for an Id literal that is not an Id (`invalid ID field: x`),
    /// as Salesforce answers. All are HTTP 400.
    pub code: &'static str,
    pub message: String,
}

/// A parsed (not yet resolved) query.
#[derive(Debug, Clone)]
pub struct Query {
    ast: parser::QueryAst,
}

/// What a query selects, with canonical field names once resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Fields(Vec<String>),
    Count,
}

/// A query whose object and field names were checked against the schema.
#[derive(Debug, Clone)]
pub struct ResolvedQuery {
    object: String,
    selection: Selection,
    filter: Option<eval::Filter>,
    order: Vec<eval::SortKey>,
    limit: Option<u64>,
    offset: u64,
}

/// The result of running a resolved query.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryOutcome {
    /// `SELECT COUNT() …`: the number of matching rows (after WHERE; LIMIT caps it).
    Count(usize),
    /// Matching rows after WHERE, ORDER BY, OFFSET and LIMIT, each projected to the selected
    /// fields in SELECT order, keyed by canonical field name (null for missing values).
    Rows(Vec<Row>),
}

/// Parses SOQL text. Syntax errors → `MALFORMED_QUERY`; `OFFSET` over 2,000 →
/// `NUMBER_OUTSIDE_VALID_RANGE`.
pub fn parse(soql: &str) -> Result<Query, SoqlError> {
    parser::parse_query(soql).map(|ast| Query { ast })
}

impl Query {
    /// Resolves object and field names against the schema (`INVALID_TYPE`, `INVALID_FIELD`), and
    /// checks that literals fit their fields' kinds.
    pub fn resolve(self, schema: &dyn SchemaLookup) -> Result<ResolvedQuery, SoqlError> {
        let plan = resolve::resolve(self.ast, schema)?;
        Ok(ResolvedQuery {
            object: plan.object,
            selection: plan.selection,
            filter: plan.filter,
            order: plan.order,
            limit: plan.limit,
            offset: plan.offset,
        })
    }
}

impl ResolvedQuery {
    /// The canonical object name (`FROM`).
    pub fn object(&self) -> &str {
        &self.object
    }

    /// What the query selects.
    pub fn selection(&self) -> &Selection {
        &self.selection
    }

    /// The `LIMIT`, if the query has one.
    pub fn limit(&self) -> Option<u64> {
        self.limit
    }

    /// The `OFFSET` (0 when absent).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Fields and text literals of which every matching row meets at least one: `field =
    /// 'text'` or `field IN ('a', …)`, alone, as one part of an AND, or one per branch of an
    /// OR. A caller with an index on those fields may pass `execute` only the rows holding one
    /// of the values (it still applies the whole filter), as Salesforce's optimizer uses
    /// indexes.
    pub fn equality_terms(&self) -> Option<Vec<(&str, Vec<&str>)>> {
        fn any_of(f: &eval::Filter) -> Option<Vec<(&str, Vec<&str>)>> {
            match f {
                eval::Filter::Or(parts) => {
                    let mut all = Vec::new();
                    for p in parts {
                        all.extend(any_of(p)?);
                    }
                    Some(all)
                }
                other => terms(other).map(|t| vec![t]),
            }
        }
        fn terms(f: &eval::Filter) -> Option<(&str, Vec<&str>)> {
            match f {
                eval::Filter::Cmp {
                    field,
                    op: parser::CmpOp::Eq,
                    value: eval::Val::Text(s),
                    ..
                } => Some((field, vec![s.as_str()])),
                eval::Filter::In {
                    field,
                    negated: false,
                    values,
                    ..
                } => values
                    .iter()
                    .map(|v| match v {
                        eval::Val::Text(s) => Some(s.as_str()),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()
                    .map(|vs| (field.as_str(), vs)),
                eval::Filter::And(parts) => parts.iter().find_map(terms),
                _ => None,
            }
        }
        self.filter.as_ref().and_then(any_of)
    }

    /// Runs the query over `rows` (all rows of the object that the caller wants visible: the
    /// caller leaves out deleted rows for `query` and keeps them for `queryAll`).
    ///
    /// Order of operations as in Salesforce: WHERE, ORDER BY, OFFSET, LIMIT, projection. Without
    /// ORDER BY, rows keep the caller's order. `COUNT()` counts the rows WHERE keeps, after
    /// OFFSET and capped by LIMIT.
    pub fn execute<'a>(&self, rows: impl Iterator<Item = &'a Row>) -> QueryOutcome {
        let kept = rows.filter(|row| self.filter.as_ref().is_none_or(|f| f.matches(row)));
        let offset = usize::try_from(self.offset).unwrap_or(usize::MAX);
        let limit = self
            .limit
            .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        match &self.selection {
            Selection::Count => QueryOutcome::Count(kept.skip(offset).take(limit).count()),
            Selection::Fields(fields) => {
                let sorted = eval::sort_rows(kept.collect(), &self.order);
                let rows = sorted
                    .into_iter()
                    .skip(offset)
                    .take(limit)
                    .map(|row| {
                        fields
                            .iter()
                            .map(|f| (f.clone(), row.get(f).cloned().unwrap_or(Value::Null)))
                            .collect()
                    })
                    .collect();
                QueryOutcome::Rows(rows)
            }
        }
    }
}

/// `MALFORMED_QUERY` located at byte offset `at` of `src`.
pub(crate) fn malformed_at(src: &str, at: usize, reason: impl std::fmt::Display) -> SoqlError {
    let (row, col) = position(src, at);
    SoqlError {
        code: "MALFORMED_QUERY",
        message: format!("ERROR at Row:{row}:Column:{col}\n{reason}"),
    }
}

/// 1-based row and character column of byte offset `at`.
pub(crate) fn position(src: &str, at: usize) -> (usize, usize) {
    let before = src.get(..at.min(src.len())).unwrap_or(src);
    let row = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(0, |l| l.chars().count()) + 1;
    (row, col)
}

impl std::fmt::Display for SoqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for SoqlError {}
