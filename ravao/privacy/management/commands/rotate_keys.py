"""`ravao rotate_keys`: re-encrypt every personal value under the first key of RAVAO_DATA_KEYS and
recompute the keyed hashes (after adding a key, or after changing RAVAO_LOOKUP_KEY)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from ravao.people.models import HealthDeclaration, Person
from ravao.privacy.crypto import keyring


class Command(BaseCommand):
    help = "Re-encrypt personal fields with the current data key and refresh look-up hashes."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        kid, _key = keyring().current
        batch_size: int = options["batch_size"]
        last_pk, done = 0, 0
        while True:
            # Values decrypt with whichever listed key sealed them; saving seals them with the current one.
            with transaction.atomic():
                batch = list(Person.objects.filter(pk__gt=last_pk).order_by("pk")[:batch_size])
                if not batch:
                    break
                for person in batch:
                    person.refresh_lookup_keys()
                Person.objects.bulk_update(
                    batch,
                    [
                        "full_name",
                        "phone",
                        "id_number",
                        "address",
                        "email",
                        "date_of_birth",
                        "phone_hash",
                        "claimed_phone",
                        "claimed_phone_hash",
                        "id_hash",
                        "name_index",
                    ],
                )
            done += len(batch)
            last_pk = batch[-1].pk
        declarations = self.reseal_declarations(batch_size)
        self.stdout.write(f"{done} persons and {declarations} declarations re-encrypted with key {kid!r}.")

    def reseal_declarations(self, batch_size: int) -> int:
        """The answers of each declaration (one encrypted JSON value) under the current key."""
        last_pk, done = 0, 0
        while True:
            with transaction.atomic():
                batch = list(HealthDeclaration.objects.filter(pk__gt=last_pk).order_by("pk")[:batch_size])
                if not batch:
                    return done
                HealthDeclaration.objects.bulk_update(batch, ["answers"])
            done += len(batch)
            last_pk = batch[-1].pk
