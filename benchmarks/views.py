"""The floor page: the least a signed-in request can cost here (middleware, session, user), nothing else."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def floor(request):
    return HttpResponse(request.user.display_name, content_type="text/plain; charset=utf-8")
