"""``mitra notify deliver``: the deliverer's round by hand."""

from __future__ import annotations

from typer.testing import CliRunner

from mitra.cli import app
from mitra.core import notices
from mitra.core.notices import Channels, NoticeDelivery
from mitra.node import Node
from mitra.notify.choices import save_choices
from tests.conftest import Person, node_env
from tests.notify.receivers import free_port

runner = CliRunner()


def test_deliver_runs_the_overdue_check_and_says_what_it_sent(notice_node: Node, people: dict[str, Person]) -> None:
    env = node_env(notice_node) | {
        "MITRA_SMTP_HOST": "127.0.0.1",
        "MITRA_SMTP_PORT": str(free_port()),  # nothing listens: the mail is tried again later
        "MITRA_SMTP_TLS": "none",
        "MITRA_SMTP_SENDER": "mitra@ind.example",
    }
    with notice_node.db.write() as session:
        save_choices(
            session, username="asha", email="asha@nscs.example", chosen={"overdue": Channels(True, True, False)}
        )
        notices.post(session, kind="overdue", recipients=["asha"], object_id=None, subject="Milestone late")
    result = runner.invoke(app, ["notify", "deliver", "--today", "2026-12-07"], env=env)
    assert result.exit_code == 0, result.output
    assert "overdue notices posted: 0" in result.output
    assert "sent 0, to be tried again 1, given up 0" in result.output
    assert "ConnectionRefusedError" in result.output
    with notice_node.db.read() as session:
        assert session.query(NoticeDelivery).one().attempts == 1


def test_a_wrong_day_is_named(notice_node: Node) -> None:
    result = runner.invoke(app, ["notify", "deliver", "--today", "7/12/2026"], env=node_env(notice_node))
    assert result.exit_code == 1
    assert "--today" in result.output
