-- Tenants, their access tokens (only a hash is stored) and their Postmark settings.
CREATE TABLE tenants (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE tenant_tokens (
  id         TEXT PRIMARY KEY,
  tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  -- hex SHA-256 of the whole token; the token itself is shown once and never stored
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX tenant_tokens_by_tenant ON tenant_tokens (tenant_id);

CREATE TABLE email_settings (
  tenant_id      TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  provider       TEXT NOT NULL DEFAULT 'postmark',
  host           TEXT NOT NULL,
  port           INTEGER NOT NULL,
  from_email     TEXT NOT NULL,
  from_name      TEXT,
  message_stream TEXT NOT NULL,
  -- The Postmark Server API token, AES-256-GCM under ENCRYPTION_KEY (base64),
  -- with its IV and the id of the key that sealed it, so keys can be rotated.
  api_key_ciphertext TEXT NOT NULL,
  api_key_iv         TEXT NOT NULL,
  api_key_kid        TEXT NOT NULL,
  api_key_last4      TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
