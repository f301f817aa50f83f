"""``flask purge-idempotency-keys``: drop the keys of replayed actions once they are old."""
from __future__ import annotations

import click

from lms.extensions import db
from lms.offline import idempotency
from lms.timeutil import utcnow


@click.command("purge-idempotency-keys")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Keep keys younger than this many days (default: IDEMPOTENCY_KEY_DAYS, 7).")
def purge_idempotency_keys(days: int | None) -> None:
    """Delete idempotency keys older than the limit (claims also do this now and then)."""
    lifetime = idempotency.key_lifetime(days)
    count = idempotency.purge(utcnow() - lifetime)
    db.session.commit()
    click.echo(f"{count} kunci idempotensi dihapus (lebih tua dari {lifetime.days} hari).")
