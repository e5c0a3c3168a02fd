-- Engagement pulses and quarterly performance views.

-- An admin opens a pulse round for a group (everyone, a department, or a
-- leader's whole tree). People also answer at each plan check-in.
CREATE TABLE pulse_rounds (
    id {pk},
    -- 'org', 'department' or 'tree'.
    group_kind TEXT NOT NULL,
    group_id BIGINT,
    quarter TEXT NOT NULL,
    opened_by BIGINT NOT NULL REFERENCES people (id),
    opened_at {ts} NOT NULL,
    closes_on {date} NOT NULL
);

-- One answer per person per quarter, confidential to its author. The
-- department and the chain of managers are kept as they were when the person
-- answered, so group figures stay true to who was in the group then.
CREATE TABLE pulse_responses (
    id {pk},
    person_id BIGINT NOT NULL REFERENCES people (id),
    quarter TEXT NOT NULL,
    department_id BIGINT,
    -- Manager ids above the person, direct manager first, comma-separated.
    leaders TEXT NOT NULL,
    energy INTEGER NOT NULL,
    strengths INTEGER NOT NULL,
    path INTEGER NOT NULL,
    ownership INTEGER NOT NULL,
    support INTEGER NOT NULL,
    enps INTEGER NOT NULL,
    answered_at {ts} NOT NULL,
    UNIQUE (person_id, quarter)
);
CREATE INDEX pulse_responses_quarter ON pulse_responses (quarter);

-- A leader's quarterly view of a direct report's performance, which the
-- report reads and may comment on.
CREATE TABLE performance_views (
    id {pk},
    person_id BIGINT NOT NULL REFERENCES people (id),
    leader_id BIGINT NOT NULL REFERENCES people (id),
    quarter TEXT NOT NULL,
    rating INTEGER NOT NULL,
    narrative TEXT NOT NULL DEFAULT '',
    member_comment TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    UNIQUE (person_id, quarter)
);
CREATE INDEX performance_views_quarter ON performance_views (quarter)
