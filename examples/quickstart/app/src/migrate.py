"""The one-shot migration job: applies each migration below once, recording it in schema_migrations."""

from contextlib import closing

from db import database

MIGRATIONS = [
    (
        "001_notes",
        """
        CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);
        INSERT INTO notes (body) VALUES
          ('This row was written by the migration job.'),
          ('PostgreSQL keeps it in the named volume db-data.'),
          ('The visit counter above lives in Redis.');
        """,
    ),
]


def main():
    with closing(database()) as conn, conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        # One migrator at a time, even if the job is started twice at once.
        cur.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
        cur.execute("SELECT name FROM schema_migrations")
        applied = {row[0] for row in cur.fetchall()}
        for name, sql in MIGRATIONS:
            if name in applied:
                print(f"migrate: {name} already applied")
                continue
            cur.execute(sql)
            cur.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
            print(f"migrate: applied {name}")


if __name__ == "__main__":
    main()
