"""``mitra partner ...`` and ``mitra exchange ...``: configure partners, pull from them, check signatures."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from mitra.console import console, fail, open_node, tlp_option
from mitra.core import identity
from mitra.core.keys import public_key_text
from mitra.exchange.models import Partner
from mitra.exchange.partners import list_partners, set_partner
from mitra.exchange.sync import SyncReport, pull_from_partner
from mitra.exchange.taxii import read_collection_id
from mitra.exchange.transport import HttpTransport
from mitra.exchange.witness import publish_head, verify_received
from mitra.foundation.errors import MitraError
from mitra.node import Node
from mitra.policy import Role

partner_app = typer.Typer(help="Partner nodes: accounts for them here, and how to reach them.", no_args_is_help=True)
exchange_app = typer.Typer(help="Exchange with partners over TAXII 2.1.", no_args_is_help=True)


@partner_app.command("account")
def partner_account(nation: str) -> None:
    """Create the account a partner node uses to read from this node; prints its token and our key."""
    nation = nation.upper()
    node = open_node()
    try:
        with node.db.write() as session:
            username = f"partner-{nation.lower()}"
            try:
                identity.get_user(session, username)
            except MitraError:
                identity.add_user(
                    session,
                    username=username,
                    nation=nation,
                    agency=None,
                    roles=frozenset({Role.PARTNER}),
                    password=None,
                    by="cli",
                )
            token = identity.create_token(session, username=username, name=f"{nation} node")
        console.print(f"give {nation} these, out of band:")
        console.print(f"  token:          {token}")
        console.print(f"  our public key: {public_key_text(node.signing_key)}")
        console.print(f"  collection id:  {read_collection_id(node.nation, nation)}")
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()


@partner_app.command("add")
def partner_add(
    nation: str,
    url: Annotated[str, typer.Option(help="The partner's TAXII 2.1 API root URL.")],
    token: Annotated[str | None, typer.Option(help="The token the partner gave this node.")] = None,
    public_key: Annotated[str | None, typer.Option(help="The partner's Ed25519 public key (base64).")] = None,
    unsigned: Annotated[bool, typer.Option(help="A plain TAXII server that does not sign (not a Mitra node).")] = False,
    collection: Annotated[str | None, typer.Option(help="Collection id to read (default: discover).")] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    default_tlp: Annotated[str, tlp_option("TLP for unmarked objects from an unsigned peer.")] = "amber",
) -> None:
    """Add or update a partner this node pulls from."""
    node = open_node()
    try:
        with node.db.write() as session:
            set_partner(
                session,
                nation=nation.upper(),
                name=name or nation.upper(),
                api_root_url=url,
                token=token,
                public_key=public_key,
                require_signature=not unsigned,
                collection_id=collection,
                default_tlp=default_tlp,
            )
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()
    console.print(f"partner {nation.upper()} set: {url}")


@partner_app.command("list")
def partner_list() -> None:
    """List partners and where their sync stands."""
    from mitra.exchange.models import SyncState

    node = open_node()
    try:
        with node.db.read() as session:
            table = Table("nation", "API root", "signed", "received", "refused", "last success", "last error")
            for partner in list_partners(session):
                state = session.get(SyncState, partner.nation)
                table.add_row(
                    partner.nation,
                    partner.api_root_url,
                    "yes" if partner.require_signature else "no",
                    str(state.received if state else 0),
                    str(state.refused if state else 0),
                    str(state.last_success_at or "-") if state else "-",
                    (state.last_error or "") if state else "",
                )
    finally:
        node.close()
    console.print(table)


def transport_for(partner: Partner) -> HttpTransport:
    return HttpTransport(partner.api_root_url, token=partner.token)


def sync_all(node: Node, only: str | None = None, page_size: int = 500) -> list[SyncReport]:
    """Publish our audit head, then pull from each partner (or one)."""
    with node.db.write() as session:
        publish_head(session, node)
        partners = [p for p in list_partners(session) if only is None or p.nation == only.upper()]
    if only and not partners:
        fail(f"{only.upper()} is not a configured partner (mitra partner add)")
    reports = []
    for partner in partners:
        transport = transport_for(partner)
        try:
            reports.append(pull_from_partner(node, partner.nation, transport, page_size=page_size))
        finally:
            transport.close()
    return reports


@exchange_app.command("sync")
def exchange_sync(
    partner: Annotated[str | None, typer.Option(help="Only this partner.")] = None,
    every: Annotated[int | None, typer.Option(help="Repeat every N seconds (a schedule).")] = None,
    page_size: Annotated[int, typer.Option(min=1, max=1000, help="Objects per page.")] = 500,
) -> None:
    """Pull from partners now (and on a schedule with --every)."""
    node = open_node()
    try:
        while True:
            try:
                for report in sync_all(node, partner, page_size):
                    r = report.received
                    console.print(
                        f"{report.partner}: {report.pages} pages, {r.received} received, {r.already_held} already "
                        f"held, {r.refused} refused, {r.retractions_applied} retractions applied"
                    )
                    for reason in r.refusals[:20]:
                        console.print(f"  refused: {reason}")
            except MitraError as exc:
                if every is None:
                    fail(str(exc))
                console.print(f"[yellow]sync failed, will retry:[/] {exc}")
            if every is None:
                break
            time.sleep(every)
    finally:
        node.close()


@exchange_app.command("verify")
def exchange_verify() -> None:
    """Re-verify the partner signature of every received version; exit 1 if any fails."""
    node = open_node()
    try:
        with node.db.read() as session:
            checks = verify_received(session, node)
    finally:
        node.close()
    bad = [c for c in checks if not c.ok]
    for check in bad:
        console.print(f"[red]BAD[/] {check.object_id} {check.modified} from {check.partner}")
    if bad:
        fail(f"{len(bad)} of {len(checks)} received versions fail their partner's signature")
    console.print(f"all {len(checks)} received versions verify with their partner's key")
