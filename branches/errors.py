"""Domain errors of the ledger: raised by services, shown to the user as they are."""


class LedgerError(Exception):
    """A state change that does not apply; the message is user-facing (already translated or lazy)."""

    def __init__(self, message) -> None:
        self.message = message
        super().__init__(str(message))
