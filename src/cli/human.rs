//! The report for a person: grouped by what it means for the subject, amounts with thousands
//! separators and units, each result with its document number, section and reasons.

use policy_calc::report::{ClauseResult, Outcome, Report};
use policy_calc::rulebook::Rulebook;

use super::Lang;

struct Group {
    en: &'static str,
    zh: &'static str,
    outcomes: &'static [Outcome],
}

const GROUPS: &[Group] = &[
    Group {
        en: "What it gets",
        zh: "可享受",
        outcomes: &[Outcome::Eligible, Outcome::Computed],
    },
    Group {
        en: "What it must do",
        zh: "须做到",
        outcomes: &[Outcome::Required],
    },
    Group {
        en: "What it fails",
        zh: "不符合",
        outcomes: &[Outcome::NonCompliant, Outcome::NotEligible],
    },
    Group {
        en: "What it complies with",
        zh: "已符合",
        outcomes: &[Outcome::Compliant],
    },
    Group {
        en: "Targets",
        zh: "目标",
        outcomes: &[Outcome::Met, Outcome::OnTrack, Outcome::Behind, Outcome::NotMet],
    },
    Group {
        en: "Undetermined: the facts that would decide",
        zh: "待定：尚需以下事实",
        outcomes: &[Outcome::Undetermined],
    },
    Group {
        en: "Not applicable or not in force",
        zh: "不适用或不在有效期内",
        outcomes: &[Outcome::NotApplicable, Outcome::NotInForce],
    },
];

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

/// `36110.00` as `36,110.00`: thousands separators in the whole part.
pub fn thousands(value: &str) -> String {
    let (sign, rest) = match value.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", value),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

fn unit_label(unit: &str, lang: Lang) -> String {
    match (unit, lang) {
        ("CNY", Lang::Zh) => "元".into(),
        ("m2", Lang::Zh) => "平方米".into(),
        ("CNY/m2", Lang::Zh) => "元/平方米".into(),
        ("ratio" | "1", _) => String::new(),
        (u, _) => u.to_string(),
    }
}

fn quantity(value: &str, unit: &str, lang: Lang) -> String {
    let u = unit_label(unit, lang);
    if u.is_empty() {
        thousands(value)
    } else if lang == Lang::Zh && !u.is_ascii() {
        format!("{}{u}", thousands(value))
    } else {
        format!("{} {u}", thousands(value))
    }
}

pub fn report(name: &str, report: &Report, book: &Rulebook, lang: Lang) -> String {
    let subject_title = book
        .schema
        .subject(&report.subject)
        .map(|(_, s)| s.title.clone())
        .unwrap_or_default();
    let mut s = match lang {
        Lang::En => format!("{name}: {} ({subject_title}), evaluated on {}\n", report.subject, report.as_of),
        Lang::Zh => format!("{name}：{}（{subject_title}），评估日期 {}\n", report.subject, report.as_of),
    };
    for g in GROUPS {
        let rs: Vec<&ClauseResult> = report.results.iter().filter(|r| g.outcomes.contains(&r.outcome)).collect();
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
            line(&mut s, r, lang, brief);
        }
    }
    s
}

fn line(s: &mut String, r: &ClauseResult, lang: Lang, brief: bool) {
    let label = outcome_label(r.outcome, lang);
    let amount = r
        .amount
        .as_ref()
        .map(|a| format!("  {}", quantity(&a.value, &a.unit, lang)))
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
        if let Some(first) = r.reasons.first() {
            s.push_str(&format!("      {because}: {first}\n"));
        }
        return;
    }
    for reason in &r.reasons {
        s.push_str(&format!("      - {reason}\n"));
    }
    for (k, q) in &r.values.0 {
        s.push_str(&format!("      = {k}: {}\n", quantity(&q.value, &q.unit, lang)));
    }
    if !r.missing.is_empty() {
        let needs = match lang {
            Lang::En => "needs",
            Lang::Zh => "尚需",
        };
        s.push_str(&format!("      ? {needs}: {}\n", r.missing.join(", ")));
    }
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands("36110.00"), "36,110.00");
        assert_eq!(thousands("1000000"), "1,000,000");
        assert_eq!(thousands("999"), "999");
        assert_eq!(thousands("-1234.5"), "-1,234.5");
        assert_eq!(thousands("0.249999999975"), "0.249999999975");
    }
}
