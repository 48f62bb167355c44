"""Why a webhook delivery was refused, in sentences that never quote a secret or the body."""

from __future__ import annotations

from typing import ClassVar

from liasse.errors import LiasseError


class WebhookRejected(LiasseError):
    """A delivery liasse will not take: answered 400 so the sender stops retrying it.

    ``reason`` is a stable code for logs, counters and the 400 body
    (``missing_headers``, ``bad_signature``, ``stale_timestamp``,
    ``malformed``, ``unreadable_payload``); the sentence says what to check.
    """

    fr = "Notification {title} refusée : {reason_fr}. {fix_fr}"
    en = "{title} notification refused: {reason_en}. {fix_en}"

    #: HTTP status the receiver answers with.
    status: ClassVar[int] = 400

    @property
    def reason(self) -> str:
        """The stable code of the refusal."""
        return str(self.params.get("reason", "rejected"))


class WebhookTooLarge(WebhookRejected):
    """A body over the receiver's cap, refused before it is read whole."""

    fr = "Notification {title} refusée : son corps dépasse {limit} octets. Aucun prestataire n'envoie de notification aussi grosse : vérifiez l'adresse abonnée."
    en = "{title} notification refused: its body exceeds {limit} bytes. No provider sends such a large notification: check the subscribed address."
    status: ClassVar[int] = 413


class WebhookSecretsMissing(WebhookRejected):
    """The provider signs its webhooks but the office configured no secret to check them with."""

    fr = "Notification {title} refusée : aucun secret de webhook n'est configuré pour la vérifier. Ajoutez-le dans [providers.{provider}] webhook_secrets de liasse.toml (une référence $env:NOM ou $file:chemin)."
    en = "{title} notification refused: no webhook secret is configured to check it. Add it to [providers.{provider}] webhook_secrets in liasse.toml (a $env:NAME or $file:path reference)."
    #: The office's configuration is missing, not the sender's fault: 503, so the provider retries once it is fixed.
    status: ClassVar[int] = 503


class WebhookSecretInvalid(LiasseError):
    """A configured webhook secret cannot be used as the scheme needs it (``whsec_`` + base64)."""

    fr = "Un secret de webhook de {title} est mal formé : {problem_fr}. Recopiez-le tel que le prestataire l'a donné (il commence par « whsec_ »)."
    en = "A {title} webhook secret is malformed: {problem_en}. Copy it again as the provider gave it (it starts with 'whsec_')."


class WebhooksNotSupported(LiasseError):
    """A delivery for a provider that reads no webhook (or is not installed)."""

    fr = "Le prestataire « {provider} » ne reçoit pas de notifications (webhooks) dans liasse : utilisez la synchronisation des statuts."
    en = "Provider '{provider}' receives no notifications (webhooks) in liasse: use the status sync."


class WebhookAccountUnknown(LiasseError):
    """An event of a provider account no user of the office is connected to: it waits and is retried."""

    fr = "Notification {title} du compte {account} en attente : aucun utilisateur n'est connecté à ce compte. Connectez-en un (liasse connect {provider}) ; la notification sera traitée au prochain essai."
    en = "{title} notification of account {account} waiting: no user is connected to that account. Connect one (liasse connect {provider}); the notification is processed at the next attempt."
