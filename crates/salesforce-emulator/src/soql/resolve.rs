//! Name resolution and type checking: turns the syntax tree into a plan whose object and field
//! names are canonical and whose literals already have the type of the field they meet, with the
//! errors Salesforce gives (`INVALID_TYPE`, `INVALID_FIELD`).

use std::collections::HashSet;

use super::eval::{Filter, LikeAtom, SortKey, Val};
use super::parser::{Cond, Literal, Name, QueryAst, SelectAst};
use super::{FieldKind, SchemaLookup, Selection, SoqlError};

pub(crate) struct Plan {
    pub object: String,
    pub selection: Selection,
    pub filter: Option<Filter>,
    pub order: Vec<SortKey>,
    pub limit: Option<u64>,
    pub offset: u64,
}

fn located(name: &Name, code: &'static str, message: String) -> SoqlError {
    SoqlError {
        code,
        message: format!("ERROR at Row:{}:Column:{}\n{message}", name.row, name.col),
    }
}

pub(crate) fn resolve(ast: QueryAst, schema: &dyn SchemaLookup) -> Result<Plan, SoqlError> {
    let object = schema.object(&ast.object.text).ok_or_else(|| {
        located(
            &ast.object,
            "INVALID_TYPE",
            format!(
                "sObject type '{}' is not supported. If you are attempting to use a custom object, \
                 be sure to append the '__c' after the entity name. Please reference your WSDL or \
                 the describe call for the appropriate names.",
                ast.object.text
            ),
        )
    })?;
    let r = Resolver {
        object: &object,
        schema,
    };
    let selection = match &ast.select {
        SelectAst::Count => Selection::Count,
        SelectAst::Fields(names) => {
            let mut seen = HashSet::new();
            let mut fields = Vec::with_capacity(names.len());
            for name in names {
                let (canonical, _) = r.field(name)?;
                if !seen.insert(canonical.to_ascii_lowercase()) {
                    // Salesforce answers INVALID_FIELD "duplicate field selected: Id".
                    return Err(located(
                        name,
                        "INVALID_FIELD",
                        format!("duplicate field selected: {canonical}"),
                    ));
                }
                fields.push(canonical);
            }
            Selection::Fields(fields)
        }
    };
    let filter = ast.filter.as_ref().map(|c| r.cond(c)).transpose()?;
    let mut order = Vec::with_capacity(ast.order.len());
    for item in &ast.order {
        let (field, kind) = r.field(&item.field)?;
        if !schema.is_sortable(&object, &field) {
            return Err(located(
                &item.field,
                "INVALID_FIELD",
                format!("field '{field}' can not be sorted in a query call"),
            ));
        }
        order.push(SortKey {
            field,
            kind,
            descending: item.descending,
            nulls_last: item.nulls_last,
        });
    }
    Ok(Plan {
        object,
        selection,
        filter,
        order,
        limit: ast.limit,
        offset: ast.offset.unwrap_or(0),
    })
}

struct Resolver<'a> {
    object: &'a str,
    schema: &'a dyn SchemaLookup,
}

impl Resolver<'_> {
    fn field(&self, name: &Name) -> Result<(String, FieldKind), SoqlError> {
        self.schema.field(self.object, &name.text).ok_or_else(|| {
            located(
                name,
                "INVALID_FIELD",
                format!(
                    "No such column '{}' on entity '{}'. If you are attempting to use a custom \
                     field, be sure to append the '__c' after the custom field name. Please \
                     reference your WSDL or the describe call for the appropriate names.",
                    name.text, self.object
                ),
            )
        })
    }

    /// A field used in WHERE: it must exist and be filterable.
    fn filter_field(&self, name: &Name) -> Result<(String, FieldKind), SoqlError> {
        let (canonical, kind) = self.field(name)?;
        if !self.schema.is_filterable(self.object, &canonical) {
            return Err(located(
                name,
                "INVALID_FIELD",
                format!("field '{canonical}' can not be filtered in a query call"),
            ));
        }
        Ok((canonical, kind))
    }

    fn cond(&self, cond: &Cond) -> Result<Filter, SoqlError> {
        Ok(match cond {
            Cond::And(parts) => Filter::And(self.conds(parts)?),
            Cond::Or(parts) => Filter::Or(self.conds(parts)?),
            Cond::Not(inner) => Filter::Not(Box::new(self.cond(inner)?)),
            Cond::Cmp { field, op, value } => {
                let (canonical, kind) = self.filter_field(field)?;
                if kind == FieldKind::Boolean
                    && !matches!(op, super::parser::CmpOp::Eq | super::parser::CmpOp::Ne)
                {
                    return Err(located(
                        field,
                        "INVALID_FIELD",
                        format!("invalid operator on boolean field: {canonical}"),
                    ));
                }
                let value = literal_for(field, &canonical, kind, value)?;
                Filter::Cmp {
                    field: canonical,
                    kind,
                    op: *op,
                    value,
                }
            }
            Cond::In {
                field,
                negated,
                values,
            } => {
                let (canonical, kind) = self.filter_field(field)?;
                let values = values
                    .iter()
                    .map(|v| literal_for(field, &canonical, kind, v))
                    .collect::<Result<Vec<_>, _>>()?;
                Filter::In {
                    field: canonical,
                    kind,
                    negated: *negated,
                    values,
                }
            }
            Cond::Like { field, pattern } => {
                let (canonical, kind) = self.filter_field(field)?;
                if !is_likeable(kind) {
                    return Err(located(
                        field,
                        "INVALID_FIELD",
                        format!(
                            "invalid operator on {} field: LIKE is only valid on text fields, \
                             not on '{canonical}'",
                            type_word(kind)
                        ),
                    ));
                }
                let Literal::Str(chars) = pattern else {
                    return Err(type_error(field, &canonical, kind));
                };
                Filter::Like {
                    field: canonical,
                    kind,
                    pattern: LikeAtom::compile(chars),
                }
            }
        })
    }

    fn conds(&self, parts: &[Cond]) -> Result<Vec<Filter>, SoqlError> {
        parts.iter().map(|c| self.cond(c)).collect()
    }
}

pub(crate) fn is_text(kind: FieldKind) -> bool {
    matches!(
        kind,
        FieldKind::Id
            | FieldKind::Reference
            | FieldKind::String
            | FieldKind::Email
            | FieldKind::Phone
            | FieldKind::Picklist
            | FieldKind::TextArea
    )
}

/// LIKE works on text fields; Salesforce refuses it on Id and reference fields.
fn is_likeable(kind: FieldKind) -> bool {
    is_text(kind) && !matches!(kind, FieldKind::Id | FieldKind::Reference)
}

/// The type word Salesforce uses in "must be of type …" messages.
fn type_word(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Id => "id",
        FieldKind::Reference => "reference",
        FieldKind::String
        | FieldKind::Email
        | FieldKind::Phone
        | FieldKind::Picklist
        | FieldKind::TextArea => "string",
        FieldKind::Boolean => "boolean",
        FieldKind::DateTime => "dateTime",
        FieldKind::Date => "date",
        FieldKind::Double => "double",
        FieldKind::Int => "integer",
    }
}

fn type_error(name: &Name, canonical: &str, kind: FieldKind) -> SoqlError {
    let quoting = if is_text(kind) {
        "should be enclosed in quotes"
    } else {
        "should not be enclosed in quotes"
    };
    located(
        name,
        "INVALID_FIELD",
        format!(
            "value of filter criterion for field '{canonical}' must be of type {} and {quoting}",
            type_word(kind)
        ),
    )
}

/// Checks that `lit` fits a field of `kind`, as Salesforce does before running anything.
fn literal_for(
    name: &Name,
    canonical: &str,
    kind: FieldKind,
    lit: &Literal,
) -> Result<Val, SoqlError> {
    let ok = match (lit, kind) {
        (Literal::Null, _) => Some(Val::Null),
        (Literal::Str(chars), k) if is_text(k) => {
            let s: String = chars.iter().map(|c| c.ch).collect();
            if matches!(k, FieldKind::Id | FieldKind::Reference) && !s.is_empty() && !is_id(&s) {
                // Salesforce checks Id literals before running the query.
                return Err(located(
                    name,
                    "INVALID_QUERY_FILTER_OPERATOR",
                    format!("invalid ID field: {s}"),
                ));
            }
            // Salesforce stores empty text as null, so '' and null mean the same.
            Some(if s.is_empty() {
                Val::Null
            } else {
                Val::Text(s)
            })
        }
        (Literal::Bool(b), FieldKind::Boolean) => Some(Val::Bool(*b)),
        // A decimal against an integer field is accepted and compared numerically.
        (Literal::Number(_, v), FieldKind::Double | FieldKind::Int) => Some(Val::Num(*v)),
        (Literal::Date(d), FieldKind::Date) => Some(Val::Date(*d)),
        (Literal::DateTime(dt), FieldKind::DateTime) => Some(Val::DateTime(*dt)),
        _ => None,
    };
    ok.ok_or_else(|| type_error(name, canonical, kind))
}

/// A Salesforce record Id: 15 (case-sensitive) or 18 (case-safe) alphanumeric characters.
fn is_id(s: &str) -> bool {
    matches!(s.len(), 15 | 18) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}
