-- The public registry of the administration's official accounts (regulation cl. 1.2 bis): the pages this
-- service serves and those kept by hand. Deleted accounts stay, with their deletion date.
CREATE TABLE registry_accounts (
    id            bigserial PRIMARY KEY,
    unit          text        NOT NULL,                 -- the owner: the administration or a subordinate body
    network       text        NOT NULL,                 -- as the public reads it: «ВКонтакте», «MAX», «Блог»
    platform      text,                                 -- the served network's key, for pages in the configuration
    account_id    bigint,                               -- the served page's id in the configuration
    kind          text        NOT NULL,                 -- сообщество, страница, канал, чат, бот, блог
    name          text        NOT NULL,
    url           text        NOT NULL,
    identifier    text        NOT NULL DEFAULT '',      -- numeric id or @username
    gov_mark      boolean     NOT NULL DEFAULT false,   -- «Госорганизация», confirmed through Госуслуги
    created_on    date,
    deleted_on    date,
    status        text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleted', 'archived')),
    responsible   text        NOT NULL DEFAULT '',      -- a position, never a person's name (152-FZ)
    reported_on   date,                                 -- when the regional committee was last told
    rkn_number    text,                                 -- Роскомнадзор's list, for pages over 10k subscribers
    regional      boolean     NOT NULL DEFAULT false,   -- owned by a regional body: its 3-working-day clock
    admins        jsonb       NOT NULL DEFAULT '[]',    -- internal: who should administer the page
    version       int         NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT registry_served UNIQUE (platform, account_id)
);

-- Every change, with who made it: the registry is a public record.
CREATE TABLE registry_history (
    id          bigserial PRIMARY KEY,
    account_id  bigint      NOT NULL REFERENCES registry_accounts (id),
    version     int         NOT NULL,
    change      text        NOT NULL CHECK (change IN ('added', 'edited', 'deleted', 'restored', 'found')),
    before      jsonb,
    after       jsonb       NOT NULL,
    actor       text        NOT NULL,
    actor_name  text,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registry_history_account ON registry_history (account_id, id);

-- The 10-day report to the regional committee: one per account created or deleted.
CREATE TABLE registry_reports (
    id               bigserial PRIMARY KEY,
    account_id       bigint      NOT NULL REFERENCES registry_accounts (id),
    event            text        NOT NULL CHECK (event IN ('created', 'deleted')),
    event_on         date        NOT NULL,
    due_on           date        NOT NULL,
    regional_due_on  date,
    status           text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'sent', 'cancelled')),
    sent_on          date,
    outgoing_number  text,
    decided_by       text,
    reminded_days    int,                     -- the last reminder given: days left at the time (3, 1, 0, -1…)
    menu             text,                    -- the card waits for a reply ("sent": date and number)
    decision_seq     int         NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, event, event_on)
);
CREATE INDEX registry_reports_open ON registry_reports (due_on) WHERE status = 'open';

-- A registry form in the work chat (`/registry`): one card walked through step by step.
CREATE TABLE registry_forms (
    id            bigserial PRIMARY KEY,
    step          text        NOT NULL,
    account_id    bigint REFERENCES registry_accounts (id),
    fields        jsonb       NOT NULL DEFAULT '{}',
    started_by    bigint      NOT NULL,
    decision_seq  int         NOT NULL DEFAULT 1,
    note          text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
