-- The change feed: one row per change to an article, in commit order (`seq`), kept
-- after the article is deleted (a tombstone). Each row records whether the public
-- could see the article before and after the change, and whether the change concerns
-- the public at all (`public`: it changed whether or how the public sees the article),
-- so public callers are shown only those; and the ETags of both views, so a change
-- that leaves a representation as it was (a sibling saved unchanged) is skipped.
CREATE TABLE article_events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id    TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    occurred_at   TEXT    NOT NULL,
    public_before BOOLEAN NOT NULL,
    public_after  BOOLEAN NOT NULL,
    public        BOOLEAN NOT NULL,
    public_etag   TEXT,
    keyed_etag    TEXT
);
CREATE INDEX article_events_by_article ON article_events (article_id, seq);
CREATE INDEX article_events_public ON article_events (seq)
    WHERE public;

-- Articles saved as published with a future date: the job that announces them when
-- their time comes (an `article.published` event and its webhooks) reads this.
CREATE TABLE article_schedule (
    article_pk INTEGER PRIMARY KEY REFERENCES articles (pk) ON DELETE CASCADE,
    due_at     TEXT    NOT NULL
);
CREATE INDEX article_schedule_due ON article_schedule (due_at);

CREATE TABLE webhooks (
    pk                  INTEGER PRIMARY KEY,
    id                  TEXT    NOT NULL UNIQUE,
    url                 TEXT    NOT NULL,
    -- JSON array of event types
    events              TEXT    NOT NULL,
    include_unpublished BOOLEAN NOT NULL DEFAULT 0,
    -- kept in clear: it signs every delivery
    secret              TEXT    NOT NULL,
    active              BOOLEAN NOT NULL DEFAULT 1,
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL
);

-- The outbox: a delivery is written in the same transaction as the change it reports,
-- so a crash loses none; the delivery job sends and retries them.
CREATE TABLE webhook_deliveries (
    pk              INTEGER PRIMARY KEY,
    webhook_pk      INTEGER NOT NULL REFERENCES webhooks (pk) ON DELETE CASCADE,
    event_seq       INTEGER NOT NULL,
    event_type      TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_attempt_at TEXT,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TEXT    NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_pk, pk DESC);
