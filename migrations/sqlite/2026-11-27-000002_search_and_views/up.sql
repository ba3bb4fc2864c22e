-- Full-text search. The index holds stems made in Rust (src/domain/search.rs), not the
-- raw text, so it is a contentless FTS5 table keyed by articles.pk; snippets are cut in
-- Rust from articles.body_text. Rows are written by the store in the same transaction
-- as the article (db::search), and rebuilt at start for any article missing one.
CREATE VIRTUAL TABLE article_search USING fts5(
    title, subtitle, excerpt, tags, body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);

-- Views per article per UTC day, for "most read" over a window.
CREATE TABLE article_views_daily (
    article_pk INTEGER NOT NULL REFERENCES articles (pk) ON DELETE CASCADE,
    day        TEXT    NOT NULL,
    views      BIGINT  NOT NULL,
    PRIMARY KEY (day, article_pk)
) WITHOUT ROWID;
CREATE INDEX article_views_daily_by_article ON article_views_daily (article_pk);

-- The other list orders and filters.
CREATE INDEX articles_updated ON articles (updated_at DESC, pk DESC);
CREATE INDEX articles_views ON articles (view_count DESC, pk DESC);
CREATE INDEX articles_language ON articles (language, sort_at DESC, pk DESC);
CREATE INDEX articles_published ON articles (published_at);
CREATE INDEX tags_updated ON tags (updated_at);
CREATE INDEX authors_updated ON authors (updated_at);

-- One row: when anything a list or page shows last changed (writes, trash, purges,
-- tag and author changes). Lists use it for Last-Modified, so a deletion, which leaves
-- no row behind to carry a time, still moves it forward.
CREATE TABLE store_changes (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    changed_at TEXT    NOT NULL
);
INSERT INTO store_changes (id, changed_at) VALUES (1, '1970-01-01T00:00:00.000000Z');
