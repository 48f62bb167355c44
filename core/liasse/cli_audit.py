"""``liasse audit``: read the audit log (who did what, when, on which account, through which provider).

Filters combine (``--user FICH --provider docsecure --since 7d``); ``--json``
gives one object per entry with ISO dates, for an export. The log holds
names and ids only, so nothing here needs masking.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import click

from liasse.messages import default_lang

_RELATIVE = re.compile(r"^(\d+)\s*([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def _t(fr: str, en: str) -> str:
    return en if default_lang() == "en" else fr


class SinceType(click.ParamType):  # type: ignore[type-arg]  # generic only from click 8.2; pyproject allows 8.1
    """A date (``2026-12-01``), a date and time (``2026-12-01T09:30``, local time unless an offset is given), or a duration back from now (``7d``, ``12h``, ``30m``)."""

    name = "since"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        text = str(value).strip()
        relative = _RELATIVE.match(text)
        if relative:
            amount, unit = int(relative.group(1)), relative.group(2)
            return dt.datetime.now(dt.UTC) - dt.timedelta(**{_UNITS[unit]: amount})
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            self.fail(
                _t(
                    f"« {text} » n'est ni une date (2026-12-01), ni une date et heure (2026-12-01T09:30), ni une durée (7d, 12h, 30m).",
                    f"'{text}' is neither a date (2026-12-01), a date and time (2026-12-01T09:30), nor a duration (7d, 12h, 30m).",
                ),
                param,
                ctx,
            )
        # A date without an offset is the operator's local time, as a person types it.
        return moment.astimezone() if moment.tzinfo is None else moment


@click.command()
@click.option("--user", "user_login", help="Only this host user's actions.")
@click.option("--account", "account_number", help="Only actions on this host account (e.g. 2950).")
@click.option("--provider", help="Only actions through this provider (e.g. docsecure).")
@click.option("--since", type=SinceType(), help="From this date, date and time, or duration back (7d, 12h, 30m).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (one object per entry).")
@click.pass_context
def audit(
    ctx: click.Context,
    user_login: str | None,
    account_number: str | None,
    provider: str | None,
    since: dt.datetime | None,
    as_json: bool,
) -> None:
    """The audit log: every action, who, when, on what, through which provider, and how it ended."""
    from liasse import audit as audit_log
    from liasse.app import Liasse

    root = ctx.find_root().obj or {}
    liasse = Liasse.open(root.get("config"), safe_mode=root.get("safe_mode") or None)
    found = audit_log.entries(liasse.store, user=user_login, account=account_number, provider=provider, since=since)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": entry.id,
                        "at": entry.at.isoformat(),
                        "user": entry.user,
                        "action": entry.action.value,
                        "provider": entry.provider,
                        "account_owner": entry.account_owner,
                        "account": entry.account_number,
                        "matter": entry.matter_code,
                        "target": entry.target,
                        "outcome": entry.outcome.value,
                        "error": entry.error,
                    }
                    for entry in found
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if not found:
        click.echo(_t("Aucune action ne correspond.", "No action matches."))
        return
    for entry in found:
        at = entry.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        owner = f" [{entry.account_owner}]" if entry.account_owner and entry.account_owner != entry.user else ""
        parts = [
            at,
            f"{entry.user:<10}",
            f"{entry.action.value:<22}",
            f"{(entry.provider or '-'):<10}",
            f"{(entry.account_number or '-'):<8}",
            f"{(entry.target or '-'):<16}",
            entry.outcome.value + (f" ({entry.error})" if entry.error else "") + owner,
        ]
        click.echo("  ".join(parts))
