"""Domain errors of federation work: raised by services, shown to the user as they are."""

from federation.errors import DomainError


class WorkError(DomainError):
    """A change to services, recognitions or alliances that does not apply (see DomainError)."""
