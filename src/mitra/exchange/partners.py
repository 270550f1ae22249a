"""Configuring partners: who they are, where their TAXII API is, which key signs for them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mitra.core.identity import User, add_user
from mitra.core.keys import public_key_text
from mitra.exchange.models import Partner
from mitra.exchange.signing import parse_public_key
from mitra.exchange.taxii import read_collection_id
from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import now_utc
from mitra.node import NATION_NAMES, Node
from mitra.policy import TLP_LEVELS, Actor, Role


def set_partner(
    session: Session,
    *,
    nation: str,
    name: str,
    api_root_url: str,
    token: str | None,
    public_key: str | None,
    require_signature: bool = True,
    collection_id: str | None = None,
    basic_user: str | None = None,
    default_tlp: str = "amber",
) -> Partner:
    """Add or update a partner; a signed partner needs its public key pinned."""
    if len(nation) != 3 or not nation.isalpha() or not nation.isupper():
        raise InvalidInput(f"nation: {nation!r} is not an ISO 3166-1 alpha-3 code")
    if not api_root_url.startswith(("http://", "https://")):
        raise InvalidInput(f"api_root_url: {api_root_url!r} is not an http(s) URL")
    if require_signature and not public_key:
        raise InvalidInput("public_key: a partner that signs needs its public key pinned")
    if public_key:
        parse_public_key(public_key)
    if default_tlp not in TLP_LEVELS:
        raise InvalidInput(f"default_tlp: {default_tlp!r} is not a TLP 2.0 level")
    partner = session.get(Partner, nation)
    if partner is None:
        partner = Partner(nation=nation, added_at=now_utc())
        session.add(partner)
    partner.name = name
    partner.api_root_url = api_root_url
    partner.token = token
    partner.public_key = public_key
    partner.require_signature = require_signature
    partner.collection_id = collection_id
    partner.basic_user = basic_user
    partner.default_tlp = default_tlp
    session.flush()
    return partner


def list_partners(session: Session) -> list[Partner]:
    return list(session.scalars(select(Partner).order_by(Partner.nation)))


def pair(a: Node, b: Node, *, a_url: str, b_url: str) -> None:
    """Introduce two nodes to each other: a partner account and token on each, keys pinned both ways.

    In production each side does its half (``mitra partner account`` then ``mitra partner add``)
    and hands the token and public key over out of band; the demo and tests do both halves here.
    """
    from mitra.core.identity import create_token

    for home, other, other_url in ((a, b, b_url), (b, a, a_url)):
        account = f"partner-{home.nation.lower()}"
        with other.db.write() as session:
            if session.scalar(select(User).where(User.username == account)) is None:
                add_user(
                    session,
                    username=account,
                    nation=home.nation,
                    agency=None,
                    roles=frozenset({Role.PARTNER}),
                    password=None,
                    by="pairing",
                )
            token = create_token(session, username=account, name=f"{home.nation} node")
        with home.db.write() as session:
            set_partner(
                session,
                nation=other.nation,
                name=NATION_NAMES.get(other.nation, other.nation),
                api_root_url=f"{other_url.rstrip('/')}/taxii2/{other.nation.lower()}/",
                token=token,
                public_key=public_key_text(other.signing_key),
                require_signature=True,
                collection_id=read_collection_id(other.nation, home.nation),
            )


def partner_actor(nation: str) -> Actor:
    """A partner node's account as this node's policy sees it: whom ``Export`` is decided for."""
    return Actor(nation=nation, agency=None, username=None, roles=frozenset({Role.PARTNER}))
