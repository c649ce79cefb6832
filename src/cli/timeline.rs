//! `policy-calc timeline CASE`: each date on which a result of the case changes.

use policy_calc::Rulebook;
use policy_calc::report::ClauseResult;
use policy_calc::timeline::{self, Timeline};

use super::{Lang, Opts};

pub fn run(opts: &Opts, book: &Rulebook) -> i32 {
    let [path] = opts.args.as_slice() else {
        err!(
            "error: `timeline` takes one case file\n\n{}",
            super::usage("timeline")
        );
        return 2;
    };
    let (name, text) = match super::check::read_case(path, opts.limits.case_bytes) {
        Ok(t) => t,
        Err(e) => {
            err!("error: {e}");
            return 2;
        }
    };
    let case = match book.case_from_text(&text, &name) {
        Ok(c) => c,
        Err(d) => {
            for d in &d.0 {
                err!("{}\n", super::full_in(d, opts.lang.into()));
            }
            err!("error: {name} was not read: {} problem(s)", d.0.len());
            return 2;
        }
    };
    let (first, last) = timeline::default_range(book);
    let (from, to) = (opts.from.unwrap_or(first), opts.to.unwrap_or(last));
    let t = match timeline::timeline(book, &case, from, to) {
        Ok(t) => t,
        Err(e) => {
            err!("error: {name}: {e}");
            return 2;
        }
    };
    if opts.json {
        match serde_json::to_string(&t) {
            Ok(s) => out!("{s}"),
            Err(e) => {
                err!("error: {e}");
                return 2;
            }
        }
    } else {
        outn!("{}", text_of(&name, &t, opts.lang));
    }
    0
}

/// A result in a few words: outcome and amount.
fn brief(r: &ClauseResult, lang: Lang) -> String {
    let outcome = policy_calc::human::outcome_label(r.outcome, lang.into());
    match &r.amount {
        Some(a) => format!(
            "{outcome}, {}",
            policy_calc::human::quantity_text(a.value(), a.unit(), lang.into())
        ),
        None => outcome.to_string(),
    }
}

fn text_of(name: &str, t: &Timeline, lang: Lang) -> String {
    let mut s = match lang {
        Lang::En => format!("{name}: {} from {} to {}\n", t.subject, t.from, t.to),
        Lang::Zh => format!("{name}：{}，{} 至 {}\n", t.subject, t.from, t.to),
    };
    if let Some(k) = t.known_from {
        s.push_str(&match lang {
            Lang::En => format!("  (the case's facts are known from {k}: its latest date)\n"),
            Lang::Zh => format!("  （案件事实自 {k} 起可知：其最晚日期）\n"),
        });
    }
    if t.changes.is_empty() {
        s.push_str(match lang {
            Lang::En => "  no result changes in this range\n",
            Lang::Zh => "  此期间结果无变化\n",
        });
    }
    for c in &t.changes {
        let until = c.date.pred_opt().unwrap_or(c.date);
        s.push_str(&match lang {
            Lang::En => format!(
                "  {}  {}: {} until {until}; {} from {}\n",
                c.date,
                c.clause,
                brief(&c.before, lang),
                brief(&c.after, lang),
                c.date
            ),
            Lang::Zh => format!(
                "  {}  {}：至 {until} 为「{}」；自 {} 起为「{}」\n",
                c.date,
                c.clause,
                brief(&c.before, lang),
                c.date,
                brief(&c.after, lang)
            ),
        });
    }
    s
}
