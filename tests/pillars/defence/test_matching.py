"""Opportunities matched to capabilities on the other side: ranked, with the reasons, under policy."""

from __future__ import annotations

import pytest

from mitra.core.schemas import HandlingIn
from mitra.foundation.errors import Forbidden, InvalidInput
from mitra.node import Node
from mitra.pillars.defence import service
from mitra.pillars.defence.schemas import OpportunityCreate, OrganisationCreate
from mitra.pillars.defence.service import AGREEMENT_COVERS_POINTS, AGREEMENT_POINTS, CAPABILITY_POINTS
from mitra.policy import Role
from tests.conftest import add_person
from tests.support.pair import Pair

HAL = "Hindustan Aeronautics Limited (HAL)"


def _su30_opportunity(pair: Pair) -> str:
    analyst = pair.mys_people["analyst"].actor
    with pair.mys.db.read() as session:
        found = service.list_opportunities(session, store=pair.mys.store, actor=analyst)
    return next(o.id for o in found if o.platforms == ("Su-30MKM",))


def test_hal_ranks_first_for_malaysias_su30_mro_opportunity_with_its_reasons(synced: Pair) -> None:
    analyst = synced.mys_people["analyst"].actor
    with synced.mys.db.write() as session:
        matches = service.match_opportunity(
            session, store=synced.mys.store, actor=analyst, opportunity_id=_su30_opportunity(synced)
        )
    best = matches[0]
    assert best.organisation.name == HAL
    factors = {r.factor: r for r in best.reasons}
    assert set(factors) == {"capabilities", "platforms", "agreements"}
    assert factors["capabilities"].points == pytest.approx(CAPABILITY_POINTS)  # MRO, logistics, avionics: all three
    assert "Su-30MKM" in factors["platforms"].text
    assert factors["agreements"].points == AGREEMENT_POINTS + AGREEMENT_COVERS_POINTS
    assert "Kuala Lumpur office" in factors["agreements"].text
    assert best.score == pytest.approx(sum(r.points for r in best.reasons))
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_organisations_of_the_seeking_side_are_not_matched(synced: Pair) -> None:
    analyst = synced.mys_people["analyst"].actor
    with synced.mys.db.write() as session:
        matches = service.match_opportunity(
            session, store=synced.mys.store, actor=analyst, opportunity_id=_su30_opportunity(synced)
        )
    assert all(m.organisation.country != "MYS" for m in matches)
    assert "Royal Malaysian Air Force (RMAF)" not in {m.organisation.name for m in matches}


def test_an_organisation_the_viewer_may_not_see_is_never_a_match(seeded: Node) -> None:
    insider = add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS").actor
    outsider = add_person(seeded, "vik", {Role.VIEWER}, agency="CERT-In").actor
    strict = HandlingIn(tlp="amber+strict")
    with seeded.db.write() as session:
        service.create_organisation(
            session,
            store=seeded.store,
            data=OrganisationCreate(
                name="Quiet Avionics", country="MYS", capabilities=["mro"], platforms=["Su-30MKM"], handling=strict
            ),
            actor=insider,
        )
        opportunity = service.create_opportunity(
            session,
            store=seeded.store,
            data=OpportunityCreate(name="Su-30MKI depot MRO", kind="mro", capabilities=["mro"], platforms=["Su-30MKI"]),
            actor=insider,
        )
    with seeded.db.write() as session:
        seen_by_insider = service.match_opportunity(
            session, store=seeded.store, actor=insider, opportunity_id=opportunity.id
        )
        seen_by_outsider = service.match_opportunity(
            session, store=seeded.store, actor=outsider, opportunity_id=opportunity.id
        )
    assert "Quiet Avionics" in {m.organisation.name for m in seen_by_insider}
    assert "Quiet Avionics" not in {m.organisation.name for m in seen_by_outsider}


def test_certifications_add_to_the_score_with_their_reason(seeded: Node) -> None:
    analyst = add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS").actor
    with seeded.db.write() as session:
        for name, certs in (("Certified Aero", ["AS9100D"]), ("Plain Aero", [])):
            service.create_organisation(
                session,
                store=seeded.store,
                data=OrganisationCreate(name=name, country="MYS", capabilities=["mro"], certifications=certs),
                actor=analyst,
            )
        opportunity = service.create_opportunity(
            session,
            store=seeded.store,
            data=OpportunityCreate(name="Hawk MRO", kind="mro", capabilities=["mro"], certifications=["AS9100D"]),
            actor=analyst,
        )
        matches = service.match_opportunity(session, store=seeded.store, actor=analyst, opportunity_id=opportunity.id)
    ranked = [m.organisation.name for m in matches]
    assert ranked.index("Certified Aero") < ranked.index("Plain Aero")
    certified = next(m for m in matches if m.organisation.name == "Certified Aero")
    assert any(r.factor == "certifications" and "AS9100D" in r.text for r in certified.reasons)


def test_an_opportunity_needs_capabilities_from_the_vocabulary(seeded: Node) -> None:
    analyst = add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS").actor
    data = OpportunityCreate(name="Magic", kind="mro", capabilities=["wizardry"])
    with seeded.db.write() as session, pytest.raises(InvalidInput, match="wizardry"):
        service.create_opportunity(session, store=seeded.store, data=data, actor=analyst)


def test_a_viewer_cannot_add_an_opportunity(seeded: Node) -> None:
    viewer = add_person(seeded, "vik", {Role.VIEWER}, agency="CERT-In").actor
    data = OpportunityCreate(name="Spares", kind="procurement", capabilities=["logistics"])
    with seeded.db.write() as session, pytest.raises(Forbidden):
        service.create_opportunity(session, store=seeded.store, data=data, actor=viewer)
