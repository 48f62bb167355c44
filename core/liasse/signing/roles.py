"""ES-03: signer roles of a letter template, their exclusions, and the manager's identity."""

from __future__ import annotations

from collections.abc import Iterable

from liasse_hostapi.records import EventParty, PartyRole

from liasse.signing.errors import RoleExcluded

#: Who excludes whom: co-owners exclude the owner, co-tenants the tenant (the manual's rule).
EXCLUSIONS: tuple[tuple[PartyRole, PartyRole], ...] = (
    (PartyRole.CO_OWNER, PartyRole.OWNER),
    (PartyRole.CO_TENANT, PartyRole.TENANT),
)

#: The roles in the users' words (the manual's list).
ROLE_WORDS: dict[PartyRole, tuple[str, str]] = {
    PartyRole.OWNER: ("propriétaire", "owner"),
    PartyRole.CO_OWNER: ("indivisaire", "co-owner"),
    PartyRole.TENANT: ("locataire", "tenant"),
    PartyRole.CO_TENANT: ("colocataire", "co-tenant"),
    PartyRole.GUARANTOR: ("garant", "guarantor"),
    PartyRole.LOT_SELLER: ("vendeur du lot", "lot seller"),
    PartyRole.SELLER_NOTARY: ("notaire du vendeur", "seller's notary"),
    PartyRole.LOT_BUYER: ("acquéreur du lot", "lot buyer"),
    PartyRole.BUYER_NOTARY: ("notaire de l'acquéreur", "buyer's notary"),
    PartyRole.COUNCIL_MEMBER: ("membre du conseil syndical", "council member"),
    PartyRole.COUNCIL_PRESIDENT: ("président du conseil syndical", "council president"),
    PartyRole.EVENT_THIRD_PARTY: ("tiers de l'événement", "third party of the event"),
    PartyRole.MANAGER: ("gérant", "manager"),
}


def words(role: PartyRole | str) -> tuple[str, str]:
    """The role in French and English; a role a host invented is shown as it is."""
    try:
        return ROLE_WORDS[PartyRole(role)]
    except ValueError:
        return str(role), str(role)


def check_exclusions(label: str, roles: Iterable[PartyRole | str]) -> None:
    """Refuse a file whose signers hold two roles that exclude each other (:class:`RoleExcluded`)."""
    present = {str(role) for role in roles}
    for role, excluded in EXCLUSIONS:
        if role in present and excluded in present:
            role_fr, role_en = words(role)
            excluded_fr, excluded_en = words(excluded)
            raise RoleExcluded(
                label=label,
                role_fr=role_fr,
                role_en=role_en,
                excluded_fr=excluded_fr,
                excluded_en=excluded_en,
                rule_fr=f"les {role_fr}s excluent le {excluded_fr}",
                rule_en=f"{role_en}s exclude the {excluded_en}",
            )


def party_names(party: EventParty) -> tuple[str, str]:
    """First and last name of a party; a party with only a display name has it split at the first space."""
    if party.first_name or party.last_name:
        return party.first_name or "", party.last_name or ""
    first, _, last = party.name.partition(" ")
    return first, last
