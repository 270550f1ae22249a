"""Every reason the policy gives, by a stable code: its English words, with ``%(name)s`` placeholders.

``Decision.reason`` is these words filled in, in English, for logs and the audit; ``Decision.code`` and
``Decision.params`` let a page word the same reason in the person's language (``mitra.web.i18n.reason``), the
words here being the catalogues' msgids. The policy imports nothing of the node, so it marks them with its own
no-op ``N_`` (an extraction keyword by name).
"""

from __future__ import annotations

from collections.abc import Mapping


def N_(message: str) -> str:  # noqa: N802 — gettext's name: marks a literal for the catalogues
    return message


REASONS: dict[str, str] = {
    # reading (View)
    "unknown_marking": N_("unknown marking %(tlp)s: denied by default"),
    "partner_reads_taxii": N_("partner nodes read only through their TAXII collection"),
    "other_nation_viewer": N_("viewer's nation %(nation)s is not this node's nation %(node)s"),
    "withdrawn_record": N_("withdrawn by the originator; kept only as a record"),
    "received_not_releasable": N_("received, but not releasable to %(node)s"),
    "revoked_hidden": N_("revoked by the originator; only its agency and admins see it"),
    "amber_strict_only": N_("TLP:AMBER+STRICT: only %(originator)s"),
    "red_originating_agency": N_("TLP:RED: viewer is in the originating agency"),
    "red_named_recipient": N_("TLP:RED: viewer is a named recipient"),
    "red_not_named": N_("TLP:RED: named recipients only, and the viewer is not named"),
    "visible_within": N_("%(tlp)s: visible within %(node)s"),
    # leaving for a partner (Export)
    "exports_to_partners_only": N_("only a partner node's account receives exports"),
    "own_nation": N_("%(nation)s is this node's own nation"),
    "withdrawn": N_("withdrawn by the originator"),
    "originated_there": N_("%(nation)s originated it and holds it already"),
    "orcon": N_("originator control: %(originator)s's object is never passed on"),
    "not_releasable": N_("not releasable to %(nation)s"),
    "amber_strict_stays": N_("TLP:AMBER+STRICT never leaves the originating organisation"),
    "red_no_recipient_in": N_("TLP:RED: no named recipient in %(nation)s"),
    "revoked_sent": N_("revoked version: sent so that %(nation)s applies the revocation"),
    "exported": N_("%(tlp)s, releasable to %(nation)s"),
    # a release, and a request for one
    "release_needs_officer": N_("release needs the release officer role"),
    "officer_releases": N_("release officer of %(agency)s releases %(tlp)s to %(nation)s"),
    "partner_no_requests": N_("partner accounts do not ask for releases"),
    "request_needs_writer": N_(
        "asking for a release needs a role that writes objects (analyst, release officer, admin)"
    ),
    "agency_asks": N_("%(agency)s asks its release officers to release %(tlp)s to %(nation)s"),
    "release_other_node": N_("only %(node)s's release officers release from this node"),
    "request_other_node": N_("only %(node)s's people ask for releases from this node"),
    "received_originator_releases": N_("received from %(originator)s: only the originator releases it"),
    "release_other_agency": N_("only %(agency)s's release officers release it"),
    "request_other_agency": N_("only %(agency)s's people ask for its release"),
    "revoked_not_released": N_("revoked or withdrawn objects are not released"),
    "red_name_recipient_first": N_("TLP:RED: name a recipient in %(nation)s first"),
    # acts that are not about one object (authorize)
    "partner_cannot": N_("partner accounts cannot %(action)s"),
    "other_nation_account": N_("%(nation)s accounts cannot act on %(node)s's node"),
    "allowed_by_role": N_("%(action)s allowed by role"),
    "needs_role": N_("%(action)s needs one of the roles: %(roles)s"),
    # changing a marking (narrows)
    "unknown_marking_compare": N_("unknown marking: cannot compare"),
    "originator_fixed": N_("the originator of an object does not change"),
    "looser": N_("%(new)s is looser than %(old)s"),
    "adding_is_release": N_("adding %(nations)s to releasable_to is a release, for a release officer"),
    "lifting_orcon": N_("lifting originator control widens sharing"),
    "not_brought_back": N_("a revoked or withdrawn object is not brought back by a marking change"),
    "same_or_stricter": N_("the new marking is the same or stricter"),
    "red_recipient_widens": N_("naming %(recipient)s as a TLP:RED recipient widens sharing"),
}


def worded(code: str, params: Mapping[str, str]) -> str:
    """The English reason of ``code`` with ``params`` put in."""
    return REASONS[code] % dict(params)
