"""Alembic environment: static SQL revisions, no models, never project code.

The caller passes the database URL as `sqlalchemy.url` on the config.
"""

from alembic import context
from sqlalchemy import create_engine, pool

url = context.config.get_main_option("sqlalchemy.url")
assert url, "set sqlalchemy.url on the alembic config"
engine = create_engine(
    url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=pool.NullPool
)
with engine.connect() as connection:
    context.configure(connection=connection, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
