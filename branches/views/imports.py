"""Register import pages (being written)."""


def import_list(request):
    raise NotImplementedError


import_upload = import_template = import_list


def import_detail(request, pk):
    raise NotImplementedError


import_mapping = import_apply = import_discard = import_errors = import_detail
