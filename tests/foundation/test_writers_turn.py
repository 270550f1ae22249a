"""SQLite writers of several processes take turns through one lock file: a process that holds the turn keeps
another's write waiting until it lets go, however briefly it lets go."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from mitra.foundation.db import Database, NodeState

HOLDER = """
import fcntl, sys, time
with open(sys.argv[1], "a+b") as handle:
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    print("holding", flush=True)
    time.sleep(1.5)
    with open(sys.argv[2], "w") as said:
        said.write("let go")
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
"""


def test_a_write_waits_for_the_turn_another_process_holds(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'node.db'}")
    try:
        NodeState.metadata.create_all(db.writer, tables=[NodeState.__table__])  # type: ignore[list-item]
        with db.writer.begin() as conn:
            conn.execute(text("INSERT INTO node_state VALUES (1, 'IND', 0, 0, '')"))
            conn.execute(text("CREATE TABLE marks (said TEXT)"))
        let_go = tmp_path / "let-go"
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, f"{tmp_path / 'node.db'}.writers", str(let_go)], stdout=subprocess.PIPE
        )
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == b"holding"
            with db.write() as session:  # waits for the other process's turn to end
                session.execute(text("INSERT INTO marks VALUES (:said)"), {"said": let_go.read_text()})
            assert holder.wait(10) == 0
        finally:
            holder.kill()
            holder.wait(10)
            if holder.stdout is not None:
                holder.stdout.close()
        with db.read() as session:
            assert session.execute(text("SELECT said FROM marks")).scalars().all() == ["let go"]
    finally:
        db.dispose()
