"""What a provider can do, and which hooks each capability needs.

A provider plugin declares its capabilities in its :class:`~liasse.records.ProviderInfo`.
The conformance kit checks that a plugin implements every hook of the
capabilities it claims; ``liasse plugins`` shows any that are missing.
"""

from __future__ import annotations

import enum


class Capability(enum.Enum):
    """A family of features a provider offers."""

    #: Secure two-factor document exchange: requests and sends (DocSecure).
    EXCHANGE = "exchange"
    #: Electronic signature (ESign on Yousign v3, Jesignexpert).
    SIGNATURE = "signature"
    #: Registered electronic mail (AR24).
    REGISTERED_MAIL = "registered-mail"
    #: Shared zone of documents with parties (JurisZone).
    SHARE = "share"


#: Hooks every provider implements, whatever its capabilities.
COMMON_HOOKS: tuple[str, ...] = ("liasse_provider_info", "liasse_check_access")

#: Hooks each capability requires, on top of :data:`COMMON_HOOKS`.
CAPABILITY_HOOKS: dict[Capability, tuple[str, ...]] = {
    Capability.EXCHANGE: (
        "liasse_provider_limits",
        "liasse_create_contact",
        "liasse_update_contact",
        "liasse_archive_contact",
        "liasse_delete_contact",
        "liasse_list_contacts",
        "liasse_request_document",
        "liasse_send_documents",
        "liasse_remind",
        "liasse_sync_status",
        "liasse_fetch_document",
        "liasse_fetch_attestation",
    ),
    Capability.SIGNATURE: (
        "liasse_request_signature",
        "liasse_cancel_signature",
        "liasse_remind",
        "liasse_sync_status",
        "liasse_fetch_document",
    ),
    Capability.REGISTERED_MAIL: (
        "liasse_send_registered_mail",
        "liasse_upload_letter_document",
        "liasse_validate_letters",
        "liasse_read_letter",
        "liasse_list_letters",
        "liasse_fetch_proof",
        "liasse_find_sent",
    ),
    Capability.SHARE: (
        # The sharing desk checks every file against the provider's limits before it uploads (DS-34's rule).
        "liasse_provider_limits",
        "liasse_export_file",
        "liasse_upload_documents",
        "liasse_list_shared_documents",
        "liasse_share_documents",
        "liasse_share_events",
        "liasse_sync_status",
        "liasse_fetch_document",
    ),
}


def required_hooks(capabilities: frozenset[Capability]) -> tuple[str, ...]:
    """Every hook a provider with ``capabilities`` must implement, sorted."""
    names = set(COMMON_HOOKS)
    for capability in capabilities:
        names.update(CAPABILITY_HOOKS[capability])
    return tuple(sorted(names))
