-- The cache tags each committed batch of writes touched, in commit order: every
-- instance on the store reads the rows after the last it saw and forgets the kept
-- responses carrying those tags (its own commits it has forgotten already). Rows are
-- kept for an hour.
CREATE TABLE cache_purges (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at TEXT    NOT NULL,
    -- space-separated cache tags
    tags        TEXT    NOT NULL
);
