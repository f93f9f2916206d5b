"""`ledger person` options for a key person's personal details, and `ledger person
erase` (docs/domain.md, "Personal data")."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from commands.runtime import LedgerContext, pass_ledger, recording_options, split_case, submit

F = TypeVar("F", bound=Callable[..., Any])

# Option, model field, help: form 2's personal details, encrypted at rest.
DETAIL_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("--birth-date", "birth_date", "Date of birth, YYYY-MM-DD."),
    ("--birthplace", "birthplace", "Place of birth."),
    ("--native-place", "native_place", "Native place (family origin)."),
    ("--education", "education", "Education (highest degree, subject)."),
    ("--school", "school", "School or university."),
    ("--family", "family", "Family situation."),
    ("--hobbies", "hobbies", "Hobbies and interests."),
    ("--journals", "journals", "Professional journals they read."),
    ("--associations", "associations", "Professional associations."),
    ("--work-history", "work_history", "Earlier employers and posts."),
    ("--mobile", "mobile", "Mobile phone."),
    ("--office-phone", "office_phone", "Office phone."),
    ("--home-phone", "home_phone", "Home phone."),
    ("--notes", "notes", "Other personal notes."),
)
DETAIL_FLAGS = ", ".join([flag for flag, _, _ in DETAIL_OPTIONS] + ["--email"])


def personal_options(func: F) -> F:
    """The personal-detail options; the command receives them as `personal`, a
    dict of the ones given (encrypted with the person's own key when recorded)."""

    def command(*args: Any, **kwargs: Any) -> Any:
        personal = {field: kwargs.pop(field) for _, field, _ in DETAIL_OPTIONS}
        emails = kwargs.pop("emails")
        personal["emails"] = list(emails) or None
        kwargs["personal"] = {k: v for k, v in personal.items() if v is not None}
        return func(*args, **kwargs)

    # Options declared below this decorator travel with the wrapper.
    functools.update_wrapper(command, func)
    decorated: Any = click.option(
        "--email",
        "emails",
        multiple=True,
        help="Email address (repeatable; on update, replaces the list). Personal.",
    )(command)
    for flag, field, text in reversed(DETAIL_OPTIONS):
        decorated = click.option(flag, field, default=None, help=f"{text} Personal.")(decorated)
    return decorated  # type: ignore[no-any-return]


@click.command("erase")
@click.argument("ref", metavar="CUSTOMER/P1")
@click.option("--reason", required=True, help="Why: the request, in a few words.")
@click.option(
    "--request-ref", required=True, help="The reference of the erasure request (letter, ticket)."
)
@click.option("--requested-by", default=None, help="Who asked (default: the person themselves).")
@recording_options
@pass_ledger
def erase(
    obj: LedgerContext,
    ref: str,
    reason: str,
    request_ref: str,
    requested_by: str | None,
    **recording: str | None,
) -> None:
    """Erase the personal details of the key person CUSTOMER/P1 on request: their
    key is destroyed, so the details can no longer be read anywhere; their name,
    role, relationship and counterpart stay. Executives only."""
    from ledger.application import Ledger
    from ledger.commands import ErasePersonalData

    customer, local_id = split_case(ref, expected="person")
    erasure = submit(
        obj,
        Ledger.erase_personal_data,
        ErasePersonalData,
        customer=customer,
        case=local_id,
        reason=reason,
        request_ref=request_ref,
        requested_by=requested_by,
        **recording,
    )
    receipt = erasure.receipt
    if receipt.replayed:
        click.echo(
            f"Already erased: the personal data of {receipt.ref} ({receipt.customer_name}) "
            f"was erased at version {receipt.version}; nothing new was written."
        )
    else:
        click.echo(
            f"Personal data erased: {receipt.ref} ({receipt.customer_name}), version "
            f"{receipt.version}; the person's key is destroyed."
        )
    if erasure.plain_versions:
        versions = ", ".join(str(v) for v in erasure.plain_versions)
        click.echo(
            f"Not erasable: version(s) {versions} hold details of {receipt.ref} recorded in "
            "plain text before personal data was encrypted; the log keeps them (views, "
            "history and exports show them as erased), and so does every copy of the database."
        )
