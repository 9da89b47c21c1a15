//! The SOQL lexer: turns query text into tokens that carry their byte span, so every parse error
//! can point at the exact place (Salesforce reports `ERROR at Row:r:Column:c`).
//!
//! String literals are decoded here, exactly as Salesforce documents them ("Quoted String Escape
//! Sequences" in the SOQL reference): `\\ \' \" \n \r \t \b \f \uXXXX`, plus `\%` and `\_`, which
//! stand for a literal percent sign or underscore (they only matter in `LIKE` patterns, so the
//! decoded characters remember that they were escaped). Any other backslash sequence is an error.

use super::{malformed_at, SoqlError};

/// Salesforce refuses SOQL statements longer than 100,000 characters with `MALFORMED_QUERY`;
/// the same bound keeps the emulator's work per request small.
pub(crate) const MAX_QUERY_CHARS: usize = 100_000;

/// "Strings in WHERE clauses can't exceed 4,000 characters" (SOQL reference, WHERE). It also
/// bounds the cost of matching a LIKE pattern.
pub(crate) const MAX_STRING_CHARS: usize = 4_000;

/// One character of a decoded string literal. `escaped` is true when it was written with a
/// backslash, which turns `%` and `_` into literal characters inside `LIKE` patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LitChar {
    pub ch: char,
    pub escaped: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A bare word: keyword, field or object name (`[A-Za-z_][A-Za-z0-9_]*`).
    Ident(String),
    /// A single-quoted string, decoded.
    Str(Vec<LitChar>),
    /// A number as written (`42`, `-1.5`).
    Number(String),
    /// An unquoted date literal `YYYY-MM-DD` as written.
    Date(String),
    /// An unquoted dateTime literal `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)` as written.
    DateTime(String),
    Comma,
    LParen,
    RParen,
    Dot,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Any other character (`:`, `*`, `;`, …): never valid in the subset, so the parser reports it.
    Other(char),
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset just past the last character.
    pub end: usize,
}

/// Splits `src` into tokens, ending with `Tok::Eof`.
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, SoqlError> {
    if src.chars().count() > MAX_QUERY_CHARS {
        return Err(SoqlError {
            code: "MALFORMED_QUERY",
            message: format!(
                "SOQL statements cannot be longer than {} characters",
                format_thousands(MAX_QUERY_CHARS)
            ),
        });
    }
    let mut lexer = Lexer { src, pos: 0 };
    let mut out = Vec::new();
    loop {
        let token = lexer.next_token()?;
        let done = token.tok == Tok::Eof;
        out.push(token);
        if done {
            return Ok(out);
        }
    }
}

fn format_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + offset).copied()
    }

    fn next_token(&mut self) -> Result<Token, SoqlError> {
        while let Some(c) = self.peek() {
            if matches!(c, ' ' | '\t' | '\n' | '\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(Token {
                tok: Tok::Eof,
                start,
                end: start,
            });
        };
        let simple = |tok: Tok, len: usize| Token {
            tok,
            start,
            end: start + len,
        };
        let token = match c {
            ',' => simple(Tok::Comma, 1),
            '(' => simple(Tok::LParen, 1),
            ')' => simple(Tok::RParen, 1),
            '.' => simple(Tok::Dot, 1),
            '=' => simple(Tok::Eq, 1),
            '!' if self.peek_at(1) == Some(b'=') => simple(Tok::Ne, 2),
            '<' if self.peek_at(1) == Some(b'>') => simple(Tok::Ne, 2),
            '<' if self.peek_at(1) == Some(b'=') => simple(Tok::Le, 2),
            '<' => simple(Tok::Lt, 1),
            '>' if self.peek_at(1) == Some(b'=') => simple(Tok::Ge, 2),
            '>' => simple(Tok::Gt, 1),
            '\'' => return self.string(),
            c if c.is_ascii_alphabetic() || c == '_' => {
                let len = self.src[start..]
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                simple(Tok::Ident(self.src[start..start + len].to_string()), len)
            }
            c if c.is_ascii_digit() => return self.number_or_date(),
            '-' | '+' if self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) => {
                return self.number_or_date()
            }
            other => simple(Tok::Other(other), other.len_utf8()),
        };
        self.pos = token.end;
        Ok(token)
    }

    /// A single-quoted string; the opening quote is at `self.pos`.
    fn string(&mut self) -> Result<Token, SoqlError> {
        let start = self.pos;
        let mut chars = self.src[start + 1..].char_indices();
        let mut out = Vec::new();
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => {
                    if out.len() > MAX_STRING_CHARS {
                        return Err(malformed_at(
                            self.src,
                            start,
                            format!(
                                "string literals in WHERE clauses can't exceed {} characters",
                                format_thousands(MAX_STRING_CHARS)
                            ),
                        ));
                    }
                    self.pos = start + 1 + i + 1;
                    return Ok(Token {
                        tok: Tok::Str(out),
                        start,
                        end: self.pos,
                    });
                }
                '\\' => {
                    let esc_at = start + 1 + i;
                    let Some((_, e)) = chars.next() else { break };
                    let decoded = match e {
                        '\\' => '\\',
                        '\'' => '\'',
                        '"' => '"',
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        '%' => '%',
                        '_' => '_',
                        'u' => self.unicode_escape(&mut chars, esc_at)?,
                        other => {
                            return Err(malformed_at(
                                self.src,
                                esc_at,
                                format!(
                                    "Illegal character sequence '\\{other}' in string literal."
                                ),
                            ))
                        }
                    };
                    out.push(LitChar {
                        ch: decoded,
                        escaped: true,
                    });
                }
                other => out.push(LitChar {
                    ch: other,
                    escaped: false,
                }),
            }
        }
        Err(malformed_at(
            self.src,
            start,
            "unterminated string literal: a quote opened here is never closed",
        ))
    }

    /// `\uXXXX` (the `\u` already consumed). A UTF-16 surrogate pair written as two escapes
    /// decodes to one character; a lone surrogate is refused.
    fn unicode_escape(
        &self,
        chars: &mut std::str::CharIndices<'_>,
        esc_at: usize,
    ) -> Result<char, SoqlError> {
        let bad = |what: &str| {
            malformed_at(
                self.src,
                esc_at,
                format!("Invalid unicode escape in string literal: {what}"),
            )
        };
        let hex4 = |chars: &mut std::str::CharIndices<'_>| -> Option<u32> {
            let mut v = 0u32;
            for _ in 0..4 {
                let (_, c) = chars.next()?;
                v = v * 16 + c.to_digit(16)?;
            }
            Some(v)
        };
        let first = hex4(chars).ok_or_else(|| bad("\\u needs exactly four hex digits"))?;
        if (0xD800..0xDC00).contains(&first) {
            let mut look = chars.clone();
            let pair = match (look.next(), look.next()) {
                (Some((_, '\\')), Some((_, 'u'))) => hex4(&mut look),
                _ => None,
            };
            if let Some(low) = pair.filter(|l| (0xDC00..0xE000).contains(l)) {
                *chars = look;
                let cp = 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00);
                return char::from_u32(cp).ok_or_else(|| bad("not a character"));
            }
            return Err(bad("unpaired surrogate"));
        }
        char::from_u32(first).ok_or_else(|| bad("unpaired surrogate"))
    }

    /// A number, or an unquoted date / dateTime literal. Starts at a digit or a sign.
    fn number_or_date(&mut self) -> Result<Token, SoqlError> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        if let Some(len) = date_shape(&bytes[start..]) {
            let mut end = start + len;
            let mut tok = Tok::Date(self.src[start..end].to_string());
            if bytes.get(end) == Some(&b'T') {
                match time_shape(&bytes[end..]) {
                    Some(tlen) => {
                        end += tlen;
                        tok = Tok::DateTime(self.src[start..end].to_string());
                    }
                    None => {
                        return Err(malformed_at(
                            self.src,
                            start,
                            "invalid dateTime literal: expected YYYY-MM-DDThh:mm:ss followed by Z or ±hh:mm",
                        ))
                    }
                }
            }
            self.pos = end;
            return Ok(Token { tok, start, end });
        }
        let mut end = start;
        if matches!(bytes.get(end), Some(b'-' | b'+')) {
            end += 1;
        }
        end += count_digits(&bytes[end..]);
        if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
            end += 1 + count_digits(&bytes[end + 1..]);
        }
        self.pos = end;
        Ok(Token {
            tok: Tok::Number(self.src[start..end].to_string()),
            start,
            end,
        })
    }
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// Matches a byte pattern where `d` is any ASCII digit and other bytes must be equal.
fn shape(bytes: &[u8], pattern: &[u8]) -> bool {
    bytes.len() >= pattern.len()
        && pattern.iter().zip(bytes).all(|(p, b)| match p {
            b'd' => b.is_ascii_digit(),
            other => other == b,
        })
}

/// `YYYY-MM-DD`, not followed by another digit. Returns its length.
fn date_shape(bytes: &[u8]) -> Option<usize> {
    (shape(bytes, b"dddd-dd-dd") && !bytes.get(10).is_some_and(u8::is_ascii_digit)).then_some(10)
}

/// `Thh:mm:ss[.f+](Z|±hh:mm)`. Returns its length.
fn time_shape(bytes: &[u8]) -> Option<usize> {
    if !shape(bytes, b"Tdd:dd:dd") {
        return None;
    }
    let mut len = 9;
    if bytes.get(len) == Some(&b'.') {
        let frac = count_digits(&bytes[len + 1..]);
        if frac == 0 {
            return None;
        }
        len += 1 + frac;
    }
    match bytes.get(len) {
        Some(b'Z') => Some(len + 1),
        Some(b'+' | b'-') if shape(&bytes[len + 1..], b"dd:dd") => Some(len + 6),
        _ => None,
    }
}
