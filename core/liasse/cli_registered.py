"""``liasse <provider> …`` for a registered-mail provider (AR24): every step of AR-01 … AR-12.

In the order a user meets them: ``link`` (AR-01), ``consents`` /
``consent`` / ``ask-consent`` / ``update-consents`` (AR-03),
``payment-means`` / ``link-payment`` (AR-04), ``check`` (AR-05 … AR-07),
``send`` with a progress bar (AR-08), ``validate`` with one OTP (AR-09),
``letters`` / ``sync`` (AR-10), ``proofs`` (AR-12).

A letter is written ``EVENT/PARTY/KIND``: ``1/email:sophie.durand@orange.fr/eidas``
(kinds: ``eidas``, ``simple_notice``, ``paper``); ``consents EVENT`` prints
each party's key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import click

from liasse.cli_exchange import _DeskCommand, _ExchangeGroup, _liasse, _t, _table
from liasse.errors import LiasseError
from liasse.messages import default_lang
from liasse.records import LetterKind
from liasse.registered import Letter, LetterChoice, LetterFilter, RegisteredDesk, ValidationReport
from liasse.secrets import Secret
from liasse.states import LetterState


def registered_group(provider: str) -> click.Group:
    """The ``liasse <provider> …`` commands of a registered-mail provider."""

    @click.group(name=provider, cls=_ExchangeGroup)
    @click.option("--user", "user_login", required=True, envvar="LIASSE_USER", metavar="LOGIN", help="The host user acting.")
    @click.pass_context
    def group(ctx: click.Context, user_login: str) -> None:
        base = dict(ctx.obj) if isinstance(ctx.obj, dict) else {"config": None, "safe_mode": False}
        ctx.obj = {**base, "provider": provider, "user": user_login, "account_owner": None}

    group.help = (
        f"Registered letters through {provider}: account, consents, payment means, checks, send, OTP validation, "
        "statuses, proofs (lettres recommandées électroniques : compte, consentements, envoi, validation, suivi, preuves)."
    )
    group.short_help = f"{provider}: registered letters (consents, send, OTP validation, statuses, proofs)."
    for command in _COMMANDS:
        group.add_command(command)
    return group


def _desk(ctx: click.Context) -> RegisteredDesk:
    obj = ctx.obj
    desk = _liasse(ctx).desk(obj["provider"], obj["user"])
    assert isinstance(desk, RegisteredDesk)
    return desk


def _choice(text: str, colour: bool, duplex: bool, entity: str | None) -> LetterChoice:
    event, _, rest = text.partition("/")
    party, _, kind = rest.rpartition("/")
    try:
        return LetterChoice(int(event), party, LetterKind(kind), colour=colour, double_sided=duplex, billing_entity=entity)
    except ValueError:
        raise click.BadParameter(
            _t(
                f"« {text} » : écrivez ÉVÉNEMENT/PARTIE/TYPE, par exemple 1/email:sophie.durand@orange.fr/eidas "
                "(types : eidas, simple_notice, paper).",
                f"'{text}': write EVENT/PARTY/KIND, e.g. 1/email:sophie.durand@orange.fr/eidas "
                "(kinds: eidas, simple_notice, paper).",
            )
        ) from None


def _letter_row(letter: Letter) -> list[str]:
    moment = letter.acknowledged_at or letter.refused_at or letter.negligence_at or letter.bounced_at or letter.deposit_at
    return [
        str(letter.id),
        letter.party_name,
        letter.kind.value,
        letter.state.label(),
        letter.remote_id or "-",
        moment.isoformat(timespec="minutes") if moment else "-",
        letter.last_error or "",
    ]


_HEADERS = ("n°", "partie / party", "type", "statut / status", "AR24", "date", "")


def _print_report(report: ValidationReport) -> None:
    if report.ok:
        click.echo(_t(f"{len(report.ready)} lettre(s) prête(s) à partir.", f"{len(report.ready)} letter(s) ready to go."))
        return
    click.echo(_t("Parties en erreur :", "Parties in error:"))
    for reason, problems in report.by_reason().items():
        click.echo(f"  [{reason}]")
        for problem in problems:
            click.echo(f"    - {problem.event_title} / {problem.party_name} : {problem.text(default_lang())}")
    click.echo(_t("Événements en erreur : ", "Events in error: ") + ", ".join(map(str, report.events_in_error)))


@click.command("link", cls=_DeskCommand)
@click.pass_context
def link(ctx: click.Context) -> None:
    """AR-01: authorise the user's AR24 account (AR24 e-mails a confirmation link)."""
    result = _desk(ctx).link_account()
    if result.attached:
        click.echo(_t(f"Compte {result.email} rattaché.", f"Account {result.email} linked."))
    else:
        click.echo(
            _t(
                f"Demande envoyée : cliquez sur le lien reçu par {result.email}, puis relancez « link ».",
                f"Request sent: click the link {result.email} received, then run 'link' again.",
            )
        )


@click.command("consents", cls=_DeskCommand)
@click.argument("event_ids", nargs=-1, type=int, required=True)
@click.pass_context
def consents(ctx: click.Context, event_ids: Sequence[int]) -> None:
    """AR-03: each recipient party's key, e-mail and consent."""
    rows = [
        [c.party_key, c.party_name, c.email or "-", "oui" if c.ticked else "non", c.remote_state.value if c.remote_state else "-"]
        for c in _desk(ctx).consents(event_ids)
    ]
    _table(("clé / key", "partie / party", "e-mail", "consentement", "AR24"), rows)


@click.command("consent", cls=_DeskCommand)
@click.argument("event_id", type=int)
@click.argument("party")
@click.option("--on/--off", "ticked", default=True, help="Tick or untick.")
@click.pass_context
def consent(ctx: click.Context, event_id: int, party: str, ticked: bool) -> None:
    """AR-03: tick or untick one party's consent by hand."""
    found = _desk(ctx).set_consent(event_id, party, ticked)
    click.echo(f"{found.party_name}: {'oui' if found.ticked else 'non'}")


@click.command("ask-consent", cls=_DeskCommand)
@click.argument("event_id", type=int)
@click.argument("parties", nargs=-1, required=True)
@click.option("--days", type=click.IntRange(3, 30), default=15, show_default=True, help="Reply delay (3 to 30 days).")
@click.pass_context
def ask_consent(ctx: click.Context, event_id: int, parties: Sequence[str], days: int) -> None:
    """AR-03: send AR24's consent requests; no answer within the delay means refused."""
    for found in _desk(ctx).request_consents([event_id], parties, days):
        click.echo(f"{found.party_name}: {found.remote_state.value if found.remote_state else '-'} {found.link or ''}")


@click.command("update-consents", cls=_DeskCommand)
@click.argument("event_ids", nargs=-1, type=int, required=True)
@click.pass_context
def update_consents(ctx: click.Context, event_ids: Sequence[int]) -> None:
    """AR-03: pull consents from AR24 and list the parties changed."""
    changes = _desk(ctx).update_consents(event_ids)
    if not changes:
        click.echo(_t("Aucun changement.", "No change."))
    for change in changes:
        click.echo(
            f"{change.party_name}: {'oui' if change.ticked_before else 'non'} → {'oui' if change.ticked_after else 'non'}"
            f" ({change.email_after or '-'})"
        )


@click.command("payment-means", cls=_DeskCommand)
@click.pass_context
def payment_means(ctx: click.Context) -> None:
    """AR-04: the payment means AR24 has for the account, and the entities linked."""
    desk = _desk(ctx)
    _table(("id", "moyen / means"), [[m.remote_id, m.label] for m in desk.payment_means()])
    for entity, label in desk.payment_links().items():
        click.echo(f"{entity} → {label}")


@click.command("link-payment", cls=_DeskCommand)
@click.argument("entity")
@click.argument("payment_mean_id")
@click.pass_context
def link_payment(ctx: click.Context, entity: str, payment_mean_id: str) -> None:
    """AR-04: link a host entity to a payment means, once."""
    mean = _desk(ctx).link_payment_mean(entity, payment_mean_id)
    click.echo(f"{entity} → {mean.label}")


_LETTERS = click.argument("letters", nargs=-1, required=True)
_COLOUR = click.option("--colour", is_flag=True, help="Paper letters: print in colour.")
_DUPLEX = click.option("--duplex", is_flag=True, help="Paper letters: both sides of each sheet.")
_ENTITY = click.option("--entity", help="AR-04: the host entity billed (its linked payment means).")


@click.command("check", cls=_DeskCommand)
@_LETTERS
@_COLOUR
@_DUPLEX
@_ENTITY
@click.pass_context
def check(ctx: click.Context, letters: Sequence[str], colour: bool, duplex: bool, entity: str | None) -> None:
    """AR-05 … AR-07: check letters before sending; the summary per party and reason."""
    report = _desk(ctx).check([_choice(t, colour, duplex, entity) for t in letters])
    _print_report(report)
    if not report.ok:
        ctx.exit(1)


@click.command("send", cls=_DeskCommand)
@_LETTERS
@_COLOUR
@_DUPLEX
@_ENTITY
@click.pass_context
def send(ctx: click.Context, letters: Sequence[str], colour: bool, duplex: bool, entity: str | None) -> None:
    """AR-08: send the letters that pass the checks, with a progress bar; each letter's result."""
    from rich.progress import Progress

    choices = [_choice(t, colour, duplex, entity) for t in letters]
    with Progress(transient=True) as bar:
        task = bar.add_task(_t("Envoi à AR24", "Sending to AR24"), total=len(choices))
        report = _desk(ctx).send(choices, progress=lambda _position, _result: bar.advance(task))
    if report.problems:
        _print_report(ValidationReport((), report.problems))
    rows = []
    for result in report.results:
        if isinstance(result, LiasseError):
            rows.append(["-", "", "", _t("erreur", "error"), "-", "-", str(result)])
        else:
            rows.append(_letter_row(result))
    if rows:
        _table(_HEADERS, rows)
    click.echo(_t(f"Documents déposés : {report.uploads}.", f"Documents uploaded: {report.uploads}."))


@click.command("validate", cls=_DeskCommand)
@click.argument("letter_ids", nargs=-1, type=int)
@click.option("--otp", help="The 6-digit code of the OTP key (asked, hidden, when omitted). Never stored.")
@click.pass_context
def validate(ctx: click.Context, letter_ids: Sequence[int], otp: str | None) -> None:
    """AR-09: validate letters "to validate" with one OTP code (all of them when no id is given)."""
    desk = _desk(ctx)
    ids = list(letter_ids) or [letter.id for letter in desk.letters(LetterFilter(states=(LetterState.TO_VALID,)))]
    code = otp or click.prompt(_t("Code OTP (6 chiffres)", "OTP code (6 digits)"), hide_input=True, err=True)
    _table(_HEADERS, [_letter_row(letter) for letter in desk.validate(ids, Secret(code.strip()))])


@click.command("letters", cls=_DeskCommand)
@click.option("--state", "states", multiple=True, type=click.Choice([s.value for s in LetterState]))
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--all-users", is_flag=True, help="Every user's letters on the account (needs the right).")
@click.option("--event", "event_id", type=int)
@click.pass_context
def letters(
    ctx: click.Context,
    states: Sequence[str],
    since: dt.datetime | None,
    until: dt.datetime | None,
    all_users: bool,
    event_id: int | None,
) -> None:
    """AR-10: the letters and their statuses, with filters."""
    filters = LetterFilter(
        states=tuple(LetterState(s) for s in states),
        since=since.replace(tzinfo=dt.UTC) if since else None,
        until=until.replace(tzinfo=dt.UTC) + dt.timedelta(days=1) if until else None,
        all_users=all_users,
        event_id=event_id,
    )
    _table(_HEADERS, [_letter_row(letter) for letter in _desk(ctx).letters(filters)])


@click.command("sync", cls=_DeskCommand)
@click.pass_context
def sync(ctx: click.Context) -> None:
    """AR-10: poll AR24 for every letter's status (the fallback when a webhook is lost)."""
    report = _desk(ctx).sync()
    click.echo(_t(f"{len(report.changed)} lettre(s) mise(s) à jour.", f"{len(report.changed)} letter(s) updated."))


@click.command("proofs", cls=_DeskCommand)
@click.argument("letter_ids", nargs=-1, type=int, required=True)
@click.pass_context
def proofs(ctx: click.Context, letter_ids: Sequence[int]) -> None:
    """AR-12: fetch the proofs of deposit and of the outcome, archived on the party's account."""
    desk = _desk(ctx)
    for letter_id in letter_ids:
        letter: Any = desk.archive_proofs(letter_id)
        click.echo(
            f"{letter.id} {letter.party_name}: "
            + _t("dépôt", "deposit")
            + f" {letter.deposit_proof_id or '-'}, "
            + _t("issue", "outcome")
            + f" {letter.outcome_proof_id or '-'}"
        )


_COMMANDS = (
    link,
    consents,
    consent,
    ask_consent,
    update_consents,
    payment_means,
    link_payment,
    check,
    send,
    validate,
    letters,
    sync,
    proofs,
)
