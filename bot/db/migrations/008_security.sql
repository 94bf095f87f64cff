-- Account security (regulation cl. 1.2.3): the last check of every credential, the alerts it raised, what the
-- specialist ticked on the security card, and the webhook secrets being rotated.
CREATE TABLE credential_checks (
    key         text PRIMARY KEY,                 -- "<network>:<account>:<which>"
    title       text        NOT NULL,
    valid       boolean     NOT NULL,
    unchecked   boolean     NOT NULL DEFAULT false,
    problem     text,
    advice      text,
    rights      text,
    expires_at  timestamptz,
    last_valid_at timestamptz,
    checked_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE security_alerts (
    id               bigserial PRIMARY KEY,
    key              text        NOT NULL,        -- one open alert per problem
    kind             text        NOT NULL CHECK (kind IN ('credential', 'expiry', 'roster')),
    title            text        NOT NULL,
    problem          text        NOT NULL,
    advice           text,
    details          jsonb       NOT NULL DEFAULT '{}',
    status           text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    acknowledged_by  text,
    resolved_how     text,
    resolved_by      text,
    opened_at        timestamptz NOT NULL DEFAULT now(),
    resolved_at      timestamptz,
    decision_seq     int         NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX security_alerts_open ON security_alerts (key) WHERE status = 'open';

CREATE TABLE security_ticks (
    registry_id  bigint      NOT NULL REFERENCES registry_accounts (id),
    item         text        NOT NULL,
    done_on      date        NOT NULL,
    by_name      text,
    actor        text        NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (registry_id, item)
);

-- The security card of `/security`: its step, like the registry form.
CREATE TABLE security_cards (
    id            bigserial PRIMARY KEY,
    step          text        NOT NULL DEFAULT 'home',
    account_id    bigint REFERENCES registry_accounts (id),
    item          text,
    note          text,
    started_by    bigint      NOT NULL,
    decision_seq  int         NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- A webhook secret being rotated: the new one is accepted at once, the old one until its grace period ends.
CREATE TABLE webhook_secrets (
    network        text        NOT NULL,
    account_id     bigint      NOT NULL,
    secret_sha256  text        NOT NULL,
    role           text        NOT NULL CHECK (role IN ('current', 'retired')),
    valid_until    timestamptz,                    -- for a retired secret: the end of its grace period
    created_by     text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network, account_id, secret_sha256)
);
