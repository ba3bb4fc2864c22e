-- Keys may expire, and may carry their own request rate (else NEWSDESK_KEY_RATE).
ALTER TABLE api_keys ADD COLUMN expires_at TEXT;
ALTER TABLE api_keys ADD COLUMN rate_limit INTEGER;
ALTER TABLE api_keys ADD COLUMN rate_window_secs INTEGER;

-- Every change to an article, as a full snapshot of its writable state: which key made
-- it and when. Kept through trash and restore; deleted with the article when purged.
CREATE TABLE article_revisions (
    pk         INTEGER PRIMARY KEY,
    article_pk INTEGER NOT NULL REFERENCES articles (pk) ON DELETE CASCADE,
    n          INTEGER NOT NULL,
    change     TEXT    NOT NULL,
    key_name   TEXT,
    created_at TEXT    NOT NULL,
    snapshot   TEXT    NOT NULL,
    UNIQUE (article_pk, n)
);

-- Secrets the server makes for itself when none is configured (the preview-link key),
-- so every process on this database and every restart agree on them.
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
