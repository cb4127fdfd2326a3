"""Factories for inventory rows. Keys derived from addresses go through ipkeys, and
sessions register their prefix length, exactly as the services do."""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from subscribers import ipkeys, services
from subscribers.choices import AccountKind, BlockKind, MailLogKind, MailService, SessionSource
from subscribers.models import Account, AddressBlock, MailLogEntry, Session, Subscriber


class SubscriberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscriber
        django_get_or_create = ("subscriber_id",)

    subscriber_id = factory.Sequence(lambda n: f"S-{5000 + n}")
    name = factory.Sequence(lambda n: f"加入者 {n}")
    email = factory.Sequence(lambda n: f"member{n}@example.jp")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account
        django_get_or_create = ("account_id",)
        skip_postgeneration_save = True

    subscriber = factory.SubFactory(SubscriberFactory)
    kind = AccountKind.CONNECTION
    account_id = factory.Sequence(lambda n: f"C-{5000 + n}")
    identifier = factory.Sequence(lambda n: f"c{5000 + n}@flets")

    @factory.post_generation
    def hosted_names(obj, create, extracted, **kwargs):
        if create:
            services.hosted_names_sync(account=obj)


class AddressBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AddressBlock

    prefix = "198.51.100.0/24"
    kind = BlockKind.DYNAMIC

    @classmethod
    def _create(cls, model_class, *args, prefix, **kwargs):
        return model_class.objects.create(**services.block_prefix_fields(prefix=prefix), **kwargs)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    account = factory.SubFactory(AccountFactory)
    address = "61.114.5.23"
    started_at = datetime(2026, 11, 20, tzinfo=UTC)
    stopped_at = None
    source = SessionSource.CSV

    @classmethod
    def _create(cls, model_class, *args, address, **kwargs):
        start_key, _end, length = ipkeys.range_key(address)
        services.session_prefix_length_register(prefix_len=length)
        return model_class.objects.create(
            address=address, ip_start_key=start_key, prefix_len=length, **kwargs
        )


class MailLogEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MailLogEntry

    kind = MailLogKind.SUBMISSION
    service = MailService.SMTP
    login = "taro"
    client_ip = "61.114.5.23"
    client_key = factory.LazyAttribute(lambda o: ipkeys.ip_key(o.client_ip))
    at = datetime(2026, 11, 20, 1, 16, 38, tzinfo=UTC)
    host = "mail1"
    queue_id = factory.Sequence(lambda n: f"4F2A{n:04X}")
    raw_line = ""
