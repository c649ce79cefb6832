//! Commands that show the rulebook: documents, clauses, one clause whole, a subject's fields,
//! and the catalogue for people (docs/clauses.md).

use policy_calc::Rulebook;
use policy_calc::expr::Value;
use policy_calc::rulebook::Clause;
use policy_calc::units::Type;

use super::Opts;

fn window(d: &policy_calc::rulebook::Document) -> String {
    match d.until {
        Some(u) => format!("{} to {u}", d.from),
        None => format!("from {}", d.from),
    }
}

pub fn documents(_: &Opts, book: &Rulebook) -> i32 {
    for (di, d) in book.documents.iter().enumerate() {
        let clauses = book.clauses.iter().filter(|c| c.document == di).count();
        out!(
            "{:<11} {}  in force {}  {} clause(s)",
            d.id,
            d.number,
            window(d),
            clauses
        );
        out!("            {}", d.title);
        if !d.computable {
            out!("            no computable clauses: {}", d.note);
        }
    }
    0
}

pub fn clauses(opts: &Opts, book: &Rulebook) -> i32 {
    if let Some(s) = &opts.subject
        && book.schema.subject(s).is_none()
    {
        return unknown_subject(book, s);
    }
    for c in &book.clauses {
        let subject = &book.schema.subjects[c.subject as usize].name;
        if opts.subject.as_ref().is_some_and(|s| s != subject) {
            continue;
        }
        let d = &book.documents[c.document];
        out!(
            "{:<34} {:<19} {:<12} {} {}",
            c.id,
            subject,
            c.kind.name(),
            d.number,
            c.section
        );
    }
    0
}

fn unknown_subject(book: &Rulebook, s: &str) -> i32 {
    let names: Vec<&str> = book
        .schema
        .subjects
        .iter()
        .map(|x| x.name.as_str())
        .collect();
    let hint = policy_calc::schema::suggest(s, names.iter().copied())
        .map(|x| format!(" (did you mean `{x}`?)"))
        .unwrap_or_default();
    err!(
        "error: unknown subject `{}`{hint}; the subjects are: {}",
        policy_calc::diagnostic::shorten(s, policy_calc::diagnostic::MAX_TOKEN),
        names.join(", ")
    );
    2
}

pub fn show_value(book: &Rulebook, ty: Type, v: Value) -> String {
    match (v, ty) {
        (Value::Num(d), Type::Num(u)) if u.is_one() => d.normalize().to_string(),
        (Value::Num(d), Type::Num(u)) => format!("{} {u}", d.normalize()),
        (Value::Date(d), _) => d.to_string(),
        (Value::Bool(b), _) => b.to_string(),
        (Value::Word(w), Type::Word(s)) => {
            book.schema.word_sets[s as usize].words[w as usize].clone()
        }
        (other, _) => format!("{other:?}"),
    }
}

/// One clause, whole, as Markdown-ish text.
pub fn describe(book: &Rulebook, c: &Clause) -> String {
    let d = &book.documents[c.document];
    let subject = &book.schema.subjects[c.subject as usize].name;
    let mut s = format!("### `{}` ({subject}, {})\n\n", c.id, c.kind.name());
    s.push_str(&format!(
        "{} {} ({}), in force {}\n\n",
        d.number,
        c.section,
        d.short_title,
        window(d)
    ));
    if !c.summary.is_empty() {
        s.push_str(&format!("{}\n\n", c.summary));
    }
    s.push_str(&format!("> {}\n", c.quote));
    for q in &c.quotes {
        s.push_str(&format!(">\n> {q}\n"));
    }
    s.push_str("\nLogic:\n\n");
    for (label, text) in &c.logic {
        s.push_str(&format!(
            "- {label}: `{}`\n",
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
    }
    if let Some(a) = &c.amount {
        s.push_str(&format!("- rounding of the amount: {}\n", a.round.name()));
    }
    let params = c.params_used();
    if !params.is_empty() {
        s.push_str("\nParameters:\n\n");
        for i in params {
            let p = &book.params[i as usize];
            let versions: Vec<String> = p
                .versions
                .iter()
                .map(|v| {
                    let until = v.until.map_or_else(|| " on".into(), |u| format!(" to {u}"));
                    format!("{} from {}{until}", show_value(book, p.ty, v.value), v.from)
                })
                .collect();
            s.push_str(&format!("- `{}`: {}\n", p.name, versions.join("; ")));
        }
    }
    if !c.readings.is_empty() {
        s.push_str("\nReadings:\n\n");
        for r in &c.readings {
            s.push_str(&format!("- \"{}\": {}", r.text, r.chosen));
            if !r.rejected.is_empty() {
                s.push_str(&format!(" Rejected: {}", r.rejected));
            }
            s.push('\n');
        }
    }
    s
}

pub fn clause(opts: &Opts, book: &Rulebook) -> i32 {
    let [id] = opts.args.as_slice() else {
        err!(
            "error: `clause` takes one clause id\n\n{}",
            super::usage("clause")
        );
        return 2;
    };
    let found: Vec<&Clause> = book.clause(id).collect();
    if found.is_empty() {
        let ids: Vec<&str> = book.clauses.iter().map(|c| c.id.as_str()).collect();
        let hint = policy_calc::schema::suggest(id, ids.iter().copied())
            .map(|x| format!(" (did you mean `{x}`?)"))
            .unwrap_or_default();
        err!(
            "error: no clause `{}`{hint}; `policy-calc clauses` lists them",
            policy_calc::diagnostic::shorten(id, policy_calc::diagnostic::MAX_TOKEN)
        );
        return 2;
    }
    for c in found {
        out!("{}", describe(book, c));
    }
    0
}

pub fn fields(opts: &Opts, book: &Rulebook) -> i32 {
    let [name] = opts.args.as_slice() else {
        err!(
            "error: `fields` takes one subject\n\n{}",
            super::usage("fields")
        );
        return 2;
    };
    let Some((id, subject)) = book.schema.subject(name) else {
        return unknown_subject(book, name);
    };
    out!("{} ({})", subject.name, subject.title);
    print_record(book, book.schema.record_of(id), "  ");
    0
}

fn print_record(book: &Rulebook, rec: &policy_calc::schema::Record, indent: &str) {
    for f in &rec.fields {
        let mut bounds = String::new();
        if let Some(m) = f.min {
            bounds.push_str(&format!(" >= {m}"));
        }
        if let Some(m) = f.max {
            bounds.push_str(&format!(" <= {m}"));
        }
        out!(
            "{indent}{:<36} {:<10}{bounds}  {}",
            f.name,
            f.unit_label.split(" | ").next().map_or("", |_| match f.ty {
                Type::Word(_) => "word",
                Type::Words(_) => "words",
                _ => f.unit_label.as_str(),
            }),
            f.doc
        );
        if let Type::Word(s) | Type::Words(s) = f.ty {
            out!(
                "{indent}    one of: {}",
                book.schema.word_sets[s as usize].words.join(", ")
            );
        }
        if let Type::List(r) = f.ty {
            print_record(
                book,
                &book.schema.records[r as usize],
                &format!("{indent}    "),
            );
        }
    }
}

/// One Markdown table row per field of `rec`, a list's item fields as `list[].field`.
fn field_rows(book: &Rulebook, rec: &policy_calc::schema::Record, prefix: &str, s: &mut String) {
    for f in &rec.fields {
        let bounds = match (f.min, f.max) {
            (Some(a), Some(b)) => format!("{a} to {b}"),
            (Some(a), None) => format!("at least {a}"),
            (None, Some(b)) => format!("at most {b}"),
            (None, None) => String::new(),
        };
        // Each word with what a report calls it: `residential (居住建筑)`.
        let words = |w: u16| {
            let set = &book.schema.word_sets[w as usize];
            set.words
                .iter()
                .zip(&set.labels)
                .map(|(w, l)| format!("{w} ({})", l.zh))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let unit = match f.ty {
            Type::Word(w) => format!("one of: {}", words(w)),
            Type::Words(w) => format!("a list of: {}", words(w)),
            Type::List(_) => "a list of items".to_string(),
            _ => f.unit_label.clone(),
        };
        let mut label = format!("{} / {}", f.label.zh, f.label.en);
        if let (Some(yes), Some(no)) = (&f.yes, &f.no) {
            label.push_str(&format!(
                "<br>yes: {} / {}<br>no: {} / {}",
                yes.zh, yes.en, no.zh, no.en
            ));
        }
        if let Some(m) = &f.measure {
            label.push_str(&format!("<br>counted in {} / {}", m.zh, m.en));
        }
        s.push_str(&format!(
            "| `{prefix}{}` | {} | {unit} | {bounds} | {} |\n",
            f.name,
            label.replace('|', "\\|"),
            f.doc.replace('|', "\\|")
        ));
        if let Type::List(r) = f.ty {
            field_rows(
                book,
                &book.schema.records[r as usize],
                &format!("{prefix}{}[].", f.name),
                s,
            );
        }
    }
}

/// The catalogue of the rulebook, generated from the rule files.
pub fn catalogue_text(book: &Rulebook) -> String {
    let mut s = String::from(
        "# The rulebook\n\nGenerated by `policy-calc catalogue` from the rule files under `rules/`; do not edit by hand\n(a test fails when this file is stale: regenerate it with `cargo run -q -- catalogue > docs/clauses.md`).\n",
    );
    s.push_str(
        "\n## Subjects and their fields\n\nEvery fact is optional; a date fact may not lie after the evaluation date.\n",
    );
    for (id, subject) in book.schema.subjects.iter().enumerate() {
        s.push_str(&format!(
            "\n### `{}` ({} / {})\n\n| field | label | unit | bounds | meaning |\n| --- | --- | --- | --- | --- |\n",
            subject.name, subject.label.zh, subject.label.en
        ));
        field_rows(book, book.schema.record_of(id as u16), "", &mut s);
    }
    for (di, d) in book.documents.iter().enumerate() {
        s.push_str(&format!(
            "\n## {} {} ({})\n\n{}\n\nIn force {}.",
            d.id,
            d.number,
            d.short_title,
            d.title,
            window(d)
        ));
        if !d.in_force_reading.is_empty() {
            s.push_str(&format!(" {}", d.in_force_reading));
        }
        s.push('\n');
        if !d.computable {
            s.push_str(&format!("\nNo computable clauses: {}\n", d.note));
        }
        for c in book.clauses.iter().filter(|c| c.document == di) {
            s.push('\n');
            s.push_str(&describe(book, c));
        }
        if !d.not_computable.is_empty() {
            s.push_str("\n### Passages with nothing to compute\n\n");
            for n in &d.not_computable {
                s.push_str(&format!("- {} ({}): > {}\n", n.section, n.reason, n.quote));
            }
        }
    }
    s
}

pub fn catalogue(opts: &Opts, book: &Rulebook) -> i32 {
    if opts.literate {
        outn!("{}", literate_text(book));
    } else {
        outn!("{}", catalogue_text(book));
    }
    0
}

/// The literate view: each document's text in order, each sentence followed by the clauses
/// that encode it (id, kind, logic) or the reason it is not computed; the gazette and its
/// code side by side, as a policy officer reviews them.
pub fn literate_text(book: &Rulebook) -> String {
    use policy_calc::coverage::{self, Status};
    let mut s = String::from(
        "# The gazette and its code, side by side\n\nGenerated by `policy-calc catalogue --literate` from the rule files under `rules/` and the seed;\ndo not edit by hand (a test fails when this file is stale: regenerate it with\n`cargo run -q -- catalogue --literate > docs/literate.md`).\n\nEach sentence of a document's text, in order, as the quote check reads it (white space removed),\nthen what the rulebook does with it: the clauses that encode it, with their logic; the\nparameters and the window in force it gives; or why it is not computed (`[[not_computable]]`)\nor not normative (`[[not_normative]]`, or no number and no normative word in it). `policy-calc\ncoverage` gives the same per sentence and a summary.\n",
    );
    for cov in coverage::coverage(book) {
        let Some(d) = book.document(&cov.document) else {
            continue;
        };
        let sum = &cov.summary;
        s.push_str(&format!(
            "\n## {} {} ({})\n\n{}\n\n{} sentences: {} encoded, {} not computable, {} not normative ({} without a number or normative word), {} unaccounted.\n",
            d.id,
            d.number,
            d.short_title,
            d.title,
            sum.sentences,
            sum.encoded,
            sum.not_computable,
            sum.not_normative,
            sum.plain,
            sum.unaccounted
        ));
        for p in &cov.problems {
            s.push_str(&format!("\n**Problem:** {p}\n"));
        }
        let mut section = String::new();
        for sen in &cov.sentences {
            if sen.section != section && !sen.section.is_empty() {
                section = sen.section.clone();
                s.push_str(&format!("\n### {} {section}\n", d.id));
            }
            s.push_str(&format!("\n> {}\n\n", sen.text));
            match sen.status {
                Status::Encoded => {
                    let mut seen: Vec<usize> = Vec::new();
                    for b in &sen.by {
                        match (b.kind, b.clause) {
                            (_, Some(ci)) => {
                                if seen.contains(&ci) {
                                    continue;
                                }
                                seen.push(ci);
                                let c = &book.clauses[ci];
                                let subject = &book.schema.subjects[c.subject as usize].name;
                                let how = if b.kind == "reading" {
                                    ", by a reading"
                                } else {
                                    ""
                                };
                                s.push_str(&format!(
                                    "- clause `{}` ({subject}, {}{how})",
                                    c.id,
                                    c.kind.name()
                                ));
                                for (label, text) in &c.logic {
                                    s.push_str(&format!(
                                        "; {label}: `{}`",
                                        text.split_whitespace().collect::<Vec<_>>().join(" ")
                                    ));
                                }
                                s.push('\n');
                            }
                            ("param", None) => {
                                let value = book
                                    .params
                                    .iter()
                                    .find(|p| *p.name == *b.id)
                                    .map(|p| {
                                        let vs: Vec<String> = p
                                            .versions
                                            .iter()
                                            .map(|v| {
                                                format!(
                                                    "{} from {}",
                                                    show_value(book, p.ty, v.value),
                                                    v.from
                                                )
                                            })
                                            .collect();
                                        format!(": {}", vs.join("; "))
                                    })
                                    .unwrap_or_default();
                                s.push_str(&format!("- parameter `{}`{value}\n", b.id));
                            }
                            _ => s.push_str(&format!(
                                "- the document's window: in force {}\n",
                                window(d)
                            )),
                        }
                    }
                }
                Status::NotComputable => {
                    s.push_str(&format!("- not computed: {}\n", sen.reason));
                }
                Status::NotNormative => {
                    s.push_str(&format!("- not normative: {}\n", sen.reason));
                }
                Status::Plain => s.push_str("- not normative: no number and no normative word\n"),
                Status::Unaccounted => s.push_str(&format!(
                    "- **unaccounted**: it holds `{}` and nothing encodes or lists it\n",
                    sen.trigger.as_deref().unwrap_or("")
                )),
            }
        }
    }
    s
}
