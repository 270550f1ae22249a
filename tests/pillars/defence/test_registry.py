"""The registry: seeded facts, the capability vocabulary, agreements, search, and the SIPRI import."""

from __future__ import annotations

import pytest

from mitra.core.schemas import HandlingIn
from mitra.foundation.errors import Forbidden, InvalidInput
from mitra.node import Node
from mitra.pillars.defence import service
from mitra.pillars.defence.schemas import AgreementCreate, OrganisationCreate
from mitra.pillars.defence.seed import seed
from mitra.pillars.defence.sipri import parse_sipri
from mitra.policy import Role
from tests.conftest import add_person, shared_file
from tests.support.pair import Pair

EXTRACT = "economy/sipri_trade_register_india_malaysia.csv"


def test_seeding_twice_adds_nothing_the_second_time(seeded: Node) -> None:
    assert seed(seeded) == 0


def test_the_synced_registry_holds_the_design_facts(synced: Pair) -> None:
    analyst = synced.mys_people["analyst"].actor
    with synced.mys.db.read() as session:
        names = {o.name for o in service.list_organisations(session, store=synced.mys.store, actor=analyst)}
        agreements = {a.name: a for a in service.list_agreements(session, store=synced.mys.store, actor=analyst)}
        meetings = service.list_meetings(session, store=synced.mys.store, actor=analyst)
    assert {"Hindustan Aeronautics Limited (HAL)", "Malaysia-India Defence Cooperation Committee (MIDCOM)"} <= names
    amendment = agreements["Amendment of the 1993 defence cooperation MoU (exchange of letters)"]
    assert amendment.date_signed == "2023-07-10"
    assert amendment.amends_ref == agreements["MoU on defence cooperation (1993)"].id
    assert agreements["MoU for HAL's Kuala Lumpur office (Su-30MKM support)"].date_signed == "2022-08-18"
    assert {"Terms of reference: Strategic Affairs Working Group", "Terms of reference: Su-30 Forum"} <= set(agreements)
    assert [(m.number, m.meeting_date) for m in meetings] == [(12, "2023-09-19"), (13, "2025-02-19")]


def test_searching_su30_mro_finds_hal_and_not_the_shipbuilder(seeded: Node) -> None:
    analyst = add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS").actor
    with seeded.db.read() as session:
        hits = service.search_organisations(session, store=seeded.store, actor=analyst, query="Su-30 MRO")
        shipyard = service.search_organisations(session, store=seeded.store, actor=analyst, query="scorpene")
    assert [h.organisation.name for h in hits] == ["Hindustan Aeronautics Limited (HAL)"]
    assert any("platform Su-30" in m for m in hits[0].matched)
    assert any("capability Maintenance" in m for m in hits[0].matched)
    assert [h.organisation.name for h in shipyard] == ["Mazagon Dock Shipbuilders Limited (MDL)"]


def test_search_finds_an_organisation_by_alias(seeded: Node) -> None:
    analyst = add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS").actor
    with seeded.db.read() as session:
        hits = service.search_organisations(session, store=seeded.store, actor=analyst, query="hindustan")
    assert [h.organisation.name for h in hits] == ["Hindustan Aeronautics Limited (HAL)"]


def test_a_capability_outside_the_vocabulary_is_refused(seeded: Node) -> None:
    analyst = add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS").actor
    data = OrganisationCreate(name="Acme", capabilities=["mro", "teleportation"])
    with seeded.db.write() as session, pytest.raises(InvalidInput, match="teleportation"):
        service.create_organisation(session, store=seeded.store, data=data, actor=analyst)


def test_a_viewer_cannot_add_an_organisation(seeded: Node) -> None:
    viewer = add_person(seeded, "vik", {Role.VIEWER}, agency="CERT-In").actor
    with seeded.db.write() as session, pytest.raises(Forbidden):
        service.create_organisation(session, store=seeded.store, data=OrganisationCreate(name="Acme"), actor=viewer)


def test_an_agreement_cannot_name_a_party_the_author_may_not_see(seeded: Node) -> None:
    insider = add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS").actor
    outsider = add_person(seeded, "cert", {Role.ANALYST}, agency="CERT-In").actor
    secret = OrganisationCreate(name="Quiet Works", handling=HandlingIn(tlp="amber+strict"))
    with seeded.db.write() as session:
        hidden = service.create_organisation(session, store=seeded.store, data=secret, actor=insider)
    data = AgreementCreate(name="JV", kind="jv", status="proposed", party_names=["Quiet Works"], party_refs=[hidden.id])
    with seeded.db.write() as session, pytest.raises(InvalidInput, match="party_refs"):
        service.create_agreement(session, store=seeded.store, data=data, actor=outsider)


def test_sipri_import_shows_malaysias_su30_order_and_reimporting_changes_nothing(node: Node) -> None:
    analyst = add_person(node, "asha", {Role.ANALYST}, agency="NSCS").actor
    parsed = parse_sipri(shared_file(EXTRACT).read_text(encoding="utf-8"))
    with node.db.write() as session:
        first = service.import_sipri(session, store=node.store, parsed=parsed, actor=analyst)
    with node.db.write() as session:
        second = service.import_sipri(session, store=node.store, parsed=parsed, actor=analyst)
    with node.db.read() as session:
        su30 = service.list_transfers(session, store=node.store, actor=analyst, recipient="Malaysia", text="Su-30MK")
        india_to_malaysia = service.list_transfers(
            session, store=node.store, actor=analyst, recipient="Malaysia", supplier="India"
        )
    assert (first.added, second.added, second.unchanged) == (1176, 0, 1176)
    assert first.accounted == first.read == second.accounted == second.read
    deal = next(t for t in su30 if t.weapon_designation == "Su-30MK")
    assert (deal.supplier, deal.year_of_order, deal.number_ordered, deal.delivered_span) == (
        "Russia",
        2003,
        18,
        "2007–2009",
    )
    assert india_to_malaysia == []


def test_a_viewer_cannot_import_sipri(seeded: Node) -> None:
    viewer = add_person(seeded, "vik", {Role.VIEWER}, agency="CERT-In").actor
    parsed = parse_sipri(shared_file(EXTRACT).read_text(encoding="utf-8"))
    with seeded.db.write() as session, pytest.raises(Forbidden):
        service.import_sipri(session, store=seeded.store, parsed=parsed, actor=viewer)
