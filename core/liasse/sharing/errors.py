"""What stops a shared-zone action, each a sentence saying what to fix (JZ-01 … JZ-08)."""

from __future__ import annotations

from liasse.errors import LiasseError


class ShareKeysMissing(LiasseError):
    """JZ-01: the office's entity key or API key is not configured (the manual's message at export)."""

    fr = (
        "{title} : la clé d'entité n'est pas configurée ({missing} vide). Renseignez « entity_key » et « api_key » "
        "dans [providers.{provider}] de liasse.toml avec les clés reçues à l'inscription, ou contactez le support de {title}."
    )
    en = (
        "{title}: the entity key is not configured ({missing} empty). Set 'entity_key' and 'api_key' in "
        "[providers.{provider}] of liasse.toml to the keys received at registration, or contact {title}'s support."
    )


class PartiesWithoutEmail(LiasseError):
    """JZ-02: parties of the matter have no e-mail; every one is named, and nothing was exported."""

    fr = (
        "Le dossier « {matter} » n'a pas été exporté vers {title} : {count_fr} sans adresse courriel ({names}). "
        "Ajoutez l'adresse dans leur fiche, puis exportez de nouveau."
    )
    en = (
        "The file '{matter}' was not exported to {title}: {count_en} without an e-mail address ({names}). "
        "Add the address to their record, then export again."
    )


class ExpiryInPast(LiasseError):
    """JZ-04: the expiry date is today or earlier."""

    fr = "La date d'expiration du partage ({expires_on}) doit être postérieure à aujourd'hui ({today}). Choisissez une date à venir."
    en = "The share's expiry date ({expires_on}) must be after today ({today}). Choose a future date."


class NotAParty(LiasseError):
    """JZ-04: a recipient who is not a party of the exported file."""

    fr = "« {recipient} » n'est pas un intervenant du dossier {number} : choisissez les destinataires parmi {parties}."
    en = "'{recipient}' is not a party of file {number}: choose the recipients among {parties}."


class FileNotExported(LiasseError):
    """The matter was never exported: its documents have nowhere to go yet."""

    fr = "Le dossier « {matter} » n'est pas encore exporté vers {title} : exportez-le d'abord."
    en = "The file '{matter}' is not exported to {title} yet: export it first."
