"""PostgreSQL only: check-ins partitioned by day (issue 13; `ravao/checkins/partitions.py` says how and why).

SQLite keeps the plain table of 0001–0006: both steps do nothing there. The conversion copies the rows, so
on a large table it takes a while (≈ a minute per 10 M rows on 2 cores) and holds the table locked: run it
in a maintenance window.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from ravao.checkins.partitions import convert_to_partitioned

    convert_to_partitioned(
        schema_editor.connection,
        today=timezone.localdate(),
        behind=settings.RAVAO_RETENTION_DAYS + 1,
        ahead=7,
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from ravao.checkins.partitions import convert_to_plain

    convert_to_plain(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("checkins", "0006_checkin_partition_prep")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
