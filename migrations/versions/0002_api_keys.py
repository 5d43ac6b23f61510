"""API keys (SPEC 8): a name, scopes and only a hash of each key.

The application role reads keys to authenticate requests and inserts new ones
(`journey keys create`); it may mark a key revoked but never read a secret,
which is not stored.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE journey_api_keys (
    key_id text PRIMARY KEY,
    name text NOT NULL,
    scopes text[] NOT NULL,
    secret_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    CHECK (scopes <@ ARRAY['events:write', 'read', 'pii', 'audit', 'admin']::text[])
);
GRANT SELECT, INSERT ON journey_api_keys TO journey_app;
GRANT UPDATE (revoked_at) ON journey_api_keys TO journey_app;
"""

DOWNGRADE = """
DROP TABLE journey_api_keys;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
