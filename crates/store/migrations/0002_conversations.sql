-- Career conversations: question sets, the conversation with its snapshot of
-- questions, the report's answers, notes, and access the report grants.

CREATE TABLE question_sets (
    id {pk},
    name TEXT NOT NULL,
    -- 'builtin' (shipped, read-only), 'org' (published by an admin) or 'personal' (a leader's own).
    scope TEXT NOT NULL,
    owner_id BIGINT REFERENCES people (id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);

CREATE TABLE set_questions (
    id {pk},
    set_id BIGINT NOT NULL REFERENCES question_sets (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    category TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX set_questions_set ON set_questions (set_id, position);

CREATE TABLE conversations (
    id {pk},
    report_id BIGINT NOT NULL REFERENCES people (id),
    leader_id BIGINT NOT NULL REFERENCES people (id),
    scheduled_at {ts} NOT NULL,
    time_zone TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    window_months INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    set_name TEXT NOT NULL,
    state TEXT NOT NULL,
    -- The report can take back the former leader's access after a manager change.
    leader_access_revoked {bool} NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    held_at {ts}
);
CREATE INDEX conversations_report ON conversations (report_id, scheduled_at);
CREATE INDEX conversations_leader ON conversations (leader_id, scheduled_at);

-- The questions as they were asked: editing a set later never changes them.
CREATE TABLE conversation_questions (
    id {pk},
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    category TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX conversation_questions_conversation ON conversation_questions (conversation_id, position);

CREATE TABLE answers (
    id {pk},
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    question_id BIGINT NOT NULL UNIQUE REFERENCES conversation_questions (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    version BIGINT NOT NULL,
    shared_at {ts},
    updated_at {ts} NOT NULL
);
CREATE INDEX answers_conversation ON answers (conversation_id);

CREATE TABLE conversation_notes (
    id {pk},
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- 'shared' (report and leader) or 'private' (the leader alone).
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES people (id),
    updated_at {ts} NOT NULL,
    UNIQUE (conversation_id, kind)
);

CREATE TABLE conversation_grants (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people (id),
    granted_at {ts} NOT NULL,
    PRIMARY KEY (conversation_id, person_id)
);
