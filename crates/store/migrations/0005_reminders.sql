-- Calendar feeds and email reminders: each person's secret feed address (only
-- its SHA-256 is kept), whether they want reminder mails, and the outbox that
-- every mail goes through so that none is lost or sent twice.

ALTER TABLE people ADD COLUMN email_reminders {bool} NOT NULL DEFAULT TRUE;

-- One feed a person. Regenerating replaces the hash, which revokes the old address.
CREATE TABLE calendar_feeds (
    person_id BIGINT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at {ts} NOT NULL,
    last_used_at {ts}
);

-- Mails to send. A reminder's dedupe key is the same on every replica that
-- computes it, so it is queued once. A worker claims a row for a while
-- (claimed_until) before sending, so two workers never send the same row at once.
CREATE TABLE outbox (
    id {pk},
    dedupe_key TEXT NOT NULL UNIQUE,
    person_id BIGINT REFERENCES people (id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- Fixed when queued: every attempt sends the same Message-ID.
    message_id TEXT NOT NULL,
    created_at {ts} NOT NULL,
    next_attempt_at {ts} NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_until {ts},
    last_error TEXT,
    sent_at {ts},
    -- Given up on: too old to be of use after a long outage.
    abandoned_at {ts}
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE sent_at IS NULL AND abandoned_at IS NULL;

-- The reminder scheduler looks for conversations starting soon, whoever holds them.
CREATE INDEX conversations_scheduled ON conversations (scheduled_at)
