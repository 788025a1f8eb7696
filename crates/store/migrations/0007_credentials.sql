-- Credentials can be taken back (issue 8): an API token keeps a short public prefix, shown when it
-- is issued and listed, to revoke it by, and an expiry after which it is refused. Tokens issued
-- before this migration get 90 days from now (in the dialect part: each dialect says "now" its way).
ALTER TABLE api_tokens ADD COLUMN prefix TEXT;
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);
CREATE INDEX sessions_user ON sessions (user_id);
