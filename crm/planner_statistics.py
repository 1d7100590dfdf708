"""The query planner's statistics, refreshed after bulk writes.

Both databases choose between indexes from statistics about the data. SQLite has none until
``ANALYZE`` runs, and without them it guesses that any indexed equality is selective: at 50,000
organizations it filtered the list by status through the status index (21,000 rows) and sorted
them, 25 ms, instead of walking the name index and stopping at the first page, under 1 ms.
PostgreSQL collects statistics with autovacuum, but only some time after a bulk load, and until
a ``VACUUM`` marks the pages all-visible its counts cannot use index-only scans (a count of
50,000 organizations: 10 ms instead of 1.5).

So every bulk path of the application (demo data, imports, restoring a backup) refreshes them
when it is done, and ``flask --app crm optimize`` does it on demand.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)


def refresh_planner_statistics(engine: Engine, tables: Sequence[str] = ()) -> float:
    """Refresh the statistics of ``tables`` (all tables when empty); returns the seconds taken.

    Runs on its own connection, outside any transaction of the caller's session: PostgreSQL's
    ``VACUUM`` refuses to run inside a transaction block.
    """
    started = time.perf_counter()
    quote = engine.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in tables)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"VACUUM (ANALYZE) {names}".rstrip()))
    elif engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            # A full ANALYZE (no analysis_limit): sampled statistics misjudged the status index.
            for name in tables or [""]:
                conn.execute(text(f"ANALYZE {quote(name) if name else ''}".rstrip()))
    else:
        with engine.begin() as conn:
            conn.execute(text(f"ANALYZE {names}".rstrip()))
    seconds = time.perf_counter() - started
    log.info("planner statistics refreshed", extra={"tables": list(tables) or "all", "seconds": seconds})
    return seconds


def grew_enough(before: int, added: int) -> bool:
    """Whether ``added`` rows on top of ``before`` change a table enough to refresh its statistics.

    A tenth of the table, as the rule of thumb autovacuum also follows (its default
    ``autovacuum_analyze_scale_factor``), and never for a handful of rows.
    """
    return added >= 100 and added >= before // 10
