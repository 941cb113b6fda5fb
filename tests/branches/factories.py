"""Factories for the ledger."""

import factory

from branches.models import Organisation, RegisterSource, SanxinField, UnitType
from branches.services.organisations import organisation_derive
from federation.models import Region


class OrganisationFactory(factory.django.DjangoModelFactory):
    """An organisation in 海勃湾区 凤凰岭街道 unless told otherwise; derived columns computed as services do."""

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"乌海市测试企业{n}有限公司")
    field = SanxinField.ECONOMIC
    unit_type = UnitType.PRIVATE_ENTERPRISE
    region = factory.LazyFunction(lambda: Region.objects.get(code="150302001"))
    district = factory.LazyAttribute(lambda o: o.region if o.region.level == "district" else o.region.parent)
    employees = 120
    women = 60

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        organisation = model_class(*args, **kwargs)
        organisation_derive(organisation)
        organisation.save()
        return organisation


class RegisterSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegisterSource
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试名录{n}")
