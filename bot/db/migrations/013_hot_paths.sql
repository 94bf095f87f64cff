-- Issue 13: the hot paths stay fast however long the history grows.

-- The intake's claim (`status = 'new' ... ORDER BY id`): a partial index of the events still to handle, so the claim
-- never walks the primary key past every processed event.
CREATE INDEX IF NOT EXISTS events_new ON events (id) WHERE status = 'new';

-- Retention finds finished events by age without reading the new ones.
CREATE INDEX IF NOT EXISTS events_finished ON events (received_at) WHERE status <> 'new';

-- The outbox's "which card is behind": a comparison of two columns cannot be estimated by the planner, so it kept
-- choosing full scans (and joins over all items); a stored flag can be, and a partial index on it holds only the
-- cards that are due.
ALTER TABLE cards ADD COLUMN behind boolean GENERATED ALWAYS AS (sent_revision < revision) STORED;
CREATE INDEX cards_behind ON cards ((message_id IS NULL), updated_at, id) WHERE behind;
DROP INDEX IF EXISTS cards_due;
ANALYZE cards;
ANALYZE events;
