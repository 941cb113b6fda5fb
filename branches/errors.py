"""Domain errors of the ledger: raised by services, shown to the user as they are."""

from federation.errors import DomainError


class LedgerError(DomainError):
    """A change to the ledger that does not apply; the message is user-facing (already translated or lazy)."""
