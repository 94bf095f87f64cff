-- Pages are (network, account id) everywhere, whatever the network calls them.
ALTER TABLE events RENAME COLUMN community_id TO account_id;
ALTER TABLE items RENAME COLUMN community_id TO account_id;
ALTER TABLE bans RENAME COLUMN community_id TO account_id;
ALTER TABLE audit RENAME COLUMN community_id TO account_id;
ALTER TABLE tombstones RENAME COLUMN community_id TO account_id;
DROP INDEX items_fingerprint;
CREATE INDEX items_fingerprint ON items (network, account_id, fingerprint, first_seen_at);

-- A decision is stored as columns, never as a string like 'ban:7' parsed back; a card's note as a code
-- with parameters, worded when the card is drawn.
ALTER TABLE items ADD COLUMN ban_days int, ADD COLUMN removed_by bigint,
    ADD COLUMN note_code text, ADD COLUMN note_params jsonb NOT NULL DEFAULT '{}';
UPDATE items SET ban_days = nullif(split_part(decision, ':', 2), 'forever')::int WHERE decision LIKE 'ban:%';
UPDATE items SET removed_by = CASE WHEN split_part(decision, ':', 2) = 'author' THEN author_id
                                   WHEN split_part(decision, ':', 2) ~ '^[0-9]+$' THEN split_part(decision, ':', 2)::bigint
                              END
    WHERE decision LIKE 'removed%';
UPDATE items SET decision = split_part(decision, ':', 1) WHERE decision LIKE '%:%';
UPDATE items SET note_code = 'legacy', note_params = jsonb_build_object('text', note) WHERE note IS NOT NULL;
ALTER TABLE items DROP COLUMN note;

-- Cards, buttons and actions belong to a subject (kind + id): a moderation item today, a draft or a reply
-- awaiting approval tomorrow. A card carries its own revision: it is due when sent_revision is behind.
DROP TRIGGER items_wake_cards ON items;
ALTER TABLE cards DROP CONSTRAINT cards_item_id_fkey;
ALTER TABLE cards DROP CONSTRAINT cards_pkey;
ALTER TABLE cards RENAME COLUMN item_id TO subject_id;
ALTER TABLE cards ADD COLUMN id bigserial PRIMARY KEY, ADD COLUMN subject_kind text NOT NULL DEFAULT 'item',
    ADD COLUMN revision int NOT NULL DEFAULT 1, ADD COLUMN digest_key text;
ALTER TABLE cards ALTER COLUMN subject_kind DROP DEFAULT;
ALTER TABLE cards ADD CONSTRAINT cards_subject UNIQUE (subject_kind, subject_id);
UPDATE cards c SET revision = i.revision, digest_key = i.network || ':' || i.account_id
    FROM items i WHERE i.id = c.subject_id;
ALTER TABLE items DROP COLUMN revision;
DROP INDEX cards_unsent;
CREATE INDEX cards_unsent ON cards (retry_at, id) WHERE message_id IS NULL;
CREATE INDEX cards_due ON cards (updated_at, id) WHERE sent_revision < revision;
CREATE INDEX cards_digest ON cards (digest_key) WHERE message_id IS NULL;
CREATE TRIGGER cards_wake AFTER INSERT OR UPDATE OF revision ON cards
    FOR EACH STATEMENT EXECUTE FUNCTION cards_wake();

-- A button knows the chat it was drawn for, so a press is valid from the moment the chat shows the card,
-- whether or not the outbox has recorded the message yet.
ALTER TABLE buttons DROP CONSTRAINT buttons_item_id_fkey;
ALTER TABLE buttons RENAME COLUMN item_id TO subject_id;
ALTER TABLE buttons ADD COLUMN subject_kind text NOT NULL DEFAULT 'item', ADD COLUMN chat_id bigint;
ALTER TABLE buttons ALTER COLUMN subject_kind DROP DEFAULT;
UPDATE buttons b SET chat_id = c.chat_id FROM cards c WHERE c.subject_kind = b.subject_kind AND c.subject_id = b.subject_id;
DROP INDEX buttons_item;
CREATE INDEX buttons_subject ON buttons (subject_kind, subject_id);

ALTER TABLE actions DROP CONSTRAINT actions_item_id_fkey;
ALTER TABLE actions RENAME COLUMN item_id TO subject_id;
ALTER TABLE actions ADD COLUMN subject_kind text NOT NULL DEFAULT 'item';
ALTER TABLE actions ALTER COLUMN subject_kind DROP DEFAULT;
CREATE INDEX actions_subject ON actions (subject_kind, subject_id);
-- Set just before the network is called, cleared with the outcome: a claimed action that still has it was
-- started by a worker that died before it could record what happened, so repeating it may do it twice.
ALTER TABLE actions ADD COLUMN started_at timestamptz;
-- Actions queued by the previous version: their card note becomes a code, their ban reason a label.
UPDATE actions SET params = jsonb_set(params, '{note}', jsonb_build_object('code', 'legacy',
        'params', jsonb_build_object('text', params->>'note')))
    WHERE status = 'pending' AND jsonb_typeof(params->'note') = 'string';
UPDATE actions SET params = jsonb_set(params, '{reason}', to_jsonb(CASE params->>'reason'
        WHEN '1' THEN 'spam' WHEN '2' THEN 'insult' WHEN '3' THEN 'obscene' ELSE 'other' END))
    WHERE status = 'pending' AND jsonb_typeof(params->'reason') = 'number';

-- Networks without push are polled: one row per page (claimed through the durable queue), and the
-- cursors each poll moves, committed with the events it found.
CREATE TABLE polls (
    id          bigserial PRIMARY KEY,
    network     text        NOT NULL,
    account_id  bigint      NOT NULL,
    attempts    int         NOT NULL DEFAULT 0,
    retry_at    timestamptz NOT NULL DEFAULT now(),
    polled_at   timestamptz,
    last_error  text,
    UNIQUE (network, account_id)
);

CREATE TABLE poll_cursors (
    network     text        NOT NULL,
    account_id  bigint      NOT NULL,
    scope       text        NOT NULL,
    cursor      jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network, account_id, scope)
);
