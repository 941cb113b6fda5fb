"""Factories for the records tests need; no fixtures dumped from a database."""

import factory
from django.conf import settings

from federation.models import FederationUnit, User


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    full_name = factory.Sequence(lambda n: f"工作人员{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    kind = User.Kind.STAFF
    role = User.Role.OFFICER
    unit = factory.LazyFunction(lambda: FederationUnit.objects.get(name="乌海市妇联"))
    password = factory.PostGenerationMethodCall("set_password", settings.DEMO_PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ContactFactory(StaffFactory):
    username = factory.Sequence(lambda n: f"contact{n}")
    full_name = factory.Sequence(lambda n: f"联系人{n}")
    kind = User.Kind.CONTACT
    role = ""
    unit = None
