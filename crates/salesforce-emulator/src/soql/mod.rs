//! SOQL for the emulator: a hand-written lexer and recursive-descent parser for the subset of SOQL
//! that the emulator serves, name resolution against the emulator's schema, and evaluation
//! (WHERE, ORDER BY, OFFSET, LIMIT, projection) over in-memory rows.
//!
//! INTERFACE STUB written by the lead: the emulator-soql helper replaces the bodies; the public
//! signatures below are the contract the rest of the emulator codes against.

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
}

/// A SOQL failure as Salesforce reports it: `errorCode` and `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoqlError {
    /// `MALFORMED_QUERY`, `INVALID_FIELD`, `INVALID_TYPE` or `NUMBER_OUTSIDE_VALID_RANGE`.
    pub code: &'static str,
    pub message: String,
}

/// A parsed (not yet resolved) query.
#[derive(Debug, Clone)]
pub struct Query {
    _private: (),
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
    _private: (),
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
pub fn parse(_soql: &str) -> Result<Query, SoqlError> {
    Err(SoqlError {
        code: "MALFORMED_QUERY",
        message: "SOQL is not implemented yet".to_string(),
    })
}

impl Query {
    /// Resolves object and field names against the schema (`INVALID_TYPE`, `INVALID_FIELD`), and
    /// checks that literals fit their fields' kinds.
    pub fn resolve(self, _schema: &dyn SchemaLookup) -> Result<ResolvedQuery, SoqlError> {
        Err(SoqlError {
            code: "MALFORMED_QUERY",
            message: "SOQL is not implemented yet".to_string(),
        })
    }
}

impl ResolvedQuery {
    /// The canonical object name (`FROM`).
    pub fn object(&self) -> &str {
        ""
    }

    /// What the query selects.
    pub fn selection(&self) -> &Selection {
        &Selection::Count
    }

    /// Runs the query over `rows` (all rows of the object that the caller wants visible: the
    /// caller leaves out deleted rows for `query` and keeps them for `queryAll`).
    pub fn execute<'a>(&self, _rows: impl Iterator<Item = &'a Row>) -> QueryOutcome {
        QueryOutcome::Rows(Vec::new())
    }
}
