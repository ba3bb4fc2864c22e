//! `newsdesk seed-demo`: realistic demo data for trying and benchmarking — English and
//! Ukrainian articles of about 3 KB with quotes and lists, a few hundred tags, authors,
//! dates over five years. Deterministic for a given seed.

use chrono::{Duration, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use crate::db::{self, DbPool, StoreError};
use crate::domain::article::{Status, validate};
use crate::wire::article::ArticleInput;

const EN: &[&str] = &[
    "community",
    "support",
    "Ukraine",
    "diaspora",
    "culture",
    "festival",
    "volunteers",
    "donations",
    "schools",
    "language",
    "history",
    "music",
    "families",
    "refugees",
    "city",
    "council",
    "government",
    "report",
    "students",
    "church",
    "concert",
    "exhibition",
    "art",
    "memory",
    "freedom",
    "solidarity",
    "aid",
    "hospital",
    "winter",
    "energy",
    "youth",
    "embroidery",
    "bread",
    "village",
    "journalists",
    "press",
    "the",
    "and",
    "of",
    "in",
    "for",
    "with",
    "across",
    "new",
    "young",
    "local",
    "national",
    "gathered",
    "announced",
    "raised",
    "supporting",
    "celebrated",
    "opened",
    "welcomed",
    "organised",
    "shared",
];
const UK: &[&str] = &[
    "громада",
    "підтримка",
    "Україна",
    "України",
    "Україні",
    "діаспора",
    "культура",
    "фестиваль",
    "волонтери",
    "пожертви",
    "школи",
    "мова",
    "історія",
    "музика",
    "родини",
    "біженці",
    "місто",
    "рада",
    "уряд",
    "звіт",
    "студенти",
    "церква",
    "концерт",
    "виставка",
    "мистецтво",
    "пам’ять",
    "свобода",
    "солідарність",
    "допомога",
    "лікарня",
    "зима",
    "енергія",
    "молодь",
    "вишиванка",
    "хліб",
    "село",
    "журналісти",
    "і",
    "та",
    "у",
    "в",
    "для",
    "з",
    "нові",
    "місцеві",
    "зібралися",
    "оголосили",
    "підтримують",
    "святкували",
    "відкрили",
    "Київ",
    "Львів",
    "Щедрик",
];
const TAG_BASES: &[&str] = &[
    "#StandWithUkraine",
    "Diaspora",
    "Culture",
    "Music",
    "History",
    "Education",
    "Aid",
    "Refugees",
    "Volunteers",
    "Youth",
    "Church",
    "Politics",
    "Economy",
    "Energy",
    "Art",
    "Language",
    "Sport",
    "Health",
    "Media",
    "Kyiv",
    "Lviv",
    "Kharkiv",
    "Odesa",
    "Toronto",
    "Chicago",
    "Berlin",
    "Warsaw",
    "London",
    "Sydney",
    "Buenos Aires",
    "Вишиванка",
    "Культура",
    "Громада",
    "Освіта",
    "Допомога",
    "Історія",
    "Музика",
    "Молодь",
    "Волонтери",
    "Пам’ять",
];

fn sentence(rng: &mut StdRng, words: &[&str], n: usize) -> String {
    let mut s: Vec<&str> = (0..n).filter_map(|_| words.choose(rng).copied()).collect();
    if let Some(first) = s.first_mut() {
        *first = first.trim();
    }
    let mut text = s.join(" ");
    if let Some(c) = text.chars().next() {
        text = c.to_uppercase().collect::<String>() + &text[c.len_utf8()..];
    }
    text + "."
}

fn paragraph(rng: &mut StdRng, words: &[&str]) -> String {
    let n = rng.random_range(3..6);
    (0..n)
        .map(|_| {
            let len = rng.random_range(8..16);
            sentence(rng, words, len)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A body of about 3 KB: paragraphs, a quotation, a bullet list.
fn body(rng: &mut StdRng, words: &[&str]) -> String {
    let mut parts = Vec::new();
    while parts.iter().map(String::len).sum::<usize>() < 2600 {
        parts.push(paragraph(rng, words));
        if parts.len() == 2 {
            parts.push(format!("> {}", sentence(rng, words, 12)));
        }
        if parts.len() == 5 {
            let items: Vec<String> = (0..4)
                .map(|_| format!("- {}", sentence(rng, words, 5)))
                .collect();
            parts.push(items.join("\n"));
        }
    }
    parts.join("\n\n")
}

/// Creates `articles` demo articles (and the tags and authors they use); returns how
/// many were created.
pub fn seed(pool: &DbPool, articles: usize, seed: u64) -> anyhow::Result<usize> {
    let mut rng = StdRng::seed_from_u64(seed);
    pool.start_writer()?;
    // A large data set writes all over its indexes: the writer keeps them in a 256 MiB
    // page cache.
    pool.write_blocking(|conn| db::bulk_page_cache(conn).map_err(StoreError::from))?;
    let authors = [
        "Ukrainian World Congress",
        "Olena Petrenko",
        "Taras Melnyk",
        "Iryna Kovalenko",
        "Andrii Bondar",
        "Mariia Shevchuk",
        "News Desk",
    ];
    let author_slugs: Vec<String> = pool.write_blocking(move |conn| {
        let mut slugs = Vec::new();
        for name in authors {
            let slug = crate::domain::slug::slugify(name);
            if db::terms::authors::get(conn, &slug).is_err() {
                db::terms::authors::create(conn, &slug, name, None)?;
            }
            slugs.push(slug);
        }
        Ok(slugs)
    })?;
    let tags: Vec<String> = TAG_BASES
        .iter()
        .flat_map(|b| {
            (0..8).map(move |i| {
                if i == 0 {
                    b.to_string()
                } else {
                    format!("{b} {}", 2019 + i)
                }
            })
        })
        .collect();
    let now = Utc::now();
    // A thousand articles per bulk write (all or nothing with its batch).
    let mut i = 0;
    while i < articles {
        let end = (i + 1000).min(articles);
        let drafts = (i..end)
            .map(|i| draft_one(&mut rng, i, now, &tags, &author_slugs))
            .collect::<anyhow::Result<Vec<_>>>()?;
        pool.write_bulk(move |conn| {
            for draft in &drafts {
                db::articles::create(conn, draft, &crate::domain::access::Caller::Public)?;
            }
            Ok(())
        })?;
        i = end;
        if i % 10_000 == 0 {
            eprintln!("  {i} articles");
        }
    }
    Ok(articles)
}

fn draft_one(
    rng: &mut StdRng,
    i: usize,
    now: chrono::DateTime<Utc>,
    tags: &[String],
    author_slugs: &[String],
) -> anyhow::Result<crate::domain::article::ArticleDraft> {
    let ukrainian = rng.random_bool(0.5);
    let words = if ukrainian { UK } else { EN };
    let title_len = rng.random_range(5..10);
    let roll: f64 = rng.random();
    let (status, published_at) = if roll < 0.95 {
        (
            Status::Published,
            now - Duration::minutes(rng.random_range(1..5 * 365 * 24 * 60)),
        )
    } else if roll < 0.98 {
        (Status::Draft, now - Duration::days(rng.random_range(0..30)))
    } else {
        (
            Status::Scheduled,
            now + Duration::days(rng.random_range(1..30)),
        )
    };
    let n_tags = rng.random_range(1..5);
    let input = ArticleInput {
        title: format!(
            "{} {}",
            sentence(rng, words, title_len).trim_end_matches('.'),
            i
        ),
        body_markdown: body(rng, words),
        status: Some(status),
        published_at: Some(published_at),
        language: Some(if ukrainian { "uk" } else { "en" }.into()),
        tags: tags.choose_multiple(rng, n_tags).cloned().collect(),
        authors: author_slugs.choose_multiple(rng, 1).cloned().collect(),
        featured: rng.random_bool(0.05),
        ..Default::default()
    };
    validate(input, "en", now, &crate::domain::media::Catalog::default())
        .map_err(|e| anyhow::anyhow!("invalid demo article: {e:?}"))
}
