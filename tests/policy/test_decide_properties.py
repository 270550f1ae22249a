"""Property tests: decide() and authorize() agree with the reference oracle."""

from __future__ import annotations

from itertools import combinations, product
from typing import TypeVar

from hypothesis import event, given, settings
from hypothesis import strategies as st

from mitra.policy import (
    Action,
    Actor,
    Decision,
    Export,
    Handling,
    Release,
    RequestRelease,
    Role,
    View,
    authorize,
    decide,
)

from .oracle import authorize_allowed, export_allowed, release_allowed, request_allowed, view_allowed

T = TypeVar("T")

NATIONS = ("IND", "MYS", "SGP", "USA")
AGENCIES = ("NSCS", "CERT-In", "NSC", "MKN")
USERNAMES = ("aziz", "priya", "lee")
KNOWN_TLP = ("clear", "green", "amber", "amber+strict", "red")
UNKNOWN_TLP = ("white", "", "AMBER", "Red", "amber strict", "tlp:red", "amber+strict ")
MALFORMED_RECIPIENTS = (
    "",
    ":",
    "MYS",
    "IND",
    "MYS:",
    ":NSC",
    "MYS::aziz",
    "MYS:NSC:aziz:extra",
    "IND:NSCS:priya:x",
    "mys:NSC",
    " MYS:NSC",
)

# 3,500 (view) + 3,500 (export) + 3,500 (release) = 10,500 (marking, viewer, destination) cases,
# and 1,500 of authorize (no marking) beside them.
CASES_PER_PURPOSE = 3_500
AUTHORIZE_CASES = 1_500


def _subsets(items: tuple[T, ...], max_size: int) -> tuple[frozenset[T], ...]:
    return tuple(frozenset(c) for n in range(max_size + 1) for c in combinations(items, n))


# Each strategy below is a single sampled_from over a precomputed alphabet: one choice per
# field keeps Hypothesis' per-example overhead low enough for 10,500 cases in seconds.
nations = st.sampled_from(NATIONS)
agencies = st.sampled_from(AGENCIES)
usernames = st.sampled_from(USERNAMES)
# Three known levels for every unknown one, so both outcomes are well exercised.
tlps = st.sampled_from(KNOWN_TLP * 4 + UNKNOWN_TLP)
# True about a quarter of the time: revoked/withdrawn should not drown the other rules.
rarely = st.sampled_from((False, False, False, True))
usually = st.sampled_from((True, True, False))
role_sets = st.sampled_from(_subsets(tuple(Role), len(Role)))
DESTINATIONS = (*NATIONS, "", "mys")
destinations = st.sampled_from(DESTINATIONS)
destination_sets = st.sampled_from(_subsets(DESTINATIONS, 3))
RECIPIENTS = (
    *(f"{n}:{a}" for n, a in product(NATIONS, AGENCIES)),
    *(f"{n}:{a}:{u}" for n, a, u in product(NATIONS, AGENCIES, USERNAMES)),
    *MALFORMED_RECIPIENTS * 3,
)
recipient_sets = st.lists(st.sampled_from(RECIPIENTS), max_size=3).map(frozenset)
recipient_shapes = st.sampled_from(
    (
        "{nation}:{agency}",
        "{nation}:{agency}:{person}",
        # malformed: no agency, empty parts, one part too many
        "{nation}",
        "{nation}:",
        "{nation}::{person}",
        "{nation}:{agency}:",
        "{nation}:{agency}:{person}:x",
    )
)
originators = st.sampled_from((*NATIONS, None, None))  # None: the holding nation itself
actors = st.builds(
    Actor,
    nation=nations,
    agency=st.sampled_from((None, *AGENCIES)),
    username=st.sampled_from((None, *USERNAMES)),
    roles=role_sets,
)


@st.composite
def scenarios(draw: st.DrawFn, key_role: Role | None) -> tuple[Actor, Handling]:
    """An actor and a marking, the marking often anchored on the actor so that rules bite.

    ``key_role`` (the role the purpose needs) is added to the actor's roles about half the
    time; with ``None`` (views) PARTNER is removed about half the time instead.
    """
    actor = draw(actors)
    if draw(st.booleans()):
        roles = actor.roles | {key_role} if key_role else actor.roles - {Role.PARTNER}
        actor = Actor(actor.nation, actor.agency, actor.username, roles)
    # A partner account's nation is the export destination, so do not pull held_by onto it.
    home = key_role is not Role.PARTNER and draw(usually)
    held_by = actor.nation if home else draw(nations)
    originator_nation = draw(originators) or held_by
    originator_agency = draw(agencies)
    if actor.agency is not None and draw(usually):
        originator_agency = actor.agency
    releasable_to = draw(destination_sets)
    if draw(st.booleans()):
        releasable_to |= {actor.nation if key_role else held_by}
    red_recipients = draw(recipient_sets)
    if draw(st.booleans()):
        # Name the actor, or nearly: another agency or person of the same nation, or malformed.
        agency = actor.agency if actor.agency is not None and draw(usually) else draw(agencies)
        person = actor.username if actor.username is not None and draw(usually) else draw(usernames)
        named = draw(recipient_shapes).format(nation=actor.nation, agency=agency, person=person)
        red_recipients |= {named}
    marking = Handling(
        tlp=draw(tlps),
        originator_nation=originator_nation,
        originator_agency=originator_agency,
        held_by=held_by,
        releasable_to=releasable_to,
        orcon=draw(st.booleans()),
        red_recipients=red_recipients,
        revoked=draw(rarely),
        withdrawn=draw(rarely),
    )
    return actor, marking


def _check(decision: Decision, expected: bool) -> None:
    assert isinstance(decision, Decision)
    assert isinstance(decision.reason, str)
    assert decision.reason.strip(), "every decision carries a reason"
    assert bool(decision) is decision.allowed
    assert decision.allowed is expected, decision.reason
    event(f"allowed={expected}")


@settings(max_examples=CASES_PER_PURPOSE, deadline=None, database=None)
@given(scenario=scenarios(key_role=None))
def test_view_agrees_with_the_oracle(scenario: tuple[Actor, Handling]) -> None:
    actor, marking = scenario
    _check(decide(actor, marking, View()), view_allowed(actor, marking))


@settings(max_examples=CASES_PER_PURPOSE, deadline=None, database=None)
@given(scenario=scenarios(key_role=Role.PARTNER))
def test_export_agrees_with_the_oracle(scenario: tuple[Actor, Handling]) -> None:
    actor, marking = scenario
    _check(decide(actor, marking, Export()), export_allowed(actor, marking))


@settings(max_examples=CASES_PER_PURPOSE, deadline=None, database=None)
@given(scenario=scenarios(key_role=Role.RELEASE_OFFICER), to=destinations)
def test_release_agrees_with_the_oracle(scenario: tuple[Actor, Handling], to: str) -> None:
    actor, marking = scenario
    _check(decide(actor, marking, Release(to)), release_allowed(actor, marking, to))


@settings(max_examples=CASES_PER_PURPOSE, deadline=None, database=None)
@given(scenario=scenarios(key_role=Role.ANALYST), to=destinations)
def test_release_request_agrees_with_the_oracle(scenario: tuple[Actor, Handling], to: str) -> None:
    actor, marking = scenario
    _check(decide(actor, marking, RequestRelease(to)), request_allowed(actor, marking, to))


@settings(max_examples=AUTHORIZE_CASES, deadline=None, database=None)
@given(actor=actors, action=st.sampled_from(list(Action)), node_nation=nations)
def test_authorize_agrees_with_the_oracle(actor: Actor, action: Action, node_nation: str) -> None:
    _check(authorize(actor, action, node_nation=node_nation), authorize_allowed(actor, action, node_nation))
