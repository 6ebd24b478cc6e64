"""factory_boy factories for domain objects."""

import factory
from factory.django import DjangoModelFactory

from servicedesk.customers.models import Account, Customer, CustomerFlag, ServicePoint
from servicedesk.org.models import OrgUnit, Provider, User
from servicedesk.org.roles import Role
from servicedesk.tickets.models import RequestType, RequestTypeField


class OrgUnitFactory(DjangoModelFactory):
    class Meta:
        model = OrgUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = OrgUnit.Kind.DEPARTMENT


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = Provider
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"provider-{n}")
    name = factory.Sequence(lambda n: f"服务商{n}")
    kind = Provider.Kind.EXTERNAL


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"员工{n}")
    role = Role.AGENT
    password = factory.django.Password("pass-1234")


class CustomerFlagFactory(DjangoModelFactory):
    class Meta:
        model = CustomerFlag
        django_get_or_create = ("code",)

    code = "hospital"
    name = "医院"
    name_en = "Hospital"


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    number = factory.Sequence(lambda n: f"CF{n:08d}")
    name = factory.Sequence(lambda n: f"王{n}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    number = factory.Sequence(lambda n: f"AF{n:08d}")
    customer = factory.SubFactory(CustomerFactory)


class ServicePointFactory(DjangoModelFactory):
    class Meta:
        model = ServicePoint

    number = factory.Sequence(lambda n: f"SPF{n:08d}")
    customer = factory.SubFactory(CustomerFactory)
    account = factory.LazyAttribute(lambda sp: AccountFactory(customer=sp.customer) if sp.customer else None)
    address = factory.Sequence(lambda n: f"深圳市南山区科技南路{n}号")
    district = "南山区"


class RequestTypeFactory(DjangoModelFactory):
    class Meta:
        model = RequestType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"type-{n}")
    name = factory.Sequence(lambda n: f"类型{n}")
    category = "other"


class RequestTypeFieldFactory(DjangoModelFactory):
    class Meta:
        model = RequestTypeField

    request_type = factory.SubFactory(RequestTypeFactory)
    key = factory.Sequence(lambda n: f"field{n}")
    label = factory.Sequence(lambda n: f"字段{n}")
