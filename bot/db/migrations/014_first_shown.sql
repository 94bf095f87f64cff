-- When the chat first showed a card (alone or in a digest): what a moderator waited for. `updated_at` moves with
-- every later edit, so it cannot tell.
ALTER TABLE cards ADD COLUMN IF NOT EXISTS first_shown_at timestamptz;
