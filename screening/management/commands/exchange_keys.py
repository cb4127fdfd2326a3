import secrets

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management.base import BaseCommand, CommandError

from screening.conf import KEY_ID, b64encode, parse_signing_key, setting
from screening.signing import public_key_text


class Command(BaseCommand):
    help = "Make keys for the termination exchange, or print our public key for the other ISPs."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--new-signing-key", action="store_true", help="A new Ed25519 key pair")
        group.add_argument("--new-hash-key", metavar="KEY_ID", help="A new shared HMAC key, as KEY_ID:base64")
        group.add_argument(
            "--public", action="store_true", help="The public key of ABUSEDESK_EXCHANGE_SIGNING_KEY"
        )

    def handle(self, *args, new_signing_key, new_hash_key, public, **options):
        if new_signing_key:
            key = Ed25519PrivateKey.generate()
            from cryptography.hazmat.primitives import serialization

            raw = key.private_bytes(
                serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
            )
            self.stdout.write(f"ABUSEDESK_EXCHANGE_SIGNING_KEY={b64encode(raw)}")
            self.stdout.write(f"public key (give it to the other ISPs): {public_key_text(key)}")
        elif new_hash_key:
            if not KEY_ID.match(new_hash_key):
                raise CommandError("a key id is 1-32 letters, digits, '.', '_' or '-'")
            self.stdout.write(f"{new_hash_key}:{b64encode(secrets.token_bytes(32))}")
        else:
            raw = setting("ABUSEDESK_EXCHANGE_SIGNING_KEY")
            if not raw:
                raise CommandError("ABUSEDESK_EXCHANGE_SIGNING_KEY is not set")
            self.stdout.write(public_key_text(parse_signing_key(raw)))
