import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Password hashing dominates a suite that creates many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
