//! The SOQL recursive-descent parser and its syntax tree (names not yet checked against a schema).
//!
//! Grammar of the subset (keywords case-insensitive; `[]` optional, `{}` repeated):
//!
//! ```text
//! query      := SELECT selection FROM name [WHERE logical] [ORDER BY order {, order}]
//!               [LIMIT int] [OFFSET int] EOF
//! selection  := COUNT ( ) | name {, name}
//! logical    := NOT cond | cond {AND cond} | cond {OR cond}
//! cond       := ( logical ) | name op value | name [NOT] IN ( value {, value} )
//!             | name LIKE value
//! op         := = | != | <> | < | <= | > | >=
//! value      := 'string' | number | date | dateTime | NULL | TRUE | FALSE
//! order      := name [ASC | DESC] [NULLS (FIRST | LAST)]
//! ```
//!
//! `logical` mirrors Salesforce: AND and OR may not be mixed at one level without parentheses
//! (`a AND b OR c` fails with `unexpected token: 'OR'`), and NOT negates one condition that must
//! stand alone at its level (`a AND NOT b` fails with `unexpected token: 'NOT'`; write
//! `a AND (NOT b)`), as the SOQL reference says "Client applications must specify parentheses
//! when nesting operators".

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::lexer::{tokenize, LitChar, Tok, Token};
use super::{malformed_at, position, SoqlError};

/// Parentheses may nest this deep; deeper input is refused instead of risking the stack.
pub(crate) const MAX_DEPTH: usize = 64;

/// The largest OFFSET Salesforce accepts.
pub(crate) const MAX_OFFSET: u64 = 2_000;

/// A name as written, with its position for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name {
    pub text: String,
    pub row: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Null,
    Bool(bool),
    /// The number as written and its value.
    Number(String, f64),
    Str(Vec<LitChar>),
    Date(NaiveDate),
    DateTime(DateTime<FixedOffset>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Cmp {
        field: Name,
        op: CmpOp,
        value: Literal,
    },
    In {
        field: Name,
        negated: bool,
        values: Vec<Literal>,
    },
    Like {
        field: Name,
        pattern: Literal,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SelectAst {
    Count,
    Fields(Vec<Name>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OrderItem {
    pub field: Name,
    pub descending: bool,
    pub nulls_last: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QueryAst {
    pub select: SelectAst,
    pub object: Name,
    pub filter: Option<Cond>,
    pub order: Vec<OrderItem>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The words the SOQL reference lists as reserved ("can't be used as identifiers"), plus TYPEOF,
/// which starts a polymorphic select item. Other keywords (ORDER, OFFSET, …) are only keywords
/// where the grammar expects them, so an object named `Order` still parses.
const RESERVED: &[&str] = &[
    "AND", "ASC", "DESC", "EXCLUDES", "FIRST", "FROM", "GROUP", "HAVING", "IN", "INCLUDES", "LAST",
    "LIKE", "LIMIT", "NOT", "NULL", "NULLS", "OR", "SELECT", "WHERE", "WITH", "TYPEOF",
];

pub(crate) fn parse_query(src: &str) -> Result<QueryAst, SoqlError> {
    let tokens = tokenize(src)?;
    let mut p = Parser {
        src,
        tokens,
        pos: 0,
        depth: 0,
    };
    p.query()
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.tokens.get(self.pos).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn peek_nth(&self, n: usize) -> &Tok {
        self.tokens.get(self.pos + n).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn advance(&mut self) {
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
    }

    fn start(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or(self.src.len(), |t| t.start)
    }

    /// `unexpected token: '<text>'` at the current token, the message Salesforce gives.
    fn unexpected(&self) -> SoqlError {
        let text = match self.tokens.get(self.pos) {
            Some(Token { tok: Tok::Eof, .. }) | None => "<EOF>".to_string(),
            Some(t) => self.src.get(t.start..t.end).unwrap_or("").to_string(),
        };
        malformed_at(
            self.src,
            self.start(),
            format!("unexpected token: '{text}'"),
        )
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(w) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let hit = self.is_kw(kw);
        if hit {
            self.advance();
        }
        hit
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), SoqlError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expect(&mut self, tok: &Tok) -> Result<(), SoqlError> {
        if self.peek() == tok {
            self.advance();
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// A field or object name. Relationship paths (`Account.Name`) are outside the subset: the
    /// dot is reported as the unexpected token rather than silently dropping the path.
    fn name(&mut self) -> Result<Name, SoqlError> {
        let Tok::Ident(text) = self.peek() else {
            return Err(self.unexpected());
        };
        if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(text)) {
            return Err(self.unexpected());
        }
        let text = text.clone();
        let (row, col) = position(self.src, self.start());
        self.advance();
        if matches!(self.peek(), Tok::Dot | Tok::LParen) {
            // `Account.Name` or a function call such as `toLabel(Status)`.
            return Err(self.unexpected());
        }
        Ok(Name { text, row, col })
    }

    fn query(&mut self) -> Result<QueryAst, SoqlError> {
        self.expect_kw("SELECT")?;
        let select = if self.is_kw("COUNT") && self.peek_nth(1) == &Tok::LParen {
            self.advance();
            self.advance();
            // `COUNT(Id)` is an aggregate query: outside the subset.
            self.expect(&Tok::RParen)?;
            SelectAst::Count
        } else {
            let mut fields = vec![self.name()?];
            while self.peek() == &Tok::Comma {
                self.advance();
                fields.push(self.name()?);
            }
            SelectAst::Fields(fields)
        };
        self.expect_kw("FROM")?;
        let object = self.name()?;
        let filter = if self.eat_kw("WHERE") {
            Some(self.logical()?)
        } else {
            None
        };
        let mut order = Vec::new();
        if self.eat_kw("ORDER") {
            self.expect_kw("BY")?;
            loop {
                order.push(self.order_item()?);
                if self.peek() != &Tok::Comma {
                    break;
                }
                self.advance();
            }
        }
        let limit = if self.eat_kw("LIMIT") {
            Some(self.limit_value()?)
        } else {
            None
        };
        let offset = if self.eat_kw("OFFSET") {
            Some(self.offset_value()?)
        } else {
            None
        };
        if self.peek() != &Tok::Eof {
            return Err(self.unexpected());
        }
        Ok(QueryAst {
            select,
            object,
            filter,
            order,
            limit,
            offset,
        })
    }

    fn order_item(&mut self) -> Result<OrderItem, SoqlError> {
        let field = self.name()?;
        let descending = if self.eat_kw("DESC") {
            true
        } else {
            self.eat_kw("ASC");
            false
        };
        // Salesforce: "By default, null values are sorted first", whatever the direction.
        let nulls_last = if self.eat_kw("NULLS") {
            if self.eat_kw("LAST") {
                true
            } else {
                self.expect_kw("FIRST")?;
                false
            }
        } else {
            false
        };
        Ok(OrderItem {
            field,
            descending,
            nulls_last,
        })
    }

    /// An unsigned integer for LIMIT / OFFSET; `None` when it does not fit in a u64.
    fn unsigned(&mut self) -> Result<(String, Option<u64>), SoqlError> {
        match self.peek() {
            Tok::Number(n) if n.bytes().all(|b| b.is_ascii_digit()) => {
                let n = n.clone();
                self.advance();
                let value = n.parse::<u64>().ok();
                Ok((n, value))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn limit_value(&mut self) -> Result<u64, SoqlError> {
        let at = self.start();
        let (text, value) = self.unsigned()?;
        // Salesforce reads LIMIT as a 32-bit integer.
        match value {
            Some(v) if v <= i32::MAX as u64 => Ok(v),
            _ => Err(malformed_at(
                self.src,
                at,
                format!("numeric value out of range: {text}"),
            )),
        }
    }

    fn offset_value(&mut self) -> Result<u64, SoqlError> {
        let (_, value) = self.unsigned()?;
        match value {
            Some(v) if v <= MAX_OFFSET => Ok(v),
            _ => Err(SoqlError {
                code: "NUMBER_OUTSIDE_VALID_RANGE",
                message: format!("Maximum SOQL offset allowed is {MAX_OFFSET}"),
            }),
        }
    }

    fn logical(&mut self) -> Result<Cond, SoqlError> {
        if self.eat_kw("NOT") {
            return Ok(Cond::Not(Box::new(self.cond()?)));
        }
        let first = self.cond()?;
        let joiner = if self.is_kw("AND") {
            "AND"
        } else if self.is_kw("OR") {
            "OR"
        } else {
            return Ok(first);
        };
        let mut parts = vec![first];
        while self.eat_kw(joiner) {
            parts.push(self.cond()?);
        }
        // A different joiner now is left for the caller, which reports it as unexpected.
        Ok(if joiner == "AND" {
            Cond::And(parts)
        } else {
            Cond::Or(parts)
        })
    }

    fn cond(&mut self) -> Result<Cond, SoqlError> {
        if self.peek() == &Tok::LParen {
            if self.depth >= MAX_DEPTH {
                return Err(malformed_at(
                    self.src,
                    self.start(),
                    format!("conditions nested more than {MAX_DEPTH} parentheses deep"),
                ));
            }
            self.advance();
            self.depth += 1;
            let inner = self.logical()?;
            self.expect(&Tok::RParen)?;
            self.depth -= 1;
            return Ok(inner);
        }
        let field = self.name()?;
        let op = match self.peek() {
            Tok::Eq => CmpOp::Eq,
            Tok::Ne => CmpOp::Ne,
            Tok::Lt => CmpOp::Lt,
            Tok::Le => CmpOp::Le,
            Tok::Gt => CmpOp::Gt,
            Tok::Ge => CmpOp::Ge,
            _ => {
                if self.eat_kw("LIKE") {
                    let pattern = self.value()?;
                    return Ok(Cond::Like { field, pattern });
                }
                let negated = self.eat_kw("NOT");
                self.expect_kw("IN")?;
                let values = self.value_list()?;
                return Ok(Cond::In {
                    field,
                    negated,
                    values,
                });
            }
        };
        self.advance();
        let value = self.value()?;
        Ok(Cond::Cmp { field, op, value })
    }

    fn value_list(&mut self) -> Result<Vec<Literal>, SoqlError> {
        // `IN (SELECT …)` (a semi-join) fails here: SELECT is not a value.
        self.expect(&Tok::LParen)?;
        let mut values = vec![self.value()?];
        while self.peek() == &Tok::Comma {
            self.advance();
            values.push(self.value()?);
        }
        self.expect(&Tok::RParen)?;
        Ok(values)
    }

    fn value(&mut self) -> Result<Literal, SoqlError> {
        let at = self.start();
        let literal = match self.peek() {
            Tok::Str(chars) => Literal::Str(chars.clone()),
            Tok::Number(text) => match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Literal::Number(text.clone(), v),
                _ => {
                    return Err(malformed_at(
                        self.src,
                        at,
                        format!("numeric value out of range: {text}"),
                    ))
                }
            },
            Tok::Date(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(d) => Literal::Date(d),
                Err(_) => return Err(malformed_at(self.src, at, format!("invalid date: {text}"))),
            },
            Tok::DateTime(text) => match parse_datetime_literal(text) {
                Some(dt) => Literal::DateTime(dt),
                None => {
                    return Err(malformed_at(
                        self.src,
                        at,
                        format!("invalid dateTime: {text}"),
                    ))
                }
            },
            Tok::Ident(w) if w.eq_ignore_ascii_case("NULL") => Literal::Null,
            Tok::Ident(w) if w.eq_ignore_ascii_case("TRUE") => Literal::Bool(true),
            Tok::Ident(w) if w.eq_ignore_ascii_case("FALSE") => Literal::Bool(false),
            // Date literals such as TODAY or LAST_N_DAYS:7, bind variables, functions: not in
            // the subset, reported as the unexpected token.
            _ => return Err(self.unexpected()),
        };
        self.advance();
        Ok(literal)
    }
}

/// `2026-01-01T00:00:00Z`, `…+01:00`, with optional fractional seconds.
pub(crate) fn parse_datetime_literal(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text).ok()
}
