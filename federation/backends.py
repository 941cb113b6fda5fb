"""Signing in: Django's model backend, loading the user's unit and its region with the user, and asking the
apps whether a right password may still sign its user in (access.may_sign_in).

Every staff page asks for the user's area (access.scope_region: the unit's region); loaded with the user it
costs no query of its own, two fewer on each request.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from . import access


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = get_user_model()._default_manager.select_related("unit__region").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not access.may_sign_in(user):
            return None
        return user
