"""The ``mitra`` command: node, import, audit, users and tokens; every pillar mounts its own."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mitra import bootstrap
from mitra.audit.service import verify
from mitra.cli.exchange import exchange_app, partner_app
from mitra.cli.notify import notify_app
from mitra.console import (
    TlpOption,
    compose_nodes_with,
    console,
    fail,
    open_node,
    operator,
    print_report,
    read_input_text,
    require_usable,
    settings,
)
from mitra.core import identity
from mitra.core.stix import HandlingInput, iter_bundle
from mitra.foundation.errors import MitraError
from mitra.policy import Role
from mitra.settings import SettingsError

compose_nodes_with(bootstrap.open_node)
app = typer.Typer(help="Mitra: one sovereign node of a bilateral security partnership.", no_args_is_help=True)
node_app = typer.Typer(help="Prepare and inspect this node.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit chain.", no_args_is_help=True)
user_app = typer.Typer(help="People and partner accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(node_app, name="node")
app.add_typer(audit_app, name="audit")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(partner_app, name="partner")
app.add_typer(exchange_app, name="exchange")
app.add_typer(notify_app, name="notify")
for _pillar in bootstrap.all_pillars():
    for _name, _group in _pillar.cli.items():
        app.add_typer(_group, name=_name)


@node_app.command("init")
def node_init(
    seed: Annotated[bool, typer.Option(help="Also load the partnership's seed facts.")] = False,
) -> None:
    """Create or upgrade this node's database, key and definitions (idempotent)."""
    node = open_node()
    try:
        node.init()
        console.print(f"node {node.nation} ready: {node.settings.effective_database_url}")
        if seed:
            for pillar, count in node.seed().items():
                console.print(f"  seeded {pillar}: {count} new objects")
    except (MitraError, RuntimeError) as exc:
        fail(str(exc))
    finally:
        node.close()


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Override MITRA_BIND's host.")] = None,
    port: Annotated[int | None, typer.Option(help="Override MITRA_BIND's port.")] = None,
) -> None:
    """Serve the web UI, REST API and TAXII API."""
    import uvicorn

    from mitra.app import create_app

    current = settings()
    node = open_node(current)
    try:
        node.init()
    except (MitraError, RuntimeError) as exc:
        node.close()
        fail(str(exc))
    bind_host, bind_port = host or current.host, port or current.port
    console.print(f"Mitra {current.nation} node on http://{bind_host}:{bind_port}/")
    uvicorn.run(create_app(current, node=node), host=bind_host, port=bind_port, log_level="warning")


@app.command("demo")
def demo(
    check: Annotated[
        bool, typer.Option("--check", help="Run the scenario headless, report, exit 0 only if all held.")
    ] = False,
    port: Annotated[int, typer.Option(help="Port of the India node; Malaysia takes the next (0: any free).")] = 8000,
    root: Annotated[
        Path | None, typer.Option(help="Where the nodes keep data (default var/demo; temporary for --check).")
    ] = None,
) -> None:
    """The main job: India and Malaysia nodes on embedded SQLite, sharing under policy, on loopback."""
    import tempfile

    from mitra.demo import run_demo

    try:
        if check:
            with tempfile.TemporaryDirectory(prefix="mitra-demo-") as tmp:
                ok = run_demo(root or Path(tmp), 0 if root is None else port, check=True)
            if not ok:
                fail("the demo scenario did not come out as expected")
            console.print("[green]demo check passed[/]")
            return
        run_demo(root or Path("var/demo"), port, check=False)
    except SettingsError as exc:  # the demo names each node's nation; the rest still comes from MITRA_*
        fail(f"bad setting: {exc}", 2)
    except KeyboardInterrupt:  # Ctrl-C while loading: what was loaded is kept (each step commits), the rest is not
        console.print("stopped: what was loaded so far is kept; `make demo` again loads the rest")
        raise typer.Exit(130) from None


@app.command("import")
def import_bundle(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A STIX 2.1 bundle (JSON).")],
    tlp: TlpOption = None,
    agency: Annotated[
        str | None, typer.Option(help="Originating agency (default: the first of MITRA_AGENCIES).")
    ] = None,
) -> None:
    """Import a STIX 2.1 bundle: all or nothing, with a report.

    An empty, binary or non-JSON file, or a bundle without objects, stops with one line (exit 1).
    """
    try:
        document = json.loads(read_input_text(file))
    except json.JSONDecodeError as exc:
        fail(f"{file}: not valid JSON ({exc})")
    node = open_node()
    actor = operator(node, agency)
    try:
        objects = list(iter_bundle(document, where=str(file)))
        if not objects:
            fail(f"{file}: the bundle has no objects (nothing was imported)")
        default = HandlingInput(
            tlp=tlp or node.settings.default_tlp,
            originator_nation=node.nation,
            originator_agency=actor.agency or "",
        )
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=not sys.stdout.isatty()) as progress:
            task = progress.add_task(f"validating and storing {file.name}", total=2 * len(objects))
            with node.db.write() as session:
                report = node.store.import_objects(
                    session,
                    objects,
                    actor=actor,
                    default_handling=default,
                    where=str(file),
                    on_progress=lambda n: progress.advance(task, n),
                    as_published=True,
                )
                require_usable(report)
    except MitraError as exc:
        fail(f"{exc} (nothing was imported)")
    finally:
        node.close()
    print_report(report, f"import of {file.name}")


@audit_app.command("verify")
def audit_verify(
    with_partner: Annotated[
        bool, typer.Option("--with-partner", help="Also check each partner's countersigned copy of our head.")
    ] = False,
) -> None:
    """Check the audit chain; exit 1 naming the first bad entry."""
    from mitra.cli.exchange import sync_all
    from mitra.exchange.witness import check_witnesses

    node = open_node()
    try:
        with node.db.read() as session:
            report = verify(session)
        if not report.ok:
            fail(f"audit chain BROKEN at entry {report.first_bad_seq}: {report.problem}")
        console.print(f"audit chain intact: {report.entries} entries, head {report.head_hash}")
        if with_partner:
            try:
                sync_all(node)
            except MitraError as exc:
                console.print(f"[yellow]could not reach every partner now:[/] {exc}")
            with node.db.read() as session:
                checks = check_witnesses(session, node)
            for check in checks:
                console.print(("[green]MATCH[/] " if check.matches else "[red]MISMATCH[/] ") + check.detail)
            if not checks or not all(c.matches for c in checks):
                fail("a partner's witness of our audit head is missing or does not match")
    finally:
        node.close()


@user_app.command("add")
def user_add(
    username: str,
    roles: Annotated[str, typer.Option(help="Comma-separated: viewer, analyst, release_officer, admin, partner.")],
    agency: Annotated[str | None, typer.Option(help="The user's agency (one of MITRA_AGENCIES).")] = None,
    nation: Annotated[str | None, typer.Option(help="Partner accounts only: the partner's nation.")] = None,
    password: Annotated[
        str | None, typer.Option(help="Web password; asked for if omitted (not for partner accounts).")
    ] = None,
    display_name: Annotated[str | None, typer.Option(help="Name shown in the UI.")] = None,
) -> None:
    """Add a person (or a partner node's account)."""
    node = open_node()
    try:
        role_set = identity.parse_roles(roles)
        is_partner = Role.PARTNER in role_set
        if is_partner and (role_set != {Role.PARTNER} or not nation):
            fail("a partner account has only the partner role and needs --nation")
        if not is_partner:
            if nation and nation.upper() != node.nation:
                fail(f"people of this node belong to {node.nation}; --nation is for partner accounts")
            if agency not in node.settings.agencies:
                fail(f"--agency must be one of MITRA_AGENCIES ({', '.join(node.settings.agencies)})")
            if password is None:
                password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
        with node.db.write() as session:
            identity.add_user(
                session,
                username=username,
                nation=(nation or node.nation).upper(),
                agency=None if is_partner else agency,
                roles=role_set,
                password=None if is_partner else password,
                display_name=display_name,
                by=f"cli:{getpass.getuser()}",
            )
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()
    console.print(f"user {username} added with roles {', '.join(sorted(r.value for r in role_set))}")


@user_app.command("list")
def user_list() -> None:
    """List users and their roles."""
    node = open_node()
    try:
        with node.db.read() as session:
            users = identity.list_users(session)
            table = Table("username", "nation", "agency", "roles", "active")
            for user in users:
                table.add_row(user.username, user.nation, user.agency or "-", user.roles, str(user.active))
    finally:
        node.close()
    console.print(table)


@token_app.command("create")
def token_create(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
) -> None:
    """Create an API token; it is printed once and stored only hashed."""
    node = open_node()
    try:
        with node.db.write() as session:
            secret = identity.create_token(session, username=username, name=name, by=f"cli:{getpass.getuser()}")
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()
    console.print("token (shown once; store it now):", style="bold")
    print(secret)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
