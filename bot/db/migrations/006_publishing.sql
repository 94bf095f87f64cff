-- Staff added from the work chat (`/staff`); the TOML file's staff are not stored here and always win.
CREATE TABLE staff (
    user_id     bigint PRIMARY KEY,
    name        text        NOT NULL,
    roles       text[]      NOT NULL,
    unit        text,
    updated_by  text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Photos of drafts, kept with the draft so that publishing never depends on the chat that delivered them.
CREATE TABLE media (
    id            bigserial PRIMARY KEY,
    sha256        text        NOT NULL UNIQUE,
    content_type  text        NOT NULL,
    bytes         bytea       NOT NULL,
    file_id       text,                   -- the work chat's id of the same file, to send it on without an upload
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- A department's draft: what it is now, where it is in the approval, and its history of versions.
CREATE TABLE drafts (
    id            bigserial PRIMARY KEY,
    author_id     bigint      NOT NULL,
    author_name   text        NOT NULL,
    unit          text,
    status        text        NOT NULL DEFAULT 'editing' CHECK (status IN
                  ('editing', 'submitted', 'returned', 'approved', 'rejected', 'published', 'cancelled')),
    version       int         NOT NULL DEFAULT 1,
    targets       text[]      NOT NULL DEFAULT '{}',     -- 'network:account_id'
    wish_at       timestamptz,                           -- the author's wish; NULL = as soon as approved
    publish_at    timestamptz,                           -- the approved time
    decided_by    text,
    decided_at    timestamptz,
    comment       text,                                  -- why it was returned or rejected
    menu          text,                                  -- a sub-menu open on the approval card
    decision_seq  int         NOT NULL DEFAULT 1,
    advice        jsonb,                                 -- style advice for the current version
    panel_message_id bigint,                             -- the author's panel in the private chat
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drafts_author ON drafts (author_id, id);

CREATE TABLE draft_versions (
    draft_id    bigint      NOT NULL REFERENCES drafts (id),
    version     int         NOT NULL,
    text        text        NOT NULL DEFAULT '',
    photos      bigint[]    NOT NULL DEFAULT '{}',       -- media ids, in order
    poll        jsonb,                                   -- {"question", "options": [...]}
    link        text,
    edited_by   text        NOT NULL,
    edited_by_name text     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (draft_id, version)
);

-- One row per approved draft and target: the publishing queue, and the record of what was published where.
CREATE TABLE publications (
    id            bigserial PRIMARY KEY,
    draft_id      bigint      NOT NULL REFERENCES drafts (id),
    version       int         NOT NULL,
    network       text        NOT NULL,
    account_id    bigint      NOT NULL,
    due_at        timestamptz NOT NULL,
    status        text        NOT NULL DEFAULT 'scheduled' CHECK (status IN
                  ('scheduled', 'published', 'failed', 'missed', 'uncertain', 'cancelled', 'deleted')),
    attempts      int         NOT NULL DEFAULT 0,
    retry_at      timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,                           -- set before the network call, cleared with its record
    post_id       text,
    url           text,
    published_at  timestamptz,
    error         text,
    decision_seq  int         NOT NULL DEFAULT 1,
    UNIQUE (draft_id, network, account_id)
);
CREATE INDEX publications_due ON publications (due_at) WHERE status = 'scheduled';

-- Where an author is in a conversation with the bot (a poll's question, a typed time...), surviving restarts.
CREATE TABLE conversations (
    user_id     bigint      PRIMARY KEY,
    state       text        NOT NULL,
    draft_id    bigint,
    data        jsonb       NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Reply templates and replies that wait for a coordinator (regulation cl. 1.2.4).
CREATE TABLE reply_templates (
    id          bigserial PRIMARY KEY,
    title       text        NOT NULL,
    body        text        NOT NULL,
    updated_by  text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    removed     boolean     NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX reply_templates_title ON reply_templates (lower(title)) WHERE NOT removed;

CREATE TABLE proposed_replies (
    id              bigserial PRIMARY KEY,
    item_id         bigint      NOT NULL REFERENCES items (id),
    text            text        NOT NULL,
    proposed_by     text        NOT NULL,
    proposed_by_name text       NOT NULL,
    status          text        NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'approved', 'rejected')),
    decided_by      text,
    decided_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX proposed_replies_item ON proposed_replies (item_id, id);
