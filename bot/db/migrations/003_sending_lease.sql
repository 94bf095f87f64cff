-- A card being written to Telegram is leased, so that its button tokens commit before the write and a
-- crash between the write and its record never leaves a message with dead buttons.
ALTER TABLE cards ADD COLUMN sending_until timestamptz;

-- Every change a card must show wakes the leader's notifier, whichever replica made it.
CREATE FUNCTION cards_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gospablik_cards', '');
    RETURN NULL;
END $$;
CREATE TRIGGER items_wake_cards AFTER INSERT OR UPDATE OF revision ON items
    FOR EACH STATEMENT EXECUTE FUNCTION cards_wake();
