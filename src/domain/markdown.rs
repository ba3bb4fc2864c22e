//! Article body rendering: markdown → sanitized HTML, plain text, word count,
//! reading time and excerpt.

use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// Everything derived from an article's markdown body at write time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Sanitized HTML, safe to embed in a page.
    pub html: String,
    /// Plain text (no markup), blocks separated by blank lines.
    pub text: String,
    /// Number of words in `text`.
    pub word_count: i32,
    /// Estimated reading time at 200 words per minute.
    pub reading_time_minutes: i32,
}

/// Maximum excerpt length in chars.
pub const MAX_EXCERPT_CHARS: usize = 300;

/// Reading speed used for `reading_time_minutes`.
const WORDS_PER_MINUTE: usize = 200;

/// Prefix for footnote ids (and every other id surviving sanitization), so
/// user content cannot clobber ids used by the surrounding page.
const ID_PREFIX: &str = "fn-";

pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .add_tag_attributes("div", ["id"])
        // Embedded media (`![alt](media:ID)`): responsive, lazily loaded.
        .add_tag_attributes("img", ["srcset", "sizes", "loading", "decoding"])
        .add_tag_attributes("th", ["style"])
        .add_tag_attributes("td", ["style"])
        .filter_style_properties(["text-align"].into_iter().collect())
        .add_allowed_classes("div", ["footnote-definition"])
        .add_allowed_classes("sup", ["footnote-reference", "footnote-definition-label"])
        .id_prefix(Some(ID_PREFIX));
    b
});

/// Give footnote labels the id prefix so references still point at their
/// definitions after sanitization prefixes the ids.
fn prefix_footnotes(event: Event<'_>) -> Event<'_> {
    let prefixed = |label: CowStr<'_>| CowStr::from(format!("{ID_PREFIX}{label}"));
    match event {
        Event::FootnoteReference(label) => Event::FootnoteReference(prefixed(label)),
        Event::Start(Tag::FootnoteDefinition(label)) => {
            Event::Start(Tag::FootnoteDefinition(prefixed(label)))
        }
        other => other,
    }
}

/// HTML cleaned as rendered Markdown is (for HTML kept from an import).
pub fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// Replaces each image whose destination is `media:ID` (an item of `media`) with the
/// `<img>` of that item; other images stay as they are.
fn embed_media<'a>(
    events: impl Iterator<Item = Event<'a>>,
    media: &crate::domain::media::Catalog,
    without_alt: &mut Vec<String>,
) -> Vec<Event<'a>> {
    let mut out = Vec::new();
    let mut events = events.peekable();
    while let Some(event) = events.next() {
        let Event::Start(Tag::Image { dest_url, .. }) = &event else {
            out.push(event);
            continue;
        };
        let Some(id) = crate::domain::media::reference(dest_url).map(str::to_string) else {
            out.push(event);
            continue;
        };
        // The alt text is the image's inner text, up to its end.
        let mut alt = String::new();
        let mut depth = 0;
        for inner in events.by_ref() {
            match inner {
                Event::Start(Tag::Image { .. }) => depth += 1,
                Event::End(TagEnd::Image) if depth == 0 => break,
                Event::End(TagEnd::Image) => depth -= 1,
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                _ => {}
            }
        }
        let Some(img) = media.resolve(&id, Some(&alt), None) else {
            out.push(Event::Text(CowStr::from(alt)));
            continue;
        };
        if img.alt.is_none() {
            without_alt.push(id);
        }
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('"', "&quot;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        };
        out.push(Event::InlineHtml(CowStr::from(format!(
            r#"<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" loading="lazy" decoding="async">"#,
            esc(&img.url),
            esc(&img.srcset),
            crate::domain::media::SIZES,
            img.width,
            img.height,
            esc(img.alt.as_deref().unwrap_or_default()),
        ))));
    }
    out
}

/// Tracks inline state needed to pull visible text out of events: raw
/// `<script>`/`<style>` content and image alt text are not text.
#[derive(Default)]
struct InlineText {
    image_depth: usize,
    in_raw_html: bool,
}

impl InlineText {
    /// The visible text carried by `event`, if any.
    fn text<'e>(&mut self, event: &'e Event<'_>) -> Option<&'e str> {
        match event {
            Event::Start(Tag::Image { .. }) => self.image_depth += 1,
            Event::End(TagEnd::Image) => self.image_depth = self.image_depth.saturating_sub(1),
            Event::InlineHtml(html) => {
                let tag = html.trim_start().to_ascii_lowercase();
                if tag.starts_with("<script") || tag.starts_with("<style") {
                    self.in_raw_html = true;
                } else if tag.starts_with("</script") || tag.starts_with("</style") {
                    self.in_raw_html = false;
                }
            }
            Event::Text(t) | Event::Code(t) if self.image_depth == 0 && !self.in_raw_html => {
                return Some(t);
            }
            _ => {}
        }
        None
    }
}

/// Separator owed before the next piece of text, weakest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Sep {
    None,
    Space,
    Line,
    Block,
}

/// Separator owed after a block-level tag opens or closes.
fn block_sep(end: &TagEnd, list_depth: usize) -> Sep {
    match end {
        TagEnd::Item | TagEnd::TableHead | TagEnd::TableRow => Sep::Line,
        TagEnd::TableCell => Sep::Space,
        TagEnd::Paragraph
        | TagEnd::Heading(_)
        | TagEnd::BlockQuote(_)
        | TagEnd::CodeBlock
        | TagEnd::HtmlBlock
        | TagEnd::List(_)
        | TagEnd::Table
        | TagEnd::FootnoteDefinition => match list_depth {
            0 => Sep::Block,
            _ => Sep::Line,
        },
        _ => Sep::None,
    }
}

/// Plain text of a markdown document, built from the event stream.
fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut sep = Sep::None;
    let mut inline = InlineText::default();
    let (mut list_depth, mut in_code) = (0usize, false);

    for event in Parser::new_ext(markdown, options()) {
        if let Some(mut text) = inline.text(&event) {
            if !out.is_empty() {
                if sep >= Sep::Line {
                    out.truncate(out.trim_end().len());
                }
                out.push_str(match sep {
                    Sep::None => "",
                    Sep::Space => " ",
                    Sep::Line => "\n",
                    Sep::Block => "\n\n",
                });
            }
            if !in_code && out.ends_with(' ') {
                text = text.trim_start_matches(' '); // e.g. around dropped raw HTML
            }
            out.push_str(text);
            sep = Sep::None;
            continue;
        }
        let owed = match &event {
            Event::Start(tag) => {
                list_depth += usize::from(matches!(tag, Tag::List(_)));
                in_code |= matches!(tag, Tag::CodeBlock(_));
                block_sep(&tag.to_end(), list_depth)
            }
            Event::End(end) => {
                if matches!(end, TagEnd::List(_)) {
                    list_depth = list_depth.saturating_sub(1);
                }
                in_code &= !matches!(end, TagEnd::CodeBlock);
                block_sep(end, list_depth)
            }
            Event::HardBreak => Sep::Line,
            Event::SoftBreak => Sep::Space,
            Event::Rule => block_sep(&TagEnd::Paragraph, list_depth),
            _ => Sep::None,
        };
        sep = sep.max(owed);
    }
    out.trim().to_owned()
}

fn count_words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Render CommonMark (+ tables, footnotes, strikethrough) to sanitized HTML
/// (ammonia: no script/style/iframe, no on* handlers, no javascript:/data:
/// URLs; keep tables, footnote markup, blockquote, lists, headings, code,
/// links with rel="noopener noreferrer"), plain text, word count and reading
/// time (ceil(words/200), min 1 when words>0, 0 for empty body).
pub fn render(markdown: &str) -> Rendered {
    render_with(
        markdown,
        &crate::domain::media::Catalog::default(),
        &mut Vec::new(),
    )
}

/// [`render`], with `![alt](media:ID)` made an `<img>` of the catalog's item (`src`,
/// `srcset`, `sizes`, `width`, `height`, `alt`, `loading="lazy"`). The ids of embedded
/// items shown without alt text (none in the Markdown, none on the item) are added to
/// `without_alt`.
pub fn render_with(
    markdown: &str,
    media: &crate::domain::media::Catalog,
    without_alt: &mut Vec<String>,
) -> Rendered {
    let mut raw_html = String::with_capacity(markdown.len() * 3 / 2);
    let events = embed_media(
        Parser::new_ext(markdown, options()).map(prefix_footnotes),
        media,
        without_alt,
    );
    pulldown_cmark::html::push_html(&mut raw_html, events.into_iter());
    let html = SANITIZER.clean(&raw_html).to_string();
    let text = plain_text(markdown);
    let words = count_words(&text);
    Rendered {
        html,
        text,
        word_count: i32::try_from(words).unwrap_or(i32::MAX),
        reading_time_minutes: i32::try_from(words.div_ceil(WORDS_PER_MINUTE)).unwrap_or(i32::MAX),
    }
}

/// Cut collapsed text to at most [`MAX_EXCERPT_CHARS`] chars at a word
/// boundary, ending with "…" when anything was cut.
fn truncate_excerpt(text: &str) -> String {
    if text.chars().count() <= MAX_EXCERPT_CHARS {
        return text.to_owned();
    }
    let budget = MAX_EXCERPT_CHARS - 1; // room for "…"
    let (limit, next) = match text.char_indices().nth(budget) {
        Some((i, c)) => (i, c),
        None => (text.len(), ' '),
    };
    let head = &text[..limit];
    let cut = if next.is_whitespace() {
        head
    } else {
        // Drop the partial word; hard-cut only if the whole head is one word.
        head.rfind(char::is_whitespace).map_or(head, |i| &head[..i])
    };
    let trimmed = cut.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—".contains(c));
    format!("{}…", if trimmed.is_empty() { cut } else { trimmed })
}

/// Excerpt derived from markdown: the plain text of the first paragraph
/// (skip headings/images/empty), whitespace collapsed, cut at a word boundary
/// to ≤ [`MAX_EXCERPT_CHARS`] chars (append "…" only if cut, and the "…"
/// counts in the limit). "" when the body has no paragraph text.
pub fn derive_excerpt(markdown: &str) -> String {
    let mut inline = InlineText::default();
    // Paragraphs inside lists and footnotes are not the article's lead.
    let mut skip_depth = 0usize;
    let mut current: Option<String> = None;

    for event in Parser::new_ext(markdown, options()) {
        match &event {
            Event::Start(Tag::List(_) | Tag::FootnoteDefinition(_)) => skip_depth += 1,
            Event::End(TagEnd::List(_) | TagEnd::FootnoteDefinition) => {
                skip_depth = skip_depth.saturating_sub(1);
            }
            Event::Start(Tag::Paragraph) if skip_depth == 0 => current = Some(String::new()),
            Event::End(TagEnd::Paragraph) => {
                if let Some(para) = current.take() {
                    let collapsed = para.split_whitespace().collect::<Vec<_>>().join(" ");
                    if collapsed.chars().any(char::is_alphanumeric) {
                        return truncate_excerpt(&collapsed);
                    }
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(para) = current.as_mut() {
                    para.push(' ');
                }
            }
            _ => {}
        }
        if let (Some(text), Some(para)) = (inline.text(&event), current.as_mut()) {
            para.push_str(text);
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn has(r: &Rendered, needle: &str) {
        assert!(r.html.contains(needle), "{needle:?} not in {}", r.html);
    }

    #[test]
    fn basic_markdown_and_empty_body() {
        let r = render("# Title\n\nHello *world* and `code`.\nNext  \nline\n");
        has(&r, "<h1>Title</h1>");
        has(&r, "<em>world</em> and <code>code</code>");
        assert_eq!(r.text, "Title\n\nHello world and code. Next\nline");
        assert_eq!((r.word_count, r.reading_time_minutes), (7, 1));
        let empty = render("");
        assert_eq!((empty.html.as_str(), empty.text.as_str()), ("", ""));
        assert_eq!((empty.word_count, empty.reading_time_minutes), (0, 0));
        assert_eq!(render("  \n\n ---\n").word_count, 0);
    }

    #[test]
    fn script_is_removed_inline_and_block() {
        for md in [
            "Hello <script>alert(1)</script> world",
            "Hello\n\n<script>alert(1)</script>\n\nworld",
            "Hi <SCRIPT>alert(1)</SCRIPT> <style>p{}</style> there",
        ] {
            let r = render(md);
            assert!(!r.html.to_lowercase().contains("<script"), "{}", r.html);
            assert!(
                !r.html.contains("alert") && !r.text.contains("alert"),
                "{r:?}"
            );
            assert!(
                !r.text.contains('<') && !r.text.contains("  "),
                "{:?}",
                r.text
            );
            assert_eq!(r.word_count, 2, "{:?}", r.text);
        }
    }

    #[test]
    fn dangerous_urls_and_handlers_removed() {
        let r = render("[x](javascript:alert(1)) [y](data:text/html;base64,AAAA)");
        assert!(
            !r.html.contains("javascript:") && !r.html.contains("data:"),
            "{}",
            r.html
        );
        let r = render("<img src=x onerror=alert(1)> <a href=\"#\" onclick=\"x()\">a</a>");
        assert!(
            !r.html.contains("onerror") && !r.html.contains("onclick"),
            "{}",
            r.html
        );
        let r = render("<iframe src=\"https://evil.example\"></iframe>\n\ntext");
        assert!(!r.html.contains("<iframe"), "{}", r.html);
        let r = render("[site](https://example.com)");
        has(
            &r,
            r#"<a href="https://example.com" rel="noopener noreferrer">site</a>"#,
        );
    }

    #[test]
    fn table_and_footnote_render() {
        let r = render("| a | b |\n|:-:|---|\n| 1 | 2 |\n");
        has(
            &r,
            "<table><thead><tr><th style=\"text-align:center\">a</th>",
        );
        has(&r, "<td>2</td>");
        assert_eq!(r.text, "a b\n1 2");

        let r = render("Claim.[^src]\n\n[^src]: The source.\n");
        has(&r, r##"<sup class="footnote-reference"><a href="#fn-src""##);
        has(&r, r#"<div class="footnote-definition" id="fn-src">"#);
        assert_eq!(r.text, "Claim.\n\nThe source.");
    }

    #[test]
    fn blockquote_list_code_and_strikethrough() {
        let r = render("> quoted\n\n- one\n- two\n\n```rust\nfn main() {}\n```\n\n~~old~~ new");
        has(&r, "<blockquote>\n<p>quoted</p>\n</blockquote>");
        has(&r, "<ul>\n<li>one</li>\n<li>two</li>\n</ul>");
        has(&r, "<pre><code>fn main() {}");
        has(&r, "<del>old</del>");
        assert_eq!(r.text, "quoted\n\none\ntwo\n\nfn main() {}\n\nold new");
    }

    #[test]
    fn word_count_and_reading_time() {
        let r = render("Слава Україні! Героям слава.");
        assert_eq!((r.word_count, r.reading_time_minutes), (4, 1));
        assert_eq!(render("Так — ні").word_count, 2); // lone dash is no word
        let words = |n: usize| render(&vec!["word"; n].join(" "));
        assert_eq!(
            (words(450).word_count, words(450).reading_time_minutes),
            (450, 3)
        );
        assert_eq!(words(200).reading_time_minutes, 1);
        assert_eq!(words(201).reading_time_minutes, 2);
    }

    #[test]
    fn excerpt_takes_first_paragraph() {
        let md = "# Heading\n\nFirst paragraph text.\n\nSecond.";
        assert_eq!(derive_excerpt(md), "First paragraph text.");
        let md = "![alt](/a.png)\n\n- item\n\nLead   with **bold**\nand [link](https://x.y).";
        assert_eq!(derive_excerpt(md), "Lead with bold and link.");
        assert_eq!(derive_excerpt("# Only heading"), "");
        assert_eq!(derive_excerpt(""), "");
    }

    #[test]
    fn long_excerpt_is_cut_at_word_boundary() {
        let para = "alpha beta gamma delta київ ".repeat(40);
        assert!(para.chars().count() >= 1000);
        let ex = derive_excerpt(&para);
        assert!(ex.chars().count() <= MAX_EXCERPT_CHARS, "{ex}");
        let body = ex.strip_suffix('…').unwrap_or_default();
        assert!(
            para.starts_with(body) && para[body.len()..].starts_with(' '),
            "{ex}"
        );

        let exact = "x".repeat(MAX_EXCERPT_CHARS);
        assert_eq!(derive_excerpt(&exact), exact);
        let ex = derive_excerpt(&"y".repeat(MAX_EXCERPT_CHARS + 1));
        assert_eq!(ex.chars().count(), MAX_EXCERPT_CHARS);
        assert!(ex.ends_with('…'));
    }
}
