"""``mitra notify ...``: send the notices' pending e-mails and webhooks by hand, and run the overdue check."""

from __future__ import annotations

from typing import Annotated

import typer

from mitra.console import console, fail, open_node
from mitra.foundation.errors import MitraError
from mitra.foundation.timestamps import now_utc, parse_date
from mitra.notify.deliver import deliver_due
from mitra.notify.overdue import check_overdue

notify_app = typer.Typer(help="Notices: e-mail and webhook deliveries, the overdue check.", no_args_is_help=True)


@notify_app.command("deliver")
def deliver(
    overdue: Annotated[bool, typer.Option(help="Run the overdue-milestone check first.")] = True,
    today: Annotated[str | None, typer.Option(help="The day the overdue check counts from (YYYY-MM-DD).")] = None,
) -> None:
    """One round of what the serving node's deliverer does: the overdue check, then every delivery due."""
    node = open_node()
    try:
        day = parse_date(today, where="--today") if today else now_utc().date()
        if overdue:
            console.print(f"overdue notices posted: {check_overdue(node, today=day):,}")
        report = deliver_due(node)
        console.print(f"sent {report.sent:,}, to be tried again {report.retrying:,}, given up {report.failed:,}")
        for error in report.errors:
            console.print(f"  {error}")
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()
