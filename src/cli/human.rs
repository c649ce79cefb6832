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
        outcomes: &[
            Outcome::Met,
            Outcome::OnTrack,
            Outcome::Behind,
            Outcome::NotMet,
        ],
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
        ("sites" | "communities", Lang::Zh) => "个".into(),
        ("units", Lang::Zh) => "套".into(),
        ("ratio" | "1", _) => String::new(),
        (u, _) => u.to_string(),
    }
}

/// A number with its unit as the human report writes it: `36,110.00 CNY`, `36,110.00元`.
pub fn quantity_text(value: &str, unit: &str, lang: Lang) -> String {
    quantity(value, unit, lang)
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
        Lang::En => format!(
            "{name}: {} ({subject_title}), evaluated on {}\n",
            report.subject, report.as_of
        ),
        Lang::Zh => format!(
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
            let first = match lang {
                Lang::En => first.clone(),
                Lang::Zh => zh_reason(first),
            };
            s.push_str(&format!("      {because}: {first}\n"));
        }
        return;
    }
    for reason in &r.reasons {
        let reason = match lang {
            Lang::En => reason.clone(),
            Lang::Zh => zh_reason(reason),
        };
        s.push_str(&format!("      - {reason}\n"));
    }
    for (k, q) in &r.values.0 {
        s.push_str(&format!(
            "      = {k}: {}\n",
            quantity(&q.value, &q.unit, lang)
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

/// A reason in Chinese: the engine writes its few fixed phrases in English around the
/// facts, field names and expressions (which stay as the rule files write them).
pub fn zh_reason(reason: &str) -> String {
    // "绍柯政办发〔2022〕14号 is in force from 2022-06-19 to 2025-12-31, not on 2026-01-01"
    if let Some((number, rest)) = reason.split_once(" is in force from ")
        && let Some((window, day)) = rest.split_once(", not on ")
    {
        let window = match window.split_once(" to ") {
            Some((from, to)) => format!("{from} 至 {to}"),
            None => format!("{window} 起"),
        };
        return format!("{number}施行期间为 {window}，{day} 不在其内");
    }
    if let Some(rest) = reason.strip_prefix("parameter ")
        && let Some((name, day)) = rest.split_once(" has no value in force on ")
    {
        return format!("参数 {name} 在 {day} 没有生效的取值");
    }
    if let Some(rest) = reason.strip_prefix("deadline ") {
        return format!(
            "期限 {}",
            rest.replace(": not yet passed", "：未到")
                .replace(": passed", "：已过")
        );
    }
    const PHRASES: &[(&str, &str)] = &[
        (", rounded half away from zero to ", "，四舍五入至 "),
        (", rounded down to ", "，向下取整至 "),
        (" against a target of ", "，目标 "),
        (" (not reached)", "（未达到）"),
        (" (reached)", "（已达到）"),
        (": yes (", "：是（"),
        (": no (", "：否（"),
        (" is undefined: ", " 无定义："),
        (", not ", "，而非 "),
        (" or ", " 或 "),
    ];
    let mut out = reason.to_string();
    for (en, zh) in PHRASES {
        out = out.replace(en, zh);
    }
    if out.contains("：是（") || out.contains("：否（") {
        if let Some(stripped) = out.strip_suffix(')') {
            out = format!("{stripped}）");
        }
    } else if let Some(stripped) = out.strip_suffix(": yes") {
        out = format!("{stripped}：是");
    } else if let Some(stripped) = out.strip_suffix(": no") {
        out = format!("{stripped}：否");
    }
    if let Some(stripped) = out.strip_suffix(" is 0`") {
        out = format!("{stripped} 为 0`");
    }
    out.replace("` is 0", "` 为 0")
}

#[cfg(test)]
mod tests {
    use super::{thousands, zh_reason};

    #[test]
    fn reasons_in_chinese_keep_the_facts() {
        assert_eq!(
            zh_reason(
                "绍柯政办发〔2022〕14号 is in force from 2022-06-19 to 2025-12-31, not on 2026-01-01"
            ),
            "绍柯政办发〔2022〕14号施行期间为 2022-06-19 至 2025-12-31，2026-01-01 不在其内"
        );
        assert_eq!(
            zh_reason("deadline 2025-12-31: not yet passed"),
            "期限 2025-12-31：未到"
        );
        assert_eq!(
            zh_reason("floors >= 10: no (floors = 9)"),
            "floors >= 10：否（floors = 9）"
        );
        assert_eq!(
            zh_reason("structure = concrete, not steel"),
            "structure = concrete，而非 steel"
        );
        assert_eq!(
            zh_reason("base * warranty_rate = 2.0050 CNY, rounded half away from zero to 2.01"),
            "base * warranty_rate = 2.0050 CNY，四舍五入至 2.01"
        );
        assert_eq!(
            zh_reason("`steel_prefab_area / prefab_area` is undefined: `prefab_area` is 0"),
            "`steel_prefab_area / prefab_area` 无定义：`prefab_area` 为 0"
        );
        assert_eq!(zh_reason("new = true"), "new = true");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands("36110.00"), "36,110.00");
        assert_eq!(thousands("1000000"), "1,000,000");
        assert_eq!(thousands("999"), "999");
        assert_eq!(thousands("-1234.5"), "-1,234.5");
        assert_eq!(thousands("0.249999999975"), "0.249999999975");
    }
}
