//! Article rules: status, field limits, and the fields derived at write time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::markdown::{self, MAX_EXCERPT_CHARS};
use super::slug;
use crate::domain::errors::FieldError;
use crate::domain::input::{ArticleInput, FeatureImage};
use crate::domain::slug::Slug;

/// Limits on written fields, in characters.
pub const MAX_TITLE: usize = 300;
/// Longest markdown body accepted, in characters.
pub const MAX_BODY: usize = 200_000;
/// Most tags on one article.
pub const MAX_TAGS: usize = 50;
/// Most authors on one article.
pub const MAX_AUTHORS: usize = 20;
/// Longest tag or author name.
pub const MAX_TERM_NAME: usize = 100;
/// Longest URL accepted.
pub const MAX_URL: usize = 2000;

/// Fields a client may never set: the server owns them.
pub const SERVER_OWNED: &[&str] = &[
    "id",
    "version",
    "view_count",
    "body_html",
    "body_text",
    "word_count",
    "reading_time_minutes",
    "translations",
    "created_at",
    "updated_at",
    "trashed_at",
];

/// Publication state. Stored as draft, published or archived; `scheduled` is how a
/// published article with a future `published_at` is shown (and may be written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Being written; never public.
    Draft,
    /// Published with a future date; public from `published_at` on, no cron needed.
    Scheduled,
    /// Public once `published_at` has passed.
    Published,
    /// Withdrawn from the public, kept.
    Archived,
}

/// Publication state as stored: what an editor set. [`Status`] is what is shown, which
/// depends on the time too (a stored `published` with a future date shows `scheduled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoredStatus {
    /// Being written.
    Draft,
    /// Public from `published_at` on.
    Published,
    /// Withdrawn, kept.
    Archived,
}

impl StoredStatus {
    /// Every stored value.
    pub const ALL: [Self; 3] = [Self::Draft, Self::Published, Self::Archived];

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    /// The stored text read back; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The stored text read back (the store's `CHECK` allows nothing else).
impl TryFrom<String> for StoredStatus {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("unknown stored status '{s}'"))
    }
}

impl From<StoredStatus> for String {
    fn from(s: StoredStatus) -> Self {
        s.as_str().to_string()
    }
}

impl Status {
    /// The stored form: `scheduled` is stored as `published`.
    pub fn stored(self) -> StoredStatus {
        match self {
            Self::Draft => StoredStatus::Draft,
            Self::Scheduled | Self::Published => StoredStatus::Published,
            Self::Archived => StoredStatus::Archived,
        }
    }

    /// The status shown for a stored status and publication time at `now`.
    pub fn shown(stored: StoredStatus, published_at: Option<&str>, now: &str) -> Self {
        match stored {
            StoredStatus::Published if published_at.is_some_and(|p| p > now) => Self::Scheduled,
            StoredStatus::Published => Self::Published,
            StoredStatus::Archived => Self::Archived,
            StoredStatus::Draft => Self::Draft,
        }
    }
}

/// A validated article with everything derived from it, ready to store.
#[derive(Debug, Clone)]
pub struct ArticleDraft {
    /// Trimmed headline.
    pub title: String,
    /// Secondary headline.
    pub subtitle: Option<String>,
    /// Given slug, or `None` to keep or generate one.
    pub slug: Option<Slug>,
    /// Slug to start from when one must be generated.
    pub generated_slug: String,
    /// Excerpt, given or derived.
    pub excerpt: String,
    /// True when the excerpt was derived (and follows the body).
    pub excerpt_is_derived: bool,
    /// Markdown source.
    pub body_markdown: String,
    /// Rendered HTML, text and counts.
    pub rendered: markdown::Rendered,
    /// Stored status: draft, published or archived.
    pub status: StoredStatus,
    /// Publication time, when given.
    pub published_at: Option<DateTime<Utc>>,
    /// Language tag.
    pub language: Language,
    /// Article this one translates.
    pub translation_of: Option<String>,
    /// Tags as (slug, name), de-duplicated by slug.
    pub tags: Vec<(String, String)>,
    /// Author slugs, de-duplicated.
    pub authors: Vec<Slug>,
    /// Feature image.
    pub feature_image: Option<FeatureImage>,
    /// The media item `feature_image` names, resolved (`None` for a plain URL).
    pub feature_media: Option<crate::domain::media::ResolvedImage>,
    /// Every media item the article uses (feature image and embedded).
    pub media_ids: std::collections::BTreeSet<String>,
    /// Canonical URL.
    pub canonical_url: Option<String>,
    /// Editor's pick.
    pub featured: bool,
}

/// Schema pattern of a one-line text: no control characters.
pub const LINE_PATTERN: &str = r"^[^\x00-\x1f\x7f]*$";
/// Schema pattern of a name: one line with at least one visible character.
pub const NAME_PATTERN: &str = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$";
/// Schema pattern of a multi-line text: tabs and line breaks allowed.
pub const TEXT_PATTERN: &str = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$";
/// Schema pattern of a web address ([`is_web_url`] checks the rest: it parses, has a
/// host, is at most [`MAX_URL`] long).
pub const URL_PATTERN: &str = r"^https?://[^\s/?#]+[^\s]*$";
/// Schema pattern of a language tag ([`is_language_tag`]).
pub const LANGUAGE_PATTERN: &str = "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$";

/// How a text field is checked; each mirrors one of the patterns above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextRule {
    /// [`LINE_PATTERN`].
    Line,
    /// [`NAME_PATTERN`].
    Name,
    /// [`TEXT_PATTERN`].
    Text,
}

/// Checks a text against a rule and a length in characters; `Err` says why.
pub fn check_text(value: &str, rule: TextRule, max: usize) -> Result<(), String> {
    let bad = |c: char| match rule {
        TextRule::Text => (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\x7f',
        _ => c < ' ' || c == '\x7f',
    };
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if value.chars().any(bad) {
        return Err("must not contain control characters".into());
    }
    if rule == TextRule::Name && value.chars().all(char::is_whitespace) {
        return Err("must contain a visible character".into());
    }
    Ok(())
}

fn check(errors: &mut Vec<FieldError>, field: &str, value: &str, rule: TextRule, max: usize) {
    if let Err(m) = check_text(value, rule, max) {
        errors.push(FieldError::new(field, m));
    }
}

/// True for an absolute http(s) URL of acceptable length.
pub fn is_web_url(s: &str) -> bool {
    s.len() <= MAX_URL
        && (s.starts_with("http://") || s.starts_with("https://"))
        && !s.chars().any(char::is_whitespace)
        && url::Url::parse(s).is_ok_and(|u| u.has_host())
}

/// A language tag that passed [`is_language_tag`]: only [`Language::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Language(String);

impl Language {
    /// `s` as a language tag, or what is wrong with it.
    pub fn parse(s: &str) -> Result<Self, String> {
        if is_language_tag(s) {
            Ok(Self(s.to_string()))
        } else {
            Err("must be a BCP 47 language tag such as 'en' or 'uk'".into())
        }
    }

    /// The tag as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Language {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// True for a plausible BCP 47 tag: a 2–3 letter language, then 2–8 character subtags.
pub fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let lang_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    lang_ok
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A term (tag or author) name checked and turned into (slug, name).
pub fn term_from_name(name: &str) -> Result<(String, String), String> {
    check_text(name, TextRule::Name, MAX_TERM_NAME)?;
    let name = name.trim();
    let mut s = slug::slugify(name);
    if s.is_empty() {
        // Only symbols or emoji ("🇺🇦"): a stable slug from the name itself.
        use sha2::{Digest, Sha256};
        s = format!("t-{}", &hex::encode(Sha256::digest(name.as_bytes()))[..10]);
    }
    Ok((s, name.to_string()))
}

fn optional_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    v: Option<String>,
    max: usize,
) -> Option<String> {
    let v = v?;
    check(errors, field, &v, TextRule::Line, max);
    Some(v.trim().to_string()).filter(|s| !s.is_empty())
}

/// Checks an article body against every rule, reporting one error per field.
pub fn validate(
    mut input: ArticleInput,
    default_language: &str,
    now: DateTime<Utc>,
    media: &crate::domain::media::Catalog,
) -> Result<ArticleDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    check(
        &mut errors,
        "title",
        &input.title,
        TextRule::Name,
        MAX_TITLE,
    );
    let title = input.title.trim().to_string();
    let subtitle = optional_text(&mut errors, "subtitle", input.subtitle, MAX_TITLE);
    let given_excerpt = optional_text(&mut errors, "excerpt", input.excerpt, MAX_EXCERPT_CHARS);
    let given_slug = match input.slug.as_deref().map(Slug::parse).transpose() {
        Ok(s) => s,
        Err(m) => {
            errors.push(FieldError::new("slug", m));
            None
        }
    };
    if input.body_markdown.chars().count() > MAX_BODY {
        errors.push(FieldError::new(
            "body_markdown",
            format!("must be at most {MAX_BODY} characters"),
        ));
    }
    let status = input.status.unwrap_or(Status::Draft);
    if status == Status::Scheduled && input.published_at.is_none_or(|p| p <= now) {
        errors.push(FieldError::new(
            "published_at",
            "a scheduled article needs a future published_at",
        ));
    }
    // The store's timestamps sort as text: only four-digit years keep that true.
    if input
        .published_at
        .is_some_and(|p| !(1970..=9999).contains(&chrono::Datelike::year(&p)))
    {
        errors.push(FieldError::new(
            "published_at",
            "must be between the years 1970 and 9999 (UTC)",
        ));
    }
    let language = Language::parse(input.language.as_deref().unwrap_or(default_language))
        .map_err(|m| errors.push(FieldError::new("language", m)))
        .ok();
    let tags = collect_tags(&mut errors, input.tags);
    let authors = collect_authors(&mut errors, input.authors);
    let publishing = status.stored() == StoredStatus::Published;
    input.feature_image = input.feature_image.map(FeatureImage::normalized);
    let mut feature_media = None;
    if let Some(img) = &input.feature_image {
        if !crate::domain::media::is_image_url(&img.url) {
            errors.push(FieldError::new(
                "feature_image.url",
                "must be an absolute http(s) URL or media:ID (a media item's id)",
            ));
        } else if let Some(id) = crate::domain::media::reference(&img.url) {
            match media.resolve(id, img.alt.as_deref(), img.caption.as_deref()) {
                None => errors.push(FieldError::new(
                    "feature_image.url",
                    format!("names no media item ({id})"),
                )),
                Some(resolved) if resolved.alt.is_none() && publishing => {
                    errors.push(FieldError::new(
                        "feature_image.alt",
                        format!(
                            "the image has no alt text: give it here or on the media item (PATCH /v1/media/{id}) before publishing"
                        ),
                    ));
                }
                Some(resolved) => feature_media = Some(resolved),
            }
        }
        for (field, v) in [
            ("feature_image.alt", &img.alt),
            ("feature_image.caption", &img.caption),
        ] {
            if let Some(v) = v {
                check(&mut errors, field, v, TextRule::Line, 500);
            }
        }
    }
    if let Some(u) = &input.canonical_url
        && !is_web_url(u)
    {
        errors.push(FieldError::new(
            "canonical_url",
            "must be an absolute http(s) URL",
        ));
    }
    let Some(language) = language.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    let media_ids = crate::domain::media::references_in(&input.body_markdown);
    let missing: Vec<&String> = media_ids
        .iter()
        .filter(|id| media.get(id).is_none())
        .collect();
    if !missing.is_empty() {
        errors.push(FieldError::new(
            "body_markdown",
            format!(
                "embeds media items that do not exist: {}",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
        return Err(errors);
    }
    let mut without_alt = Vec::new();
    let rendered = markdown::render_with(&input.body_markdown, media, &mut without_alt);
    if publishing && !without_alt.is_empty() {
        without_alt.dedup();
        return Err(vec![FieldError::new(
            "body_markdown",
            format!(
                "embedded images need alt text before publishing (in ![alt](media:ID) or on the media item): {}",
                without_alt.join(", ")
            ),
        )]);
    }
    let mut media_ids = media_ids;
    if let Some(m) = &feature_media {
        media_ids.insert(m.media_id.clone());
    }
    let excerpt_is_derived = given_excerpt.is_none();
    let excerpt = given_excerpt.unwrap_or_else(|| markdown::derive_excerpt(&input.body_markdown));
    let mut generated_slug = slug::slugify(&title);
    if generated_slug.is_empty() {
        generated_slug = "article".into();
    }
    Ok(ArticleDraft {
        title,
        subtitle,
        slug: given_slug,
        generated_slug,
        excerpt,
        excerpt_is_derived,
        body_markdown: input.body_markdown,
        rendered,
        status: status.stored(),
        published_at: input.published_at,
        language,
        translation_of: input.translation_of,
        tags,
        authors,
        feature_image: input.feature_image,
        feature_media,
        media_ids,
        canonical_url: input.canonical_url,
        featured: input.featured,
    })
}

fn collect_tags(errors: &mut Vec<FieldError>, names: Vec<String>) -> Vec<(String, String)> {
    if names.len() > MAX_TAGS {
        errors.push(FieldError::new("tags", format!("at most {MAX_TAGS} tags")));
        return vec![];
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match term_from_name(name) {
            Ok(t) if out.iter().any(|(s, _)| *s == t.0) => {}
            Ok(t) => out.push(t),
            Err(m) => errors.push(FieldError::new(format!("tags[{i}]"), m)),
        }
    }
    out
}

fn collect_authors(errors: &mut Vec<FieldError>, slugs: Vec<String>) -> Vec<Slug> {
    if slugs.len() > MAX_AUTHORS {
        errors.push(FieldError::new(
            "authors",
            format!("at most {MAX_AUTHORS} authors"),
        ));
        return vec![];
    }
    let mut out: Vec<Slug> = Vec::new();
    for (i, s) in slugs.iter().enumerate() {
        match Slug::parse(s) {
            Err(_) => errors.push(FieldError::new(
                format!("authors[{i}]"),
                "must be an author slug",
            )),
            Ok(s) if !out.contains(&s) => out.push(s),
            Ok(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_plausible_language_tag_parses() {
        for good in ["en", "uk", "en-GB", "zh-Hant-TW"] {
            assert_eq!(Language::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "EN", "english", "en-", "e"] {
            assert!(Language::parse(bad).is_err(), "{bad:?}");
        }
    }

    fn input(title: &str) -> ArticleInput {
        ArticleInput {
            title: title.into(),
            ..Default::default()
        }
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let mut a = input("");
        a.language = Some("English".into());
        a.canonical_url = Some("javascript:alert(1)".into());
        a.tags = vec!["   ".into()];
        let errs = validate(a, "en", Utc::now(), &Default::default()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "language", "tags[0]", "canonical_url"]);
    }

    #[test]
    fn tags_are_deduplicated_by_slug_and_keep_their_names() {
        let mut a = input("Київ");
        a.tags = vec!["#StandWithUkraine".into(), "standwithukraine".into()];
        let d = validate(a, "uk", Utc::now(), &Default::default()).unwrap();
        assert_eq!(
            d.tags,
            vec![(
                "standwithukraine".to_string(),
                "#StandWithUkraine".to_string()
            )]
        );
        assert_eq!(d.generated_slug, "kyiv");
        assert_eq!(d.status, StoredStatus::Draft);
    }

    #[test]
    fn publication_years_outside_four_digits_are_refused() {
        let mut a = input("Embargo");
        a.published_at = Some(
            DateTime::parse_from_rfc3339("9999-12-31T23:30:00-01:00")
                .unwrap()
                .to_utc(),
        );
        let errs = validate(a, "en", Utc::now(), &Default::default()).unwrap_err();
        assert_eq!(errs[0].field, "published_at");
    }

    #[test]
    fn shown_status_turns_future_published_into_scheduled() {
        assert_eq!(
            Status::shown(
                StoredStatus::Published,
                Some("2099-01-01T00:00:00.000000Z"),
                "2026-01-01"
            ),
            Status::Scheduled
        );
        assert_eq!(
            Status::shown(
                StoredStatus::Published,
                Some("2020-01-01T00:00:00.000000Z"),
                "2026-01-01"
            ),
            Status::Published
        );
        assert_eq!(
            Status::shown(StoredStatus::Archived, None, "2026-01-01"),
            Status::Archived
        );
        assert_eq!(
            StoredStatus::try_from("pending".to_string()),
            Err("unknown stored status 'pending'".to_string())
        );
        for s in StoredStatus::ALL {
            assert_eq!(StoredStatus::try_from(String::from(s)), Ok(s));
        }
    }
}
