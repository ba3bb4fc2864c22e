//! Feeds of published articles: RSS 2.0, Atom 1.0 (RFC 4287, paged per RFC 5005) and
//! JSON Feed 1.1, built from one description of the page. The XML is written by the
//! `rss` and `atom_syndication` crates, which escape every text they are given.

use atom_syndication as atom;
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

/// One article in a feed.
#[derive(Debug, Clone)]
pub struct FeedItem {
    /// Stable id (the article's UUID).
    pub id: String,
    /// Where the frontend shows it.
    pub url: String,
    pub title: String,
    /// The excerpt.
    pub summary: String,
    /// Sanitized HTML of the body.
    pub content_html: String,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub language: String,
    /// Tags as (slug, name).
    pub tags: Vec<(String, String)>,
    /// Author names.
    pub authors: Vec<String>,
    pub image: Option<FeedImage>,
    /// Other-language versions as (language, url).
    pub translations: Vec<(String, String)>,
}

/// An item's image: a media item's copy (type and size known) or a plain URL.
#[derive(Debug, Clone)]
pub struct FeedImage {
    pub url: String,
    pub mime: Option<String>,
    pub bytes: Option<u64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl FeedItem {
    /// An article as a feed item; `url(language, slug, id)` is where the frontend shows
    /// an article (the item's and its translations').
    pub fn of(a: crate::wire::article::Article, url: impl Fn(&str, &str, &str) -> String) -> Self {
        Self {
            url: url(&a.language, &a.slug, &a.id),
            translations: (a.translations.iter())
                .map(|t| (t.language.clone(), url(&t.language, &t.slug, &t.id)))
                .collect(),
            published: a.published_at.unwrap_or(a.created_at),
            updated: a.updated_at.max(a.published_at.unwrap_or(a.updated_at)),
            tags: a.tags.into_iter().map(|t| (t.slug, t.name)).collect(),
            authors: a.authors.into_iter().map(|t| t.name).collect(),
            image: a.feature_image.map(|i| FeedImage {
                url: i.url,
                mime: i.mime,
                bytes: i.bytes,
                width: i.width,
                height: i.height,
            }),
            id: a.id,
            title: a.title,
            summary: a.excerpt,
            content_html: a.body_html,
            language: a.language,
        }
    }
}

/// A page of a feed.
#[derive(Debug, Clone)]
pub struct FeedPage {
    pub title: String,
    pub description: String,
    /// This page's own URL.
    pub self_url: String,
    /// The first page's URL.
    pub first_url: String,
    /// The next (older) page's URL, if any.
    pub next_url: Option<String>,
    /// The frontend's home page.
    pub site_url: String,
    /// The language when the feed is filtered to one.
    pub language: Option<String>,
    /// The newest change shown.
    pub updated: DateTime<Utc>,
    pub items: Vec<FeedItem>,
}

/// `urn:uuid:…`, the id RSS and Atom carry for an article.
pub fn urn(id: &str) -> String {
    format!("urn:uuid:{id}")
}

fn fixed(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.fixed_offset()
}

/// RSS 2.0 with `content:encoded`, `dc:creator` and `atom:link` (self, next).
pub fn rss(f: &FeedPage) -> String {
    use rss::extension::atom::{AtomExtension, Link};
    use rss::extension::dublincore::DublinCoreExtension;
    let link = |rel: &str, href: &str| Link {
        rel: rel.into(),
        href: href.into(),
        mime_type: Some("application/rss+xml".into()),
        ..Default::default()
    };
    let mut links = vec![link("self", &f.self_url), link("first", &f.first_url)];
    if let Some(next) = &f.next_url {
        links.push(link("next", next));
    }
    let items = f
        .items
        .iter()
        .map(|i| rss::Item {
            title: Some(i.title.clone()),
            link: Some(i.url.clone()),
            description: Some(i.summary.clone()),
            content: Some(i.content_html.clone()),
            guid: Some(rss::Guid {
                value: urn(&i.id),
                permalink: false,
            }),
            pub_date: Some(i.published.to_rfc2822()),
            categories: i
                .tags
                .iter()
                .map(|(_, name)| rss::Category {
                    name: name.clone(),
                    domain: None,
                })
                .collect(),
            dublin_core_ext: Some(DublinCoreExtension {
                creators: i.authors.clone(),
                languages: vec![i.language.clone()],
                ..Default::default()
            }),
            // A media item's copy: an enclosure (type and length known) and Media RSS.
            enclosure: i.image.as_ref().and_then(|img| {
                Some(rss::Enclosure {
                    url: img.url.clone(),
                    length: img.bytes?.to_string(),
                    mime_type: img.mime.clone()?,
                })
            }),
            extensions: i.image.as_ref().map(media_rss).unwrap_or_default(),
            ..Default::default()
        })
        .collect();
    let channel = rss::Channel {
        namespaces: [("media".to_string(), MEDIA_RSS.to_string())].into(),
        title: f.title.clone(),
        link: f.site_url.clone(),
        description: f.description.clone(),
        language: f.language.clone(),
        last_build_date: Some(f.updated.to_rfc2822()),
        generator: Some("newsdesk".into()),
        atom_ext: Some(AtomExtension { links }),
        items,
        ..Default::default()
    };
    // The crate writes the XML declaration.
    channel.to_string()
}

/// The Media RSS namespace.
const MEDIA_RSS: &str = "http://search.yahoo.com/mrss/";

/// `<media:content url type medium="image" width height fileSize/>` for an image.
fn media_rss(img: &FeedImage) -> rss::extension::ExtensionMap {
    let mut attrs = std::collections::BTreeMap::from([
        ("url".to_string(), img.url.clone()),
        ("medium".to_string(), "image".to_string()),
    ]);
    for (k, v) in [
        ("type", img.mime.clone()),
        ("width", img.width.map(|w| w.to_string())),
        ("height", img.height.map(|h| h.to_string())),
        ("fileSize", img.bytes.map(|b| b.to_string())),
    ] {
        if let Some(v) = v {
            attrs.insert(k.to_string(), v);
        }
    }
    let content = rss::extension::Extension {
        name: "media:content".into(),
        value: None,
        attrs,
        children: Default::default(),
    };
    [(
        "media".to_string(),
        [("content".to_string(), vec![content])].into(),
    )]
    .into()
}

/// Atom 1.0; `next` and `first` links page it (RFC 5005), `alternate` links with
/// `hreflang` name the translations.
pub fn atom(f: &FeedPage) -> String {
    let link = |rel: &str, href: &str, mime: &str| atom::Link {
        rel: rel.into(),
        href: href.into(),
        mime_type: Some(mime.into()),
        ..Default::default()
    };
    let mut links = vec![
        link("self", &f.self_url, "application/atom+xml"),
        link("first", &f.first_url, "application/atom+xml"),
        link("alternate", &f.site_url, "text/html"),
    ];
    if let Some(next) = &f.next_url {
        links.push(link("next", next, "application/atom+xml"));
    }
    let entries = f
        .items
        .iter()
        .map(|i| {
            let mut links = vec![atom::Link {
                rel: "alternate".into(),
                href: i.url.clone(),
                hreflang: Some(i.language.clone()),
                mime_type: Some("text/html".into()),
                ..Default::default()
            }];
            links.extend(i.translations.iter().map(|(lang, url)| atom::Link {
                rel: "alternate".into(),
                href: url.clone(),
                hreflang: Some(lang.clone()),
                mime_type: Some("text/html".into()),
                ..Default::default()
            }));
            if let Some(img) = &i.image {
                links.push(atom::Link {
                    rel: "enclosure".into(),
                    href: img.url.clone(),
                    mime_type: img.mime.clone(),
                    length: img.bytes.map(|b| b.to_string()),
                    ..Default::default()
                });
            }
            atom::Entry {
                title: atom::Text::plain(i.title.clone()),
                id: urn(&i.id),
                updated: fixed(i.updated),
                published: Some(fixed(i.published)),
                authors: i
                    .authors
                    .iter()
                    .map(|name| atom::Person {
                        name: name.clone(),
                        ..Default::default()
                    })
                    .collect(),
                categories: i
                    .tags
                    .iter()
                    .map(|(slug, name)| atom::Category {
                        term: slug.clone(),
                        label: Some(name.clone()),
                        ..Default::default()
                    })
                    .collect(),
                links,
                summary: Some(atom::Text::plain(i.summary.clone())),
                content: Some(atom::Content {
                    value: Some(i.content_html.clone()),
                    content_type: Some("html".into()),
                    lang: Some(i.language.clone()),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    let feed = atom::Feed {
        title: atom::Text::plain(f.title.clone()),
        subtitle: Some(atom::Text::plain(f.description.clone())),
        id: f.first_url.clone(),
        updated: fixed(f.updated),
        // RFC 4287: every entry needs an author; entries without one inherit this.
        authors: vec![atom::Person {
            name: f.title.clone(),
            ..Default::default()
        }],
        links,
        generator: Some(atom::Generator {
            value: "newsdesk".into(),
            ..Default::default()
        }),
        lang: f.language.clone(),
        entries,
        ..Default::default()
    };
    // The crate writes the XML declaration.
    feed.to_string()
}

/// JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>).
#[derive(Debug, Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    description: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    items: Vec<JsonItem<'a>>,
}

#[derive(Debug, Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    summary: &'a str,
    content_html: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: DateTime<Utc>,
    date_modified: DateTime<Utc>,
    authors: Vec<JsonAuthor<'a>>,
    tags: Vec<&'a str>,
    language: &'a str,
    /// Extension (JSON Feed allows `_` keys): the other-language versions.
    _translations: Vec<JsonTranslation<'a>>,
}

#[derive(Debug, Serialize)]
struct JsonAuthor<'a> {
    name: &'a str,
}

#[derive(Debug, Serialize)]
struct JsonTranslation<'a> {
    language: &'a str,
    url: &'a str,
}

/// JSON Feed 1.1, paged with `next_url`.
pub fn json(f: &FeedPage) -> String {
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &f.title,
        description: &f.description,
        home_page_url: &f.site_url,
        feed_url: &f.self_url,
        next_url: f.next_url.as_deref(),
        language: f.language.as_deref(),
        items: f
            .items
            .iter()
            .map(|i| JsonItem {
                id: &i.id,
                url: &i.url,
                title: &i.title,
                summary: &i.summary,
                content_html: &i.content_html,
                image: i.image.as_ref().map(|img| img.url.as_str()),
                date_published: i.published,
                date_modified: i.updated,
                authors: i.authors.iter().map(|name| JsonAuthor { name }).collect(),
                tags: i.tags.iter().map(|(_, name)| name.as_str()).collect(),
                language: &i.language,
                _translations: i
                    .translations
                    .iter()
                    .map(|(language, url)| JsonTranslation { language, url })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_string(&feed).unwrap_or_default()
}
