-- Digest cards: under a flood several items share one work-chat message (and so one message_id).
ALTER TABLE cards ADD COLUMN in_digest boolean NOT NULL DEFAULT false;
CREATE INDEX cards_unsent ON cards (retry_at, item_id) WHERE message_id IS NULL;
-- An item opened from a digest as a card of its own is never put into a digest again.
ALTER TABLE cards ADD COLUMN expanded boolean NOT NULL DEFAULT false;
