"""Ledger pages (being written)."""


def organisation_list(request):
    raise NotImplementedError


organisation_create = duplicate_list = duplicate_different = organisation_list


def organisation_detail(request, pk):
    raise NotImplementedError


organisation_edit = organisation_archive = organisation_restore = organisation_merge = organisation_reveal = (
    organisation_detail
)
