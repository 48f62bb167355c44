"""The sentences of e-signature refusals: what is wrong and what to do, in French and English."""

from __future__ import annotations

from liasse.errors import LiasseError


class RoleExcluded(LiasseError):
    """ES-03: two roles that exclude each other on one signature file."""

    fr = (
        "Le dossier « {label} » a à la fois un {role_fr} et un {excluded_fr} : ces rôles s'excluent "
        "({rule_fr}). Retirez l'un des deux du modèle ou de l'événement, puis recréez le dossier."
    )
    en = (
        "The file '{label}' has both a {role_en} and a {excluded_en}: these roles exclude each other "
        "({rule_en}). Remove one of them from the template or the event, then create the file again."
    )


class ManagerUnknown(LiasseError):
    """ES-03: the manager signs but neither the entity nor the administration gives a name and e-mail."""

    fr = (
        "Le gérant doit signer « {label} », mais ni les variables de courrier de l'entité ni celles de "
        "l'administration ne donnent son nom et son e-mail. Saisissez-les sur la ligne du gérant."
    )
    en = (
        "The manager must sign '{label}', but neither the entity's nor the administration's letter "
        "variables give a name and e-mail. Type them on the manager's line."
    )


class NotForSignature(LiasseError):
    """ES-06: the event's template has no signer roles."""

    fr = "Le modèle « {template} » de l'événement n° {event_id} ne prévoit aucune signature électronique : choisissez un modèle avec des rôles de signataires."
    en = "The template '{template}' of event #{event_id} has no e-signature: choose a template with signer roles."


class NoSigner(LiasseError):
    """ES-08: nobody would sign."""

    fr = "Le dossier « {label} » n'a aucun signataire : ajoutez au moins un signataire avant l'envoi."
    en = "The file '{label}' has no signer: add at least one signer before sending."


class NotEditable(LiasseError):
    """ES-07, ES-11: signers and positions change only while the file is to send."""

    fr = "Le dossier « {label} » est « {state_fr} » : les signataires et les positions ne sont modifiables qu'avant l'envoi."
    en = "The file '{label}' is '{state_en}': signers and positions can only be changed before sending."


class LineNotDeletable(LiasseError):
    """ES-05: only lines added by hand can be deleted."""

    fr = "{name} vient du modèle ({role_fr}) : seules les lignes ajoutées au dossier peuvent être supprimées."
    en = "{name} comes from the template ({role_en}): only lines added to the file can be deleted."


class PlacementOutside(LiasseError):
    """ES-05: a signature box that is off its page or outside the provider's size bounds."""

    fr = "La signature de {name} page {page} : {problem_fr}. Corrigez la position ({fix_fr})."
    en = "{name}'s signature on page {page}: {problem_en}. Correct the position ({fix_en})."


class TooManyDocuments(LiasseError):
    """The provider takes at most so many documents per request."""

    fr = "{title} accepte au plus {limit} documents par demande de signature ; ce dossier en a {count}. Répartissez-les sur plusieurs dossiers."
    en = "{title} accepts at most {limit} documents per signature request; this file has {count}. Split them over several files."


class SignedDocumentMissing(LiasseError):
    """ES-10: the provider says signed but gives no document yet."""

    fr = "{title} indique « {label} » signé mais ne fournit pas encore le document : réessayez dans quelques minutes."
    en = "{title} says '{label}' is signed but does not give the document yet: try again in a few minutes."


class SignerEmailMissing(LiasseError):
    """ES-09: the invitation goes by e-mail; a signer without one cannot sign."""

    fr = "{name} ({role_fr}) n'a pas d'adresse e-mail : saisissez-la sur sa ligne, c'est par elle qu'arrive l'invitation à signer."
    en = "{name} ({role_en}) has no e-mail address: type it on their line, the invitation to sign arrives through it."
