"""Errors users and host developers see.

Every error is a sentence that says what to fix, in French and in English.
A subclass declares its two templates; the parameters fill them. Parameters
never carry secret values: pass the *name* of a secret, never its content.
"""

from __future__ import annotations

from typing import Any, ClassVar

from liasse.messages import Lang, default_lang


class LiasseError(Exception):
    """Base of every error liasse raises on purpose."""

    fr: ClassVar[str] = "Erreur de liasse."
    en: ClassVar[str] = "liasse error."

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.message())

    def message(self, lang: Lang | None = None) -> str:
        """The sentence in ``lang`` (the process default when omitted)."""
        template = self.en if (lang or default_lang()) == "en" else self.fr
        return template.format(**self.params)

    def __str__(self) -> str:
        return self.message()


# --- configuration -----------------------------------------------------------


class SettingsError(LiasseError):
    """The settings file cannot be used as it is."""

    fr = "{path} : {problem_fr}"
    en = "{path}: {problem_en}"


class MissingSecret(LiasseError):
    """A secret reference points at nothing."""

    fr = "{path} : le secret « {key} » renvoie à {ref}, qui n'existe pas. {fix_fr}"
    en = "{path}: secret '{key}' refers to {ref}, which does not exist. {fix_en}"


class UnknownProvider(LiasseError):
    """A provider name that no installed plugin answers to."""

    fr = "Prestataire inconnu : « {name} ». Prestataires installés : {known}."
    en = "Unknown provider '{name}'. Installed providers: {known}."


class ProviderDisabled(LiasseError):
    """The provider exists but this office or this user has it switched off."""

    fr = "Le prestataire {title} est désactivé {scope_fr}. {fix_fr}"
    en = "Provider {title} is disabled {scope_en}. {fix_en}"


class ProviderBroken(LiasseError):
    """The provider's plugin failed to load."""

    fr = "Le module du prestataire « {name} » n'a pas pu être chargé : {error}. Lancez « liasse plugins » pour le détail."
    en = "The plugin of provider '{name}' could not be loaded: {error}. Run 'liasse plugins' for details."


class PluginSpecTooNew(LiasseError):
    """A plugin built for a newer minor of the hook specs than this liasse has (it may need hooks liasse lacks)."""

    fr = "Le module {plugin} a été écrit pour les hooks {theirs}, plus récents que ceux de ce liasse ({ours}) : mettez liasse à jour (pip install -U liasse) ou installez une version du module faite pour {ours}."
    en = "Plugin {plugin} was written for hook spec {theirs}, newer than this liasse's {ours}: upgrade liasse (pip install -U liasse) or install a version of the plugin made for {ours}."


class PluginSpecIncompatible(LiasseError):
    """A plugin built for another major of the hook specs (or one that names no valid version)."""

    fr = "Le module {plugin} a été écrit pour les hooks {theirs}, incompatibles avec ceux de ce liasse ({ours}) : installez une version du module faite pour {ours}."
    en = "Plugin {plugin} was written for hook spec {theirs}, incompatible with this liasse's {ours}: install a version of the plugin made for {ours}."


class CapabilityMissing(LiasseError):
    """The chosen provider does not implement this step."""

    fr = "{title} ne propose pas cette fonction ({step_fr}). Choisissez un prestataire qui la propose : {candidates}."
    en = "{title} does not offer this ({step_en}). Choose a provider that does: {candidates}."


# --- credentials -------------------------------------------------------------


class CredentialsMissing(LiasseError):
    """The user has not connected this provider yet (DS-01: asked at first use)."""

    fr = "Aucun identifiant {title} n'est enregistré pour l'utilisateur {user}. Renseignez-les avec « Connexion » (liasse connect {provider})."
    en = "No {title} credentials are stored for user {user}. Enter them with 'Connect' (liasse connect {provider})."


class CredentialsUnreadable(LiasseError):
    """Stored credentials cannot be decrypted with the current key."""

    fr = "Les identifiants {title} de {user} ne peuvent pas être déchiffrés avec la clé actuelle. Utilisez « Réinitialiser les identifiants » puis reconnectez-vous."
    en = "{user}'s {title} credentials cannot be decrypted with the current key. Use 'Reset credentials' and connect again."


class KeyUnavailable(LiasseError):
    """No encryption key for credentials."""

    fr = "Clé de chiffrement des identifiants introuvable : {detail}. Définissez LIASSE_SECRET_KEY (32 octets en base64) ou LIASSE_KEY_FILE."
    en = "No credentials encryption key: {detail}. Set LIASSE_SECRET_KEY (32 bytes, base64) or LIASSE_KEY_FILE."


# --- provider calls ----------------------------------------------------------


class ProviderError(LiasseError):
    """A provider answered with an error the user can act on."""

    fr = "{title} a refusé la demande : {detail_fr}"
    en = "{title} refused the request: {detail_en}"


class AccessDenied(ProviderError):
    """The provider refused the credentials."""

    fr = "{title} refuse les identifiants de {user}. Vérifiez l'e-mail et le mot de passe, ou la clé d'API, puis réessayez."
    en = "{title} refused {user}'s credentials. Check the e-mail and password, or the API key, and try again."


class OfficeKeysRefused(AccessDenied):
    """The provider refused the office's keys from ``liasse.toml`` (not a user's login)."""

    fr = "{title} refuse les clés de l'étude ({keys}). Vérifiez-les dans [providers.{provider}] de liasse.toml, puis réessayez."
    en = "{title} refused the office's keys ({keys}). Check them in [providers.{provider}] of liasse.toml and try again."


class ProviderUnavailable(ProviderError):
    """The provider could not be reached or is down; nothing was lost.

    ``retry_after`` (seconds, optional) is when the provider said to come back
    (its ``Retry-After``), so the outbox schedules the next attempt then.
    """

    fr = "{title} ne répond pas ({detail}). Rien n'est perdu : réessayez plus tard."
    en = "{title} is not answering ({detail}). Nothing is lost: try again later."

    @property
    def retry_after(self) -> float | None:
        """Seconds the provider asked to wait before the next attempt, if it said."""
        value = self.params.get("retry_after")
        return float(value) if value is not None else None


# --- state -------------------------------------------------------------------


class IllegalTransition(LiasseError):
    """A state change the state machine does not allow."""

    fr = "Impossible de passer {machine} de l'état « {source} » à « {target} ». Depuis « {source} », seuls ces états sont possibles : {allowed}."
    en = "Cannot move {machine} from '{source}' to '{target}'. From '{source}' only these are possible: {allowed}."


# --- state machines, store and key (appended by the store/credentials work) ---


class IllegalStateChange(IllegalTransition):
    """An :class:`IllegalTransition` told with the machine's and the states' words in each language.

    It keeps the base parameters (``machine``, ``source``, ``target``,
    ``allowed``: the machine's French name and the enum members) for code that
    inspects them, and adds ``*_fr``/``*_en`` texts for the sentence.
    """

    fr = "Impossible de passer {machine_fr} de l'état « {source_fr} » à « {target_fr} ». Depuis « {source_fr} », seuls ces états sont possibles : {allowed_fr}."
    en = "Cannot move {machine_en} from '{source_en}' to '{target_en}'. From '{source_en}' only these are possible: {allowed_en}."


class ExchangeChanged(LiasseError):
    """Another process changed the exchange's state between reading it and writing the new one."""

    fr = "L'échange « {label} » a changé d'état pendant l'opération (un autre poste ou une synchronisation l'a mis à jour). Actualisez la liste puis réessayez."
    en = "Exchange '{label}' changed state during the operation (another workstation or a sync updated it). Refresh the list and try again."


class StoreUnavailable(LiasseError):
    """liasse's own database cannot be opened or migrated."""

    fr = "La base de données de liasse ({url}) ne peut pas être ouverte : {detail}. Vérifiez LIASSE_DATABASE_URL ou la clé [store] url de liasse.toml."
    en = "liasse's database ({url}) cannot be opened: {detail}. Check LIASSE_DATABASE_URL or the [store] url key of liasse.toml."


class StoreTooNew(StoreUnavailable):
    """The database was migrated by a newer liasse than the one running."""

    fr = "La base de données de liasse ({url}) a été mise à jour par une version plus récente de liasse (schéma {revision}). Installez cette version de liasse ou une plus récente."
    en = "liasse's database ({url}) was upgraded by a newer liasse (schema {revision}). Install that version of liasse or a newer one."


class KeyMalformed(KeyUnavailable):
    """The credentials key exists but is not 32 bytes in URL-safe base64."""

    fr = "La clé de chiffrement des identifiants ({origin}) est invalide : {problem_fr}. Elle doit contenir 32 octets en base64 (par exemple produits par « python -c \"import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())\" »)."
    en = "The credentials encryption key ({origin}) is invalid: {problem_en}. It must hold 32 bytes in base64 (for instance from 'python -c \"import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())\"')."


class KeyFileExposed(KeyUnavailable):
    """A key file other users of the machine can read or write: refused, never used (S3)."""

    fr = "Le fichier de clé {path} est accessible à d'autres utilisateurs de la machine (droits {mode}) : liasse refuse de s'en servir. Restreignez-le à son propriétaire avec « chmod 600 {path} » (un secret monté en lecture seule : montez-le en 0400), ou passez la clé par LIASSE_SECRET_KEY, puis relancez."
    en = "The key file {path} can be accessed by other users of this machine (mode {mode}): liasse refuses to use it. Restrict it to its owner with 'chmod 600 {path}' (a read-only mounted secret: mount it 0400), or pass the key in LIASSE_SECRET_KEY, then run again."


class RotationBlocked(LiasseError):
    """Credentials no key of the key ring decrypts: a rotation would lose them, so nothing was changed."""

    fr = "Rotation de clé annulée, rien n'a été modifié : les identifiants de {rows} ne se déchiffrent avec aucune des clés connues ({key_ids}). Réinitialisez-les (« Réinitialiser les identifiants ») ou remettez l'ancienne clé dans {origin}, puis relancez « liasse secrets rotate »."
    en = "Key rotation cancelled, nothing was changed: the credentials of {rows} decrypt with none of the known keys ({key_ids}). Reset them ('Reset credentials') or put the old key back in {origin}, then run 'liasse secrets rotate' again."


# --- contacts, documents and exchanges (DocSecure and every exchange provider) ---


class FieldMissing(LiasseError):
    """A mandatory field of a form is empty."""

    fr = "{what_fr} : le champ « {field_fr} » est obligatoire. Renseignez-le puis validez à nouveau."
    en = "{what_en}: the field '{field_en}' is mandatory. Fill it in and submit again."


class PhoneInvalid(LiasseError):
    """A phone number that cannot be read at all."""

    fr = "Le numéro « {number} » n'est pas un numéro de téléphone valide. Saisissez un portable, par exemple 06 12 34 56 78 ou +32 470 12 34 56."
    en = "'{number}' is not a valid phone number. Type a mobile number, such as 06 12 34 56 78 or +32 470 12 34 56."


class NotAMobile(PhoneInvalid):
    """A valid number that cannot receive the SMS code (a landline)."""

    fr = "Le numéro « {number} » est un {line_fr}, qui ne peut pas recevoir le code SMS. Saisissez un numéro de portable (06 ou 07 en France), ou choisissez le type Organisation : le code partira alors par e-mail."
    en = "'{number}' is a {line_en}, which cannot receive the SMS code. Type a mobile number (06 or 07 in France), or choose the Organisation type: the code then goes by e-mail."


class EmailInvalid(LiasseError):
    """An e-mail address that cannot receive the link."""

    fr = "L'adresse e-mail « {email} » n'est pas valide ({reason}). Corrigez-la : c'est par elle que le contact reçoit le lien."
    en = "The e-mail address '{email}' is not valid ({reason}). Correct it: the contact receives the link through it."


class FileRefused(LiasseError):
    """A file the provider will not take (DS-34), refused before any upload."""

    fr = "Le fichier « {file_name} » ne peut pas être envoyé via {title} : {reason_fr}. {fix_fr}"
    en = "The file '{file_name}' cannot be sent through {title}: {reason_en}. {fix_en}"


class NotFound(LiasseError):
    """A contact, exchange or file liasse does not know."""

    fr = "{what_fr} n° {key} introuvable. Actualisez la liste : il a peut-être été supprimé."
    en = "{what_en} #{key} not found. Refresh the list: it may have been deleted."


class HostRecordMissing(LiasseError):
    """A record the user named does not exist in the host (an account, a user, an event …).

    Built from the host's own :class:`~liasse_hostapi.errors.HostLookupError`
    with :meth:`of`, so every command says which record to fix in one sentence.
    """

    fr = "{what_fr} « {key} » introuvable dans le logiciel de l'étude. Vérifiez {check_fr}."
    en = "{what_en} '{key}' not found in the office's software. Check {check_en}."

    #: The host's ``HostLookupError.what`` → (French, English) words, and what to check.
    WORDS: ClassVar[dict[str, tuple[str, str]]] = {
        "account": ("Compte", "Account"),
        "user": ("Utilisateur", "User"),
        "attachment": ("Pièce jointe", "Attachment"),
        "event": ("Événement", "Event"),
        "participation": ("Facture de participation", "Participation invoice"),
        "IBAN record": ("Fiche IBAN", "IBAN record"),
        "matter": ("Dossier", "Matter"),
    }

    @classmethod
    def of(cls, error: LookupError) -> HostRecordMissing:
        """The sentence for a host's lookup error (anything with ``what`` and ``key``)."""
        what = str(getattr(error, "what", "record"))
        fr, en = cls.WORDS.get(what, (what.capitalize(), what.capitalize()))
        return cls(
            what_fr=fr,
            what_en=en,
            key=getattr(error, "key", "?"),
            check_fr="le numéro ou l'identifiant saisi",
            check_en="the number or login you typed",
        )


class RightMissing(LiasseError):
    """The user lacks a right the host grants (DS-19, DS-33)."""

    fr = "{user} n'a pas le droit de {action_fr}. Demandez-le à l'administrateur de l'étude."
    en = "{user} is not allowed to {action_en}. Ask the office's administrator for the right."


class ActionNotPossible(LiasseError):
    """An action the exchange's current state does not allow, told in the user's words."""

    fr = "{problem_fr}"
    en = "{problem_en}"


class ReminderTooSoon(ProviderError):
    """DS-24: one reminder per exchange per 24 hours."""

    fr = "{title} refuse la relance : une relance a déjà été envoyée le {last}. La prochaine est possible à partir du {next}."
    en = "{title} refused the reminder: one was already sent on {last}. The next one is possible from {next}."


class BankDetailsInvalid(LiasseError):
    """An IBAN or BIC that cannot be right (DS-26, BY-02)."""

    fr = "Les coordonnées bancaires sont invalides : {reason_fr}. Vérifiez l'IBAN sur le RIB reçu et saisissez-le à nouveau ; le document reçu est conservé."
    en = "The bank details are invalid: {reason_en}. Check the IBAN on the received RIB and type it again; the received document is kept."


class BankDetailsNeeded(LiasseError):
    """A received RIB whose bank details could not be read: the user types them (DS-26)."""

    fr = "L'IBAN du RIB « {file_name} » n'a pas pu être lu automatiquement ({reason_fr}). Ouvrez le document, puis importez-le en saisissant l'IBAN (et le BIC) ; le document reçu est conservé."
    en = "The IBAN of the RIB '{file_name}' could not be read automatically ({reason_en}). Open the document, then import it typing the IBAN (and BIC); the received document is kept."


class StampRefused(LiasseError):
    """A received document cannot carry the timestamp mark (DS-28); the original is kept untouched."""

    fr = "Impossible d'apposer la mention d'horodatage sur « {file_name} » : {reason_fr}. Le document original est conservé tel quel."
    en = "Cannot put the timestamp mark on '{file_name}': {reason_en}. The original document is kept as it is."


class BankDetailsConflict(LiasseError):
    """The copies of a RIB on one page, or its IBAN and its French RIB line, give different accounts (BY-06)."""

    fr = (
        "Le RIB porte des coordonnées bancaires qui ne concordent pas ({where_fr}) : {first} et {second}. "
        "Aucune n'a été retenue : vérifiez le document auprès du contact puis saisissez l'IBAN ; le document reçu est conservé."
    )
    en = (
        "The RIB carries bank details that do not agree ({where_en}): {first} and {second}. "
        "Neither was kept: check the document with the contact, then type the IBAN; the received document is kept."
    )


class HostileDocument(LiasseError):
    """A received document liasse will not open or pass on as it is; the original is kept untouched."""

    fr = "Le document « {file_name} » n'est pas ouvert : {reason_fr}. L'original est conservé tel quel, sans être ouvert ; {fix_fr}"
    en = "The document '{file_name}' is not opened: {reason_en}. The original is kept as it is, unopened; {fix_en}"


class UnsafeDocument(HostileDocument):
    """A received PDF whose reading overran the confined worker's time or memory, or crashed it; the file is kept."""

    fr = (
        "Le document « {file_name} » n'a pas pu être lu en sécurité : {reason_fr}. Le fichier reçu est conservé tel quel, "
        "sans être ouvert ; demandez au client de le renvoyer, imprimé en PDF ordinaire."
    )
    en = (
        "The document '{file_name}' could not be read safely: {reason_en}. The received file is kept as it is, "
        "unopened; ask the client to send it again, printed to an ordinary PDF."
    )


class TimestampRefused(LiasseError):
    """The TSA answered, but gave no usable token; the received document is kept all the same."""

    fr = "L'autorité d'horodatage {tsa} n'a pas délivré de jeton : {reason_fr}. Le document reçu est conservé ; la preuve de réception pourra être redemandée."
    en = "The time-stamping authority {tsa} issued no token: {reason_en}. The received document is kept; the proof of receipt can be asked for again."


# --- outbox (issue 5: exactly-once sends) ----------------------------------------


class SendGivenUp(LiasseError):
    """The provider still had not taken a send after its retry horizon: the outbox stopped trying."""

    fr = (
        "{title} n'a pas pris « {label} » après {attempts} essais en {days} jour(s) ; liasse a cessé de réessayer. "
        "Dernière erreur : {last_error} Rien n'est perdu : vérifiez le service puis cliquez sur « Réessayer »."
    )
    en = (
        "{title} did not take '{label}' after {attempts} attempts over {days} day(s); liasse stopped trying. "
        "Last error: {last_error} Nothing is lost: check the service, then click 'Retry'."
    )


class SendInProgress(LiasseError):
    """Another relay (this server or another) is sending the exchange right now."""

    fr = "« {label} » est en cours d'envoi (par {owner}) : attendez la fin de cet envoi, au plus tard {until}, avant de réessayer."
    en = "'{label}' is being sent (by {owner}): wait for that send to end, at the latest {until}, before retrying."
