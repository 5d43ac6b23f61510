"""The event store: the eventsourcing library's events table, frozen here with the
store's own columns, the per-customer data-key table, and the application role.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = """
DO $$ BEGIN
    CREATE ROLE journey_app NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

CREATE TABLE journey_events (
    originator_id text NOT NULL,
    originator_version bigint NOT NULL,
    topic text NOT NULL,
    state bytea NOT NULL,
    notification_id bigint NOT NULL,
    event_id text,
    occurred_at timestamptz,
    case_id text,
    recorded_at timestamptz NOT NULL,
    content_digest bytea,
    chain_hash bytea NOT NULL,
    PRIMARY KEY (originator_id, originator_version)
);
CREATE UNIQUE INDEX journey_events_notification_id_idx ON journey_events (notification_id);
CREATE UNIQUE INDEX journey_events_event_id_idx ON journey_events (event_id);
CREATE INDEX journey_events_timeline_idx
    ON journey_events (originator_id, occurred_at, notification_id);
CREATE INDEX journey_events_case_idx ON journey_events (case_id) WHERE case_id IS NOT NULL;

CREATE FUNCTION journey_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journey_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER journey_events_append_only
    BEFORE UPDATE OR DELETE ON journey_events
    FOR EACH ROW EXECUTE FUNCTION journey_refuse_change();
CREATE TRIGGER journey_events_no_truncate
    BEFORE TRUNCATE ON journey_events
    FOR EACH STATEMENT EXECUTE FUNCTION journey_refuse_change();

CREATE TABLE journey_keys (
    customer_id text PRIMARY KEY,
    wrapped_key bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    erased_at timestamptz
);

GRANT USAGE, CREATE ON SCHEMA public TO journey_app;
-- UPDATE is granted only because the recorder's write lock (LOCK TABLE ... IN
-- EXCLUSIVE MODE) requires it before PostgreSQL 17; the trigger above refuses
-- every UPDATE, DELETE and TRUNCATE, whatever the role.
GRANT SELECT, INSERT, UPDATE ON journey_events TO journey_app;
GRANT SELECT, INSERT, UPDATE ON journey_keys TO journey_app;
"""

DOWNGRADE = """
DROP TABLE journey_keys;
DROP TABLE journey_events;
DROP FUNCTION journey_refuse_change();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
