"""The demo's network (OUT-1) and outage configuration (OUT-2, OUT-3, OUT-5, OUT-6)."""

import csv
import io
from collections import Counter

import pytest
from django.utils import timezone

from servicedesk.customers.models import Customer, ServicePoint
from servicedesk.demo.network import DistrictLayout, pipe_dn
from servicedesk.demo.outages import INFERENCE_RULES, TROUBLESHOOTING_SCRIPTS
from servicedesk.demo.reference import reference_data_load
from servicedesk.demo.services import demo_data_seed
from servicedesk.network.importer import COLUMNS, network_import
from servicedesk.network.models import AREA_KINDS, PARENT_KIND, UTILITY_OF_KIND, Device
from servicedesk.outages.models import (
    FaultCallSetting,
    InferenceRule,
    PlannedOutage,
    TroubleshootingScript,
    TroubleshootingStep,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    return demo_data_seed(seed=7, customers=300, contacts=200)


def test_out1_every_demo_service_point_hangs_under_a_device_of_its_utility(seeded):
    points = ServicePoint.objects.select_related("device")
    assert points.exists()
    for point in points:
        assert point.device is not None, point.number
        assert point.device.kind in ("transformer", "pipe")
        assert UTILITY_OF_KIND[point.device.kind] == point.utility
        assert point.network_code == point.device.code
    assert seeded.rows["network_device"] == Device.objects.count()


def test_out1_demo_devices_have_their_parents_lineage_and_area(seeded):
    devices = {device.pk: device for device in Device.objects.all()}
    for device in devices.values():
        parent = devices.get(device.parent_id)
        assert (parent.kind if parent else None) == PARENT_KIND[device.kind], device.code
        assert device.lineage == ([*parent.lineage, parent.pk] if parent else []), device.code
        if device.kind in AREA_KINDS:
            assert device.area_id == device.pk
        else:
            assert device.area_id == (parent.area_id if parent else None), device.code
        assert (device.dn is not None) == (device.kind == "pipe"), device.code
    kinds = Counter(device.kind for device in devices.values())
    assert set(kinds) == set(PARENT_KIND)
    sections = Counter(device.parent_id for device in devices.values() if device.kind == "section")
    assert max(sections.values()) <= 4
    feeders = Counter(device.parent_id for device in devices.values() if device.kind == "feeder")
    assert max(feeders.values()) >= 2, "substations have several feeders"


def test_out1_pipe_diameters_are_realistic():
    layout = DistrictLayout.for_points(500_000)
    assert layout.transformers_per_feeder == 30 and layout.feeders > 96
    sizes = [pipe_dn(f"BA-Z{zone:02d}-P{zone * 1000 + k:05d}") for zone in range(1, 20) for k in range(200)]
    assert set(sizes) <= {100, 150, 200, 300, 400, 500, 600} and {100, 600} <= set(sizes)
    assert sum(size <= 150 for size in sizes) / len(sizes) > 0.6


def test_out1_the_demo_network_exported_as_csv_imports_without_changes(seeded):
    """The importer reads what the generator wrote: a re-import of it changes nothing."""
    codes = dict(Device.objects.values_list("pk", "code"))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for device in Device.objects.order_by("-pk"):  # children first
        writer.writerow([device.kind, device.code, codes.get(device.parent_id, ""), device.name,
                         device.dn or "", device.district, device.location])
    for number, code in ServicePoint.objects.values_list("number", "device__code"):
        writer.writerow(["service_point", number, code, "", "", "", ""])
    report = network_import(io.StringIO(buffer.getvalue()))
    assert not report.created and not report.updated and not report.devices_relineaged
    assert sum(report.unchanged.values()) == len(codes)
    assert report.service_points_unchanged == ServicePoint.objects.count()


def test_out1_appending_a_city_reuses_the_devices_already_there(seeded):
    before = set(Device.objects.values_list("code", flat=True))
    demo_data_seed(seed=8, customers=100, contacts=20, mode="append")
    assert Device.objects.values("code").distinct().count() == Device.objects.count()
    assert before <= set(Device.objects.values_list("code", flat=True))
    assert not ServicePoint.objects.filter(device__isnull=True).exists()


def test_out2_planned_outages_one_in_force_one_ahead_with_written_notices(seeded):
    now = timezone.now()
    outages = list(PlannedOutage.objects.prefetch_related("devices", "notices").order_by("starts_at"))
    assert [outage.utility for outage in outages] == ["power", "water"]
    in_force, upcoming = outages
    assert in_force.in_force(now) and in_force.published
    assert upcoming.starts_at > now and upcoming.published
    zhangwei = ServicePoint.objects.get(customer__name="张伟", utility="power")
    assert [device.pk for device in in_force.devices.all()] == [zhangwei.device.parent_id]
    assert zhangwei.pk in {notice.service_point_id for notice in in_force.notices.all()}
    assert any(notice.written for notice in in_force.notices.all())
    lili = ServicePoint.objects.get(customer__name="李丽", utility="water")
    assert [device.pk for device in upcoming.devices.all()] == [lili.device_id]


def test_out3_out5_out6_outage_configuration_loads_once():
    reference_data_load()
    counts = (InferenceRule.objects.count(), FaultCallSetting.objects.count(),
              TroubleshootingScript.objects.count(), TroubleshootingStep.objects.count())
    again = reference_data_load()
    assert again.created == 0
    assert counts == (InferenceRule.objects.count(), FaultCallSetting.objects.count(),
                      TroubleshootingScript.objects.count(), TroubleshootingStep.objects.count())
    assert counts[0] == len(INFERENCE_RULES) and counts[2] == len(TROUBLESHOOTING_SCRIPTS)
    transformer = InferenceRule.objects.get(device_kind="transformer")
    assert (transformer.min_service_points, transformer.min_service_points_percent,
            transformer.window_minutes) == (3, 10, 120)
    feeder = InferenceRule.objects.get(device_kind="feeder")
    assert (feeder.min_children, feeder.min_children_percent) == (2, 50)
    settings = {s.utility: (s.request_type.code, s.initial_estimate_minutes)
                for s in FaultCallSetting.objects.all()}
    assert settings == {"power": ("power-fault", 240), "water": ("water-outage", 360)}
    breaker = TroubleshootingScript.objects.get(code="main-breaker")
    assert breaker.utility == "power" and "跳闸" in breaker.name
    assert all(step.instruction and step.instruction_en for step in TroubleshootingStep.objects.all())
    assert TroubleshootingScript.objects.filter(utility="water").exists()


def test_an_administrators_tuned_threshold_survives_a_reload():
    reference_data_load()
    InferenceRule.objects.filter(device_kind="transformer").update(min_service_points=5)
    reference_data_load()
    assert InferenceRule.objects.get(device_kind="transformer").min_service_points == 5
    assert Customer.objects.count() == 0
