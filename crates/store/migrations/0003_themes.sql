-- Themes: those confirmed in a conversation (by a person, never by the
-- engine alone), suggestions dismissed there, and an organisation's own themes.

CREATE TABLE conversation_themes (
    id {pk},
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- A taxonomy id, a custom theme id, or a slug of a theme the two added themselves.
    theme_key TEXT NOT NULL,
    label TEXT NOT NULL,
    -- '+', '-', 'mixed' or '' when nobody said.
    valence TEXT NOT NULL DEFAULT '',
    -- 'confirmed' or 'dismissed'.
    status TEXT NOT NULL,
    -- Suggestions merged into this theme, comma-separated keys.
    merged_from TEXT NOT NULL DEFAULT '',
    decided_by BIGINT NOT NULL REFERENCES people (id),
    decided_at {ts} NOT NULL,
    UNIQUE (conversation_id, theme_key)
);
CREATE INDEX conversation_themes_conversation ON conversation_themes (conversation_id);

CREATE TABLE custom_themes (
    id {pk},
    theme_key TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    -- One cue phrase per line.
    cues TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES people (id),
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
