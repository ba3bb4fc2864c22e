//! Full-text search rules shared by indexing and querying, so both sides agree:
//! tokens are lowercased (Cyrillic included), Ukrainian apostrophes (' ’ ʼ ‘ `) inside a
//! word are dropped, and every word is reduced to a stem — English with the Snowball
//! (Porter 2) stemmer, Ukrainian with a light suffix stripper (FTS5 has neither), so
//! "Україна" finds "України" and "Україні", and "support" finds "supporting".
//!
//! User text never reaches a search engine's syntax raw: [`parse_query`] turns it into
//! terms, and the store renders a [`Match`] of them in its engine's syntax, quoting
//! every one.

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

/// Longest accepted `q`, in characters.
pub const MAX_QUERY_CHARS: usize = 256;
/// Most terms taken from one query.
const MAX_TERMS: usize = 16;

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}' | '\u{2018}' | '`')
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    // Cyrillic letters without the Unicode table lookup (U+0482–U+0489 are signs).
    if ('\u{0400}'..='\u{04FF}').contains(&c) {
        return !('\u{0482}'..='\u{0489}').contains(&c);
    }
    c.is_alphanumeric() && !is_apostrophe(c)
}

/// The words of a text as (start byte, end byte) spans of the original, an apostrophe
/// between two letters staying inside its word.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let inner_apostrophe = is_apostrophe(c)
            && start.is_some()
            && chars.peek().is_some_and(|&(_, n)| is_word_char(n));
        if is_word_char(c) || inner_apostrophe {
            start.get_or_insert(at);
        } else if let Some(s) = start.take() {
            spans.push((s, at));
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

/// A word lowercased with its apostrophes removed.
fn normalize(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    normalize_into(word, &mut out);
    out
}

/// [`normalize`] into `out`.
fn normalize_into(word: &str, out: &mut String) {
    for c in word.chars() {
        if c.is_ascii() {
            if c != '\'' && c != '`' {
                out.push(c.to_ascii_lowercase());
            }
        } else if ('\u{0410}'..='\u{042F}').contains(&c) {
            // А–Я → а–я
            out.push(char::from_u32(c as u32 + 0x20).unwrap_or(c));
        } else if ('\u{0430}'..='\u{045F}').contains(&c) {
            out.push(c);
        } else if !is_apostrophe(c) {
            out.extend(c.to_lowercase());
        }
    }
}

fn english() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// Ukrainian endings, longest first within each group: reflexive, then inflections of
/// nouns, adjectives and verbs.
const UK_ENDINGS: &[&str] = &[
    "ями", "ами", "ові", "еві", "ого", "ому", "ими", "іми", "ими", "ати", "яти", "ити", "іти",
    "уть", "ють", "ать", "ять", "ить", "ала", "ало", "али", "ила", "ило", "или", "ою", "ею", "єю",
    "ям", "ам", "ах", "ях", "ів", "їв", "ей", "ий", "ій", "ої", "ої", "их", "іх", "ім", "им", "ом",
    "ем", "єм", "ти", "ла", "ло", "ли", "ть", "ав", "ив", "ує", "ює", "а", "я", "у", "ю", "і", "ї",
    "е", "є", "о", "и", "ь", "й",
];

/// A light Ukrainian stemmer: strips the reflexive particle and the longest known ending
/// while at least three letters remain.
fn stem_ukrainian(word: &str) -> String {
    let letters = |s: &str| s.chars().count();
    let mut w = word;
    for reflexive in ["ся", "сь"] {
        if letters(w) > 4 && w.ends_with(reflexive) {
            w = &w[..w.len() - reflexive.len()];
            break;
        }
    }
    let n = letters(w);
    for ending in UK_ENDINGS {
        if w.ends_with(ending) && n >= letters(ending) + 3 {
            w = &w[..w.len() - ending.len()];
            break;
        }
    }
    w.to_string()
}

/// Stems already worked out on this thread (a newsroom's words repeat: indexing a body
/// mostly looks them up). Emptied when it reaches [`STEM_MEMO`] words.
const STEM_MEMO: usize = 65_536;

thread_local! {
    static STEMS: std::cell::RefCell<std::collections::HashMap<String, String>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The stem of one normalized word: Cyrillic words by the Ukrainian rules, Latin ones by
/// the English stemmer, others unchanged.
pub fn stem(word: &str) -> String {
    STEMS.with(|memo| {
        let mut memo = memo.borrow_mut();
        if let Some(s) = memo.get(word) {
            return s.clone();
        }
        let s = stem_uncached(word);
        if memo.len() >= STEM_MEMO {
            memo.clear();
        }
        memo.insert(word.to_string(), s.clone());
        s
    })
}

fn stem_uncached(word: &str) -> String {
    match word.chars().find(|c| c.is_alphabetic()) {
        Some(c) if ('\u{0400}'..='\u{04FF}').contains(&c) => stem_ukrainian(word),
        Some(c) if c.is_ascii_alphabetic() => english().stem(word).into_owned(),
        _ => word.to_string(),
    }
}

/// The text as the index stores it: stems separated by spaces.
pub fn index_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    STEMS.with(|memo| {
        let mut memo = memo.borrow_mut();
        for (s, e) in word_spans(text) {
            word.clear();
            normalize_into(&text[s..e], &mut word);
            if !out.is_empty() {
                out.push(' ');
            }
            if let Some(stem) = memo.get(word.as_str()) {
                out.push_str(stem);
                continue;
            }
            let stem = stem_uncached(&word);
            out.push_str(&stem);
            if memo.len() >= STEM_MEMO {
                memo.clear();
            }
            memo.insert(word.clone(), stem);
        }
    });
    out
}

/// What a search looks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Match {
    /// Every one of these terms (a reader's query). None: matches nothing.
    All(Vec<Term>),
    /// Any of these stems ("more like this").
    Any(Vec<String>),
}

/// One search term.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Term {
    /// A word, stemmed.
    Word(String),
    /// `word*`: any stem starting with this (normalized, not stemmed) prefix.
    Prefix(String),
    /// `"several words"`: these stems, adjacent and in order.
    Phrase(Vec<String>),
}

impl Term {
    /// True when a normalized word of a text matches this term (phrases: any word).
    fn matches(&self, normalized: &str) -> bool {
        match self {
            Self::Word(s) => stem(normalized) == *s,
            Self::Prefix(p) => {
                normalized.starts_with(p.as_str()) || stem(normalized).starts_with(p.as_str())
            }
            Self::Phrase(words) => words.contains(&stem(normalized)),
        }
    }
}

/// Reads user text: `"quoted phrases"`, `prefix*`, and plain words, all ANDed. Any
/// other character is a separator, so nothing in `q` can be FTS5 syntax.
pub fn parse_query(q: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    for (i, part) in q.split('"').enumerate() {
        if i % 2 == 1 {
            let words: Vec<String> = word_spans(part)
                .into_iter()
                .map(|(s, e)| stem(&normalize(&part[s..e])))
                .collect();
            match words.len() {
                0 => {}
                1 => terms.push(Term::Word(words[0].clone())),
                _ => terms.push(Term::Phrase(words)),
            }
            continue;
        }
        for (s, e) in word_spans(part) {
            let word = normalize(&part[s..e]);
            if part[e..].starts_with('*') {
                terms.push(Term::Prefix(word));
            } else {
                terms.push(Term::Word(stem(&word)));
            }
        }
    }
    terms.dedup();
    terms.truncate(MAX_TERMS);
    terms
}

/// Words too common to make two articles alike.
const STOP_WORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "from",
    "that",
    "this",
    "are",
    "was",
    "were",
    "has",
    "have",
    "its",
    "our",
    "their",
    "about",
    "after",
    "into",
    "over",
    "will",
    "not",
    "but",
    "also",
    "або",
    "але",
    "для",
    "від",
    "про",
    "які",
    "який",
    "яка",
    "що",
    "щоб",
    "також",
    "після",
    "через",
    "між",
    "під",
    "над",
    "його",
    "її",
    "їх",
    "цей",
    "ця",
    "це",
    "ці",
    "вже",
    "ще",
];

/// A match of any of a text's distinct stems of three or more characters (at most 12):
/// "more like this" for related articles.
pub fn any_word(text: &str) -> Option<Match> {
    let mut stems: Vec<String> = Vec::new();
    for (s, e) in word_spans(text) {
        let st = stem(&normalize(&text[s..e]));
        let common = STOP_WORDS.contains(&normalize(&text[s..e]).as_str());
        if !common && st.chars().count() >= 3 && !stems.contains(&st) && stems.len() < 12 {
            stems.push(st);
        }
    }
    (!stems.is_empty()).then_some(Match::Any(stems))
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// An HTML-escaped window of about `width` words around the first match in `text`,
/// matches wrapped in `<mark>`; `None` when no word matches.
pub fn snippet(text: &str, terms: &[Term], width: usize) -> Option<String> {
    let spans = word_spans(text);
    let hits: Vec<bool> = spans
        .iter()
        .map(|&(s, e)| terms.iter().any(|t| t.matches(&normalize(&text[s..e]))))
        .collect();
    let first = hits.iter().position(|h| *h)?;
    let from = first.saturating_sub(width / 3);
    let to = (from + width).min(spans.len());
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut cursor = spans[from].0;
    for i in from..to {
        let (s, e) = spans[i];
        escape(&text[cursor..s], &mut out);
        if hits[i] {
            out.push_str("<mark>");
            escape(&text[s..e], &mut out);
            out.push_str("</mark>");
        } else {
            escape(&text[s..e], &mut out);
        }
        cursor = e;
    }
    if to < spans.len() {
        out.push('…');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast paths for ASCII and Cyrillic agree with the Unicode rules they skip.
    #[test]
    fn fast_character_rules_agree_with_unicode() {
        let chars = (0u32..0x0600)
            .chain(0x1E00..0x2100)
            .filter_map(char::from_u32);
        for c in chars {
            let slow_word = c.is_alphanumeric() && !is_apostrophe(c);
            assert_eq!(
                is_word_char(c),
                slow_word,
                "word char {c:?} U+{:04X}",
                c as u32
            );
            let slow_lower: String = std::iter::once(c)
                .filter(|c| !is_apostrophe(*c))
                .flat_map(char::to_lowercase)
                .collect();
            assert_eq!(normalize(&c.to_string()), slow_lower, "lowercase of {c:?}");
        }
    }

    fn stems(text: &str) -> String {
        index_text(text)
    }

    #[test]
    fn ukrainian_inflections_share_a_stem() {
        let s = stems("Україна");
        assert_eq!(stems("України"), s);
        assert_eq!(stems("Україні"), s);
        assert_eq!(stems("Україну"), s);
        assert_eq!(stems("Україною"), s);
        assert_eq!(stems("УКРАЇНА"), s);
    }

    #[test]
    fn english_inflections_share_a_stem() {
        assert_eq!(stems("supporting"), stems("support"));
        assert_eq!(stems("Supports"), stems("support"));
    }

    #[test]
    fn apostrophes_are_unified() {
        assert_eq!(stems("м’ята"), stems("м'ята"));
        assert_eq!(stems("мʼята"), stems("мята"));
        assert_eq!(index_text("сім’я").split(' ').count(), 1);
    }

    #[test]
    fn phrases_and_prefixes_are_read() {
        let t = parse_query("\"Stand with\" Ukr* київ");
        assert_eq!(t[0], Term::Phrase(vec![stem("stand"), stem("with")]));
        assert_eq!(t[1], Term::Prefix("ukr".into()));
        assert_eq!(t[2], Term::Word(stem("київ")));
        assert!(parse_query("*").is_empty());
        let long = "слово ".repeat(2000);
        assert_eq!(parse_query(&long).len(), 1);
    }

    #[test]
    fn snippets_mark_inflected_matches_and_escape_html() {
        let s = snippet(
            "Підтримка <b>України</b> триває",
            &parse_query("україна"),
            10,
        )
        .unwrap();
        assert_eq!(
            s,
            "Підтримка &lt;b&gt;<mark>України</mark>&lt;/b&gt; триває"
        );
        assert_eq!(snippet("nothing here", &parse_query("україна"), 10), None);
    }
}
