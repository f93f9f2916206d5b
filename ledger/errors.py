"""Typed errors: every refusal the ledger can give, named for the problem.

The CLI turns a `LedgerError` into one line on stderr and exit code 1;
`InvalidInputError` (bad syntax or a value out of range) exits 2.
"""


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""

    exit_code = 1


class InvalidInputError(LedgerError):
    """An input that cannot be parsed or is out of range (a usage error)."""

    exit_code = 2


class ConfigurationError(InvalidInputError):
    """The configuration file has problems: one line each (ledger/config.py)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class StorageNotFoundError(LedgerError):
    """A read named a ledger database that does not exist."""


class CustomerNotFoundError(LedgerError):
    """No customer has the given code or name."""


class CustomerNameTakenError(LedgerError):
    """Another customer already uses that name."""


class CaseNotFoundError(LedgerError):
    """The customer has no case (or person, branch, visit) with that id."""


class RuleViolationError(LedgerError):
    """A domain rule refuses the command in the customer's current state."""


class DirectoryMismatchError(RuleViolationError):
    """A directory key points at a customer whose stream says otherwise (tampering)."""


class CaseAlreadyClosedError(RuleViolationError):
    """The case is answered, resolved, won, lost, fulfilled or cancelled already."""


class RelationshipTerminatedError(RuleViolationError):
    """The relationship is terminated; reactivate it first."""


class OccurredInFutureError(RuleViolationError):
    """An event cannot be recorded as having happened in the future."""


class ConcurrencyError(LedgerError):
    """The customer kept changing under us; the command was not recorded."""


class EventNotFoundError(LedgerError):
    """A correction refers to a version the customer's stream does not have."""


class AccessDeniedError(LedgerError):
    """The acting staff member may not do this (or may not act at all)."""


class StaffNotFoundError(LedgerError):
    pass
