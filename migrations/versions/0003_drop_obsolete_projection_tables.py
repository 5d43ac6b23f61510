"""Drop projection tables that no version of the code uses any more: the case
projection's copy of every case event (`cases_v1_facts`) and the deflection
projection's copy of every contact (`deflection_v1_contacts`), with the copies
a rebuild may have left of them (`..._next_...`). Both projections now read
the event log instead (docs/decisions.md, 41).

Projection tables are made by the projections themselves, not by alembic; these
were made by an earlier version and would otherwise stay for good. Downgrading
makes nothing again: an earlier version made its own tables when it started.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OBSOLETE = (
    "cases_v1_facts",
    "cases_v1_next_facts",
    "deflection_v1_contacts",
    "deflection_v1_next_contacts",
)


def upgrade() -> None:
    op.execute(f"DROP TABLE IF EXISTS {', '.join(OBSOLETE)}")


def downgrade() -> None:
    pass
