import pytest

pytest_plugins = ["tests.personas"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Password hashing dominates a suite that creates many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_dns_leaves_the_machine(settings):
    """Evidence lookups go to a dead loopback port unless a test starts its own DNS server
    (and sets the timeout its server needs). Every lookup there times out, so the timeout
    is short: at 0.2 s the suite spent minutes waiting on it (dnspython adds a 0.1 s
    back-off to each)."""
    settings.ABUSEDESK_DNS_SERVERS = [("127.0.0.1", 9)]
    settings.ABUSEDESK_DNS_TIMEOUT = 0.02


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Run tasks eagerly unless the test drives a real worker.

    `make test-services` sets CELERY_BROKER_URL for the whole suite; only the
    tests marked `services` should then go through Redis and a worker.
    """
    from abusedesk.celery import app

    eager = request.node.get_closest_marker("services") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _default_policies(request):
    """Transactional tests flush every table afterwards, including the default
    criteria and clauses that a migration seeds; put them back for the next one."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        return
    request.getfixturevalue("transactional_db")
    from policies.defaults import seed_defaults
    from policies.models import Clause, CriteriaSet, Rule

    if not CriteriaSet.objects.exists():
        seed_defaults(Clause, CriteriaSet, Rule)


@pytest.fixture(autouse=True)
def _no_recovery_check(settings):
    """The request-time recovery would act on other tests' leftovers at random; the
    tests of recovery turn it on."""
    settings.ABUSEDESK_RECOVERY_CHECK_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Counters (partner rates, invalid API tokens) start at zero in every test."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """A request in Japanese leaves its language active in the thread (LocaleMiddleware
    activates, nothing deactivates); every test starts and ends in the default."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
