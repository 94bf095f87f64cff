-- Inbox: every Callback event as received, deduplicated on (network, community, event id).
CREATE TABLE events (
    id            bigserial PRIMARY KEY,
    network       text        NOT NULL,
    community_id  bigint      NOT NULL,
    event_id      text        NOT NULL,
    type          text        NOT NULL,
    payload       jsonb       NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    deliveries    int         NOT NULL DEFAULT 1,
    status        text        NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'done', 'failed')),
    attempts      int         NOT NULL DEFAULT 0,
    retry_at      timestamptz NOT NULL DEFAULT now(),
    processed_at  timestamptz,
    error         text,
    UNIQUE (network, community_id, event_id)
);
CREATE INDEX events_pending ON events (retry_at, id) WHERE status = 'new';

-- Items: what citizens wrote, with the moderation state the card is drawn from.
CREATE TABLE items (
    id            bigserial PRIMARY KEY,
    network       text        NOT NULL,
    community_id  bigint      NOT NULL,
    kind          text        NOT NULL,
    ext_id        text        NOT NULL,
    author_id     bigint      NOT NULL,
    author_name   text,
    text          text        NOT NULL,
    original_text text        NOT NULL,
    attachments   text[]      NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL,
    url           text        NOT NULL,
    ref           jsonb       NOT NULL,
    fingerprint   text,
    status        text        NOT NULL DEFAULT 'open',
    verdict       jsonb,
    edited        boolean     NOT NULL DEFAULT false,
    decision      text,
    decided_by    text,
    decided_at    timestamptz,
    note          text,
    busy          boolean     NOT NULL DEFAULT false,   -- an action is under way on the network
    menu          text,                                 -- a sub-menu open on the card ('ban')
    decision_seq  int         NOT NULL DEFAULT 1,       -- bumps on every change of status; buttons carry it
    revision      int         NOT NULL DEFAULT 1,       -- bumps on every change the card must show
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (network, community_id, kind, ext_id)
);
CREATE INDEX items_fingerprint ON items (community_id, fingerprint, first_seen_at);
CREATE INDEX items_author ON items (network, community_id, author_id);

-- Cards: the work-chat message of each item. `sent_revision` < items.revision means the card is
-- behind and the notifier must send or edit it: a durable outbox that coalesces edits.
CREATE TABLE cards (
    item_id        bigint PRIMARY KEY REFERENCES items (id),
    chat_id        bigint,
    message_id     bigint,
    thread_id      bigint,
    sent_revision  int         NOT NULL DEFAULT 0,
    attempts       int         NOT NULL DEFAULT 0,
    retry_at       timestamptz NOT NULL DEFAULT now(),
    last_error     text,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cards_message ON cards (chat_id, message_id);

-- Buttons: callback data carries only an opaque token; the press is looked up here, so a forged
-- or stale button cannot act.
CREATE TABLE buttons (
    token        text PRIMARY KEY,
    item_id      bigint      NOT NULL REFERENCES items (id),
    action       text        NOT NULL,
    params       jsonb       NOT NULL DEFAULT '{}',
    decision_seq int         NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX buttons_item ON buttons (item_id);

-- Actions: decisions to carry out on the network, durable so that a transient error or a restart
-- does not lose a press.
CREATE TABLE actions (
    id           bigserial PRIMARY KEY,
    item_id      bigint      NOT NULL REFERENCES items (id),
    action       text        NOT NULL,
    actor        text        NOT NULL,
    actor_name   text        NOT NULL,
    params       jsonb       NOT NULL DEFAULT '{}',
    status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts     int         NOT NULL DEFAULT 0,
    retry_at     timestamptz NOT NULL DEFAULT now(),
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    error_code   int,
    error        text
);
CREATE INDEX actions_pending ON actions (retry_at, id) WHERE status = 'pending';

-- Bans the service knows of (ours and those made in VK's own interface).
CREATE TABLE bans (
    network      text        NOT NULL,
    community_id bigint      NOT NULL,
    user_id      bigint      NOT NULL,
    until        timestamptz,
    banned_by    text,
    reason       int,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network, community_id, user_id)
);

-- Audit: append-only. The trigger makes the promise hold against our own bugs too.
CREATE TABLE audit (
    id            bigserial PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    actor         text        NOT NULL,
    actor_name    text,
    action        text        NOT NULL,
    network       text,
    community_id  bigint,
    item_id       bigint,
    event_id      text,
    original_text text,
    result        text        NOT NULL,
    detail        jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_at ON audit (at);

CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit is append-only';
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();

-- Labelled examples: the specialist's decisions with the classifier's labels, for measuring it
-- on the administration's own comments.
CREATE TABLE feedback (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    item_id      bigint      NOT NULL REFERENCES items (id),
    text         text        NOT NULL,
    predicted    text[]      NOT NULL,
    decision     text        NOT NULL,
    actor        text        NOT NULL
);
