//! The expression language's lexer and parser: text to an untyped syntax tree.
//!
//! The grammar is written down in `rules/README.md`. Parsing is a recursive descent whose
//! nesting is bounded by [`MAX_NESTING`], so hostile input gets an error, never a stack overflow.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::source::Span;
use crate::units::Unit;

/// How deep parentheses, operators and calls may nest in one expression.
pub const MAX_NESTING: usize = 64;

/// A calendar span: months and days are kept apart because months differ in length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Duration {
    pub months: i32,
    pub days: i32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ast {
    pub kind: AstKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AstKind {
    /// A number with its unit; `80%` is the number 0.8 with unit 1.
    Num {
        value: Decimal,
        unit: Unit,
        percent: bool,
    },
    Dur(Duration),
    Bool(bool),
    Date(NaiveDate),
    Ident(String),
    List(Vec<Ast>),
    Not(Box<Ast>),
    Neg(Box<Ast>),
    Bin(BinOp, Box<Ast>, Box<Ast>),
    If(Box<Ast>, Box<Ast>, Box<Ast>),
    Call(String, Vec<Ast>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
}

/// A parse error: where, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(String),
    Date(String),
    Ident(String),
    Percent,
    Op(&'static str),
    End,
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn next(&mut self) -> Result<(Tok, Span), ParseError> {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() && (bytes[self.pos] as char).is_ascii_whitespace() {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(&b) = bytes.get(self.pos) else {
            return Ok((Tok::End, Span::new(start, start)));
        };
        let tok = if b.is_ascii_digit() {
            // A date is exactly four digits, a dash, two digits, a dash, two digits.
            let rest = &bytes[start..];
            let is_date = rest.len() >= 10
                && rest[..4].iter().all(u8::is_ascii_digit)
                && rest[4] == b'-'
                && rest[5..7].iter().all(u8::is_ascii_digit)
                && rest[7] == b'-'
                && rest[8..10].iter().all(u8::is_ascii_digit)
                && !rest.get(10).is_some_and(u8::is_ascii_alphanumeric);
            if is_date {
                self.pos += 10;
                Tok::Date(self.text[start..self.pos].to_string())
            } else {
                while self.pos < bytes.len()
                    && (bytes[self.pos].is_ascii_digit()
                        || bytes[self.pos] == b'_'
                        || (bytes[self.pos] == b'.'
                            && bytes.get(self.pos + 1).is_some_and(u8::is_ascii_digit)))
                {
                    self.pos += 1;
                }
                Tok::Num(self.text[start..self.pos].replace('_', ""))
            }
        } else if b.is_ascii_alphabetic() || b == b'_' {
            while self.pos < bytes.len()
                && (bytes[self.pos].is_ascii_alphanumeric() || bytes[self.pos] == b'_')
            {
                self.pos += 1;
            }
            Tok::Ident(self.text[start..self.pos].to_string())
        } else {
            let two = self.text.get(start..start + 2).unwrap_or("");
            let op = match two {
                "==" | "!=" | "<=" | ">=" => {
                    self.pos += 2;
                    return Ok((Tok::Op(static_op(two)), Span::new(start, self.pos)));
                }
                _ => match b {
                    b'+' => "+",
                    b'-' => "-",
                    b'*' => "*",
                    b'/' => "/",
                    b'<' => "<",
                    b'>' => ">",
                    b'(' => "(",
                    b')' => ")",
                    b'[' => "[",
                    b']' => "]",
                    b',' => ",",
                    b'%' => {
                        self.pos += 1;
                        return Ok((Tok::Percent, Span::new(start, self.pos)));
                    }
                    _ => {
                        let ch = self.text[start..].chars().next().unwrap_or('?');
                        let end = start + ch.len_utf8();
                        let hint = match ch {
                            '=' => " (write `==` to compare)",
                            '&' => " (write `and`)",
                            '|' => " (write `or`)",
                            '!' => " (write `not`)",
                            _ => "",
                        };
                        return Err(ParseError {
                            span: Span::new(start, end),
                            message: format!("unexpected character `{ch}`{hint}"),
                        });
                    }
                },
            };
            self.pos += 1;
            Tok::Op(op)
        };
        Ok((tok, Span::new(start, self.pos)))
    }
}

fn static_op(two: &str) -> &'static str {
    match two {
        "==" => "==",
        "!=" => "!=",
        "<=" => "<=",
        _ => ">=",
    }
}

const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "if", "then", "else", "true", "false",
];

/// Parses one expression.
pub fn parse(text: &str) -> Result<Ast, ParseError> {
    let mut p = Parser {
        lexer: Lexer { text, pos: 0 },
        tok: Tok::End,
        span: Span::default(),
        depth: 0,
    };
    p.advance()?;
    if p.tok == Tok::End {
        return Err(ParseError {
            span: p.span,
            message: "empty expression".into(),
        });
    }
    let ast = p.expr()?;
    if p.tok != Tok::End {
        return Err(p.unexpected("an operator or the end of the expression"));
    }
    Ok(ast)
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    tok: Tok,
    span: Span,
    depth: usize,
}

impl Parser<'_> {
    fn advance(&mut self) -> Result<(), ParseError> {
        let (tok, span) = self.lexer.next()?;
        self.tok = tok;
        self.span = span;
        Ok(())
    }

    fn unexpected(&self, expected: &str) -> ParseError {
        let found = match &self.tok {
            Tok::End => "the end of the expression".to_string(),
            _ => format!("`{}`", &self.lexer.text[self.span.range()]),
        };
        ParseError {
            span: self.span,
            message: format!("expected {expected}, found {found}"),
        }
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(&self.tok, Tok::Op(o) if *o == op)
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.tok, Tok::Ident(i) if i == kw)
    }

    fn expect_op(&mut self, op: &str) -> Result<Span, ParseError> {
        if self.is_op(op) {
            let span = self.span;
            self.advance()?;
            Ok(span)
        } else {
            Err(self.unexpected(&format!("`{op}`")))
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(ParseError {
                span: self.span,
                message: format!("expression nested deeper than {MAX_NESTING} levels"),
            });
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Ast, ParseError> {
        self.enter()?;
        let result = if self.is_kw("if") {
            let start = self.span;
            self.advance()?;
            let cond = self.expr()?;
            if !self.is_kw("then") {
                return Err(self.unexpected("`then`"));
            }
            self.advance()?;
            let yes = self.expr()?;
            if !self.is_kw("else") {
                return Err(self.unexpected("`else`"));
            }
            self.advance()?;
            let no = self.expr()?;
            let span = start.join(no.span);
            Ok(Ast {
                kind: AstKind::If(Box::new(cond), Box::new(yes), Box::new(no)),
                span,
            })
        } else {
            self.or()
        };
        self.depth -= 1;
        result
    }

    fn bin(op: BinOp, l: Ast, r: Ast) -> Ast {
        let span = l.span.join(r.span);
        Ast {
            kind: AstKind::Bin(op, Box::new(l), Box::new(r)),
            span,
        }
    }

    fn or(&mut self) -> Result<Ast, ParseError> {
        let mut left = self.and()?;
        let base = self.depth;
        while self.is_kw("or") {
            self.enter()?;
            self.advance()?;
            let right = self.and()?;
            left = Self::bin(BinOp::Or, left, right);
        }
        self.depth = base;
        Ok(left)
    }

    fn and(&mut self) -> Result<Ast, ParseError> {
        let mut left = self.not()?;
        let base = self.depth;
        while self.is_kw("and") {
            self.enter()?;
            self.advance()?;
            let right = self.not()?;
            left = Self::bin(BinOp::And, left, right);
        }
        self.depth = base;
        Ok(left)
    }

    fn not(&mut self) -> Result<Ast, ParseError> {
        if self.is_kw("not") {
            let start = self.span;
            self.advance()?;
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            let span = start.join(inner.span);
            return Ok(Ast {
                kind: AstKind::Not(Box::new(inner)),
                span,
            });
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Ast, ParseError> {
        let left = self.additive()?;
        let op = match &self.tok {
            Tok::Op("==") => BinOp::Eq,
            Tok::Op("!=") => BinOp::Ne,
            Tok::Op("<") => BinOp::Lt,
            Tok::Op("<=") => BinOp::Le,
            Tok::Op(">") => BinOp::Gt,
            Tok::Op(">=") => BinOp::Ge,
            Tok::Ident(i) if i == "in" => BinOp::In,
            _ => return Ok(left),
        };
        self.advance()?;
        let right = self.additive()?;
        if matches!(&self.tok, Tok::Op("==" | "!=" | "<" | "<=" | ">" | ">=")) || self.is_kw("in") {
            return Err(ParseError {
                span: self.span,
                message: "comparisons do not chain: write `a <= b and b <= c`".into(),
            });
        }
        Ok(Self::bin(op, left, right))
    }

    fn additive(&mut self) -> Result<Ast, ParseError> {
        let mut left = self.multiplicative()?;
        let base = self.depth;
        loop {
            let op = match &self.tok {
                Tok::Op("+") => BinOp::Add,
                Tok::Op("-") => BinOp::Sub,
                _ => {
                    self.depth = base;
                    return Ok(left);
                }
            };
            self.enter()?;
            self.advance()?;
            let right = self.multiplicative()?;
            left = Self::bin(op, left, right);
        }
    }

    fn multiplicative(&mut self) -> Result<Ast, ParseError> {
        let mut left = self.unary()?;
        let base = self.depth;
        loop {
            let op = match &self.tok {
                Tok::Op("*") => BinOp::Mul,
                Tok::Op("/") => BinOp::Div,
                _ => {
                    self.depth = base;
                    return Ok(left);
                }
            };
            self.enter()?;
            self.advance()?;
            let right = self.unary()?;
            left = Self::bin(op, left, right);
        }
    }

    fn unary(&mut self) -> Result<Ast, ParseError> {
        if self.is_op("-") {
            let start = self.span;
            self.advance()?;
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            let span = start.join(inner.span);
            return Ok(Ast {
                kind: AstKind::Neg(Box::new(inner)),
                span,
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Ast, ParseError> {
        let start = self.span;
        match self.tok.clone() {
            Tok::Num(text) => {
                self.advance()?;
                self.number(&text, start)
            }
            Tok::Date(text) => {
                self.advance()?;
                let date =
                    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| ParseError {
                        span: start,
                        message: format!("`{text}` is not a real calendar date"),
                    })?;
                Ok(Ast {
                    kind: AstKind::Date(date),
                    span: start,
                })
            }
            Tok::Ident(name) => {
                match name.as_str() {
                    "true" | "false" => {
                        self.advance()?;
                        return Ok(Ast {
                            kind: AstKind::Bool(name == "true"),
                            span: start,
                        });
                    }
                    kw if KEYWORDS.contains(&kw) => {
                        return Err(self.unexpected("a value"));
                    }
                    _ => {}
                }
                self.advance()?;
                if self.is_op("(") {
                    self.advance()?;
                    self.enter()?;
                    let mut args = Vec::new();
                    if !self.is_op(")") {
                        loop {
                            args.push(self.expr()?);
                            if self.is_op(",") {
                                self.advance()?;
                                continue;
                            }
                            break;
                        }
                    }
                    self.depth -= 1;
                    let end = self.expect_op(")")?;
                    return Ok(Ast {
                        kind: AstKind::Call(name, args),
                        span: start.join(end),
                    });
                }
                Ok(Ast {
                    kind: AstKind::Ident(name),
                    span: start,
                })
            }
            Tok::Op("(") => {
                self.advance()?;
                let inner = self.expr()?;
                let end = self.expect_op(")")?;
                // Keep the parenthesised span so explanations quote what was written.
                Ok(Ast {
                    kind: inner.kind,
                    span: start.join(end),
                })
            }
            Tok::Op("[") => {
                self.advance()?;
                self.enter()?;
                let mut items = Vec::new();
                if !self.is_op("]") {
                    loop {
                        items.push(self.expr()?);
                        if self.is_op(",") {
                            self.advance()?;
                            if self.is_op("]") {
                                break;
                            }
                            continue;
                        }
                        break;
                    }
                }
                self.depth -= 1;
                let end = self.expect_op("]")?;
                Ok(Ast {
                    kind: AstKind::List(items),
                    span: start.join(end),
                })
            }
            _ => Err(self.unexpected("a value")),
        }
    }

    /// A number literal and what may follow it: `%`, a unit, or a duration word.
    fn number(&mut self, text: &str, start: Span) -> Result<Ast, ParseError> {
        // `from_str` would round digits past 28 decimals away; a rule's number is exact or an error.
        let mut value = Decimal::from_str_exact(text).map_err(|_| ParseError {
            span: start,
            message: format!("`{text}` is too large or too precise for an exact decimal"),
        })?;
        if self.tok == Tok::Percent {
            let end = self.span;
            self.advance()?;
            // Division rounds when the quotient needs more than 28 decimals: check it is exact.
            value = value
                .checked_div(Decimal::ONE_HUNDRED)
                .filter(|q| q.checked_mul(Decimal::ONE_HUNDRED) == Some(value))
                .ok_or_else(|| ParseError {
                    span: start,
                    message: format!("`{text}%` cannot be held exactly"),
                })?;
            return Ok(Ast {
                kind: AstKind::Num {
                    value,
                    unit: Unit::ONE,
                    percent: true,
                },
                span: start.join(end),
            });
        }
        if let Tok::Ident(word) = self.tok.clone() {
            let dur = |n: Decimal, per: i32| -> Option<i32> {
                if !n.fract().is_zero() {
                    return None;
                }
                i32::try_from(n.mantissa() / 10i128.pow(n.scale()))
                    .ok()?
                    .checked_mul(per)
            };
            let duration = match word.as_str() {
                "year" | "years" => Some((12, true)),
                "month" | "months" => Some((1, true)),
                "day" | "days" => Some((1, false)),
                _ => None,
            };
            if let Some((per, months)) = duration {
                let end = self.span;
                self.advance()?;
                let n = dur(value, per).ok_or_else(|| ParseError {
                    span: start.join(end),
                    message: "a duration is a whole number of years, months or days".into(),
                })?;
                let d = if months {
                    Duration { months: n, days: 0 }
                } else {
                    Duration { months: 0, days: n }
                };
                return Ok(Ast {
                    kind: AstKind::Dur(d),
                    span: start.join(end),
                });
            }
            if word == "CNY" || word == "m2" {
                let mut end = self.span;
                let mut unit_text = word.clone();
                self.advance()?;
                if self.is_op("/") {
                    // `CNY/m2`: the slash belongs to the unit only when a unit name follows.
                    let save_pos = self.lexer.pos;
                    let save = (self.tok.clone(), self.span);
                    self.advance()?;
                    match &self.tok {
                        Tok::Ident(d) if d == "CNY" || d == "m2" => {
                            unit_text = format!("{unit_text}/{d}");
                            end = self.span;
                            self.advance()?;
                        }
                        _ => {
                            self.lexer.pos = save_pos;
                            self.tok = save.0;
                            self.span = save.1;
                        }
                    }
                }
                let unit = Unit::parse(&unit_text).ok_or_else(|| ParseError {
                    span: start.join(end),
                    message: format!("`{unit_text}` is not a unit"),
                })?;
                return Ok(Ast {
                    kind: AstKind::Num {
                        value,
                        unit,
                        percent: false,
                    },
                    span: start.join(end),
                });
            }
        }
        Ok(Ast {
            kind: AstKind::Num {
                value,
                unit: Unit::ONE,
                percent: false,
            },
            span: start,
        })
    }
}

/// How tightly a node binds as printed: an operand that binds less tightly than its place in
/// the grammar wants is put in parentheses, and no other is.
fn strength(kind: &AstKind) -> u8 {
    match kind {
        AstKind::If(..) => 0,
        AstKind::Bin(BinOp::Or, ..) => 1,
        AstKind::Bin(BinOp::And, ..) => 2,
        AstKind::Not(_) => 3,
        AstKind::Bin(BinOp::Add | BinOp::Sub, ..) => 5,
        AstKind::Bin(BinOp::Mul | BinOp::Div, ..) => 6,
        AstKind::Bin(..) => 4,
        AstKind::Neg(_) => 7,
        _ => 8,
    }
}

/// Whether `text` starts with the name of a unit (`CNY`, `m2`) as a whole word.
fn starts_with_unit_name(text: &str) -> bool {
    let word: &str = &text[..text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len())];
    word == "CNY" || word == "m2"
}

impl Ast {
    /// Writes this node where the grammar wants at least `place` (see [`strength`]).
    /// `unit_tail`: a `/` and a unit name follow, so a number with a one-word unit at the end
    /// is put in parentheses (`(5 CNY) / m2`, which `5 CNY / m2` would not be).
    fn write(&self, f: &mut fmt::Formatter<'_>, place: u8, unit_tail: bool) -> fmt::Result {
        let own = strength(&self.kind);
        if own < place {
            write!(f, "(")?;
            self.write(f, 0, false)?;
            return write!(f, ")");
        }
        match &self.kind {
            AstKind::Num {
                value,
                unit,
                percent,
            } => {
                if *percent {
                    let p = value.checked_mul(Decimal::ONE_HUNDRED).unwrap_or(*value);
                    write!(f, "{}%", p.normalize())
                } else if unit.is_one() {
                    write!(f, "{}", value.normalize())
                } else if unit_tail && (*unit == Unit::CNY || *unit == Unit::M2) {
                    write!(f, "({} {unit})", value.normalize())
                } else {
                    write!(f, "{} {unit}", value.normalize())
                }
            }
            AstKind::Dur(d) => {
                if d.months != 0 {
                    write!(f, "{} months", d.months)
                } else {
                    write!(f, "{} days", d.days)
                }
            }
            AstKind::Bool(b) => write!(f, "{b}"),
            AstKind::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            AstKind::Ident(name) => write!(f, "{name}"),
            AstKind::List(items) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{item}")?;
                }
                write!(f, "]")
            }
            AstKind::Not(inner) => {
                write!(f, "not ")?;
                inner.write(f, own, unit_tail)
            }
            AstKind::Neg(inner) => {
                write!(f, "-")?;
                inner.write(f, own, unit_tail)
            }
            AstKind::Bin(op, l, r) => {
                // Left-associative operators take an operand of their own strength on the left;
                // a comparison takes none on either side (comparisons do not chain).
                let (left, right) = if own == 4 { (5, 5) } else { (own, own + 1) };
                let r_text = Printed(r, right, unit_tail).to_string();
                let l_tail = *op == BinOp::Div && starts_with_unit_name(&r_text);
                l.write(f, left, l_tail)?;
                write!(f, " {} {r_text}", op.symbol())
            }
            AstKind::If(c, a, b) => {
                write!(f, "if {c} then {a} else ")?;
                b.write(f, 0, unit_tail)
            }
            AstKind::Call(name, args) => {
                write!(f, "{name}(")?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                write!(f, ")")
            }
        }
    }
}

/// A node printed at a place in the grammar.
struct Printed<'a>(&'a Ast, u8, bool);

impl fmt::Display for Printed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write(f, self.1, self.2)
    }
}

/// Prints an expression in a canonical form with only the parentheses its meaning needs, so
/// that it parses back the same and nests no deeper than any text that gives the same tree
/// (a fully parenthesised form could pass [`MAX_NESTING`] where the original did not).
impl fmt::Display for Ast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, 0, false)
    }
}

/// Two trees are the same expression when they print the same (spans aside).
#[must_use]
pub fn same_expression(a: &Ast, b: &Ast) -> bool {
    a.to_string() == b.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Ast {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    #[test]
    fn precedence_and_units() {
        assert_eq!(
            p("a + b * 2 >= 200 CNY/m2 and not c or d").to_string(),
            "a + b * 2 >= 200 CNY/m2 and not c or d"
        );
        assert_eq!(p("80%").to_string(), "80%");
        match p("80%").kind {
            AstKind::Num { value, .. } => assert_eq!(value, Decimal::new(8, 1)),
            other => panic!("{other:?}"),
        }
        assert_eq!(p("x / m").to_string(), "x / m");
        assert_eq!(p("70 m2 / 2").to_string(), "70 m2 / 2");
        assert_eq!(p("as_of - 1 year").to_string(), "as_of - 12 months");
        assert_eq!(
            p("sum(units, count, area <= 70 m2)").to_string(),
            "sum(units, count, area <= 70 m2)"
        );
        assert_eq!(
            p("use in [residential, public,]").to_string(),
            "use in [residential, public]"
        );
        assert_eq!(
            p("if a then 1 CNY else 0 CNY").to_string(),
            "if a then 1 CNY else 0 CNY"
        );
    }

    #[test]
    fn printed_form_parses_back_the_same() {
        for text in [
            "a and (b or c)",
            "-(-x) * 2%",
            "2021-01-27 < d",
            "max(0 CNY, a - b - c)",
            "not not x",
            "a - (b - c) - (not d == e) * -(f / g)",
            "(a or b) and not (c and d) or (if e then f else g) + 1",
            "5 CNY / (m2)",
            "x * (5 m2) / CNY(y)",
        ] {
            let ast = p(text);
            let again = p(&ast.to_string());
            assert!(same_expression(&ast, &again), "{text}: {ast}");
        }
        assert_eq!(p("(a - (b)) - ((c))").to_string(), "a - b - c");
        assert_eq!(p("5 CNY / (m2)").to_string(), "(5 CNY) / m2");
        assert_eq!(p("5 CNY / m2").to_string(), "5 CNY/m2");
    }

    #[test]
    fn the_printed_form_nests_no_deeper_than_the_text() {
        // Each of these is as deep as the parser allows; its printed form must parse too.
        for text in [
            "-".repeat(MAX_NESTING - 1) + "a",
            "not ".repeat(MAX_NESTING - 1) + "a",
            "a".to_string() + &" + a".repeat(MAX_NESTING - 1),
            "if a then b else ".repeat(MAX_NESTING - 1) + "c",
        ] {
            let ast = p(&text);
            let again = parse(&ast.to_string()).unwrap_or_else(|e| panic!("{}: {e:?}", ast));
            assert!(same_expression(&ast, &again));
        }
    }

    #[test]
    fn numbers_are_exact_or_an_error() {
        // 29 decimals, and a percentage whose hundredth needs 30: never rounded silently.
        assert!(parse("1.00000000000000000000000000001 CNY").is_err());
        assert!(parse("0.1234567890123456789012345678%").is_err());
        assert_eq!(
            p("0.12345678901234567890123456%").to_string(),
            "0.12345678901234567890123456%"
        );
    }

    #[test]
    fn errors_point_at_the_offending_text() {
        let e = parse("a = 1").unwrap_err();
        assert_eq!(e.span, Span::new(2, 3));
        assert!(e.message.contains("=="), "{}", e.message);
        let e = parse("a < b < c").unwrap_err();
        assert!(e.message.contains("chain"));
        let e = parse("(a").unwrap_err();
        assert_eq!(e.message, "expected `)`, found the end of the expression");
        assert!(parse("").is_err());
        assert!(
            parse("2023-02-30")
                .unwrap_err()
                .message
                .contains("calendar")
        );
        assert!(parse("1.5 years").is_err());
        assert!(parse("99999999999999999999999999999999").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for text in [
            "(".repeat(100_000),
            "-".repeat(100_000) + "1",
            "not ".repeat(100_000) + "x",
            "f(".repeat(100_000),
            "[".repeat(100_000),
            "if ".repeat(100_000),
            "a".to_string() + &" + a".repeat(100_000),
            "a".to_string() + &" and a".repeat(100_000),
        ] {
            let e = parse(&text).unwrap_err();
            assert!(e.message.contains("nested deeper"), "{}", e.message);
        }
    }
}
