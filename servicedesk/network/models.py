"""The supply network (OUT-1): the devices between the source and each service point.

Power: substation → feeder → switching section → transformer → service point.
Water: supply zone → pipe segment (with its DN) → service point.

One table of devices with a parent link. Each device keeps the ids of its ancestors
(``lineage``, root first), so "which outages cover this service point" is one indexed lookup of
the service point's device and its ancestors, and each device names the ``area`` (the feeder or
supply zone above it) that calls under it are grouped and locked by (OUT-3).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Utility(models.TextChoices):
    POWER = "power", _("Power")
    WATER = "water", _("Water")


class DeviceKind(models.TextChoices):
    SUBSTATION = "substation", _("Substation")
    FEEDER = "feeder", _("Feeder")
    SECTION = "section", _("Switching section")
    TRANSFORMER = "transformer", _("Transformer")
    ZONE = "zone", _("Supply zone")
    PIPE = "pipe", _("Pipe segment")


# The kind of parent each kind must have (None: a root).
PARENT_KIND: dict[str, str | None] = {
    DeviceKind.SUBSTATION: None,
    DeviceKind.FEEDER: DeviceKind.SUBSTATION,
    DeviceKind.SECTION: DeviceKind.FEEDER,
    DeviceKind.TRANSFORMER: DeviceKind.SECTION,
    DeviceKind.ZONE: None,
    DeviceKind.PIPE: DeviceKind.ZONE,
}
UTILITY_OF_KIND: dict[str, str] = {
    DeviceKind.SUBSTATION: Utility.POWER,
    DeviceKind.FEEDER: Utility.POWER,
    DeviceKind.SECTION: Utility.POWER,
    DeviceKind.TRANSFORMER: Utility.POWER,
    DeviceKind.ZONE: Utility.WATER,
    DeviceKind.PIPE: Utility.WATER,
}
# Service points hang under these kinds.
LEAF_KINDS = frozenset({DeviceKind.TRANSFORMER, DeviceKind.PIPE})
# Calls are grouped (and serialised) per area: the feeder or the supply zone.
AREA_KINDS = frozenset({DeviceKind.FEEDER, DeviceKind.ZONE})


class Device(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DeviceKind.choices)
    utility = models.CharField(_("utility"), max_length=10, choices=Utility.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True,
                               on_delete=models.PROTECT,
                               related_name="children")
    # Ancestor ids, root first (not including this device). Kept by network.services.
    lineage = models.JSONField(_("ancestors"), default=list, blank=True, editable=False)
    # The feeder or supply zone this device belongs to (itself for a feeder or zone; none above).
    area = models.ForeignKey("self", verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", editable=False)
    dn = models.PositiveIntegerField(_("nominal diameter (DN)"), null=True, blank=True,
                                     help_text=_("Pipe segments only, in millimetres."))
    district = models.CharField(_("district"), max_length=50, blank=True)
    location = models.CharField(_("location"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("network device")
        verbose_name_plural = _("network devices")
        ordering = ["code"]

    @property
    def covering_ids(self) -> list[int]:
        """This device and every device above it: an outage on any of them cuts this one."""
        return [*self.lineage, self.pk]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()
