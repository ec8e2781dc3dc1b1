-- API tokens (issue 13): a user's named bearer tokens for the JSON API. Only the hex SHA-256 of a token is
-- kept; the token itself is shown once, when it is made. scope is 'read' (GET and HEAD) or 'write'.
-- expires_at and last_used_at are NULL for never.
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER,
  UNIQUE (user_id, name)
);
