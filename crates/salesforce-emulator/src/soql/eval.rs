//! Evaluation of a resolved query over in-memory rows: WHERE, ORDER BY, OFFSET, LIMIT and
//! projection, with Salesforce's comparison rules (text is case-insensitive, empty text is null,
//! `!=` and `NOT IN` match nulls, dateTimes compare as instants).

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use serde_json::Value;

use super::lexer::LitChar;
use super::parser::CmpOp;
use super::resolve::is_text;
use super::{FieldKind, Row};

/// A typed value: a literal after resolution, or a row's cell read with its field's kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Text(String),
    Date(NaiveDate),
    DateTime(DateTime<FixedOffset>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LikeAtom {
    /// One character (already lower-cased).
    Char(char),
    /// `_`: exactly one character.
    One,
    /// `%`: any run of characters.
    Any,
}

impl LikeAtom {
    /// Unescaped `%` and `_` are wildcards; `\%` and `\_` are the characters themselves.
    pub(crate) fn compile(chars: &[LitChar]) -> Vec<LikeAtom> {
        let mut out = Vec::with_capacity(chars.len());
        for c in chars {
            match (c.ch, c.escaped) {
                ('%', false) => {
                    if out.last() != Some(&LikeAtom::Any) {
                        out.push(LikeAtom::Any);
                    }
                }
                ('_', false) => out.push(LikeAtom::One),
                (ch, _) => out.extend(ch.to_lowercase().map(LikeAtom::Char)),
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Cmp {
        field: String,
        kind: FieldKind,
        op: CmpOp,
        value: Val,
    },
    In {
        field: String,
        kind: FieldKind,
        negated: bool,
        values: Vec<Val>,
    },
    Like {
        field: String,
        kind: FieldKind,
        pattern: Vec<LikeAtom>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SortKey {
    pub field: String,
    pub kind: FieldKind,
    pub descending: bool,
    pub nulls_last: bool,
}

/// Reads a row's cell as a value of `kind`. Values of an unexpected JSON type read as null
/// rather than failing: the query layer never crashes on odd stored data.
pub(crate) fn cell(row: &Row, field: &str, kind: FieldKind) -> Val {
    let value = row.get(field).unwrap_or(&Value::Null);
    match kind {
        k if is_text(k) => match value {
            Value::String(s) if s.is_empty() => Val::Null,
            Value::String(s) => Val::Text(s.clone()),
            Value::Number(n) => Val::Text(n.to_string()),
            Value::Bool(b) => Val::Text(b.to_string()),
            _ => Val::Null,
        },
        // A checkbox is never null in Salesforce: a missing value is false.
        FieldKind::Boolean => match value {
            Value::Bool(b) => Val::Bool(*b),
            Value::String(s) => Val::Bool(s.eq_ignore_ascii_case("true")),
            _ => Val::Bool(false),
        },
        FieldKind::Double | FieldKind::Int => match value {
            Value::Number(n) => n.as_f64().map_or(Val::Null, Val::Num),
            Value::String(s) => s.trim().parse::<f64>().map_or(Val::Null, Val::Num),
            _ => Val::Null,
        },
        FieldKind::Date => match value {
            Value::String(s) => s
                .get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map_or(Val::Null, Val::Date),
            _ => Val::Null,
        },
        FieldKind::DateTime => match value {
            Value::String(s) => parse_stored_datetime(s).map_or(Val::Null, Val::DateTime),
            _ => Val::Null,
        },
        _ => Val::Null,
    }
}

/// Salesforce writes `2026-11-28T03:50:17.000+0000`; tolerate RFC 3339 and a bare UTC time too.
pub(crate) fn parse_stored_datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|n| n.and_utc().fixed_offset())
        })
}

/// Total order within one type; `None` for nulls or mixed types. Text compares by upper-cased
/// value, as Salesforce sorts for English locales ("Sorting is case insensitive").
fn compare(a: &Val, b: &Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Text(x), Val::Text(y)) => Some(x.to_uppercase().cmp(&y.to_uppercase())),
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Date(x), Val::Date(y)) => Some(x.cmp(y)),
        (Val::DateTime(x), Val::DateTime(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Ordering for a field of `kind`. Record ids order by their case-sensitive 15-character form
/// (base 62: digits < upper case < lower case, as Salesforce's PK-chunking ranges assume), so
/// ids that differ only in letter case never tie and `WHERE Id > :last ORDER BY Id` walks every
/// record once; other text orders case-insensitively.
fn compare_as(kind: FieldKind, a: &Val, b: &Val) -> Option<Ordering> {
    match (kind, a, b) {
        (FieldKind::Id | FieldKind::Reference, Val::Text(x), Val::Text(y)) => {
            let key = |s: &str| s.get(..15).unwrap_or(s).as_bytes().to_vec();
            Some(key(x).cmp(&key(y)))
        }
        _ => compare(a, b),
    }
}

/// `=` semantics: text case-insensitive; a 15-character Id literal matches the 18-character Id
/// that starts with it (Salesforce accepts both forms).
fn equals(kind: FieldKind, cell: &Val, lit: &Val) -> bool {
    match (cell, lit) {
        (Val::Null, Val::Null) => true,
        (Val::Null, _) | (_, Val::Null) => false,
        (Val::Text(c), Val::Text(l)) => {
            if matches!(kind, FieldKind::Id | FieldKind::Reference)
                && l.len() == 15
                && c.len() == 18
            {
                c.get(..15) == Some(l.as_str())
            } else {
                c.to_lowercase() == l.to_lowercase()
            }
        }
        _ => compare(cell, lit) == Some(Ordering::Equal),
    }
}

/// Wildcard matching without recursion (linear backtracking to the last `%`), so hostile
/// patterns cost at most O(text × pattern).
fn like(text: &str, pattern: &[LikeAtom]) -> bool {
    // Character by character, as the pattern was folded: `str::to_lowercase` applies the
    // final-sigma rule, so "xΣ" would fold to "xς" and never match a pattern's "σ".
    let text: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(LikeAtom::Any) => {
                star = Some((p, t));
                p += 1;
            }
            Some(LikeAtom::One) => {
                t += 1;
                p += 1;
            }
            Some(LikeAtom::Char(c)) if text.get(t) == Some(c) => {
                t += 1;
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .unwrap_or_default()
        .iter()
        .all(|a| *a == LikeAtom::Any)
}

impl Filter {
    pub(crate) fn matches(&self, row: &Row) -> bool {
        match self {
            Filter::And(parts) => parts.iter().all(|f| f.matches(row)),
            Filter::Or(parts) => parts.iter().any(|f| f.matches(row)),
            Filter::Not(inner) => !inner.matches(row),
            Filter::Cmp {
                field,
                kind,
                op,
                value,
            } => {
                let cell = cell(row, field, *kind);
                match op {
                    CmpOp::Eq => equals(*kind, &cell, value),
                    // SOQL has no three-valued logic: `Email != 'x'` includes rows without email.
                    CmpOp::Ne => !equals(*kind, &cell, value),
                    CmpOp::Lt => compare_as(*kind, &cell, value) == Some(Ordering::Less),
                    CmpOp::Le => matches!(
                        compare_as(*kind, &cell, value),
                        Some(Ordering::Less | Ordering::Equal)
                    ),
                    CmpOp::Gt => compare_as(*kind, &cell, value) == Some(Ordering::Greater),
                    CmpOp::Ge => matches!(
                        compare_as(*kind, &cell, value),
                        Some(Ordering::Greater | Ordering::Equal)
                    ),
                }
            }
            Filter::In {
                field,
                kind,
                negated,
                values,
            } => {
                let cell = cell(row, field, *kind);
                values.iter().any(|v| equals(*kind, &cell, v)) != *negated
            }
            Filter::Like {
                field,
                kind,
                pattern,
            } => match cell(row, field, *kind) {
                Val::Text(s) => like(&s, pattern),
                _ => false,
            },
        }
    }
}

/// Sorts rows by the keys; nulls go first unless NULLS LAST, whatever the direction.
pub(crate) fn sort_rows<'a>(rows: Vec<&'a Row>, keys: &[SortKey]) -> Vec<&'a Row> {
    if keys.is_empty() {
        return rows;
    }
    let mut keyed: Vec<(Vec<Val>, &'a Row)> = rows
        .into_iter()
        .map(|r| (keys.iter().map(|k| cell(r, &k.field, k.kind)).collect(), r))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        for (key, (x, y)) in keys.iter().zip(a.iter().zip(b.iter())) {
            let ord = match (x, y) {
                (Val::Null, Val::Null) => Ordering::Equal,
                (Val::Null, _) if key.nulls_last => Ordering::Greater,
                (Val::Null, _) => Ordering::Less,
                (_, Val::Null) if key.nulls_last => Ordering::Less,
                (_, Val::Null) => Ordering::Greater,
                _ => {
                    let o = compare_as(key.kind, x, y).unwrap_or(Ordering::Equal);
                    if key.descending {
                        o.reverse()
                    } else {
                        o
                    }
                }
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
    keyed.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_folds_case_character_by_character_so_a_final_sigma_still_matches() {
        // Found by fuzz/soql: `LIKE '%Σ'` matched "Σ" but not "xΣ".
        let pattern = vec![LikeAtom::Any, LikeAtom::Char('σ')];
        assert!(like("Σ", &pattern));
        assert!(like("xΣ", &pattern));
        assert!(like("ΟΔΥΣΣΕΥΣ", &pattern));
    }
}
