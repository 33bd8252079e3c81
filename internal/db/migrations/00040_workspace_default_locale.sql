-- +goose Up
-- The language a workspace's portal speaks when the browser names none of
-- the supported ones (docs/design.md "Languages and time zones"). The list
-- is internal/i18n.Locales; a new locale changes both.
ALTER TABLE workspaces
    ADD COLUMN default_locale text NOT NULL DEFAULT 'en'
        CONSTRAINT workspaces_default_locale_check CHECK (default_locale IN ('en', 'de', 'fr', 'es', 'pt-BR', 'ja'));

-- +goose Down
ALTER TABLE workspaces DROP COLUMN default_locale;
