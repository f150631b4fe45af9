"""Prepare the lab NetBox database: apply migrations, ensure the admin user and API token.

Run inside the trixie root with the NetBox venv's python (tests/lab/netbox.sh does this):

    NETBOX_ROOT=... python lab_setup.py [--migrate] --token TOKEN

The token is a fixed v1 token (40 hex characters) so that it survives database restores
and clients can be configured once. Everything here is idempotent.
"""

import argparse
import os
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--migrate", action="store_true", help="apply pending migrations first")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="routesec-lab-admin")
    parser.add_argument("--token", required=True)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netbox.settings")
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import transaction
    from users.models import Token, User

    if args.migrate:
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=1)
        print(f"migrate: done in {time.monotonic() - started:.1f}s", flush=True)

    with transaction.atomic():
        user = User.objects.filter(username=args.user).first()
        if user is None:
            user = User.objects.create_superuser(args.user, f"{args.user}@lab.invalid", args.password)
            print(f"created superuser {args.user}")
        token = Token.objects.filter(plaintext=args.token).first()
        if token is None:
            Token(user=user, version=1, token=args.token, description="routesec lab").save()
            print("created lab API token")
        elif token.user_id != user.pk or not token.enabled or not token.write_enabled or token.expires:
            Token.objects.filter(pk=token.pk).update(user=user, enabled=True, write_enabled=True, expires=None)
            print("repaired lab API token")
    return 0


if __name__ == "__main__":
    sys.exit(main())
