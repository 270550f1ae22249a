"""The ``mitra`` command: node, import, audit, users and tokens; every pillar mounts its own."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mitra.audit.service import verify
from mitra.core import identity
from mitra.core.errors import MitraError
from mitra.core.node import Node
from mitra.core.stix import HandlingInput, iter_bundle
from mitra.policy import Actor, Role
from mitra.settings import Settings, SettingsError, load_settings

app = typer.Typer(help="Mitra: one sovereign node of a bilateral security partnership.", no_args_is_help=True)
node_app = typer.Typer(help="Prepare and inspect this node.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit chain.", no_args_is_help=True)
user_app = typer.Typer(help="People and partner accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(node_app, name="node")
app.add_typer(audit_app, name="audit")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        fail(f"bad setting: {exc}", 2)


def open_node() -> Node:
    return Node.open(settings())


def operator(node: Node, agency: str | None) -> Actor:
    """Whoever runs the CLI on the node's machine acts as its operator for the given agency."""
    chosen = agency or node.settings.agencies[0]
    if chosen not in node.settings.agencies:
        fail(f"--agency {chosen!r} is not one of MITRA_AGENCIES ({', '.join(node.settings.agencies)})")
    return Actor(
        nation=node.nation,
        agency=chosen,
        username=f"cli:{getpass.getuser()}",
        roles=frozenset({Role.ANALYST, Role.ADMIN}),
    )


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
    node = Node.open(current)
    node.init()
    bind_host, bind_port = host or current.host, port or current.port
    console.print(f"Mitra {current.nation} node on http://{bind_host}:{bind_port}/")
    uvicorn.run(create_app(current, node=node), host=bind_host, port=bind_port, log_level="warning")


@app.command("demo")
def demo(
    port: Annotated[int, typer.Option(help="Port of the India node.")] = 8000,
    root: Annotated[Path, typer.Option(help="Where the demo nodes keep their data.")] = Path("var/demo"),
) -> None:
    """Run the demo: a seeded India node on embedded SQLite, served on loopback."""
    import uvicorn

    from mitra.app import create_app
    from mitra.demo import demo_settings, prepare

    current = demo_settings(root, "IND", port)
    prepared = prepare(current)
    console.print(f"[bold]India node[/]: http://127.0.0.1:{port}/  (data in {current.data_dir})")
    console.print(f"log in as asha (analyst), rao (release officer), admin or vik; password: {prepared.password}")
    uvicorn.run(create_app(current, node=prepared.node), host="127.0.0.1", port=port, log_level="warning")


@app.command("import")
def import_bundle(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A STIX 2.1 bundle (JSON).")],
    tlp: Annotated[
        str | None, typer.Option(help="TLP for objects that carry none (default MITRA_DEFAULT_TLP).")
    ] = None,
    agency: Annotated[
        str | None, typer.Option(help="Originating agency (default: the first of MITRA_AGENCIES).")
    ] = None,
) -> None:
    """Import a STIX 2.1 bundle: all or nothing, with a report."""
    node = open_node()
    actor = operator(node, agency)
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{file}: not valid JSON ({exc})")
    try:
        objects = list(iter_bundle(document, where=str(file)))
        default = HandlingInput(
            tlp=(tlp or node.settings.default_tlp).lower(),
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
                )
    except MitraError as exc:
        fail(f"{exc} (nothing was imported)")
    finally:
        node.close()
    table = Table(title=f"import of {file.name}")
    for column in ("added", "updated", "skipped"):
        table.add_column(column, justify="right")
    table.add_row(str(report.added), str(report.updated), str(report.skipped))
    console.print(table)
    for reason, count in report.skipped_reasons.items():
        console.print(f"  skipped {count}: {reason}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain; exit 1 naming the first bad entry."""
    node = open_node()
    try:
        with node.db.read() as session:
            report = verify(session)
    finally:
        node.close()
    if not report.ok:
        fail(f"audit chain BROKEN at entry {report.first_bad_seq}: {report.problem}")
    console.print(f"audit chain intact: {report.entries} entries, head {report.head_hash}")


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
