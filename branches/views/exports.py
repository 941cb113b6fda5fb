"""Ledger export (being written)."""


def organisation_export(request):
    raise NotImplementedError
