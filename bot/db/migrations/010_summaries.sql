-- Daily and weekly summaries in the work chat: each sent once per day, whatever restarts or replicas do.
CREATE TABLE summaries (
    kind     text        NOT NULL CHECK (kind IN ('daily', 'weekly')),
    day      date        NOT NULL,
    sent_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, day)
);

-- What the summaries count, by time, without reading the whole history.
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE INDEX IF NOT EXISTS items_first_seen ON items (first_seen_at);
CREATE INDEX IF NOT EXISTS items_open ON items (first_seen_at) WHERE status = 'open';
