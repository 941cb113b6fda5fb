"""Domain errors of federation work: raised by services, shown to the user as they are."""


class WorkError(Exception):
    """A change that does not apply; the message is user-facing (already translated or lazy)."""

    def __init__(self, message, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(str(message))
