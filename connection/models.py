"""Where we connect: one ConnectionSetup per Business Central company <-> Sales environment."""

from django.db import models


class ConnectionSetup(models.Model):
    """One Business Central company connected to one Dynamics 365 Sales environment."""

    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
