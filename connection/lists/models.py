"""What a person chose to see in a list: kept in the database so it survives a new sign-in."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TablePreference(models.Model):
    """The columns one user shows in one list (a table's registered name)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="table_preferences")
    table = models.CharField(max_length=60)
    columns = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "table"],
                                               name="one_preference_per_user_and_table")]

    def __str__(self) -> str:
        return f"{self.user} · {self.table}"
