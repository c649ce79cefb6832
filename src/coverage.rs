//! Text coverage: every sentence of a document's text gets one status, so that a clause that
//! was never encoded shows up as an unaccounted sentence instead of being simply absent.
//!
//! The text is the seed between the document's `text_from` and `text_until` quotes. It is read
//! as the quote check reads it, white space removed: lines broken by a page break (a long line
//! with no closing punctuation, continued on the next line) are joined again. A paragraph is
//! split into sentences after 。！？ (with any closing quote or bracket). Each sentence is
//!
//! - `encoded`: a clause, parameter or reading of the document (or its commencement clause)
//!   quotes it, wholly or in part;
//! - `not_computable`: a `[[not_computable]]` entry of the document quotes it;
//! - `not_normative`: a `[[not_normative]]` marking (or the document's own title and signature
//!   quotes) covers it;
//! - `plain`: nothing covers it, and it holds no number and no normative word;
//! - `unaccounted`: nothing covers it, and it holds a number or a normative word. The check
//!   fails on these.

use serde::Serialize;

use crate::Rulebook;
use crate::rulebook::Document;

/// A sentence's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Encoded,
    NotComputable,
    NotNormative,
    Plain,
    Unaccounted,
}

impl Status {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Status::Encoded => "encoded",
            Status::NotComputable => "not_computable",
            Status::NotNormative => "not_normative",
            Status::Plain => "plain",
            Status::Unaccounted => "unaccounted",
        }
    }
}

/// What quotes a sentence: a clause, a parameter, a clause's reading, the document's window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct By {
    /// clause | param | reading | document
    pub kind: &'static str,
    /// The clause id (for a clause or a reading), the parameter's name, or `in_force`.
    pub id: String,
    /// For a clause or a reading: the index of the clause in `Rules::clauses`.
    #[serde(skip)]
    pub clause: Option<usize>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Sentence {
    /// 1-based, in the order of the text.
    pub index: usize,
    /// The section it stands in, from the headings read so far: `二（六）`, `四（二）3`.
    pub section: String,
    /// The sentence, white space removed.
    pub text: String,
    pub status: Status,
    /// For `encoded`: what quotes it, without repeats.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by: Vec<By>,
    /// For `not_computable` and `not_normative`: the reason written in the rule file.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The number or normative word that makes it count, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    /// Byte range in the seed with white space removed.
    #[serde(skip)]
    pub span: (usize, usize),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub sentences: usize,
    pub encoded: usize,
    pub not_computable: usize,
    /// Marked not normative, plus the plain sentences (no number, no normative word).
    pub not_normative: usize,
    /// Of `not_normative`: the plain sentences, not marked.
    pub plain: usize,
    pub unaccounted: usize,
}

/// One document's text, sentence by sentence.
#[derive(Clone, Debug, Serialize)]
pub struct DocumentCoverage {
    pub document: String,
    pub number: String,
    pub summary: Summary,
    pub sentences: Vec<Sentence>,
    /// Markings that no longer match the text, and other problems with the document's
    /// coverage (no `text_from`, say): the check fails on these.
    pub problems: Vec<String>,
}

impl DocumentCoverage {
    /// Every failure of the check: the unaccounted sentences, then the problems.
    #[must_use]
    pub fn failures(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .sentences
            .iter()
            .filter(|s| s.status == Status::Unaccounted)
            .map(|s| {
                format!(
                    "{} {} ({}): unaccounted sentence {}, holding `{}`: encode it in a clause, list it under [[not_computable]] or mark it [[not_normative]]\n    {}",
                    self.document,
                    if s.section.is_empty() { "-" } else { &s.section },
                    self.number,
                    s.index,
                    s.trigger.as_deref().unwrap_or(""),
                    s.text
                )
            })
            .collect();
        out.extend(
            self.problems
                .iter()
                .map(|p| format!("{} ({}): {p}", self.document, self.number)),
        );
        out
    }
}

/// Every document's coverage, in rulebook order.
#[must_use]
pub fn coverage(book: &Rulebook) -> Vec<DocumentCoverage> {
    (0..book.documents.len())
        .map(|d| document_coverage(book, d))
        .collect()
}

/// Every failure of the check over the whole rulebook; empty when the text is covered.
#[must_use]
pub fn check(book: &Rulebook) -> Vec<String> {
    coverage(book)
        .iter()
        .flat_map(DocumentCoverage::failures)
        .collect()
}

fn strip(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

const CLOSERS: &[char] = &['”', '’', '）', ')', '」', '』', '》', '】'];
const TERMINALS: &[char] = &['。', '！', '？', '!', '?'];

/// Paragraphs of the seed, white space removed, with their byte offset in the stripped seed:
/// a page break inside a paragraph is joined again.
fn paragraphs(seed: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = seed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut at = 0usize;
    let mut current = String::new();
    let mut start = 0usize;
    for (i, line) in lines.iter().enumerate() {
        if current.is_empty() {
            start = at;
        }
        let s = strip(line);
        at += s.len();
        current.push_str(&s);
        let joins = lines.get(i + 1).is_some_and(|next| continues(line, next));
        if !joins {
            out.push((start, std::mem::take(&mut current)));
        }
    }
    if !current.is_empty() {
        out.push((start, current));
    }
    out
}

/// Whether `line` runs on into `next`: a page break cut a paragraph. A long line with no
/// closing punctuation, not a table row, followed by a line that is not a heading.
fn continues(line: &str, next: &str) -> bool {
    let last = line.chars().last().unwrap_or('。');
    if TERMINALS.contains(&last) || matches!(last, '；' | '：' | ':' | ';') {
        return false;
    }
    if line.contains('\t') || line.starts_with('|') || line.chars().count() < 15 {
        return false;
    }
    // A paragraph that ends with its list of responsible offices is whole.
    if last == '）' && (line.contains("单位：") || line.contains("单位:")) {
        return false;
    }
    // Nor does anything run on into a heading, a document number or a signature.
    heading(&strip(next)).is_none()
        && !next.starts_with("绍柯政")
        && !next.starts_with("绍兴市柯桥区人民政府")
}

/// A heading at the start of a paragraph: (level, label). 一、 is level 0, （一） level 1,
/// 1. level 2.
fn heading(s: &str) -> Option<(usize, String)> {
    const NUMERALS: &str = "一二三四五六七八九十";
    let numeral_run = |t: &str| -> usize {
        t.char_indices()
            .find(|(_, c)| !NUMERALS.contains(*c))
            .map_or(t.len(), |(i, _)| i)
    };
    let n = numeral_run(s);
    if n > 0 && s[n..].starts_with('、') {
        return Some((0, s[..n].to_string()));
    }
    for (open, close) in [("（", '）'), ("(", ')')] {
        if let Some(rest) = s.strip_prefix(open) {
            let n = numeral_run(rest);
            if n > 0 && rest[n..].starts_with(close) {
                return Some((1, rest[..n].to_string()));
            }
        }
    }
    let d = s
        .char_indices()
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(s.len(), |(i, _)| i);
    if d > 0 && d <= 2 && (s[d..].starts_with('.') || s[d..].starts_with('．')) {
        return Some((2, s[..d].to_string()));
    }
    None
}

/// A heading sentence: a heading's number and a short title (`（一）确保项目落地。`).
fn is_heading(s: &str) -> bool {
    heading(s).is_some() && s.chars().count() <= 24 && s.matches('。').count() <= 1
}

/// Splits a paragraph after each 。！？ and any closing quotes or brackets that follow.
fn split_sentences(p: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut it = p.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if TERMINALS.contains(&c) {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = it.peek() {
                if CLOSERS.contains(&d) || TERMINALS.contains(&d) {
                    end = j + d.len_utf8();
                    it.next();
                } else {
                    break;
                }
            }
            out.push((start, end));
            start = end;
        }
    }
    if start < p.len() {
        out.push((start, p.len()));
    }
    out
}

/// Normative words: what a rule is made of. 应 and 需 only as modal verbs.
#[rustfmt::skip]
const WORDS: &[&str] = &[
    "不得", "严禁", "禁止", "不准", "必须", "须", "予以", "优先", "以上", "以下", "超过", "不超过",
    "不少于", "不高于", "低于", "至少", "达到", "上限", "免收", "方可", "全部", "一律", "允许",
    "可以", "可在", "可向", "可按", "可申请", "可作为", "星级",
];

/// The number or normative word that makes a sentence one the check must account for.
pub fn trigger(s: &str) -> Option<String> {
    // A heading's own number (`1.`, `（一）`) is not a number of the text.
    let s = match heading(s) {
        Some((2, h)) => {
            let rest = &s[h.len()..];
            &rest[rest.chars().next().map_or(0, char::len_utf8)..]
        }
        _ => s,
    };
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_digit() || ('０'..='９').contains(&c) || c == '%' || c == '％' {
            let run: String = chars[i..]
                .iter()
                .take_while(|d| d.is_ascii_digit() || matches!(d, '.' | '%' | '０'..='９'))
                .collect();
            return Some(if run.is_empty() { c.to_string() } else { run });
        }
    }
    for w in WORDS {
        if s.contains(w) {
            return Some((*w).to_string());
        }
    }
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1).copied();
        if c == '应'
            && !matches!(after, Some('用' | '急'))
            && !matches!(before, Some('供' | '相' | '适' | '响' | '反' | '对' | '效'))
        {
            return Some("应".to_string());
        }
        if c == '需' && !matches!(after, Some('要' | '求')) && before != Some('急') {
            return Some("需".to_string());
        }
    }
    None
}

/// Every occurrence of `needle` inside `range` of `text`.
fn occurrences(text: &str, needle: &str, range: (usize, usize)) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if needle.is_empty() || range.1 <= range.0 {
        return out;
    }
    let hay = &text[range.0..range.1];
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        let a = range.0 + from + i;
        out.push((a, a + needle.len()));
        from += i + needle.chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// Whether a quote at `q` covers the sentence at `s`: four characters of it at least, or the
/// whole of a shorter sentence (a quote's neighbouring 。 does not count).
fn touches(text: &str, q: (usize, usize), s: (usize, usize)) -> bool {
    let a = q.0.max(s.0);
    let b = q.1.min(s.1);
    if a >= b {
        return false;
    }
    let overlap = text[a..b].chars().count();
    let whole = text[s.0..s.1].chars().count();
    overlap >= whole.min(4)
}

/// The pieces of a reading's text that can be looked up: split at ellipses and slashes, and
/// long enough (eight characters) to be a quote rather than a common phrase (`到2025年`).
fn reading_pieces(t: &str) -> Vec<String> {
    t.split(['…', '/'])
        .map(strip)
        .filter(|p| p.chars().count() >= 8)
        .collect()
}

/// One document's text, sentence by sentence, each with its status.
#[must_use]
pub fn document_coverage(book: &Rulebook, di: usize) -> DocumentCoverage {
    let d = &book.documents[di];
    let mut out = DocumentCoverage {
        document: d.id.clone(),
        number: d.number.clone(),
        summary: Summary::default(),
        sentences: Vec::new(),
        problems: Vec::new(),
    };
    let Some((_, seed)) = book.seeds.iter().find(|(n, _)| *n == d.source) else {
        out.problems
            .push(format!("no seed `{}` to read the text from", d.source));
        return out;
    };
    let text = strip(seed);
    let Some(range) = text_range(d, &text, &mut out.problems) else {
        return out;
    };
    // The sentences inside the range, with their sections.
    let (mut top, mut sub, mut item) = (String::new(), String::new(), String::new());
    for (p_start, p) in paragraphs(seed) {
        let p_end = p_start + p.len();
        if p_end <= range.0 || p_start >= range.1 {
            continue;
        }
        for (k, (a, b)) in split_sentences(&p).into_iter().enumerate() {
            let (a, b) = ((p_start + a).max(range.0), (p_start + b).min(range.1));
            if a >= b {
                continue;
            }
            let s = &text[a..b];
            if k == 0 || a == range.0 {
                match heading(s) {
                    Some((0, h)) => {
                        (top, sub, item) = (h, String::new(), String::new());
                    }
                    Some((1, h)) => {
                        (sub, item) = (format!("（{h}）"), String::new());
                    }
                    Some((_, h)) if !top.is_empty() || !sub.is_empty() => item = h,
                    _ => {}
                }
            }
            out.sentences.push(Sentence {
                index: out.sentences.len() + 1,
                section: format!("{top}{sub}{item}"),
                text: s.to_string(),
                status: Status::Plain,
                by: Vec::new(),
                reason: String::new(),
                trigger: trigger(s),
                span: (a, b),
            });
        }
    }

    // What quotes each sentence.
    let mut by: Vec<Vec<By>> = vec![Vec::new(); out.sentences.len()];
    let mark = |q: &str, who: By, by: &mut Vec<Vec<By>>| -> bool {
        let mut any = false;
        for occ in occurrences(&text, &strip(q), range) {
            for (i, s) in out.sentences.iter().enumerate() {
                if touches(&text, occ, s.span) {
                    any = true;
                    if !by[i].contains(&who) {
                        by[i].push(who.clone());
                    }
                }
            }
        }
        any
    };
    let mut outside = Vec::new();
    for (ci, c) in book.clauses.iter().enumerate() {
        if c.document != di {
            continue;
        }
        let who = By {
            kind: "clause",
            id: c.id.clone(),
            clause: Some(ci),
        };
        for q in std::iter::once(&c.quote).chain(&c.quotes) {
            if !mark(q, who.clone(), &mut by) {
                outside.push(format!(
                    "clause `{}` quotes text that is not in this document: {q}",
                    c.id
                ));
            }
        }
        let reading = By {
            kind: "reading",
            id: c.id.clone(),
            clause: Some(ci),
        };
        for r in &c.readings {
            for piece in reading_pieces(&r.text) {
                mark(&piece, reading.clone(), &mut by);
            }
        }
    }
    for (name, q) in &d.param_quotes {
        let who = By {
            kind: "param",
            id: name.clone(),
            clause: None,
        };
        if !mark(q, who, &mut by) {
            outside.push(format!(
                "parameter `{name}` quotes text that is not in this document: {q}"
            ));
        }
    }
    if let Some(q) = &d.in_force_quote {
        let who = By {
            kind: "document",
            id: "in_force".into(),
            clause: None,
        };
        if !mark(q, who, &mut by) {
            outside.push(format!(
                "the commencement quote is not in this document's text: {q}"
            ));
        }
    }
    out.problems.extend(outside);
    for (s, b) in out.sentences.iter_mut().zip(by) {
        if !b.is_empty() {
            s.status = Status::Encoded;
            s.by = b;
        }
    }

    // Not computable: listed with a reason.
    for n in &d.not_computable {
        let hits = hits(&text, &n.quote, range, &out.sentences);
        if hits.is_empty() {
            out.problems.push(format!(
                "[[not_computable]] {}: its quote is not in this document's text: {}",
                n.section, n.quote
            ));
        }
        for i in hits {
            let s = &mut out.sentences[i];
            if s.status > Status::NotComputable {
                s.status = Status::NotComputable;
                s.reason = n.reason.clone();
            }
        }
    }

    // Not normative: the document's own title and signature, and the markings.
    let mut marked: Vec<(usize, String)> = Vec::new();
    for q in &d.quotes {
        for i in hits(&text, q, range, &out.sentences) {
            marked.push((i, "the document's title, number or signature".into()));
        }
    }
    for n in &d.not_normative {
        let label = if n.section.is_empty() {
            "[[not_normative]]".to_string()
        } else {
            format!("[[not_normative]] {}", n.section)
        };
        let mut any = false;
        for q in &n.quotes {
            let h = hits(&text, q, range, &out.sentences);
            if h.is_empty() {
                out.problems.push(format!(
                    "{label}: this quote is not in the document's text (has the seed changed?): {q}"
                ));
            }
            any |= !h.is_empty();
            marked.extend(h.into_iter().map(|i| (i, n.reason.clone())));
        }
        match (&n.from, &n.to) {
            (Some(f), Some(t)) => {
                let first = hits(&text, f, range, &out.sentences).first().copied();
                let last = hits(&text, t, range, &out.sentences).last().copied();
                match (first, last) {
                    (Some(a), Some(b)) if a <= b => {
                        any = true;
                        marked.extend((a..=b).map(|i| (i, n.reason.clone())));
                    }
                    (Some(_), Some(_)) => out.problems.push(format!(
                        "{label}: `to` comes before `from` in the text: {t}"
                    )),
                    (None, _) => out.problems.push(format!(
                        "{label}: `from` is not in the document's text (has the seed changed?): {f}"
                    )),
                    (_, None) => out.problems.push(format!(
                        "{label}: `to` is not in the document's text (has the seed changed?): {t}"
                    )),
                }
            }
            (None, None) => {}
            _ => out
                .problems
                .push(format!("{label}: `from` and `to` go together")),
        }
        for p in &n.starts_with {
            let p = strip(p);
            let h: Vec<usize> = out
                .sentences
                .iter()
                .enumerate()
                .filter(|(_, s)| !p.is_empty() && s.text.starts_with(&p))
                .map(|(i, _)| i)
                .collect();
            if h.is_empty() {
                out.problems.push(format!(
                    "{label}: no sentence starts with `{p}` (has the seed changed?)"
                ));
            }
            any |= !h.is_empty();
            marked.extend(h.into_iter().map(|i| (i, n.reason.clone())));
        }
        if n.headings {
            let h: Vec<usize> = out
                .sentences
                .iter()
                .enumerate()
                .filter(|(_, s)| is_heading(&s.text) && s.trigger.is_none())
                .map(|(i, _)| i)
                .collect();
            if h.is_empty() {
                out.problems.push(format!(
                    "{label}: `headings = true` but the text has no heading"
                ));
            }
            any |= !h.is_empty();
            marked.extend(h.into_iter().map(|i| (i, n.reason.clone())));
        }
        if !any
            && n.quotes.is_empty()
            && n.from.is_none()
            && n.starts_with.is_empty()
            && !n.headings
        {
            out.problems.push(format!(
                "{label}: marks nothing (give quotes, from and to, starts_with or headings)"
            ));
        }
    }
    for (i, reason) in marked {
        let s = &mut out.sentences[i];
        if s.status > Status::NotNormative {
            s.status = Status::NotNormative;
            s.reason = reason;
        }
    }

    let mut sum = Summary {
        sentences: out.sentences.len(),
        ..Summary::default()
    };
    for s in &mut out.sentences {
        if s.status == Status::Plain && s.trigger.is_some() {
            s.status = Status::Unaccounted;
        }
        match s.status {
            Status::Encoded => sum.encoded += 1,
            Status::NotComputable => sum.not_computable += 1,
            Status::NotNormative => sum.not_normative += 1,
            Status::Plain => {
                sum.not_normative += 1;
                sum.plain += 1;
            }
            Status::Unaccounted => sum.unaccounted += 1,
        }
    }
    out.summary = sum;
    out
}

/// The sentences a quote touches, in order.
fn hits(text: &str, q: &str, range: (usize, usize), sentences: &[Sentence]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for occ in occurrences(text, &strip(q), range) {
        for (i, s) in sentences.iter().enumerate() {
            if touches(text, occ, s.span) && !out.contains(&i) {
                out.push(i);
            }
        }
    }
    out.sort_unstable();
    out
}

/// The document's text in the stripped seed, from `text_from` to the end of `text_until`.
fn text_range(d: &Document, text: &str, problems: &mut Vec<String>) -> Option<(usize, usize)> {
    let (Some(from), Some(until)) = (&d.text_from, &d.text_until) else {
        problems.push(
            "the document gives no `text_from` and `text_until`: its text cannot be checked".into(),
        );
        return None;
    };
    let (from, until) = (strip(from), strip(until));
    let Some(a) = text.find(&from).filter(|_| !from.is_empty()) else {
        problems.push(format!("`text_from` is not in the seed: {from}"));
        return None;
    };
    let Some(b) = text[a..].find(&until).filter(|_| !until.is_empty()) else {
        problems.push(format!(
            "`text_until` is not in the seed after `text_from`: {until}"
        ));
        return None;
    };
    Some((a, a + b + until.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_breaks_are_joined_and_sentences_split() {
        let seed = "一、主要目标\n\n（一）持续推进。全区新建民用建筑实现一星级绿色建筑全覆盖，图审机\n\n机构应根据批复核算。\n（责任单位：区建设局）\n";
        let p = paragraphs(seed);
        let texts: Vec<&str> = p.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            texts,
            [
                "一、主要目标",
                "（一）持续推进。全区新建民用建筑实现一星级绿色建筑全覆盖，图审机机构应根据批复核算。",
                "（责任单位：区建设局）"
            ]
        );
        let s = split_sentences(texts[1]);
        assert_eq!(s.len(), 2);
        assert_eq!(&texts[1][s[0].0..s[0].1], "（一）持续推进。");
        // Offsets are into the seed with white space removed.
        let stripped = strip(seed);
        for (at, t) in &p {
            assert_eq!(&stripped[*at..*at + t.len()], t);
        }
    }

    #[test]
    fn headings_and_triggers() {
        assert_eq!(heading("二、重点任务"), Some((0, "二".into())));
        assert_eq!(
            heading("（六）推广建筑工业化技术。"),
            Some((1, "六".into()))
        );
        assert_eq!(heading("(三)坚持结果导向"), Some((1, "三".into())));
        assert_eq!(heading("3. 使用管理。"), Some((2, "3".into())));
        assert_eq!(heading("2022年5月9日"), None);
        assert!(is_heading("（一）确保项目落地。"));
        assert!(!is_heading(
            "（一）钢结构装配式住宅经依法批准后可作为技术复杂类工程项目进行邀请招标。"
        ));
        assert_eq!(trigger("承租对象不得破坏房屋结构").as_deref(), Some("不得"));
        assert_eq!(trigger("到2025年，达到45%以上").as_deref(), Some("2025"));
        assert_eq!(trigger("推广应用装配式装修"), None);
        assert_eq!(trigger("区应急管理局"), None);
        assert_eq!(trigger("建设单位应增加相关篇章").as_deref(), Some("应"));
        assert_eq!(trigger("满足相应需求"), None);
    }

    #[test]
    fn a_quote_touches_a_sentence_by_four_characters() {
        let text = "甲乙丙丁戊。己庚辛壬癸。";
        let first = (0, text.find('己').unwrap());
        let second = (first.1, text.len());
        // A quote ending in the first sentence's 。 and two characters of the second.
        let q = (text.find('乙').unwrap(), text.find('辛').unwrap());
        assert!(touches(text, q, first));
        assert!(!touches(text, q, second));
    }
}
