//! Chinese-aware terms for the knowledge base and resolved tickets, and the ranking of what
//! they find. Text is cut into runs: a run of CJK characters gives its overlapping bigrams
//! ("社保卡" → 社保, 保卡; a lone character stands for itself), a run of ASCII letters and digits
//! gives one lower-cased word ("4050", "ukey"). Anything else separates runs. A query is cut the
//! same way, so a term of the query is found exactly when the index holds it.
//!
//! Why bigrams: clerks search with two-character words (社保, 认证, 密码) more than anything
//! else. SQLite's FTS5 trigram tokenizer cannot match a query under three characters, and
//! PostgreSQL's pg_trgm likewise needs three (and is an extension to install). A dictionary
//! segmenter such as jieba cuts a short query differently from the sentence it was indexed in
//! (失业保险金 becomes 失业保险/金 in one and 失业/保险金 in the other) and brings a large
//! dictionary along. Bigrams need nothing installed, find every two-character word, and behave
//! the same on SQLite and PostgreSQL; longer words are found as their bigrams, and ranking
//! puts the articles holding the words contiguously first.

use std::collections::BTreeSet;

/// The longest query, in characters.
pub const QUERY_MAX_CHARS: usize = 100;
/// The most terms a query is looked up by.
pub const QUERY_MAX_TERMS: usize = 32;

/// Han ideographs (the unified blocks, their extensions and the compatibility block).
fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Full-width ASCII (ＡＢＣ１２３, as Chinese input methods type it) as plain ASCII, lower-cased.
fn fold(c: char) -> char {
    let c = match u32::from(c) {
        0xFF01..=0xFF5E => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    };
    c.to_ascii_lowercase()
}

#[derive(PartialEq)]
enum Run {
    None,
    Cjk,
    Word,
}

/// The terms of `text`, in the order they occur, duplicates included.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut kind = Run::None;
    for c in text.chars().map(fold) {
        let next = if is_cjk(c) {
            Run::Cjk
        } else if c.is_ascii_alphanumeric() {
            Run::Word
        } else {
            Run::None
        };
        if next != kind {
            flush(&kind, &run, &mut out);
            run.clear();
            kind = next;
        }
        if kind != Run::None {
            run.push(c);
        }
    }
    flush(&kind, &run, &mut out);
    out
}

fn flush(kind: &Run, run: &[char], out: &mut Vec<String>) {
    match kind {
        Run::None => {}
        Run::Word => out.push(run.iter().collect()),
        Run::Cjk if run.len() == 1 => out.push(run[0].to_string()),
        Run::Cjk => out.extend(run.windows(2).map(|w| w.iter().collect())),
    }
}

/// The distinct terms of `text`, as stored in an index.
pub fn distinct(text: &str) -> BTreeSet<String> {
    terms(text).into_iter().collect()
}

/// A query: its distinct terms (at most [`QUERY_MAX_TERMS`], first come first kept) and the
/// phrase it is as typed, lower-cased with its white space folded to single spaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<String>,
    pub phrase: String,
}

impl Query {
    pub fn parse(text: &str) -> Self {
        let mut terms: Vec<String> = Vec::new();
        for t in self::terms(text) {
            if terms.len() == QUERY_MAX_TERMS {
                break;
            }
            if !terms.contains(&t) {
                terms.push(t);
            }
        }
        Self {
            terms,
            phrase: normalised(text),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// `text` lower-cased (full-width folded) with each run of white space as one space.
pub fn normalised(text: &str) -> String {
    let folded: String = text.chars().map(fold).collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where a query's phrase stands, best first in the ranking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phrase {
    Scattered,
    InAnswer,
    InQuestion,
}

/// How well one text (a question and its answer, or a ticket's title) answers a query. Orders
/// better matches higher: all terms present before some, the phrase itself in the question
/// before in the answer before scattered, the preferred service item, then more matched terms
/// (a term in the question counting twice), then newer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rank {
    pub all: bool,
    pub phrase: Phrase,
    pub same_item: bool,
    pub weight: usize,
    pub created_at: i64,
    pub id: i64,
}

/// What a candidate holds, for ranking.
pub struct Candidate<'a> {
    pub id: i64,
    pub question: &'a str,
    pub answer: &'a str,
    pub item_code: Option<&'a str>,
    pub created_at: i64,
}

/// Ranks `c` for `query`; `item` is the service item the searcher is asking about, if any.
pub fn rank(query: &Query, c: &Candidate<'_>, item: Option<&str>) -> Rank {
    let (q, a) = (distinct(c.question), distinct(c.answer));
    let mut matched = 0;
    let mut weight = 0;
    for t in &query.terms {
        if q.contains(t) {
            matched += 1;
            weight += 2;
        } else if a.contains(t) {
            matched += 1;
            weight += 1;
        }
    }
    let phrase = if query.phrase.is_empty() {
        Phrase::Scattered
    } else if normalised(c.question).contains(&query.phrase) {
        Phrase::InQuestion
    } else if normalised(c.answer).contains(&query.phrase) {
        Phrase::InAnswer
    } else {
        Phrase::Scattered
    };
    Rank {
        all: matched == query.terms.len(),
        phrase,
        same_item: item.is_some() && item == c.item_code,
        weight,
        created_at: c.created_at,
        id: c.id,
    }
}

/// A piece of `text` of about `max` characters, starting a little before the first place a
/// query term stands (the start when none does), with "…" where it was cut.
pub fn snippet(text: &str, query: &Query, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text.to_string();
    }
    let lower: Vec<char> = chars.iter().map(|c| fold(*c)).collect();
    let first = query
        .terms
        .iter()
        .filter_map(|t| {
            let t: Vec<char> = t.chars().collect();
            lower.windows(t.len()).position(|w| w == t.as_slice())
        })
        .min()
        .unwrap_or(0);
    let start = first.saturating_sub(max / 4).min(chars.len() - max);
    let end = start + max;
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_runs_give_overlapping_bigrams_and_ascii_runs_whole_words() {
        assert_eq!(terms("社保卡"), ["社保", "保卡"]);
        assert_eq!(terms("4050人员补贴"), ["4050", "人员", "员补", "补贴"]);
        assert_eq!(terms("UKey 无法识别！"), ["ukey", "无法", "法识", "识别"]);
        assert_eq!(
            terms("卡，证"),
            ["卡", "证"],
            "a lone character stands for itself"
        );
        assert_eq!(
            terms("４０５０ 补贴"),
            ["4050", "补贴"],
            "full-width digits fold"
        );
        assert!(terms(" ，。!? ").is_empty());
    }

    #[test]
    fn a_query_keeps_its_distinct_terms_within_the_cap_and_its_phrase() {
        let q = Query::parse("  社保  社保 卡 ");
        assert_eq!(q.terms, ["社保", "卡"]);
        assert_eq!(q.phrase, "社保 社保 卡");
        let long: String = (0x4E00..0x4E64).filter_map(char::from_u32).collect();
        assert_eq!(Query::parse(&long).terms.len(), QUERY_MAX_TERMS);
    }

    fn article<'a>(id: i64, question: &'a str, answer: &'a str) -> Candidate<'a> {
        Candidate {
            id,
            question,
            answer,
            item_code: None,
            created_at: id,
        }
    }

    fn order(query: &str, articles: &[Candidate<'_>]) -> Vec<i64> {
        let q = Query::parse(query);
        let mut ranked: Vec<Rank> = articles.iter().map(|a| rank(&q, a, None)).collect();
        ranked.sort_by_key(|r| std::cmp::Reverse(*r));
        ranked.iter().map(|r| r.id).collect()
    }

    #[test]
    fn all_terms_before_some_and_the_phrase_before_scattered_characters() {
        let both = article(1, "4050人员补贴怎么申领", "");
        let some = article(2, "社保补贴", "");
        assert_eq!(order("4050 补贴", &[some, both]), [1, 2]);
        let scattered = article(3, "失业保险停保后还能领金吗", "");
        let exact = article(1, "失业保险金怎么领", "");
        assert_eq!(order("失业保险金", &[scattered, exact]), [1, 3]);
    }

    #[test]
    fn the_question_outranks_the_answer_and_newer_breaks_ties() {
        let in_answer = article(5, "怎么办", "社保卡密码忘了");
        let in_question = article(4, "社保卡密码忘了", "去窗口");
        assert_eq!(order("社保卡密码", &[in_answer, in_question]), [4, 5]);
        assert_eq!(
            order("密码", &[article(1, "密码", ""), article(2, "密码", "")]),
            [2, 1]
        );
    }

    #[test]
    fn a_snippet_starts_near_the_first_match() {
        let text = format!("{}社保卡密码{}", "甲".repeat(50), "乙".repeat(50));
        let s = snippet(&text, &Query::parse("密码"), 20);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("密码"), "{s}");
        assert_eq!(snippet("短", &Query::parse("x"), 20), "短");
    }
}
