"""Registered-mail screens (AR24, AR-01 … AR-12): one blueprint for every registered-mail provider, under ``/r/<provider>/``.

In the manual's order: the account link (AR-01, a button of the user
settings), consents (AR-03), payment means (AR-04), letters from selected
events with their kind of send and print settings (AR-05, AR-06), the error
summary with "Recalculer" (AR-07), the bulk send with its progress bar
(AR-08), the bulk OTP validation (AR-09), the status list with its filters
and the proofs (AR-10, AR-12). Each view turns a form into the desk's
records, calls one method of :class:`liasse.registered.RegisteredDesk` and
shows what came back.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from liasse_hostapi.errors import HostLookupError
from liasse_hostapi.records import Event, Right
from werkzeug.exceptions import BadRequest

from liasse.app import Liasse
from liasse.capabilities import Capability
from liasse.errors import LiasseError
from liasse.records import ConsentState, LetterKind
from liasse.registered import Letter, LetterChoice, LetterFilter, LetterProblem, RegisteredDesk
from liasse.registered import letters as build
from liasse.secrets import Secret
from liasse.signing.roles import words as role_words
from liasse.states import LetterState
from liasse_screens import menus
from liasse_screens.app import acting_user, back, office_liasse
from liasse_screens.menus import CapabilityScreens, MenuEntry

#: AR-06: the three kinds of send, in the manual's words.
KIND_WORDS: dict[LetterKind, str] = {
    LetterKind.EIDAS: "LRE qualifiée eIDAS",
    LetterKind.SIMPLE_NOTICE: "Avis électronique simplifié",
    LetterKind.PAPER: "Lettre recommandée papier",
}
#: AR-07: the error summary's sections, one per reason.
REASON_WORDS: dict[str, str] = {
    "not_timestamped": "Événement non chronoté",
    "no_email": "Pas d'adresse e-mail",
    "no_consent": "Pas de consentement",
    "no_address": "Adresse postale incomplète",
    "page_not_a4": "Page hors format A4",
    "unknown_party": "Partie inconnue",
}
CONSENT_WORDS: dict[ConsentState, str] = {
    ConsentState.ACCEPTED: "Accepté",
    ConsentState.REFUSED: "Refusé",
    ConsentState.PENDING: "Demande en attente",
}
#: States past the deposit, whose proofs can be archived (AR-12).
DEPOSITED = frozenset(
    {LetterState.SENT, LetterState.ACKNOWLEDGED, LetterState.REFUSED, LetterState.NEGLECTED, LetterState.BOUNCED}
)
#: A 6-digit OTP code, as the user's key shows it (AR-02).
OTP_DIGITS = 6

_log = logging.getLogger(__name__)


def declare() -> None:
    """Register the registered-mail screens for :attr:`Capability.REGISTERED_MAIL` (idempotent)."""
    menus.register(Capability.REGISTERED_MAIL, screens)


def screens() -> CapabilityScreens:
    """The account menu (letters from the account's events, consents, tracking) and the tracking icon."""
    return CapabilityScreens(
        capability=Capability.REGISTERED_MAIL,
        make_blueprint=blueprint,
        account_menu=(
            MenuEntry("Lettres recommandées depuis les événements", "registered.account_events"),
            MenuEntry("Suivi des lettres recommandées", "registered.account_tracking"),
        ),
        tracking_endpoint="registered.tracking",
        account_tracking_endpoint="registered.account_tracking",
        counter=_to_validate_count,
        counter_words="lettre(s) à valider",
    )


def desk(provider: str) -> RegisteredDesk:
    """The acting user's registered-mail desk on ``provider``."""
    found = office_liasse().desk(provider, acting_user())
    if not isinstance(found, RegisteredDesk):
        abort(404)
    return found


def _to_validate_count(provider: str, number: str | None) -> int:
    """The icon's number: the user's letters waiting for the OTP validation (AR-09), of one account or all."""
    letters = desk(provider).letters(LetterFilter(states=(LetterState.TO_VALID,)))
    return sum(1 for letter in letters if number is None or letter.account_number == number)


# --- the background send (AR-08) ----------------------------------------------------------


@attrs.frozen
class LetterResult:
    """One line of the send's result: a letter made, or the reason it was not."""

    position: int
    party_name: str
    kind: str
    state: str
    remote_id: str
    error: str
    letter_id: int | None

    @classmethod
    def of(cls, position: int, result: Letter | LiasseError) -> LetterResult:
        """The line for ``result``: a letter, or the error the provider answered for it (named later)."""
        if isinstance(result, Letter):
            return cls(
                position, result.party_name, KIND_WORDS[result.kind], result.state.label(), result.remote_id or "",
                result.last_error or "", result.id,
            )
        return cls(position, "", "", LetterState.FAILED.label(), "", str(result), None)


@attrs.define
class SendJob:
    """A bulk send running in a background thread of the served app; the progress page polls it."""

    id: str
    provider: str
    user: str
    total: int
    done: int = 0
    finished: bool = False
    results: list[LetterResult] = attrs.field(factory=list)
    problems: tuple[LetterProblem, ...] = ()
    uploads: int = 0
    error: str | None = None
    lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False)

    def snapshot(self) -> dict[str, Any]:
        """The job as the progress page reads it (JSON)."""
        with self.lock:
            return {
                "total": self.total,
                "done": self.done,
                "finished": self.finished,
                "error": self.error,
                "results": [attrs.asdict(r) for r in self.results],
            }


#: Finished sends kept for their result page; older ones are forgotten (the status list keeps every letter).
KEPT_JOBS = 50


def _jobs() -> dict[str, SendJob]:
    jobs: dict[str, SendJob] = current_app.extensions.setdefault("registered_jobs", {})
    return jobs


def _add_job(job: SendJob) -> None:
    """Keep ``job``, forgetting the oldest finished ones beyond :data:`KEPT_JOBS` (a server runs for weeks)."""
    jobs = _jobs()
    jobs[job.id] = job
    finished = [key for key, kept in jobs.items() if kept.finished]
    for key in finished[: max(0, len(finished) - KEPT_JOBS)]:
        jobs.pop(key, None)


def _run_send(liasse: Liasse, job: SendJob, choices: list[LetterChoice], webhook_url: str | None) -> None:
    """The send itself, off the request: each letter's result lands in ``job`` as it comes."""

    def progress(position: int, result: Letter | LiasseError) -> None:
        with job.lock:
            job.done += 1
            job.results.append(LetterResult.of(position, result))

    try:
        found = liasse.desk(job.provider, job.user)
        assert isinstance(found, RegisteredDesk)
        started = dt.datetime.now(dt.UTC)
        report = found.send(choices, progress=progress, webhook_url=webhook_url)
        with job.lock:
            job.problems, job.uploads = report.problems, report.uploads
        _name_failures(found, job, started)
    except LiasseError as exc:
        with job.lock:
            job.error = str(exc)
    except Exception:
        # A fault of ours must not leave the bar waiting forever: the page says so, the log keeps the details.
        _log.exception("registered-mail send %s failed", job.id)
        with job.lock:
            job.error = "L'envoi s'est interrompu sur une erreur inattendue : consultez le suivi des lettres, puis le journal du serveur."
    finally:
        with job.lock:
            # Refused before any call or not: the bar reaches its end when the work is over.
            job.done, job.finished = job.total, True


def _name_failures(found: RegisteredDesk, job: SendJob, started: dt.datetime) -> None:
    """Name the party of each letter the provider refused: the send's letters are numbered in the order they went."""
    if all(r.letter_id is not None for r in job.results):
        return
    made = sorted(
        (letter for letter in found.letters(LetterFilter(since=started - dt.timedelta(seconds=1)))),
        key=lambda letter: letter.id,
    )[-len(job.results) :]
    if len(made) != len(job.results):
        return  # another send of the same user interleaved: keep the errors unnamed rather than guess
    with job.lock:
        job.results = [
            r
            if r.letter_id is not None
            else attrs.evolve(
                r,
                party_name=made[r.position].party_name,
                kind=KIND_WORDS[made[r.position].kind],
                state=made[r.position].state.label(),
                letter_id=made[r.position].id,
            )
            for r in job.results
        ]


def _webhook_url(provider: str) -> str | None:
    """Where the provider posts status changes: liasse's endpoint in this served app (AR24 takes it per letter)."""
    served = current_app.config.get("LIASSE_SERVED_URL")
    return f"{served}/liasse/webhooks/{provider}" if served else None


# --- forms -------------------------------------------------------------------------


def _event_ids(values: Iterable[str]) -> list[int]:
    """Ticked events; anything but digits is a 400 that says what to do."""
    values = list(values)
    if any(not v.isdigit() for v in values):
        raise BadRequest("Numéro d'événement invalide dans le formulaire. Rechargez la page et cochez à nouveau.")
    return list(dict.fromkeys(int(v) for v in values))


def _choices_from_form(events: list[Event]) -> list[LetterChoice]:
    """AR-06: one letter per party whose kind of send is chosen, with the print settings and the billed entity."""
    form = request.values
    colour = form.get("colour") == "colour"
    double_sided = form.get("sides") == "double"
    entity = form.get("entity") or None
    made = []
    for event in events:
        for party in build.recipients(event):
            key = build.party_key(party)
            value = form.get(f"kind:{event.id}:{key}", "")
            if not value:
                continue
            try:
                kind = LetterKind(value)
            except ValueError:
                raise BadRequest(
                    f"Type d'envoi inconnu pour {party.name} : « {value} ». Rechargez la page et choisissez dans la liste."
                ) from None
            made.append(LetterChoice(event.id, key, kind, colour=colour, double_sided=double_sided, billing_entity=entity))
    return made


def _day(value: str, what: str, *, end: bool = False) -> dt.datetime | None:
    """A date field (YYYY-MM-DD) as the start, or the end, of that day in the office's time zone."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"La date « {what} » doit être une date (JJ/MM/AAAA) : « {value} » n'en est pas une.") from None
    zone = ZoneInfo(office_liasse().host.office.office().timezone)
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return (start + dt.timedelta(days=1) if end else start).astimezone(dt.UTC)


def _title(provider: str) -> str:
    return office_liasse().provider(provider).title


def _events(ids: list[int]) -> list[Event]:
    host = office_liasse().host
    return [host.events.event(i) for i in ids]


def _parties_of(events: list[Event]) -> dict[str, int]:
    """Each recipient party's key → the first selected event it is a party of."""
    found: dict[str, int] = {}
    for event in events:
        for party in build.recipients(event):
            found.setdefault(build.party_key(party), event.id)
    return found


def blueprint() -> Blueprint:
    """Every registered-mail screen, under ``/r/<provider>/``."""
    bp = Blueprint("registered", __name__, url_prefix="/r/<provider>")

    # --- AR-01: the account link (a button of the user settings) ------------------------

    @bp.post("/link-account")
    def link_account(provider: str) -> ResponseReturnValue:
        return authorise(provider)

    # --- AR-05: events to make letters from ----------------------------------------------

    @bp.get("/events")
    def events(provider: str) -> ResponseReturnValue:
        return _events_page(provider, None)

    @bp.get("/accounts/<number>/events")
    def account_events(provider: str, number: str) -> ResponseReturnValue:
        office_liasse().host.accounts.account(number)
        return _events_page(provider, number)

    def _events_page(provider: str, number: str | None) -> ResponseReturnValue:
        found = office_liasse().host.events.events(number)
        return render_template("registered_events.html", provider=provider, title=_title(provider), events=found, number=number)

    # --- AR-03: consents --------------------------------------------------------------

    @bp.route("/consents", methods=["GET", "POST"])
    def consents(provider: str) -> ResponseReturnValue:
        ids = _event_ids(request.values.getlist("event"))
        next_url = request.values.get("next") or ""
        if not ids:
            flash("Cochez au moins un événement : ses parties sont celles dont on gère le consentement.", "error")
            return redirect(next_url or url_for("registered.events", provider=provider))
        d = desk(provider)
        chosen = _events(ids)
        here = url_for("registered.consents", provider=provider, event=ids, next=next_url or None)
        if request.method == "POST":
            action = request.form.get("action")
            if action == "update":
                changes = d.update_consents(ids)
                if changes:
                    listed = ", ".join(
                        f"{c.party_name} ({'oui' if c.ticked_before else 'non'} → {'oui' if c.ticked_after else 'non'}"
                        f"{', ' + c.email_after if c.email_after else ''})"
                        for c in changes
                    )
                    flash(f"Consentements mis à jour depuis {_title(provider)} : {listed}.", "success")
                else:
                    flash(f"Consentements à jour : {_title(provider)} n'a rien changé.", "success")
            elif action == "ask":
                asked = request.form.getlist("ask")
                delay = request.form.get("delay", "15")
                if not asked:
                    flash("Cochez « Demander » pour au moins une partie à qui envoyer la demande de consentement.", "error")
                elif not delay.isdigit() or not 3 <= int(delay) <= 30:
                    flash("Le délai de réponse est un nombre de jours entre 3 et 30.", "error")
                else:
                    done = d.request_consents(ids, asked, int(delay))
                    names = ", ".join(c.party_name for c in done)
                    flash(f"Demande de consentement envoyée par {_title(provider)} à : {names}.", "success")
            elif action == "save":
                ticked = set(request.form.getlist("ticked"))
                where = _parties_of(chosen)
                changed = []
                for consent in d.consents(ids):
                    if consent.party_key in where and (consent.party_key in ticked) != consent.ticked:
                        d.set_consent(where[consent.party_key], consent.party_key, consent.party_key in ticked)
                        changed.append(consent.party_name)
                flash(
                    f"Consentements enregistrés : {', '.join(changed)}." if changed else "Aucun consentement modifié.",
                    "success",
                )
            else:
                raise BadRequest("Action inconnue sur les consentements. Rechargez la page.")
            return redirect(here)
        professional = {key for key in _parties_of(chosen) if _is_professional(d, chosen, key)}
        return render_template(
            "registered_consents.html",
            provider=provider,
            title=_title(provider),
            events=chosen,
            ids=ids,
            consents=d.consents(ids),
            professional=professional,
            consent_words=CONSENT_WORDS,
            next=next_url,
        )

    # --- AR-04: payment means ------------------------------------------------------------

    @bp.get("/payment-means")
    def payment_means(provider: str) -> ResponseReturnValue:
        d = desk(provider)
        return render_template(
            "registered_payment.html",
            provider=provider,
            title=_title(provider),
            means=d.payment_means(),
            links=d.payment_links(),
            entities=list(d.host.banking.bank_accounts()),
        )

    @bp.post("/payment-means/link")
    def payment_link(provider: str) -> ResponseReturnValue:
        entity = request.form.get("entity", "").strip()
        mean = request.form.get("mean", "").strip()
        if not entity or not mean:
            flash("Choisissez l'entité de l'étude et le moyen de paiement à lui lier.", "error")
        else:
            linked = desk(provider).link_payment_mean(entity, mean)
            flash(f"Entité {entity} liée au moyen de paiement « {linked.label} ».", "success")
        return redirect(url_for("registered.payment_means", provider=provider))

    # --- AR-05 … AR-07: letters, checks and the error summary ----------------------------

    @bp.get("/letters")
    def prepare(provider: str) -> ResponseReturnValue:
        ids = _event_ids(request.args.getlist("event"))
        if not ids:
            flash("Cochez au moins un événement pour préparer ses lettres recommandées.", "error")
            return back("registered.events", provider=provider)
        d = desk(provider)
        chosen = _events(ids)
        choices = _choices_from_form(chosen)
        report = None
        if request.args.get("check"):
            if not choices:
                flash("Choisissez le type d'envoi d'au moins une partie avant de vérifier.", "error")
            else:
                report = d.check(choices)
        consents = {c.party_key: c for c in d.consents(ids)}
        return render_template(
            "registered_letters.html",
            provider=provider,
            title=_title(provider),
            events=chosen,
            ids=ids,
            recipients={e.id: [(build.party_key(p), p) for p in build.recipients(e)] for e in chosen},
            consents=consents,
            professional={key for key in consents if _is_professional(d, chosen, key)},
            kind_words=KIND_WORDS,
            reason_words=REASON_WORDS,
            role_words=role_words,
            report=report,
            args=request.args,
            links=d.payment_links(),
            here=request.full_path,
        )

    # --- AR-08: the bulk send, in the background, with its progress bar ------------------

    @bp.post("/send")
    def send(provider: str) -> ResponseReturnValue:
        ids = _event_ids(request.form.getlist("event"))
        chosen = _events(ids)
        choices = _choices_from_form(chosen)
        if not choices:
            flash("Choisissez le type d'envoi d'au moins une partie : aucune lettre n'est partie.", "error")
            return back("registered.events", provider=provider)
        d = desk(provider)  # rights and credentials checked now, in the request, with a sentence if missing
        job = SendJob(secrets.token_urlsafe(12), provider, d.user_login, total=len(choices))
        _add_job(job)
        worker = threading.Thread(
            target=_run_send,
            args=(office_liasse(), job, choices, _webhook_url(provider)),
            name=f"liasse-screens-send-{job.id}",
            daemon=True,
        )
        worker.start()
        return redirect(url_for("registered.job", provider=provider, job_id=job.id))

    @bp.get("/jobs/<job_id>")
    def job(provider: str, job_id: str) -> ResponseReturnValue:
        found = _job(job_id)
        snapshot = found.snapshot()
        letters = [r for r in found.results if r.letter_id is not None]
        return render_template(
            "registered_job.html",
            provider=provider,
            title=_title(provider),
            job=found,
            snapshot=snapshot,
            results=sorted(found.results, key=lambda r: r.position),
            problems=found.problems,
            reason_words=REASON_WORDS,
            to_validate=[r.letter_id for r in letters if r.state == LetterState.TO_VALID.label()],
        )

    @bp.get("/jobs/<job_id>.json")
    def job_json(provider: str, job_id: str) -> ResponseReturnValue:
        return jsonify(_job(job_id).snapshot())

    # --- AR-09: bulk validation with one OTP code -------------------------------------------

    @bp.route("/validate", methods=["GET", "POST"])
    def validate(provider: str) -> ResponseReturnValue:
        d = desk(provider)
        waiting = d.letters(LetterFilter(states=(LetterState.TO_VALID,)))
        if request.method == "POST":
            ids = [int(v) for v in request.form.getlist("letter") if v.isdigit()]
            code = request.form.get("otp", "").strip().replace(" ", "")
            if not ids:
                flash("Cochez au moins une lettre à valider.", "error")
            elif not (code.isdigit() and len(code) == OTP_DIGITS):
                flash(
                    f"Tapez les {OTP_DIGITS} chiffres du code que votre clé OTP affiche maintenant (application du téléphone).",
                    "error",
                )
            else:
                done = d.validate(ids, Secret(code))
                moved = [letter for letter in done if letter.state is not LetterState.TO_VALID]
                states = ", ".join(sorted({letter.state.label() for letter in moved})) or "inchangées"
                flash(f"{len(moved)} lettre(s) validée(s) avec un seul code OTP : {states}.", "success")
                return redirect(url_for("registered.tracking", provider=provider))
            return redirect(url_for("registered.validate", provider=provider, letter=ids))
        chosen = {int(v) for v in request.args.getlist("letter") if v.isdigit()}
        return render_template(
            "registered_validate.html",
            provider=provider,
            title=_title(provider),
            letters=waiting,
            chosen=chosen or {letter.id for letter in waiting},
            kind_words=KIND_WORDS,
        )

    # --- AR-10, AR-12: statuses, filters, proofs -----------------------------------------------

    @bp.get("/tracking")
    def tracking(provider: str) -> ResponseReturnValue:
        args = request.args
        d = desk(provider)
        states = []
        for value in args.getlist("state"):
            try:
                states.append(LetterState(value))
            except ValueError:
                raise BadRequest(f"État inconnu : « {value} ». Rechargez la page et cochez dans la liste.") from None
        event = args.get("event", "")
        if event and not event.isdigit():
            raise BadRequest("Numéro d'événement invalide dans les filtres. Rechargez la page.")
        filters = LetterFilter(
            states=tuple(states),
            since=_day(args.get("since", ""), "Du"),
            until=_day(args.get("until", ""), "Au", end=True),
            all_users=args.get("all_users") == "yes",
            event_id=int(event) if event else None,
        )
        return _tracking_page(provider, d, filters, None)

    @bp.get("/accounts/<number>/tracking")
    def account_tracking(provider: str, number: str) -> ResponseReturnValue:
        d = desk(provider)
        d.host.accounts.account(number)
        return _tracking_page(provider, d, LetterFilter(), number)

    def _tracking_page(provider: str, d: RegisteredDesk, filters: LetterFilter, number: str | None) -> ResponseReturnValue:
        text = request.args.get("q", "").strip().lower()
        found = [
            letter
            for letter in d.letters(filters)
            if (number is None or letter.account_number == number) and (not text or text in _searchable(letter))
        ]
        user = d.host.office.user(acting_user())
        return render_template(
            "registered_tracking.html",
            provider=provider,
            title=_title(provider),
            letters=found,
            account=d.host.accounts.account(number) if number else None,
            args=request.args,
            state_values=list(LetterState),
            kind_words=KIND_WORDS,
            deposited=DEPOSITED,
            can_see_others=user.has(Right.SEE_OTHER_USERS_CONTACTS),
            events=d.host.events.events(None),
            here=request.full_path,
        )

    @bp.post("/sync")
    def sync(provider: str) -> ResponseReturnValue:
        report = desk(provider).sync()
        flash(f"Statuts relus chez {_title(provider)} : {len(report.changed)} lettre(s) mise(s) à jour.", "success")
        return _back(provider)

    @bp.post("/letters/<int:letter_id>/proofs")
    def proofs(provider: str, letter_id: int) -> ResponseReturnValue:
        letter = desk(provider).archive_proofs(letter_id)
        kept = [p for p in (letter.deposit_proof_id, letter.outcome_proof_id) if p]
        if kept:
            flash(f"Preuves de « {letter.label} » archivées sur le compte {letter.account_number} ({len(kept)}).", "success")
        else:
            flash(f"« {letter.label} » n'a pas encore de preuve : elle en aura une une fois envoyée.", "warning")
        return _back(provider)

    return bp


def authorise(provider: str) -> ResponseReturnValue:
    """AR-01 "Autoriser le compte": attached at once, or the provider e-mails the user a confirmation link."""
    link = desk(provider).link_account()
    title = _title(provider)
    if link.attached:
        flash(f"Compte {title} {link.email} autorisé : il est rattaché au logiciel de l'étude.", "success")
    else:
        flash(
            f"{title} a envoyé un lien de confirmation à {link.email} : cliquez-le, puis « Autoriser le compte » à nouveau.",
            "warning",
        )
    return redirect(url_for("settings.index"))


def _job(job_id: str) -> SendJob:
    """The acting user's send job, or 404 (another user's progress is not shown)."""
    found = _jobs().get(job_id)
    if found is None or found.user != acting_user():
        abort(404)
    return found


def _searchable(letter: Letter) -> str:
    """What the status list's search box looks in: the label, the party, the e-mail, the address, AR24's number."""
    return " ".join(
        v for v in (letter.label, letter.party_name, letter.recipient_email, letter.postal_address, letter.remote_id) if v
    ).lower()


def _is_professional(d: RegisteredDesk, events: list[Event], key: str) -> bool:
    """A party whose account is a legal entity needs no prior consent (AR-03, §1.10)."""
    for event in events:
        party = build.find_party(event, key)
        if party is not None and party.account_number:
            try:
                return bool(d.host.accounts.account(party.account_number).legal_entity)
            except HostLookupError:
                return False
    return False


def _back(provider: str) -> ResponseReturnValue:
    return back("registered.tracking", provider=provider)

