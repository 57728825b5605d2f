"""Create the DynamoDB tables of a deployment (local use; in AWS the infra stack creates them).

python -m infra.tables            # reads KMZB_* settings from the environment
make tables                       # the same, against `make run`'s DynamoDB Local
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    from chalicelib.deployment import ConfigurationError, Settings
    from chalicelib.storage import ReportStore

    env = dict(os.environ)
    env.setdefault("KMZB_CLIENT_KEY_SECRET", "unused-for-creating-tables")
    try:
        settings = Settings.from_env(env)
    except ConfigurationError as e:
        print(e, file=sys.stderr)
        return 2
    if settings.dynamodb_endpoint is None:
        print("KMZB_DYNAMODB_ENDPOINT is not set: tables in AWS come from infra", file=sys.stderr)
        return 2
    ReportStore(settings).create_tables()
    print(
        f"tables ready: {settings.reports_table}, {settings.limits_table}, "
        f"{settings.idempotency_table}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
