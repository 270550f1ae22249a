"""Named specification tests for the policy engine: one behaviour per test.

Most denial tests first show that a baseline case is allowed and then change exactly one
thing, so each test fails for the reason in its name and not for some other rule.
Nodes: IND holds its own objects (originated by IND:NSCS) and copies received from
MYS:NSC; partner node accounts carry Role.PARTNER and the partner's nation.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from mitra.policy import (
    TLP_LEVELS,
    Action,
    Actor,
    Decision,
    Export,
    Handling,
    Purpose,
    Release,
    Role,
    Tlp,
    View,
    authorize,
    decide,
    hides_existence,
    named_in_lists,
    narrows,
)

NO_ROLES: frozenset[Role] = frozenset()


def person(
    nation: str = "IND",
    agency: str | None = "NSCS",
    username: str | None = "priya",
    *roles: Role,
) -> Actor:
    return Actor(nation, agency, username, frozenset(roles) or frozenset({Role.VIEWER}))


def officer(nation: str = "IND", agency: str = "NSCS") -> Actor:
    return Actor(nation, agency, "ravi", frozenset({Role.RELEASE_OFFICER}))


def partner(nation: str = "MYS") -> Actor:
    return Actor(nation, None, f"node-{nation.lower()}", frozenset({Role.PARTNER}))


def _marking(
    tlp: str,
    origin: tuple[str, str],
    releasable_to: frozenset[str],
    *,
    orcon: bool,
    red_recipients: frozenset[str],
    revoked: bool,
    withdrawn: bool,
) -> Handling:
    return Handling(
        tlp,
        origin[0],
        origin[1],
        "IND",
        releasable_to=releasable_to,
        orcon=orcon,
        red_recipients=red_recipients,
        revoked=revoked,
        withdrawn=withdrawn,
    )


def own(
    tlp: str = "green",
    *,
    releasable_to: frozenset[str] = frozenset({"MYS"}),
    orcon: bool = True,
    red_recipients: frozenset[str] = frozenset(),
    revoked: bool = False,
    withdrawn: bool = False,
) -> Handling:
    """An object IND:NSCS originated, held on IND's node, releasable to MYS."""
    return _marking(
        tlp,
        ("IND", "NSCS"),
        releasable_to,
        orcon=orcon,
        red_recipients=red_recipients,
        revoked=revoked,
        withdrawn=withdrawn,
    )


def received(
    tlp: str = "green",
    *,
    releasable_to: frozenset[str] = frozenset({"IND"}),
    orcon: bool = True,
    red_recipients: frozenset[str] = frozenset(),
    revoked: bool = False,
    withdrawn: bool = False,
) -> Handling:
    """A copy of an object MYS:NSC originated, held on IND's node, releasable to IND."""
    return _marking(
        tlp,
        ("MYS", "NSC"),
        releasable_to,
        orcon=orcon,
        red_recipients=red_recipients,
        revoked=revoked,
        withdrawn=withdrawn,
    )


def allowed(actor: Actor, marking: Handling, purpose: Purpose) -> bool:
    decision = decide(actor, marking, purpose)
    assert decision.reason, "every decision carries a reason"
    return decision.allowed


# --- the value types -------------------------------------------------------------------


def test_a_decision_is_truthy_exactly_when_allowed() -> None:
    assert bool(Decision(True, "ok")) is True
    assert bool(Decision(False, "no")) is False
    assert decide(person(), own(), View())
    assert not decide(partner(), own(), View())


def test_a_copy_is_received_when_another_nation_originated_it() -> None:
    assert received().received is True
    assert own().received is False


def test_an_actor_is_a_partner_account_only_with_the_partner_role() -> None:
    assert partner().is_partner is True
    assert person().is_partner is False
    assert Actor("MYS", None, None).is_partner is False


def test_tlp_levels_are_the_five_tlp_2_0_names() -> None:
    assert TLP_LEVELS == ("clear", "green", "amber", "amber+strict", "red")
    assert [Tlp(level) for level in TLP_LEVELS] == list(Tlp)


# --- any purpose -----------------------------------------------------------------------


@pytest.mark.parametrize("tlp", ["white", "", "AMBER", "Red", "tlp:red", "amber+strict "])
@pytest.mark.parametrize(
    ("actor", "purpose"),
    [(person(), View()), (partner(), Export()), (officer(), Release("MYS"))],
    ids=["view", "export", "release"],
)
def test_unknown_marking_is_denied_with_reason(tlp: str, actor: Actor, purpose: Purpose) -> None:
    decision = decide(actor, own(tlp), purpose)
    assert not decision
    assert "unknown marking" in decision.reason
    assert repr(tlp) in decision.reason


@pytest.mark.parametrize("tlp", TLP_LEVELS)
def test_every_known_marking_is_visible_to_its_originating_agency(tlp: str) -> None:
    assert allowed(person(), own(tlp), View())


# --- view ------------------------------------------------------------------------------


def test_green_is_visible_to_anyone_of_the_holding_nation() -> None:
    decision = decide(person(agency="CERT-In", username="lee"), own("green"), View())
    assert decision
    assert "TLP:GREEN" in decision.reason


def test_partner_accounts_cannot_view_through_the_api() -> None:
    viewer = Actor("IND", "NSCS", "priya", frozenset({Role.ADMIN, Role.PARTNER}))
    decision = decide(viewer, own("clear"), View())
    assert not decision
    assert "partner" in decision.reason


def test_people_of_another_nation_cannot_view_on_this_node() -> None:
    assert allowed(person("IND", "NSC"), received(), View())
    assert not allowed(person("MYS", "NSC"), received(), View())


def test_withdrawn_objects_are_not_visible_even_to_the_originator() -> None:
    admin_originator = person("IND", "NSCS", "priya", Role.ADMIN)
    assert allowed(admin_originator, own(), View())
    assert not allowed(admin_originator, own(withdrawn=True), View())


def test_received_copy_is_visible_only_if_releasable_to_the_holding_nation() -> None:
    assert allowed(person(), received(), View())
    assert not allowed(person(), received(releasable_to=frozenset({"SGP"})), View())


def test_own_object_is_visible_whatever_its_releasability() -> None:
    assert allowed(person(), own(releasable_to=frozenset()), View())


def test_revoked_object_is_hidden_from_other_agencies() -> None:
    other_agency = person(agency="CERT-In")
    assert allowed(other_agency, own(), View())
    assert not allowed(other_agency, own(revoked=True), View())


def test_revoked_object_stays_visible_to_the_originating_agency() -> None:
    assert allowed(person("IND", "NSCS"), own(revoked=True), View())


def test_revoked_object_stays_visible_to_admins() -> None:
    assert allowed(person("IND", "CERT-In", "amit", Role.ADMIN), own(revoked=True), View())


def test_revoked_received_copy_is_visible_to_admins_only() -> None:
    assert allowed(person("IND", "NSC", "amit", Role.ADMIN), received(revoked=True), View())
    assert not allowed(person("IND", "NSC", "amit", Role.ANALYST), received(revoked=True), View())


def test_amber_is_visible_across_agencies_of_the_holding_nation() -> None:
    assert allowed(person(agency="CERT-In"), own("amber"), View())


def test_amber_strict_is_visible_only_to_the_originating_agency() -> None:
    assert allowed(person("IND", "NSCS"), own("amber+strict"), View())
    assert not allowed(person("IND", "CERT-In"), own("amber+strict"), View())
    assert not allowed(person("IND", "CERT-In", "amit", Role.ADMIN), own("amber+strict"), View())


def test_amber_strict_received_copy_is_visible_to_nobody_on_the_holding_node() -> None:
    # The originating agency belongs to MYS, and MYS people cannot view on IND's node.
    for agency in ("NSCS", "CERT-In", "NSC"):
        assert not allowed(person("IND", agency), received("amber+strict"), View())


def test_red_is_visible_to_the_originating_agency() -> None:
    decision = decide(person("IND", "NSCS"), own("red"), View())
    assert decision
    assert "originating agency" in decision.reason


def test_red_is_visible_only_to_named_recipients() -> None:
    marking = own("red", red_recipients=frozenset({"IND:CERT-In"}))
    named = decide(person("IND", "CERT-In", "amit"), marking, View())
    assert named
    assert "named recipient" in named.reason
    assert not allowed(person("IND", "NSC", "amit"), marking, View())
    assert not allowed(person("IND", "NSC", "amit", Role.ADMIN), marking, View())


def test_red_named_agency_covers_everyone_in_that_agency() -> None:
    marking = received("red", red_recipients=frozenset({"IND:CERT-In"}))
    assert allowed(person("IND", "CERT-In", "amit"), marking, View())
    assert allowed(person("IND", "CERT-In", None), marking, View())


def test_red_named_person_covers_only_that_person() -> None:
    marking = received("red", red_recipients=frozenset({"IND:CERT-In:amit"}))
    assert allowed(person("IND", "CERT-In", "amit"), marking, View())
    assert not allowed(person("IND", "CERT-In", "neha"), marking, View())
    assert not allowed(person("IND", "CERT-In", None), marking, View())


def test_red_recipient_must_match_nation_and_agency() -> None:
    marking = received("red", red_recipients=frozenset({"SGP:CERT-In", "IND:NSC:amit"}))
    assert not allowed(person("IND", "CERT-In", "amit"), marking, View())


@pytest.mark.parametrize(
    "recipient",
    ["IND", "IND:CERT-In:amit:x", "", ":", "ind:CERT-In", " IND:CERT-In"],
)
def test_malformed_red_recipient_names_nobody(recipient: str) -> None:
    marking = received("red", red_recipients=frozenset({recipient}))
    assert not allowed(person("IND", "CERT-In", "amit"), marking, View())


def test_red_is_not_visible_to_a_person_with_no_agency() -> None:
    marking = received("red", red_recipients=frozenset({"IND:CERT-In"}))
    assert not allowed(person("IND", None, "amit"), marking, View())


# --- export ----------------------------------------------------------------------------


def test_own_green_object_is_exported_to_a_nation_it_is_releasable_to() -> None:
    decision = decide(partner("MYS"), own(), Export())
    assert decision
    assert "releasable to MYS" in decision.reason


def test_only_partner_node_accounts_receive_exports() -> None:
    admin = Actor("MYS", "NSC", "aziz", frozenset({Role.ADMIN, Role.RELEASE_OFFICER}))
    decision = decide(admin, own(), Export())
    assert not decision
    assert "partner" in decision.reason


def test_nothing_is_exported_to_the_holding_nation_itself() -> None:
    assert not allowed(partner("IND"), own(releasable_to=frozenset({"IND", "MYS"})), Export())


def test_withdrawn_objects_are_not_exported() -> None:
    assert allowed(partner("MYS"), own(), Export())
    assert not allowed(partner("MYS"), own(withdrawn=True), Export())


def test_received_object_is_never_sent_back_to_its_originator() -> None:
    marking = received(orcon=False, releasable_to=frozenset({"IND", "MYS"}))
    assert not allowed(partner("MYS"), marking, Export())


def test_received_object_is_never_reexported_to_a_third_nation_under_orcon() -> None:
    marking = received(orcon=False, releasable_to=frozenset({"IND", "SGP"}))
    assert allowed(partner("SGP"), marking, Export())
    decision = decide(partner("SGP"), replace(marking, orcon=True), Export())
    assert not decision
    assert "originator control" in decision.reason


def test_orcon_does_not_restrict_the_originating_node() -> None:
    assert allowed(partner("MYS"), own(orcon=True), Export())


def test_export_needs_the_destination_in_releasable_to() -> None:
    assert not allowed(partner("SGP"), own(), Export())
    assert allowed(partner("SGP"), own(releasable_to=frozenset({"SGP"})), Export())


def test_amber_strict_never_leaves_the_originating_nation() -> None:
    assert allowed(partner("MYS"), own("amber"), Export())
    assert not allowed(partner("MYS"), own("amber+strict"), Export())
    assert not allowed(officer(), own("amber+strict"), Release("MYS"))


def test_red_is_exported_only_to_a_nation_with_a_named_recipient() -> None:
    assert not allowed(partner("MYS"), own("red"), Export())
    assert not allowed(partner("MYS"), own("red", red_recipients=frozenset({"SGP:CSA"})), Export())
    assert allowed(partner("MYS"), own("red", red_recipients=frozenset({"MYS:NSC"})), Export())
    named_person = own("red", red_recipients=frozenset({"MYS:NSC:aziz"}))
    assert allowed(partner("MYS"), named_person, Export())


def test_revoked_version_is_exported_so_the_partner_applies_it() -> None:
    decision = decide(partner("MYS"), own(revoked=True), Export())
    assert decision
    assert "revocation" in decision.reason


def test_revoked_red_still_needs_a_named_recipient_to_be_exported() -> None:
    assert not allowed(partner("MYS"), own("red", revoked=True), Export())


# --- release ---------------------------------------------------------------------------


def test_release_officer_of_the_originating_agency_releases_own_object() -> None:
    decision = decide(officer("IND", "NSCS"), own(), Release("SGP"))
    assert decision
    assert "releases" in decision.reason


def test_only_release_officers_release() -> None:
    for roles in ({Role.ANALYST}, {Role.ADMIN}, {Role.VIEWER}, set()):
        actor = Actor("IND", "NSCS", "ravi", frozenset(roles))
        decision = decide(actor, own(), Release("SGP"))
        assert not decision
        assert "release officer" in decision.reason


def test_release_officers_of_another_nation_cannot_release_here() -> None:
    assert not allowed(officer("MYS", "NSCS"), own(), Release("SGP"))


def test_release_to_the_holding_nation_itself_is_refused() -> None:
    assert not allowed(officer(), own(), Release("IND"))


def test_received_copies_are_released_only_by_their_originator() -> None:
    marking = received(orcon=False)
    assert not allowed(officer("IND", "NSCS"), marking, Release("SGP"))
    assert not allowed(officer("IND", "NSC"), marking, Release("SGP"))


def test_only_the_originating_agency_releases() -> None:
    decision = decide(officer("IND", "CERT-In"), own(), Release("SGP"))
    assert not decision
    assert "NSCS" in decision.reason


def test_revoked_objects_are_not_released() -> None:
    assert not allowed(officer(), own(revoked=True), Release("SGP"))


def test_withdrawn_objects_are_not_released() -> None:
    assert not allowed(officer(), own(withdrawn=True), Release("SGP"))


def test_red_release_needs_a_named_recipient_in_the_target_nation() -> None:
    assert not allowed(officer(), own("red"), Release("SGP"))
    assert not allowed(officer(), own("red", red_recipients=frozenset({"MYS:NSC"})), Release("SGP"))
    assert allowed(officer(), own("red", red_recipients=frozenset({"SGP:CSA"})), Release("SGP"))


@pytest.mark.parametrize("tlp", ["clear", "green", "amber"])
def test_clear_green_and_amber_are_releasable_by_the_originating_agency(tlp: str) -> None:
    assert allowed(officer(), own(tlp), Release("SGP"))


# --- authorize -------------------------------------------------------------------------

ACTION_ROLES: list[tuple[Action, set[Role]]] = [
    (Action.CREATE, {Role.ANALYST, Role.RELEASE_OFFICER, Role.ADMIN}),
    (Action.UPDATE, {Role.ANALYST, Role.RELEASE_OFFICER, Role.ADMIN}),
    (Action.IMPORT, {Role.ANALYST, Role.ADMIN}),
    (Action.MANAGE_USERS, {Role.ADMIN}),
    (Action.READ_AUDIT, {Role.ADMIN}),
    (Action.SYNC, {Role.ADMIN, Role.RELEASE_OFFICER}),
    (Action.READ_DATA, {Role.VIEWER, Role.ANALYST, Role.RELEASE_OFFICER, Role.ADMIN}),
    (Action.INGEST, {Role.ANALYST, Role.ADMIN}),
]


@pytest.mark.parametrize(("action", "granting"), ACTION_ROLES, ids=[a.value for a, _ in ACTION_ROLES])
def test_each_action_is_allowed_exactly_by_its_roles(action: Action, granting: set[Role]) -> None:
    for role in Role:
        if role is Role.PARTNER:
            continue
        actor = Actor("IND", "NSCS", "priya", frozenset({role}))
        decision = authorize(actor, action, node_nation="IND")
        assert decision.reason
        assert decision.allowed is (role in granting), (action, role)


def test_authorize_names_the_roles_an_action_needs() -> None:
    decision = authorize(person(), Action.SYNC, node_nation="IND")
    assert not decision
    assert decision.reason == "sync needs one of the roles: admin, release_officer"


def test_a_person_with_no_roles_may_do_nothing() -> None:
    actor = Actor("IND", "NSCS", "priya", NO_ROLES)
    assert not any(authorize(actor, action, node_nation="IND") for action in Action)


def test_partner_accounts_cannot_act_on_a_node() -> None:
    actor = Actor("IND", None, "node-ind", frozenset({Role.PARTNER, Role.ADMIN}))
    for action in Action:
        decision = authorize(actor, action, node_nation="IND")
        assert not decision
        assert "partner" in decision.reason


def test_accounts_of_another_nation_cannot_act_on_this_node() -> None:
    admin = Actor("MYS", "NSC", "aziz", frozenset({Role.ADMIN}))
    assert authorize(admin, Action.MANAGE_USERS, node_nation="MYS")
    assert not authorize(admin, Action.MANAGE_USERS, node_nation="IND")


# --- narrows: changing an object's marking ----------------------------------------------


@pytest.mark.parametrize("tlp", TLP_LEVELS)
def test_keeping_a_marking_unchanged_narrows_it(tlp: str) -> None:
    decision = narrows(own(tlp), own(tlp))
    assert decision
    assert decision.reason


def test_tightening_every_field_narrows_a_marking() -> None:
    old = own("green", releasable_to=frozenset({"MYS", "SGP"}), orcon=False)
    new = own("red", releasable_to=frozenset({"MYS"}), orcon=True, red_recipients=frozenset({"MYS:NSC"}))
    assert narrows(old, new)


@pytest.mark.parametrize(("old", "new"), [("white", "green"), ("green", "AMBER")])
def test_an_unknown_marking_cannot_be_compared(old: str, new: str) -> None:
    decision = narrows(own(old), own(new))
    assert not decision
    assert "unknown marking" in decision.reason


def test_the_originator_of_an_object_never_changes() -> None:
    assert not narrows(own(), received(releasable_to=frozenset({"MYS"})))
    assert not narrows(own(), replace(own(), originator_agency="CERT-In"))


@pytest.mark.parametrize(
    ("old", "new"),
    [("red", "amber+strict"), ("amber+strict", "amber"), ("amber", "green"), ("green", "clear")],
)
def test_loosening_the_tlp_is_not_a_narrowing(old: str, new: str) -> None:
    decision = narrows(own(old), own(new))
    assert not decision
    assert "looser" in decision.reason


def test_adding_a_releasable_nation_is_a_release_not_a_narrowing() -> None:
    decision = narrows(own(), own(releasable_to=frozenset({"MYS", "SGP", "USA"})))
    assert not decision
    assert "SGP, USA" in decision.reason


def test_lifting_originator_control_is_not_a_narrowing() -> None:
    assert narrows(own(orcon=False), own(orcon=True))
    assert not narrows(own(orcon=True), own(orcon=False))


def test_naming_new_red_recipients_is_not_a_narrowing() -> None:
    old = own("red", red_recipients=frozenset({"MYS:NSC"}))
    assert narrows(old, own("red", red_recipients=frozenset()))
    assert not narrows(old, own("red", red_recipients=frozenset({"MYS:NSC", "MYS:MKN"})))


def test_recipients_named_on_a_marking_raised_to_red_are_a_narrowing() -> None:
    assert narrows(own("amber"), own("red", red_recipients=frozenset({"MYS:NSC"})))


def test_a_marking_change_does_not_bring_back_a_revoked_or_withdrawn_object() -> None:
    assert not narrows(own(revoked=True), own())
    assert not narrows(own(withdrawn=True), own())
    assert narrows(own(revoked=True), own(revoked=True))


def test_raising_amber_strict_to_red_may_name_only_the_originating_agency() -> None:
    assert narrows(own("amber+strict"), own("red", red_recipients=frozenset({"IND:NSCS", "IND:NSCS:asha"})))
    decision = narrows(own("amber+strict"), own("red", red_recipients=frozenset({"IND:CERT-In"})))
    assert not decision
    assert "IND:CERT-In" in decision.reason


def test_raising_amber_to_red_may_not_name_a_nation_that_could_not_receive_it() -> None:
    decision = narrows(
        own("amber", releasable_to=frozenset()),
        own("red", releasable_to=frozenset(), red_recipients=frozenset({"SGP:CSA"})),
    )
    assert not decision
    assert "widens" in decision.reason


def test_a_malformed_red_recipient_widens_nothing() -> None:
    assert narrows(own("amber+strict"), own("red", red_recipients=frozenset({"SGP", "IND:NSCS"})))


# --- malformed RED recipients ---------------------------------------------------------

MALFORMED_NAMING_MYS = ["MYS", "MYS:", "MYS::aziz", "MYS:NSC:", "MYS:NSC:aziz:extra"]


@pytest.mark.parametrize("recipient", MALFORMED_NAMING_MYS)
def test_malformed_red_recipient_does_not_open_export_to_its_nation(recipient: str) -> None:
    marking = own("red", red_recipients=frozenset({recipient}))
    assert not allowed(partner("MYS"), marking, Export())
    assert allowed(partner("MYS"), own("red", red_recipients=frozenset({recipient, "MYS:NSC"})), Export())


@pytest.mark.parametrize("recipient", MALFORMED_NAMING_MYS)
def test_malformed_red_recipient_does_not_open_release_to_its_nation(recipient: str) -> None:
    marking = own("red", red_recipients=frozenset({recipient}))
    assert not allowed(officer(), marking, Release("MYS"))
    assert allowed(officer(), own("red", red_recipients=frozenset({recipient, "MYS:NSC:aziz"})), Release("MYS"))


@pytest.mark.parametrize(("tlp", "named"), [("clear", True), ("green", True), ("amber", True), ("amber+strict", True)])
def test_a_list_names_what_is_not_red(tlp: str, named: bool) -> None:
    assert named_in_lists(own(tlp)) is named


def test_a_red_object_is_named_only_on_its_own_page_and_an_unknown_marking_nowhere() -> None:
    assert named_in_lists(own("red", red_recipients=frozenset({"MYS:NSC"}))) is False
    assert named_in_lists(own("secret")) is False


@pytest.mark.parametrize(
    ("tlp", "hidden"), [("clear", False), ("green", False), ("amber", False), ("amber+strict", True), ("red", True)]
)
def test_only_red_and_amber_strict_hide_that_they_exist(tlp: str, hidden: bool) -> None:
    assert hides_existence(own(tlp)) is hidden


def test_an_unknown_marking_hides_that_it_exists() -> None:
    assert hides_existence(own("secret")) is True
