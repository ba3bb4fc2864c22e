DROP TABLE server_secrets;
DROP TABLE article_revisions;
ALTER TABLE api_keys DROP COLUMN rate_window_secs;
ALTER TABLE api_keys DROP COLUMN rate_limit;
ALTER TABLE api_keys DROP COLUMN expires_at;
