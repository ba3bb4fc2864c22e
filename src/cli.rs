//! The command line's shape (clap): `serve` (default), `migrate`, `keys`, `openapi`,
//! `backup`, `export`, `import`, `copy`, `seed-demo`, `refresh-media`. What each does is
//! in `commands`.

use clap::{Parser, Subcommand};

/// newsdesk: a headless JSON API for news articles.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// What to do; `serve` when absent.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (migrations are applied first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage API keys.
    Keys {
        /// What to do with keys.
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Copy the database, consistently, while the server keeps running.
    Backup {
        /// Where to write the copy (must not exist).
        path: String,
    },
    /// Write every author, tag, media item (with the bytes of its copies, base64) and
    /// article (with links, revisions and views) as NDJSON on stdout.
    Export {
        /// Leave the media bytes out (a store whose new home reads the same media
        /// store, e.g. one S3 bucket).
        #[arg(long)]
        without_media_bytes: bool,
    },
    /// Read an export (NDJSON) into the database; bad lines are reported with their
    /// numbers and skipped whole. Exits non-zero when any line failed.
    Import {
        /// The file to read; `-` for stdin.
        file: String,
    },
    /// Copy this store (DATABASE_URL) into another, empty one, every row as it is: ids,
    /// keys, webhooks, views, revisions, the change feed and its numbers. From SQLite to
    /// PostgreSQL: `DATABASE_URL=./data/newsdesk.db newsdesk copy postgres://…`.
    Copy {
        /// The target's URL (a PostgreSQL URL or an SQLite path); migrated if new.
        to: String,
    },
    /// Write every article that shows media items again, resolved against the items'
    /// current text and NEWSDESK_MEDIA_URL (after moving the bytes behind a CDN).
    RefreshMedia,
    /// Fill the database with realistic demo articles (for trying and benchmarking).
    SeedDemo {
        /// How many articles to create.
        #[arg(long, default_value_t = 1000)]
        articles: usize,
        /// Random seed; the same seed gives the same articles.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// `keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Create a key; prints the key alone on stdout (it is not shown again).
    Create {
        /// Unique name, e.g. the client it is for.
        #[arg(long)]
        name: String,
        /// read, write or admin.
        #[arg(long)]
        scope: String,
        /// Its own request rate, e.g. 600/min, 10/s, 5000/h (default: NEWSDESK_KEY_RATE).
        #[arg(long)]
        rate: Option<String>,
        /// Lifetime, e.g. 30s, 12h, 90d (default: never expires).
        #[arg(long)]
        expires_in: Option<String>,
    },
    /// List keys (names, prefixes, scopes; never the keys).
    List,
    /// Revoke a key by name.
    Revoke {
        /// The key's name.
        name: String,
    },
}
