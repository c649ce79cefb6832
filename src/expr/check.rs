//! Type and unit checking: an untyped [`Ast`] becomes a resolved [`Expr`], or every mistake
//! in it is reported with the span of the offending text.

use std::sync::Arc;

use super::parse::{Ast, AstKind, BinOp};
use super::{AggOp, ArithOp, CmpOp, Expr, ExprKind, Value};
use crate::schema::{Schema, suggest};
use crate::source::Span;
use crate::units::{Type, Unit};

/// A mistake found while checking, its span relative to the expression's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckError {
    pub code: &'static str,
    pub span: Span,
    pub message: String,
    pub suggestion: Option<String>,
}

/// Names an expression may use beyond the subject's fields: parameters, definitions and
/// clause variables. Implemented by the rulebook loader.
pub trait Names {
    /// A dated parameter: its index and type.
    fn param(&self, name: &str) -> Option<(u32, Type)>;
    /// A definition or clause variable: `Some(Some((its name and label, expr)))` when it
    /// checks (the body shared by every use), `Some(None)` when it exists but has errors of its own (reported where it is
    /// written), `None` when unknown.
    fn named(&mut self, name: &str) -> Option<Option<(Arc<crate::labels::Name>, Arc<Expr>)>>;
    /// Every name, for suggestions.
    fn all_names(&self) -> Vec<String>;
    /// Whether a version of parameter `index` is zero: it cannot be a divisor.
    fn param_is_zero(&self, _index: u32) -> bool {
        false
    }
}

pub struct Checker<'a> {
    pub schema: &'a Schema,
    /// The subject's record.
    pub record: u16,
    pub names: &'a mut dyn Names,
    pub text: &'a str,
    pub errors: Vec<CheckError>,
    /// Inside an aggregate: the list field and its item record.
    item: Option<(u16, u16)>,
}

const FUNCTIONS: &[&str] = &["min", "max", "count", "sum", "all", "any", "end_of_year"];

impl<'a> Checker<'a> {
    pub fn new(schema: &'a Schema, record: u16, names: &'a mut dyn Names, text: &'a str) -> Self {
        Checker {
            schema,
            record,
            names,
            text,
            errors: Vec::new(),
            item: None,
        }
    }

    /// Checks what follows as a per-item expression of the list field `list`.
    pub fn enter_list(&mut self, list: u16) {
        let rec = &self.schema.records[self.record as usize];
        if let Some(Type::List(item)) = rec.fields.get(list as usize).map(|f| f.ty) {
            self.item = Some((list, item));
        }
    }

    /// Checks `ast` and requires its type to be `want` (when given).
    pub fn check_as(&mut self, ast: &Ast, want: Option<Type>) -> Option<Expr> {
        let e = self.check(ast, None)?;
        if let Some(want) = want
            && e.ty != want
        {
            self.type_error(
                ast.span,
                format!(
                    "expected {}, found {}",
                    self.schema.describe(want),
                    self.schema.describe(e.ty)
                ),
                unit_mismatch(want, e.ty),
            );
            return None;
        }
        Some(e)
    }

    fn err(&mut self, code: &'static str, span: Span, message: String, suggestion: Option<String>) {
        self.errors.push(CheckError {
            code,
            span,
            message,
            suggestion,
        });
    }

    fn type_error(&mut self, span: Span, message: String, units: bool) {
        let code = if units {
            "rules::unit_mismatch"
        } else {
            "rules::type_mismatch"
        };
        self.err(code, span, message, None);
    }

    fn node_text(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("").trim()
    }

    fn node(&self, kind: ExprKind, ty: Type, span: Span) -> Expr {
        let text = self.text.get(span.range()).unwrap_or("").trim();
        Expr {
            kind,
            ty,
            text: Arc::from(text),
            shared: Default::default(),
        }
    }

    /// The type a bare name would have, without reporting anything: used to read the words
    /// on the other side of `==` and `in`.
    fn peek(&mut self, ast: &Ast) -> Option<Type> {
        match &ast.kind {
            AstKind::Ident(name) => {
                if let Some((_, rec)) = self.item {
                    let r = &self.schema.records[rec as usize];
                    if let Some(&i) = r.by_name.get(name) {
                        return Some(r.fields[i as usize].ty);
                    }
                }
                let r = &self.schema.records[self.record as usize];
                if let Some(&i) = r.by_name.get(name) {
                    return Some(r.fields[i as usize].ty);
                }
                if let Some((_, ty)) = self.names.param(name) {
                    return Some(ty);
                }
                self.names.named(name).flatten().map(|(_, e)| e.ty)
            }
            _ => None,
        }
    }

    fn word_hint(&mut self, ast: &Ast) -> Option<u16> {
        match self.peek(ast) {
            Some(Type::Word(w) | Type::Words(w)) => Some(w),
            _ => None,
        }
    }

    pub fn check(&mut self, ast: &Ast, words: Option<u16>) -> Option<Expr> {
        let span = ast.span;
        match &ast.kind {
            AstKind::Num { value, unit, .. } => {
                Some(self.node(ExprKind::Const(Value::Num(*value)), Type::Num(*unit), span))
            }
            AstKind::Dur(d) => {
                Some(self.node(ExprKind::Const(Value::Dur(*d)), Type::Duration, span))
            }
            AstKind::Bool(b) => Some(self.node(ExprKind::Const(Value::Bool(*b)), Type::Bool, span)),
            AstKind::Date(d) => Some(self.node(ExprKind::Const(Value::Date(*d)), Type::Date, span)),
            AstKind::Ident(name) => self.ident(name, span, words),
            AstKind::List(_) => {
                self.err(
                    "rules::type_mismatch",
                    span,
                    "a list of words may only stand after `in`".into(),
                    None,
                );
                None
            }
            AstKind::Not(inner) => {
                let e = self.check(inner, None)?;
                if e.ty != Type::Bool {
                    let found = self.schema.describe(e.ty);
                    self.type_error(
                        inner.span,
                        format!("`not` needs a condition, found {found}"),
                        false,
                    );
                    return None;
                }
                Some(self.node(ExprKind::Not(Box::new(e)), Type::Bool, span))
            }
            AstKind::Neg(inner) => {
                let e = self.check(inner, None)?;
                if !e.ty.is_num() {
                    let found = self.schema.describe(e.ty);
                    self.type_error(
                        inner.span,
                        format!("`-` needs a number, found {found}"),
                        false,
                    );
                    return None;
                }
                let ty = e.ty;
                Some(self.node(ExprKind::Neg(Box::new(e)), ty, span))
            }
            AstKind::If(c, a, b) => {
                let c = self.check_as(c, Some(Type::Bool));
                let a = self.check(a, words);
                let b = self.check(b, words);
                let (c, a, b) = (c?, a?, b?);
                if a.ty != b.ty {
                    let msg = format!(
                        "the two branches differ: {} and {}",
                        self.schema.describe(a.ty),
                        self.schema.describe(b.ty)
                    );
                    self.type_error(span, msg, unit_mismatch(a.ty, b.ty));
                    return None;
                }
                let ty = a.ty;
                Some(self.node(
                    ExprKind::If(Box::new(c), Box::new(a), Box::new(b)),
                    ty,
                    span,
                ))
            }
            AstKind::Bin(op, l, r) => self.binary(*op, l, r, span),
            AstKind::Call(name, args) => self.call(name, args, span),
        }
    }

    fn ident(&mut self, name: &str, span: Span, words: Option<u16>) -> Option<Expr> {
        // A word of the enumeration on the other side of `==` or `in` comes first.
        if let Some(w) = words
            && let Some(i) = self.schema.word_sets[w as usize].index(name)
        {
            return Some(self.node(ExprKind::Const(Value::Word(i)), Type::Word(w), span));
        }
        if let Some((list, rec)) = self.item {
            let _ = list;
            let r = &self.schema.records[rec as usize];
            if let Some(&i) = r.by_name.get(name) {
                let ty = r.fields[i as usize].ty;
                return Some(self.node(ExprKind::ItemField(i), ty, span));
            }
        }
        let r = &self.schema.records[self.record as usize];
        if let Some(&i) = r.by_name.get(name) {
            let ty = r.fields[i as usize].ty;
            if let Type::List(_) = ty {
                self.err(
                    "rules::type_mismatch",
                    span,
                    format!("`{name}` is a list: use it inside count, sum, all or any"),
                    None,
                );
                return None;
            }
            return Some(self.node(ExprKind::Field(i), ty, span));
        }
        if name == "as_of" {
            return Some(self.node(ExprKind::AsOf, Type::Date, span));
        }
        if let Some((i, ty)) = self.names.param(name) {
            return Some(self.node(ExprKind::Param(i), ty, span));
        }
        match self.names.named(name) {
            Some(Some((label, e))) => {
                let ty = e.ty;
                return Some(self.node(ExprKind::Named(label, e), ty, span));
            }
            Some(None) => return None,
            None => {}
        }
        // Unknown: suggest the nearest word, field or name.
        let mut candidates: Vec<String> = Vec::new();
        if let Some(w) = words {
            candidates.extend(self.schema.word_sets[w as usize].words.iter().cloned());
        }
        if let Some((_, rec)) = self.item {
            candidates.extend(self.schema.records[rec as usize].by_name.keys().cloned());
        }
        candidates.extend(r.by_name.keys().cloned());
        candidates.extend(self.names.all_names());
        let suggestion = suggest(name, candidates.iter().map(String::as_str)).map(str::to_string);
        let (code, message) = match words {
            Some(w) => (
                "rules::unknown_word",
                format!(
                    "`{name}` is not a word of `{}` ({})",
                    self.schema.word_sets[w as usize].owner,
                    self.schema.word_sets[w as usize].words.join(" | ")
                ),
            ),
            None => (
                "rules::unknown_name",
                format!(
                    "unknown field or name `{name}` for `{}`",
                    self.schema.records[self.record as usize].path
                ),
            ),
        };
        self.err(code, span, message, suggestion);
        None
    }

    fn binary(&mut self, op: BinOp, l: &Ast, r: &Ast, span: Span) -> Option<Expr> {
        match op {
            BinOp::And | BinOp::Or => {
                let a = self.check_as(l, Some(Type::Bool));
                let b = self.check_as(r, Some(Type::Bool));
                let (a, b) = (Box::new(a?), Box::new(b?));
                let kind = if op == BinOp::And {
                    ExprKind::And(a, b)
                } else {
                    ExprKind::Or(a, b)
                };
                Some(self.node(kind, Type::Bool, span))
            }
            BinOp::In => {
                let hint_r = self.word_hint(r);
                let hint_l = self.word_hint(l);
                if let AstKind::List(items) = &r.kind {
                    let a = self.check(l, None)?;
                    let Type::Word(w) = a.ty else {
                        let found = self.schema.describe(a.ty);
                        self.type_error(
                            l.span,
                            format!("`in [...]` needs a word on its left, found {found}"),
                            false,
                        );
                        return None;
                    };
                    let mut set = 0u64;
                    let mut ok = true;
                    for item in items {
                        match self.check(item, Some(w)) {
                            Some(Expr {
                                kind: ExprKind::Const(Value::Word(i)),
                                ..
                            }) => set |= 1 << i,
                            Some(e) => {
                                let found = self.schema.describe(e.ty);
                                self.type_error(
                                    item.span,
                                    format!(
                                        "expected a word of `{}`, found {found}",
                                        self.schema.word_sets[w as usize].owner
                                    ),
                                    false,
                                );
                                ok = false;
                            }
                            None => ok = false,
                        }
                    }
                    return ok
                        .then(|| self.node(ExprKind::WordIn(Box::new(a), set), Type::Bool, span));
                }
                // `word in list_of_words`
                let b = self.check(r, None)?;
                let Type::Words(w) = b.ty else {
                    let found = self.schema.describe(b.ty);
                    self.type_error(
                        r.span,
                        format!("`in` needs a list of words on its right, found {found}"),
                        false,
                    );
                    return None;
                };
                let _ = (hint_l, hint_r);
                let a = self.check(l, Some(w))?;
                match a.kind {
                    ExprKind::Const(Value::Word(i)) if a.ty == Type::Word(w) => {
                        Some(self.node(ExprKind::HasWord(Box::new(b), i), Type::Bool, span))
                    }
                    _ => {
                        self.type_error(
                            l.span,
                            format!(
                                "expected one word of `{}`",
                                self.schema.word_sets[w as usize].owner
                            ),
                            false,
                        );
                        None
                    }
                }
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let hint_for_r = self.word_hint(l);
                let hint_for_l = self.word_hint(r);
                let a = self.check(l, hint_for_l);
                let b = self.check(r, hint_for_r);
                let (a, b) = (a?, b?);
                let cmp = match op {
                    BinOp::Eq => CmpOp::Eq,
                    BinOp::Ne => CmpOp::Ne,
                    BinOp::Lt => CmpOp::Lt,
                    BinOp::Le => CmpOp::Le,
                    BinOp::Gt => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                let ordered = matches!(a.ty, Type::Num(_) | Type::Date);
                let equality = matches!(cmp, CmpOp::Eq | CmpOp::Ne);
                if a.ty != b.ty {
                    let msg = format!(
                        "cannot compare {} with {}",
                        self.schema.describe(a.ty),
                        self.schema.describe(b.ty)
                    );
                    let hint = match (a.ty, b.ty) {
                        (Type::Num(u), Type::Num(Unit::ONE))
                        | (Type::Num(Unit::ONE), Type::Num(u)) => {
                            Some(format!("give the number its unit, e.g. `0 {u}`"))
                        }
                        _ => None,
                    };
                    let code = if unit_mismatch(a.ty, b.ty) {
                        "rules::unit_mismatch"
                    } else {
                        "rules::type_mismatch"
                    };
                    self.err(code, span, msg, hint);
                    return None;
                }
                if !(ordered || (equality && matches!(a.ty, Type::Bool | Type::Word(_)))) {
                    let found = self.schema.describe(a.ty);
                    self.type_error(
                        span,
                        format!("`{}` cannot compare {found}", cmp.symbol()),
                        false,
                    );
                    return None;
                }
                Some(self.node(
                    ExprKind::Cmp(cmp, Box::new(a), Box::new(b)),
                    Type::Bool,
                    span,
                ))
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let a = self.check(l, None);
                let b = self.check(r, None);
                let (a, b) = (a?, b?);
                let sym = op.symbol();
                // Dates move by durations.
                if a.ty == Type::Date
                    && b.ty == Type::Duration
                    && matches!(op, BinOp::Add | BinOp::Sub)
                {
                    let kind = ExprKind::Shift {
                        date: Box::new(a),
                        by: Box::new(b),
                        back: op == BinOp::Sub,
                    };
                    return Some(self.node(kind, Type::Date, span));
                }
                let (Type::Num(ua), Type::Num(ub)) = (a.ty, b.ty) else {
                    let msg = format!(
                        "`{sym}` needs numbers, found {} and {}",
                        self.schema.describe(a.ty),
                        self.schema.describe(b.ty)
                    );
                    self.type_error(span, msg, false);
                    return None;
                };
                let (arith, unit) = match op {
                    BinOp::Add | BinOp::Sub => {
                        if ua != ub {
                            self.err(
                                "rules::unit_mismatch",
                                span,
                                format!(
                                    "cannot {} {ub} {} {ua}",
                                    if op == BinOp::Add { "add" } else { "subtract" },
                                    if op == BinOp::Add { "to" } else { "from" }
                                ),
                                None,
                            );
                            return None;
                        }
                        (
                            if op == BinOp::Add {
                                ArithOp::Add
                            } else {
                                ArithOp::Sub
                            },
                            Some(ua),
                        )
                    }
                    BinOp::Mul => (ArithOp::Mul, ua.times(ub)),
                    _ => {
                        // A divisor that is zero as written gives no value on any case.
                        let zero = match &b.kind {
                            ExprKind::Const(Value::Num(z)) => z.is_zero(),
                            ExprKind::Param(i) => self.names.param_is_zero(*i),
                            _ => false,
                        };
                        if zero {
                            self.err(
                                "rules::division_by_zero",
                                r.span,
                                format!("`{}` divides by zero", self.node_text(span)),
                                None,
                            );
                            return None;
                        }
                        (ArithOp::Div, ua.per(ub))
                    }
                };
                let Some(unit) = unit else {
                    self.err(
                        "rules::unit_mismatch",
                        span,
                        "the unit of this product is out of range".into(),
                        None,
                    );
                    return None;
                };
                Some(self.node(
                    ExprKind::Arith(arith, Box::new(a), Box::new(b)),
                    Type::Num(unit),
                    span,
                ))
            }
        }
    }

    fn call(&mut self, name: &str, args: &[Ast], span: Span) -> Option<Expr> {
        let arity_err = |this: &mut Self, want: &str| {
            this.err(
                "rules::bad_call",
                span,
                format!("`{name}` takes {want}, given {}", args.len()),
                None,
            );
            None
        };
        match name {
            "min" | "max" => {
                if args.len() < 2 {
                    return arity_err(self, "two or more values");
                }
                let checked: Vec<Option<Expr>> = args.iter().map(|a| self.check(a, None)).collect();
                let checked: Vec<Expr> = checked.into_iter().collect::<Option<_>>()?;
                let ty = checked[0].ty;
                if !matches!(ty, Type::Num(_) | Type::Date) {
                    let found = self.schema.describe(ty);
                    self.type_error(
                        args[0].span,
                        format!("`{name}` needs numbers or dates, found {found}"),
                        false,
                    );
                    return None;
                }
                for (a, e) in args.iter().zip(&checked).skip(1) {
                    if e.ty != ty {
                        let msg = format!(
                            "`{name}` mixes {} and {}",
                            self.schema.describe(ty),
                            self.schema.describe(e.ty)
                        );
                        self.type_error(a.span, msg, unit_mismatch(ty, e.ty));
                        return None;
                    }
                }
                Some(self.node(
                    ExprKind::MinMax {
                        max: name == "max",
                        args: checked,
                    },
                    ty,
                    span,
                ))
            }
            "end_of_year" => {
                if args.len() != 1 {
                    return arity_err(self, "one date or year");
                }
                // The last day of a date's year, or of a year given as a number (`2025`).
                let d = self.check(&args[0], None)?;
                if d.ty != Type::Date && d.ty != Type::Num(Unit::ONE) {
                    let msg = format!(
                        "`end_of_year` takes a date or a year (a number without a unit), not {}",
                        self.schema.describe(d.ty)
                    );
                    self.type_error(args[0].span, msg, false);
                    return None;
                }
                Some(self.node(ExprKind::EndOfYear(Box::new(d)), Type::Date, span))
            }
            "count" | "sum" | "all" | "any" => {
                let (op, want) = match name {
                    "count" => (AggOp::Count, "a list and an optional condition"),
                    "sum" => (
                        AggOp::Sum,
                        "a list, a number per item and an optional condition",
                    ),
                    "all" => (AggOp::All, "a list and a condition per item"),
                    _ => (AggOp::Any, "a list and a condition per item"),
                };
                let (min, max) = match op {
                    AggOp::Count => (1, 2),
                    AggOp::Sum => (2, 3),
                    _ => (2, 2),
                };
                if args.len() < min || args.len() > max {
                    return arity_err(self, want);
                }
                if self.item.is_some() {
                    self.err(
                        "rules::bad_call",
                        span,
                        format!("`{name}` cannot stand inside another list aggregate"),
                        None,
                    );
                    return None;
                }
                let AstKind::Ident(list_name) = &args[0].kind else {
                    self.err(
                        "rules::bad_call",
                        args[0].span,
                        format!("`{name}` needs a list field first"),
                        None,
                    );
                    return None;
                };
                let r = &self.schema.records[self.record as usize];
                let Some((list, item_rec)) =
                    r.by_name
                        .get(list_name)
                        .and_then(|&i| match r.fields[i as usize].ty {
                            Type::List(rec) => Some((i, rec)),
                            _ => None,
                        })
                else {
                    let lists: Vec<&str> = r
                        .fields
                        .iter()
                        .filter(|f| matches!(f.ty, Type::List(_)))
                        .map(|f| f.name.as_str())
                        .collect();
                    let suggestion = suggest(list_name, lists.iter().copied()).map(str::to_string);
                    self.err(
                        "rules::unknown_name",
                        args[0].span,
                        format!("`{list_name}` is not a list field of `{}`", r.path),
                        suggestion,
                    );
                    return None;
                };
                self.item = Some((list, item_rec));
                let (body, filter) = match op {
                    AggOp::Count => (
                        None,
                        args.get(1).map(|a| self.check_as(a, Some(Type::Bool))),
                    ),
                    AggOp::Sum => {
                        let body = self.check(&args[1], None);
                        if let Some(b) = &body
                            && !b.ty.is_num()
                        {
                            let found = self.schema.describe(b.ty);
                            self.type_error(
                                args[1].span,
                                format!("`sum` adds numbers, found {found}"),
                                false,
                            );
                            self.item = None;
                            return None;
                        }
                        (
                            Some(body),
                            args.get(2).map(|a| self.check_as(a, Some(Type::Bool))),
                        )
                    }
                    _ => (Some(self.check_as(&args[1], Some(Type::Bool))), None),
                };
                self.item = None;
                let body = match body {
                    Some(b) => Some(Box::new(b?)),
                    None => None,
                };
                let filter = match filter {
                    Some(f) => Some(Box::new(f?)),
                    None => None,
                };
                let ty = match op {
                    AggOp::Count => Type::Num(Unit::ONE),
                    AggOp::Sum => body.as_ref().map_or(Type::Num(Unit::ONE), |b| b.ty),
                    _ => Type::Bool,
                };
                Some(self.node(
                    ExprKind::Agg {
                        op,
                        list,
                        body,
                        filter,
                    },
                    ty,
                    span,
                ))
            }
            _ => {
                let suggestion = suggest(name, FUNCTIONS.iter().copied()).map(str::to_string);
                self.err(
                    "rules::unknown_name",
                    span,
                    format!(
                        "unknown function `{name}` (there are {})",
                        FUNCTIONS.join(", ")
                    ),
                    suggestion,
                );
                None
            }
        }
    }
}

/// Whether two types differ only in their units.
fn unit_mismatch(a: Type, b: Type) -> bool {
    matches!((a, b), (Type::Num(x), Type::Num(y)) if x != y)
}
