-- Postmark events the queue consumer could not store after its retries (issue 15): kept here with the
-- queue message and the last error until the operator replays them (POST /v1/dead-letters/replay).
CREATE TABLE dead_letters (
  -- The queue message's id: a redelivered dead letter is kept once.
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  -- The queue message's body (JSON: tenant, classified event, receipt).
  message TEXT NOT NULL,
  last_error TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  dead_at TEXT NOT NULL,
  -- Set when a replay has committed the event; replayed letters are not replayed again.
  replayed_at TEXT
);
CREATE INDEX dead_letters_pending ON dead_letters (replayed_at, dead_at);
