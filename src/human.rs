//! The report for a person: grouped by what it means for the subject, amounts with thousands
//! separators and units, each result with its document number, section and reasons.

use crate::Rulebook;
use crate::report::{ClauseResult, Outcome, Report};
use crate::words::{self, GROUPS};

use crate::labels::Lang;

#[must_use]
pub fn outcome_label(o: Outcome, lang: Lang) -> &'static str {
    match lang {
        Lang::En => match o {
            Outcome::Eligible => "eligible",
            Outcome::NotEligible => "not eligible",
            Outcome::Compliant => "compliant",
            Outcome::NonCompliant => "NON-COMPLIANT",
            Outcome::Required => "required",
            Outcome::Computed => "computed",
            Outcome::Met => "met",
            Outcome::NotMet => "NOT MET",
            Outcome::OnTrack => "on track",
            Outcome::Behind => "behind",
            Outcome::NotApplicable => "not applicable",
            Outcome::NotInForce => "not in force",
            Outcome::Undetermined => "undetermined",
        },
        Lang::Zh => match o {
            Outcome::Eligible => "符合条件",
            Outcome::NotEligible => "不符合条件",
            Outcome::Compliant => "符合",
            Outcome::NonCompliant => "不符合",
            Outcome::Required => "须满足",
            Outcome::Computed => "已计算",
            Outcome::Met => "已达成",
            Outcome::NotMet => "未达成",
            Outcome::OnTrack => "进度达标",
            Outcome::Behind => "进度落后",
            Outcome::NotApplicable => "不适用",
            Outcome::NotInForce => "不在有效期内",
            Outcome::Undetermined => "待定",
        },
    }
}

/// A number with its unit as the human report writes it: `36,110.00 CNY`, `36,110.00元`.
#[must_use]
pub fn quantity_text(value: &str, unit: &str, lang: Lang) -> String {
    words::figure(value, unit, lang)
}

fn quantity(value: &str, unit: &str, lang: Lang) -> String {
    quantity_text(value, unit, lang)
}

/// The report for a person; with `logic`, the reasons, values and missing facts as the rule
/// language writes them (field names and expressions), for those who read the rules.
#[must_use]
pub fn report(name: &str, report: &Report, book: &Rulebook, lang: Lang, logic: bool) -> String {
    let subject = book.schema.subject(&report.subject).map(|(_, s)| s);
    let subject_title = subject.map(|s| s.title.clone()).unwrap_or_default();
    let wl = lang;
    let mut s = match (lang, subject) {
        (_, Some(subj)) if !logic && !subj.label.is_incomplete() => match lang {
            Lang::En => format!(
                "{name}: {}, evaluated on {}\n",
                subj.label.en,
                crate::reason::date_text(report.as_of, wl)
            ),
            Lang::Zh => format!(
                "{name}：{}，评估日期 {}\n",
                subj.label.zh,
                crate::reason::date_text(report.as_of, wl)
            ),
        },
        (Lang::En, _) => format!(
            "{name}: {} ({subject_title}), evaluated on {}\n",
            report.subject, report.as_of
        ),
        (Lang::Zh, _) => format!(
            "{name}：{}（{subject_title}），评估日期 {}\n",
            report.subject, report.as_of
        ),
    };
    for g in GROUPS {
        let rs: Vec<&ClauseResult> = report
            .results
            .iter()
            .filter(|r| g.outcomes.contains(&r.outcome))
            .collect();
        if rs.is_empty() {
            continue;
        }
        s.push('\n');
        s.push_str(match lang {
            Lang::En => g.en,
            Lang::Zh => g.zh,
        });
        s.push('\n');
        let brief = g.outcomes.contains(&Outcome::NotApplicable);
        for r in rs {
            if logic {
                line(&mut s, r, lang, brief);
            } else {
                plain_line(&mut s, r, (book, &report.subject), lang, brief);
            }
        }
    }
    s
}

fn line(s: &mut String, r: &ClauseResult, lang: Lang, brief: bool) {
    let label = outcome_label(r.outcome, lang);
    let amount = r
        .amount
        .as_ref()
        .map(|a| format!("  {}", quantity(a.value(), a.unit(), lang)))
        .unwrap_or_default();
    let cite = match lang {
        Lang::En => format!("{} {}", r.number, r.section),
        Lang::Zh => format!("{} {}", r.number, r.section),
    };
    s.push_str(&format!("  {} [{label}]{amount}  ({cite})\n", r.clause));
    let because = match lang {
        Lang::En => "because",
        Lang::Zh => "依据",
    };
    if brief {
        if let Some(first) = r.reasons.first().map(super::reason::Reason::logic) {
            s.push_str(&format!("      {because}: {first}\n"));
        }
        return;
    }
    for reason in r.reasons.lines() {
        s.push_str(&format!("      - {reason}\n"));
    }
    for (k, q) in &r.values.0 {
        s.push_str(&format!(
            "      = {k}: {}\n",
            quantity(q.value(), q.unit(), lang)
        ));
    }
    if !r.missing.is_empty() {
        let needs = match lang {
            Lang::En => "needs",
            Lang::Zh => "尚需",
        };
        s.push_str(&format!("      ? {needs}: {}\n", r.missing.join(", ")));
    }
    for (c, margin) in r
        .changes
        .iter()
        .map(|c| (c, false))
        .chain(r.margin.iter().map(|c| (c, true)))
    {
        let outcome = outcome_label(c.outcome, lang);
        s.push_str(&format!(
            "      > {}\n",
            c.sentence(margin, lang == Lang::Zh, outcome)
        ));
    }
}

/// One result in plain words: each reason its sentence, each value and missing fact by its
/// label.
fn plain_line(
    s: &mut String,
    r: &ClauseResult,
    (book, subject): (&Rulebook, &str),
    lang: Lang,
    brief: bool,
) {
    let wl = lang;
    let label = outcome_label(r.outcome, lang);
    let amount = r
        .amount
        .as_ref()
        .map(|a| format!("  {}", quantity(a.value(), a.unit(), lang)))
        .unwrap_or_default();
    s.push_str(&format!(
        "  {} [{label}]{amount}  ({} {})\n",
        r.clause, r.number, r.section
    ));
    let because = match lang {
        Lang::En => "because",
        Lang::Zh => "依据",
    };
    if brief {
        if let Some(first) = r.reasons.first() {
            let sep = if lang == Lang::Zh { "：" } else { ": " };
            s.push_str(&format!("      {because}{sep}{}\n", first.text(wl)));
        }
        return;
    }
    for reason in r.reasons.iter() {
        s.push_str(&format!("      - {}\n", reason.text(wl)));
    }
    let names = words::Names::new(book, subject, &r.clause);
    for (k, q) in &r.values.0 {
        let sep = match lang {
            Lang::En => ": ",
            Lang::Zh => "：",
        };
        s.push_str(&format!(
            "      = {}{sep}{}\n",
            names.value(k, wl),
            quantity(q.value(), q.unit(), lang)
        ));
    }
    if !r.missing.is_empty() {
        let needs = match lang {
            Lang::En => "needs",
            Lang::Zh => "尚需",
        };
        let missing: Vec<String> = r.missing.iter().map(|m| names.fact(m, wl)).collect();
        let sep = match lang {
            Lang::En => ", ",
            Lang::Zh => "、",
        };
        s.push_str(&format!(
            "      ? {needs}{}{}\n",
            if lang == Lang::Zh { "：" } else { ": " },
            missing.join(sep)
        ));
    }
    for (c, margin) in r
        .changes
        .iter()
        .map(|c| (c, false))
        .chain(r.margin.iter().map(|c| (c, true)))
    {
        let outcome = outcome_label(c.outcome, lang);
        s.push_str(&format!(
            "      > {}\n",
            words::change_sentence(c, margin, &names, wl, outcome)
        ));
    }
}
