//! Title → URL slug conversion.
//!
//! Ukrainian Cyrillic is romanised with the official national system
//! (КМУ 2010, Cabinet of Ministers Resolution No. 55); every other script goes
//! through `deunicode`.

/// Maximum slug length in bytes.
pub const MAX_SLUG_LEN: usize = 120;

/// A valid slug (see [`is_valid_slug`]): only [`Slug::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    /// `s` as a slug, or what is wrong with it.
    pub fn parse(s: &str) -> Result<Self, String> {
        if is_valid_slug(s) {
            Ok(Self(s.to_string()))
        } else {
            Err(format!(
                "must be lowercase a-z, 0-9 and single hyphens, at most {MAX_SLUG_LEN} characters"
            ))
        }
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> Self {
        s.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What [`is_valid_slug`] accepts, as a regular expression (for the API schema).
pub const SLUG_PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

/// Apostrophe-like characters that Ukrainian spelling uses inside words.
const APOSTROPHES: [char; 5] = ['\'', '\u{2019}', '\u{02BC}', '\u{2018}', '`'];

fn is_apostrophe(c: char) -> bool {
    APOSTROPHES.contains(&c)
}

/// A "letter" for word-boundary purposes (apostrophes are handled separately,
/// since U+02BC counts as alphabetic in Unicode).
fn is_letter(c: char) -> bool {
    c.is_alphabetic() && !is_apostrophe(c)
}

/// Ukrainian alphabet, in the order of [`LATIN`].
const CYRILLIC: &str = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя";

/// КМУ 2010 romanisation of each [`CYRILLIC`] letter (non-initial forms).
const LATIN: [&str; 33] = [
    "a", "b", "v", "h", "g", "d", "e", "ie", "zh", "z", "y", "i", "i", "i", "k", "l", "m", "n",
    "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "iu", "ia",
];

/// КМУ 2010 romanisation of a lowercase Ukrainian letter.
///
/// `initial` is true at the start of a word; `after_z` is true when the
/// previous letter was `з` (for the `зг` → `zgh` rule).
fn ukrainian(lower: char, initial: bool, after_z: bool) -> Option<&'static str> {
    match lower {
        'є' if initial => Some("ye"),
        'ї' if initial => Some("yi"),
        'й' if initial => Some("y"),
        'ю' if initial => Some("yu"),
        'я' if initial => Some("ya"),
        'г' if after_z => Some("gh"),
        _ => CYRILLIC
            .chars()
            .position(|c| c == lower)
            .and_then(|i| LATIN.get(i).copied()),
    }
}

/// Lowercase a single char (Cyrillic lowercases to exactly one char).
fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Transliterate Ukrainian Cyrillic with the national system (КМУ 2010,
/// Cabinet of Ministers Resolution No. 55), other scripts via deunicode.
/// Keeps case of Latin output loosely (callers lowercase).
pub fn transliterate(input: &str) -> String {
    let chars: Vec<char> = input.chars().collect();
    let mut out = String::with_capacity(input.len());
    // Pending run of non-Ukrainian text, converted by deunicode in one go.
    let mut other = String::new();
    // Previous letter (lowercased) in the current word, if any.
    let mut prev_letter: Option<char> = None;
    let mut prev_upper = false;

    for (i, &c) in chars.iter().enumerate() {
        if is_apostrophe(c) {
            let next_is_letter = chars.get(i + 1).is_some_and(|&n| is_letter(n));
            if prev_letter.is_some() && next_is_letter {
                continue; // in-word apostrophe: dropped, word goes on
            }
            other.push(c);
            prev_letter = None;
            continue;
        }
        let lc = lower(c);
        let initial = prev_letter.is_none();
        match ukrainian(lc, initial, prev_letter == Some('з')) {
            Some(latin) => {
                out.push_str(&deunicode::deunicode(&other));
                other.clear();
                if c.is_uppercase() {
                    let next_upper = chars
                        .get(i + 1)
                        .filter(|n| is_letter(**n))
                        .map_or(prev_upper, |n| n.is_uppercase());
                    if next_upper {
                        out.push_str(&latin.to_ascii_uppercase());
                    } else {
                        let mut it = latin.chars();
                        if let Some(first) = it.next() {
                            out.push(first.to_ascii_uppercase());
                            out.push_str(it.as_str());
                        }
                    }
                } else {
                    out.push_str(latin);
                }
            }
            None => {
                // Letters like Russian "ъ" transliterate to a bare apostrophe,
                // which would split the word in a slug: drop them.
                let silent = is_letter(c)
                    && deunicode::deunicode_char(c).is_some_and(|s| s.chars().all(is_apostrophe));
                if !silent {
                    other.push(c);
                }
            }
        }
        prev_letter = is_letter(c).then_some(lc);
        prev_upper = c.is_uppercase();
    }
    out.push_str(&deunicode::deunicode(&other));
    out
}

/// True for combining marks, which belong to the preceding letter.
fn is_combining_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// URL slug from a title: transliterate, lowercase, ASCII `[a-z0-9]` runs
/// joined by single '-', no leading/trailing '-', cut to [`MAX_SLUG_LEN`] at a
/// '-' boundary when possible. May return "" (e.g. title of only
/// punctuation/emoji) — caller handles.
pub fn slugify(title: &str) -> String {
    // Symbols (emoji, ©, °…) are separators, not words: deunicode would
    // otherwise spell them out ("🎉" → "tada").
    let cleaned: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || is_apostrophe(c) || is_combining_mark(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    let latin = transliterate(&cleaned).to_ascii_lowercase();

    let mut slug = String::with_capacity(latin.len());
    for word in latin
        .split(|c: char| !c.is_ascii_lowercase() && !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
    {
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
    }

    if slug.len() > MAX_SLUG_LEN {
        // `slug` is pure ASCII, so any byte index is a char boundary.
        let cut = if slug.as_bytes()[MAX_SLUG_LEN] == b'-' {
            MAX_SLUG_LEN
        } else {
            slug[..MAX_SLUG_LEN].rfind('-').unwrap_or(MAX_SLUG_LEN)
        };
        slug.truncate(cut);
    }
    slug
}

/// True when `s` is a valid slug: 1..=[`MAX_SLUG_LEN`] bytes, matches
/// `^[a-z0-9]+(-[a-z0-9]+)*$`.
pub fn is_valid_slug(s: &str) -> bool {
    (1..=MAX_SLUG_LEN).contains(&s.len())
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_valid_slug_parses() {
        assert_eq!(Slug::parse("kyiv-2026").unwrap().as_str(), "kyiv-2026");
        for bad in ["", "Kyiv", "kyiv--2026", "-kyiv", "київ", "a b"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
    }

    fn tr(s: &str) -> String {
        transliterate(s).to_lowercase()
    }

    #[test]
    fn kmu_2010_official_examples() {
        let cases = "Алушта=alushta Борщагівка=borshchahivka Вишгород=vyshhorod \
            Гадяч=hadiach Ґалаґан=galagan Дон=don Рівне=rivne Єнакієве=yenakiieve \
            Житомир=zhytomyr Згорани=zghorany Розгон=rozghon Запоріжжя=zaporizhzhia \
            Іршава=irshava Ізмаїл=izmail Їжакевич=yizhakevych Кадиївка=kadyivka \
            Йосипівка=yosypivka Стрий=stryi Олексій=oleksii Харків=kharkiv \
            Чернівці=chernivtsi Шостка=shostka Гоща=hoshcha Юрій=yurii \
            Корюківка=koriukivka Яготин=yahotyn Костянтин=kostiantyn \
            Знам'янка=znamianka Феодосія=feodosiia Соломія=solomiia Євген=yevhen \
            Київ=kyiv Щедрик=shchedryk Україна=ukraina Ірпінь=irpin Луцьк=lutsk \
            Шевченко=shevchenko";
        for case in cases.split_whitespace() {
            let (input, want) = case.split_once('=').unwrap_or_default();
            assert!(!want.is_empty(), "malformed case {case:?}");
            assert_eq!(tr(input), want, "transliterating {input}");
            assert_eq!(slugify(input), want, "slugifying {input}");
        }
        assert_eq!(tr("Біла Церква"), "bila tserkva");
        assert_eq!(CYRILLIC.chars().count(), LATIN.len());
    }

    #[test]
    fn apostrophe_variants_are_dropped_inside_words() {
        for a in APOSTROPHES {
            let word = format!("м{a}ята");
            assert_eq!(tr(&word), "miata", "apostrophe {a:?}");
            assert_eq!(slugify(&word), "miata", "apostrophe {a:?}");
        }
        assert_eq!(slugify("Знамʼянка"), "znamianka");
    }

    #[test]
    fn word_initial_forms_after_separators() {
        assert_eq!(tr("Яготин-Юрій"), "yahotyn-yurii");
        assert_eq!(tr("село Йосипівка"), "selo yosypivka");
    }

    #[test]
    fn keeps_case_loosely() {
        assert_eq!(transliterate("Щедрик"), "Shchedryk");
        assert_eq!(transliterate("ЩЕДРИК"), "SHCHEDRYK");
        assert_eq!(transliterate("ЗГОРАНИ"), "ZGHORANY");
        assert_eq!(transliterate("Київ"), "Kyiv");
    }

    #[test]
    fn other_scripts_use_deunicode() {
        assert_eq!(tr("Café Übersee"), "cafe ubersee");
        assert_eq!(tr("Ελληνικά"), "ellenika");
        assert_eq!(tr("ы э ё"), "y e io");
        assert_eq!(slugify("объект"), "obekt");
        assert_eq!(slugify("北京"), "bei-jing");
        assert_eq!(slugify("Cafe\u{301} Übersee"), "cafe-ubersee");
    }

    #[test]
    fn slugify_examples() {
        assert_eq!(
            slugify("#StandWithUkraine: Київ 2026!"),
            "standwithukraine-kyiv-2026"
        );
        assert_eq!(slugify("  --Hello,  World--  "), "hello-world");
        assert_eq!(slugify("Café Übersee"), "cafe-ubersee");
        assert_eq!(slugify("Don't panic"), "dont-panic");
        assert_eq!(slugify("🎉🎉"), "");
        assert_eq!(slugify("!!! — ???"), "");
        assert_eq!(slugify(""), "");
    }

    #[test]
    fn slugify_output_is_valid() {
        for title in ["Київ", "a", "Café Übersee", "Щедрик 2026 — новини дня"]
        {
            let s = slugify(title);
            assert!(is_valid_slug(&s), "{title} -> {s}");
        }
    }

    #[test]
    fn long_titles_are_cut_at_word_boundary() {
        let title = "Шевченко ".repeat(40);
        let s = slugify(&title);
        assert!(s.len() <= MAX_SLUG_LEN);
        assert!(!s.ends_with('-'));
        assert!(is_valid_slug(&s));
        assert!(s.split('-').all(|w| w == "shevchenko"), "{s}");

        // A boundary falling exactly at MAX_SLUG_LEN keeps the full length.
        let exact = format!("{} {}", "a".repeat(MAX_SLUG_LEN), "b");
        assert_eq!(slugify(&exact), "a".repeat(MAX_SLUG_LEN));

        // A single over-long word is hard-cut.
        let huge = "x".repeat(500);
        assert_eq!(slugify(&huge).len(), MAX_SLUG_LEN);
    }

    #[test]
    fn valid_slugs() {
        for s in ["a", "a-b-1", "kyiv-2026", "0"] {
            assert!(is_valid_slug(s), "{s:?} should be valid");
        }
        assert!(is_valid_slug(&"a".repeat(MAX_SLUG_LEN)));
    }

    #[test]
    fn invalid_slugs() {
        let too_long = "a".repeat(MAX_SLUG_LEN + 1);
        for s in [
            "", "A", "a--b", "-a", "a-", "a b", "ї", "-", "a_b", &too_long,
        ] {
            assert!(!is_valid_slug(s), "{s:?} should be invalid");
        }
    }
}
