-- Uploaded images. `sha256` is of the bytes as uploaded (the same bytes twice are one
-- item); `files` is a JSON array of the clean copies kept in the media store, each
-- {name, format, width, height, bytes, original}: the full-size copy and the variants.
CREATE TABLE media (
    pk          INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    sha256      TEXT    NOT NULL UNIQUE,
    format      TEXT    NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    alt         TEXT,
    caption     TEXT,
    credit      TEXT,
    files       TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
-- Which articles use which media items (feature image or embedded): a used item cannot
-- be deleted, and an edit of its alt, caption or credit updates those articles.
CREATE TABLE article_media (
    article_pk  INTEGER NOT NULL REFERENCES articles (pk) ON DELETE CASCADE,
    media_pk    INTEGER NOT NULL REFERENCES media (pk),
    PRIMARY KEY (article_pk, media_pk)
);
CREATE INDEX article_media_by_media ON article_media (media_pk);
-- The media item an article's feature image names, resolved at write time (JSON).
ALTER TABLE articles ADD COLUMN feature_image_media TEXT;
