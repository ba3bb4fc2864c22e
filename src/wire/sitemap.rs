//! Sitemaps (<https://www.sitemaps.org/protocol.html>) with `hreflang` alternates, the
//! sitemap index, and the Google News sitemap; written with quick-xml, which escapes.

use std::io;

use chrono::{DateTime, SecondsFormat, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

/// URLs in one sitemap file, the protocol's limit.
pub const MAX_URLS: i64 = crate::domain::links::MAX_SITEMAP_URLS;

/// URLs in a news sitemap, Google's limit.
pub const MAX_NEWS_URLS: i64 = 1_000;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

/// One page of the site.
#[derive(Debug, Clone)]
pub struct PageUrl {
    pub loc: String,
    pub lastmod: DateTime<Utc>,
    pub language: String,
    /// The same story in other languages, as (language, url).
    pub alternates: Vec<(String, String)>,
}

/// One article in a news sitemap.
#[derive(Debug, Clone)]
pub struct NewsUrl {
    pub loc: String,
    pub title: String,
    pub language: String,
    pub published: DateTime<Utc>,
    /// The article's feature image (`image:image`).
    pub image: Option<String>,
}

fn w3c(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn document(
    root: &str,
    ns: &[(&str, &str)],
    body: impl FnOnce(&mut Writer<Vec<u8>>) -> io::Result<()>,
) -> String {
    let mut w = Writer::new(Vec::new());
    let written = w
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .and_then(|_| {
            w.create_element(root)
                .with_attributes(ns.iter().copied())
                .write_inner_content(body)
                .map(|_| ())
        });
    match written {
        Ok(()) => String::from_utf8(w.into_inner()).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

fn text(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))
        .map(|_| ())
}

/// A `<urlset>`; each URL lists every language version (itself included, by language)
/// as `xhtml:link rel="alternate" hreflang`.
pub fn urlset(urls: &[PageUrl]) -> String {
    document(
        "urlset",
        &[("xmlns", SITEMAP_NS), ("xmlns:xhtml", XHTML_NS)],
        |w| {
            for u in urls {
                w.create_element("url").write_inner_content(|w| {
                    text(w, "loc", &u.loc)?;
                    text(w, "lastmod", &w3c(u.lastmod))?;
                    if !u.alternates.is_empty() {
                        let mut all = u.alternates.clone();
                        all.push((u.language.clone(), u.loc.clone()));
                        all.sort();
                        for (lang, href) in &all {
                            w.create_element("xhtml:link")
                                .with_attributes([
                                    ("rel", "alternate"),
                                    ("hreflang", lang.as_str()),
                                    ("href", href.as_str()),
                                ])
                                .write_empty()?;
                        }
                    }
                    Ok(())
                })?;
            }
            Ok(())
        },
    )
}

/// A `<sitemapindex>` of (location, last modified).
pub fn index(sitemaps: &[(String, Option<DateTime<Utc>>)]) -> String {
    document("sitemapindex", &[("xmlns", SITEMAP_NS)], |w| {
        for (loc, lastmod) in sitemaps {
            w.create_element("sitemap").write_inner_content(|w| {
                text(w, "loc", loc)?;
                if let Some(t) = lastmod {
                    text(w, "lastmod", &w3c(*t))?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })
}

/// Google's image sitemap extension.
const IMAGE_NS: &str = "http://www.google.com/schemas/sitemap-image/1.1";

/// A Google News sitemap for `publication`, with each article's feature image.
pub fn news(publication: &str, urls: &[NewsUrl]) -> String {
    document(
        "urlset",
        &[
            ("xmlns", SITEMAP_NS),
            ("xmlns:news", NEWS_NS),
            ("xmlns:image", IMAGE_NS),
        ],
        |w| {
            for u in urls {
                w.create_element("url").write_inner_content(|w| {
                    text(w, "loc", &u.loc)?;
                    w.create_element("news:news").write_inner_content(|w| {
                        w.create_element("news:publication")
                            .write_inner_content(|w| {
                                text(w, "news:name", publication)?;
                                text(w, "news:language", &u.language)
                            })?;
                        text(w, "news:publication_date", &w3c(u.published))?;
                        text(w, "news:title", &u.title)
                    })?;
                    if let Some(image) = &u.image {
                        w.create_element("image:image")
                            .write_inner_content(|w| text(w, "image:loc", image))?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        },
    )
}
