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
            let names = (!logic).then(|| words::Names::new(book, &report.subject, &r.clause));
            line(
                &mut s,
                r,
                names.as_ref(),
                lang,
                (brief, report.changes_searched()),
            );
        }
    }
    s
}

/// One result: its head line, then its reasons, figures, missing facts and changes, each in
/// plain words from the labels (`names`), or with `None` in the rule language (`--logic`);
/// `brief` for the first reason alone, `searched` where changes were searched for.
fn line(
    s: &mut String,
    r: &ClauseResult,
    names: Option<&words::Names>,
    lang: Lang,
    (brief, searched): (bool, bool),
) {
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
    // Plain Chinese takes the full-width colon and comma; the rule language keeps its own.
    let zh_words = names.is_some() && lang == Lang::Zh;
    let (colon, comma) = if zh_words {
        ("：", "、")
    } else {
        (": ", ", ")
    };
    let reason = |x: &crate::reason::Reason| match names {
        Some(_) => x.text(lang),
        None => x.logic().into_owned(),
    };
    if brief {
        if let Some(first) = r.reasons.first() {
            let because = if lang == Lang::Zh {
                "依据"
            } else {
                "because"
            };
            s.push_str(&format!("      {because}{colon}{}\n", reason(first)));
        }
        return;
    }
    for x in r.reasons.iter() {
        s.push_str(&format!("      - {}\n", reason(x)));
    }
    for (k, q) in &r.values.0 {
        let name = names.map_or_else(|| k.clone(), |n| n.value(k, lang));
        s.push_str(&format!(
            "      = {name}{colon}{}\n",
            quantity(q.value(), q.unit(), lang)
        ));
    }
    if !r.missing.is_empty() {
        let needs = if lang == Lang::Zh { "尚需" } else { "needs" };
        let missing: Vec<String> = r
            .missing
            .iter()
            .map(|m| names.map_or_else(|| m.clone(), |n| n.fact(m, lang)))
            .collect();
        s.push_str(&format!("      ? {needs}{colon}{}\n", missing.join(comma)));
    }
    for (c, margin) in r
        .changes
        .iter()
        .map(|c| (c, false))
        .chain(r.margin.iter().map(|c| (c, true)))
    {
        let outcome = outcome_label(c.outcome, lang);
        let sentence = match names {
            Some(n) => words::change_sentence(c, margin, n, lang, outcome),
            None => c.sentence(margin, lang == Lang::Zh, outcome),
        };
        s.push_str(&format!("      > {sentence}\n"));
    }
    // A result against the subject that nothing found turns says so, with the search's bound.
    if searched
        && r.changes.is_empty()
        && matches!(
            r.outcome,
            Outcome::NotEligible | Outcome::NonCompliant | Outcome::Behind | Outcome::NotMet
        )
    {
        let most = crate::changes::MOST_FACTS;
        s.push_str(&if lang == Lang::Zh {
            format!("      > 未找到可使其转变的改变（至多同时改变{most}项事实）\n")
        } else {
            format!("      > no change of up to {most} facts at once found that would turn it\n")
        });
    }
}
