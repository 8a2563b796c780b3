"""The results store of a scan: one SQLite database per model (artifacts/<model>/scan.sqlite), one row per
point, keyed by the point's inputs (its complete config, the data set, the emulator's and the estimate's
code). A point is written the moment its result arrives, in its own transaction, so an interrupted
scan (a killed driver, worker or machine) resumes with every finished point and never recomputes one.

Only the driver writes; workers return results to it. SQLite serializes concurrent drivers.
"""

import json
import sqlite3
import time
from pathlib import Path

from l1cnn.errors import UserError

SCHEMA = """
CREATE TABLE IF NOT EXISTS points (
    key TEXT PRIMARY KEY,       -- l1cnn.cache.make_key of the point's inputs
    params TEXT NOT NULL,       -- {parameter: value} (JSON)
    status TEXT NOT NULL,       -- done | failed
    result TEXT NOT NULL,       -- the point's figures (JSON), see l1cnn/scan/point.py
    seconds REAL,               -- wall time of the point on its worker
    worker TEXT,                -- the Dask worker that computed it
    finished REAL NOT NULL      -- when it was stored (Unix time)
)"""


class Store:
    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")  # readers (a second terminal) never block the scan
            self._db.execute(SCHEMA)
        except sqlite3.DatabaseError as e:
            raise UserError(f"scan store {self.path} is not a readable SQLite database ({e}); move it away "
                            f"to start the scan's store afresh") from None

    def get(self, key: str) -> dict | None:
        row = self._db.execute("SELECT params, status, result, seconds, worker, finished FROM points WHERE key = ?",
                               (key,)).fetchone()
        return None if row is None else self._row(key, row)

    def put(self, key: str, params: dict, result: dict, worker: str | None = None) -> None:
        with self._db:  # one transaction per point: stored whole or not at all
            self._db.execute("INSERT OR REPLACE INTO points VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (key, json.dumps(params, sort_keys=True), result["status"], json.dumps(result),
                              result.get("seconds"), worker, time.time()))

    def all(self) -> list:
        rows = self._db.execute("SELECT key, params, status, result, seconds, worker, finished FROM points "
                                "ORDER BY finished").fetchall()
        return [self._row(r[0], r[1:]) for r in rows]

    def __len__(self):
        return self._db.execute("SELECT COUNT(*) FROM points").fetchone()[0]

    def close(self):
        self._db.close()

    @staticmethod
    def _row(key, row) -> dict:
        params, status, result, seconds, worker, finished = row
        return {"key": key, "params": json.loads(params), "status": status, "result": json.loads(result),
                "seconds": seconds, "worker": worker, "finished": finished}
