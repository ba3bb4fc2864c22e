-- Timestamps are TEXT in one sortable UTC form: 2026-11-27T21:03:45.123456Z
-- (fixed width, so string order is time order).

CREATE TABLE authors (
    pk          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    description TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE tags (
    pk          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    description TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE articles (
    pk                    INTEGER PRIMARY KEY,
    id                    TEXT    NOT NULL UNIQUE,
    slug                  TEXT    NOT NULL UNIQUE,
    title                 TEXT    NOT NULL,
    subtitle              TEXT,
    excerpt               TEXT    NOT NULL,
    excerpt_is_derived    BOOLEAN NOT NULL,
    status                TEXT    NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    published_at          TEXT,
    -- published_at, or created_at while unpublished: the list order key
    sort_at               TEXT    NOT NULL,
    language              TEXT    NOT NULL,
    -- id of the first article of the story; equal to id when it stands alone
    translation_group     TEXT    NOT NULL,
    feature_image_url     TEXT,
    feature_image_alt     TEXT,
    feature_image_caption TEXT,
    canonical_url         TEXT,
    featured              BOOLEAN NOT NULL DEFAULT 0,
    view_count            BIGINT  NOT NULL DEFAULT 0,
    word_count            INTEGER NOT NULL,
    reading_time_minutes  INTEGER NOT NULL,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL,
    deleted_at            TEXT,
    version               INTEGER NOT NULL DEFAULT 1,
    -- The bodies come last: a row spills into overflow pages, and SQLite reads columns
    -- in order, so filters on the columns above never touch the bodies.
    body_markdown         TEXT    NOT NULL,
    body_html             TEXT    NOT NULL,
    body_text             TEXT    NOT NULL,
    UNIQUE (translation_group, language)
);

-- The public list: published, not trashed, newest first.
CREATE INDEX articles_public_order ON articles (sort_at DESC, pk DESC)
    WHERE status = 'published' AND deleted_at IS NULL;
-- Keyed lists see every status.
CREATE INDEX articles_order ON articles (sort_at DESC, pk DESC);

CREATE TABLE article_tags (
    article_pk INTEGER NOT NULL REFERENCES articles (pk) ON DELETE CASCADE,
    tag_pk     INTEGER NOT NULL REFERENCES tags (pk) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_pk, tag_pk)
) WITHOUT ROWID;
CREATE INDEX article_tags_by_tag ON article_tags (tag_pk, article_pk);

CREATE TABLE article_authors (
    article_pk INTEGER NOT NULL REFERENCES articles (pk) ON DELETE CASCADE,
    author_pk  INTEGER NOT NULL REFERENCES authors (pk) ON DELETE RESTRICT,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_pk, author_pk)
) WITHOUT ROWID;
CREATE INDEX article_authors_by_author ON article_authors (author_pk, article_pk);

-- A slug an article no longer carries; answers 301 to the current one.
CREATE TABLE former_slugs (
    slug       TEXT    PRIMARY KEY,
    article_pk INTEGER NOT NULL REFERENCES articles (pk) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX former_slugs_by_article ON former_slugs (article_pk);

CREATE TABLE api_keys (
    pk           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    -- hex SHA-256 of the whole key; the key itself is never stored
    key_hash     TEXT    NOT NULL UNIQUE,
    -- first characters of the key, to tell keys apart in `keys list`
    prefix       TEXT    NOT NULL,
    scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    created_at   TEXT    NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
