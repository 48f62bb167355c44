"""The registered-mail desk's refusals: each a sentence saying what to fix, French first."""

from __future__ import annotations

from liasse.errors import LiasseError


class OtpRefused(LiasseError):
    """The provider refused the OTP code: nothing was validated, the letters wait as they were."""

    fr = (
        "Le code OTP n'a pas été accepté par {title} ({reason_fr}). Aucune lettre n'a été validée : "
        "elles restent « À valider ». Tapez le code à 6 chiffres affiché maintenant par votre clé OTP, puis réessayez."
    )
    en = (
        "{title} did not accept the OTP code ({reason_en}). No letter was validated: they stay 'To validate'. "
        "Type the 6-digit code your OTP key shows now, then try again."
    )


class PaymentMeanAlreadyLinked(LiasseError):
    """AR-04: an entity's payment means is linked once."""

    fr = "L'entité « {entity} » est déjà liée au moyen de paiement « {label} » : elle ne se lie qu'une fois."
    en = "Entity '{entity}' is already linked to payment means '{label}': it is linked once only."


class UnknownLetter(LiasseError):
    """A webhook or a call named a letter liasse does not hold."""

    fr = "Aucune lettre recommandée {title} n'a le numéro « {remote_id} » dans liasse : la notification est ignorée."
    en = "No {title} registered letter has number '{remote_id}' in liasse: the notification is ignored."
