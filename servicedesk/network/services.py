"""Writes of the network model (OUT-1). The CSV import is in ``network.importer``."""


from django.utils.translation import gettext as _

from servicedesk.core.exceptions import ValidationFailed
from servicedesk.core.transactions import unit
from servicedesk.network.models import AREA_KINDS, PARENT_KIND, UTILITY_OF_KIND, Device


def device_check(device: Device, parent: Device | None) -> dict[str, str]:
    """The problems of one device placed under ``parent``, by field (empty when it is sound)."""
    errors: dict[str, str] = {}
    if device.kind not in PARENT_KIND:
        errors["kind"] = _("Unknown device kind %(kind)s.") % {"kind": device.kind}
        return errors
    expected = PARENT_KIND[device.kind]
    if expected is None and parent is not None:
        errors["parent"] = _("A %(kind)s has no parent.") % {"kind": device.kind}
    elif expected is not None and parent is None:
        errors["parent"] = _("A %(kind)s must be under a %(parent)s.") % {"kind": device.kind,
                                                                          "parent": expected}
    elif expected is not None and parent is not None and parent.kind != expected:
        errors["parent"] = _("A %(kind)s must be under a %(parent)s, not a %(actual)s.") % {
            "kind": device.kind, "parent": expected, "actual": parent.kind}
    if device.dn is not None and device.kind != "pipe":
        errors["dn"] = _("Only pipe segments have a DN.")
    if device.kind == "pipe" and device.dn is None:
        errors["dn"] = _("Give the pipe's nominal diameter (DN).")
    return errors


def device_place(device: Device, parent: Device | None) -> None:
    """Set the derived fields of ``device`` (utility, lineage, area) from its parent; unsaved."""
    device.parent = parent
    device.utility = UTILITY_OF_KIND[device.kind]
    device.lineage = [*parent.lineage, parent.pk] if parent is not None else []
    if device.kind in AREA_KINDS:
        device.area_id = device.pk  # set again after the first save (a new device has no id yet)
    else:
        device.area_id = parent.area_id if parent is not None else None


@unit()
def device_save(device: Device) -> Device:
    """Save one device (admin, API) after checking its place; descendants follow a move."""
    parent = Device.objects.get(pk=device.parent_id) if device.parent_id else None
    errors = device_check(device, parent)
    if parent is not None and device.pk is not None and device.pk in [*parent.lineage, parent.pk]:
        errors["parent"] = _("A device cannot be under itself.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    device_place(device, parent)
    device.save()
    if device.kind in AREA_KINDS and device.area_id != device.pk:
        Device.objects.filter(pk=device.pk).update(area=device.pk)
        device.area_id = device.pk
    _relineage_children(device)
    return device


def _relineage_children(device: Device) -> None:
    for child in Device.objects.filter(parent=device):
        before = (list(child.lineage), child.area_id)
        device_place(child, device)
        if (child.lineage, child.area_id) != before:
            Device.objects.filter(pk=child.pk).update(lineage=child.lineage, area=child.area_id)
            _relineage_children(child)
