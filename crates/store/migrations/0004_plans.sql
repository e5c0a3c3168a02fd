-- Growth plans: the year after a career conversation, its priority themes and
-- steps, every change kept, four quarterly check-ins, and role history (the
-- holds already climbed on the wall).

-- Roles a person has held. The current one has no end date.
CREATE TABLE roles (
    id {pk},
    person_id BIGINT NOT NULL REFERENCES people (id),
    title TEXT NOT NULL,
    department TEXT NOT NULL DEFAULT '',
    started_on {date} NOT NULL,
    ended_on {date},
    recorded_by BIGINT NOT NULL REFERENCES people (id),
    recorded_at {ts} NOT NULL
);
CREATE INDEX roles_person ON roles (person_id, started_on);

CREATE TABLE plans (
    id {pk},
    person_id BIGINT NOT NULL REFERENCES people (id),
    -- The leader who co-created it (the current manager also edits it).
    leader_id BIGINT NOT NULL REFERENCES people (id),
    conversation_id BIGINT REFERENCES conversations (id),
    starts_on {date} NOT NULL,
    ends_on {date} NOT NULL,
    -- Check-ins fall due by the calendar of this zone.
    time_zone TEXT NOT NULL,
    -- 'active' or 'closed' (after the year-end review).
    state TEXT NOT NULL,
    review TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    closed_at {ts}
);
-- One active plan per person, enforced by the database for every replica.
CREATE UNIQUE INDEX plans_one_active ON plans (person_id) WHERE state = 'active';
CREATE INDEX plans_leader ON plans (leader_id);
-- A person's plans, newest first (the partial index above covers active ones only).
CREATE INDEX plans_person ON plans (person_id, starts_on);

CREATE TABLE plan_themes (
    id {pk},
    plan_id BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    theme_key TEXT NOT NULL,
    label TEXT NOT NULL,
    dropped {bool} NOT NULL DEFAULT FALSE
);
CREATE INDEX plan_themes_plan ON plan_themes (plan_id, position);

CREATE TABLE plan_steps (
    id {pk},
    plan_id BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    theme_id BIGINT NOT NULL REFERENCES plan_themes (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    what TEXT NOT NULL,
    signal TEXT NOT NULL DEFAULT '',
    support TEXT NOT NULL DEFAULT '',
    -- Quarter of the plan's year, 1 to 4.
    target_quarter INTEGER NOT NULL,
    status TEXT NOT NULL,
    -- The latest progress note, from a check-in.
    progress TEXT NOT NULL DEFAULT '',
    updated_at {ts} NOT NULL
);
CREATE INDEX plan_steps_plan ON plan_steps (plan_id, position);

-- Four per plan, three months apart from its start.
CREATE TABLE checkins (
    id {pk},
    plan_id BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    due_on {date} NOT NULL,
    completed_at {ts},
    completed_by BIGINT REFERENCES people (id),
    what_changed TEXT NOT NULL DEFAULT '',
    UNIQUE (plan_id, number)
);
CREATE INDEX checkins_due ON checkins (due_on);

-- Every change to a plan: who, when, a one-line summary, and the whole plan
-- as it stood afterwards (JSON), so any two points can be compared.
CREATE TABLE plan_changes (
    id {pk},
    plan_id BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people (id),
    changed_at {ts} NOT NULL,
    checkin_id BIGINT REFERENCES checkins (id),
    summary TEXT NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE INDEX plan_changes_plan ON plan_changes (plan_id, id)
