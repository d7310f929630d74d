"""Keys of the embedded default's file cache name the database, so processes on different databases that share
one DATA_DIR (a test run beside a running site) never read each other's tables or data version."""
from django.db import connections


def per_database_key(key: str, key_prefix: str, version: int) -> str:
    return f"{connections['default'].settings_dict['NAME']}:{key_prefix}:{version}:{key}"
