"""OUT-1: the network (substation → feeder → section → transformer; zone → pipe) imported from CSV."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from servicedesk.customers.models import ServicePoint
from servicedesk.network.import_results import NetworkImportRejected
from servicedesk.network.importer import network_import
from servicedesk.network.models import Device
from servicedesk.testing.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

HEADER = "kind,code,parent,name,dn,district,location\n"

# Children before their parents on purpose; a water tree beside the power tree.
GOOD = HEADER + """\
service_point,E001,NS-F001-T01,,,,
transformer,NS-F001-T01,NS-F001-SEC1,科技南路1号配变,,南山区,深圳市南山区科技南路
section,NS-F001-SEC1,NS-F001,10kV科技南路线第1分段,,南山区,
feeder,NS-F001,NS-S01,10kV科技南路线,,南山区,
substation,NS-S01,,粤海110kV变电站,,南山区,深圳市南山区粤海街道
section,NS-F001-SEC2,NS-F001,10kV科技南路线第2分段,,南山区,
transformer,NS-F001-T02,NS-F001-SEC2,科技南路2号配变,,南山区,
service_point,E002,NS-F001-T01,,,,
service_point,E003,NS-F001-T02,,,,
pipe,NS-Z01-P001,NS-Z01,科技南路配水管,150,南山区,
zone,NS-Z01,,南山区01号供水分区,,南山区,
pipe,NS-Z01-P002,NS-Z01,深南大道输水干管,DN600,南山区,
service_point,W001,NS-Z01-P001,,,,
"""


@pytest.fixture
def points():
    power = {n: ServicePointFactory(number=n, utility="power") for n in ("E001", "E002", "E003")}
    water = {n: ServicePointFactory(number=n, utility="water") for n in ("W001",)}
    return power | water


def _csv(text: str, *, bom: bool = False) -> io.BytesIO:
    return io.BytesIO(("\ufeff" if bom else "").encode() + text.encode())


def _device(code: str) -> Device:
    return Device.objects.get(code=code)


def test_out1_import_builds_the_power_and_water_trees_and_attaches_service_points(points):
    report = network_import(_csv(GOOD, bom=True))

    assert report.created == {"substation": 1, "feeder": 1, "section": 2, "transformer": 2,
                              "zone": 1, "pipe": 2}
    assert report.service_points_attached == 4
    substation, feeder = _device("NS-S01"), _device("NS-F001")
    section, transformer = _device("NS-F001-SEC1"), _device("NS-F001-T01")
    assert (substation.lineage, substation.area_id, substation.utility) == ([], None, "power")
    assert (feeder.parent, feeder.lineage, feeder.area_id) == (substation, [substation.pk], feeder.pk)
    assert (section.lineage, section.area_id) == ([substation.pk, feeder.pk], feeder.pk)
    assert (transformer.parent, transformer.lineage, transformer.area_id) == (
        section, [substation.pk, feeder.pk, section.pk], feeder.pk)
    assert transformer.name == "科技南路1号配变" and transformer.location == "深圳市南山区科技南路"
    zone, pipe = _device("NS-Z01"), _device("NS-Z01-P002")
    assert (zone.utility, zone.lineage, zone.area_id) == ("water", [], zone.pk)
    assert (pipe.lineage, pipe.area_id, pipe.dn, pipe.utility) == ([zone.pk], zone.pk, 600, "water")
    for number, code in (("E001", "NS-F001-T01"), ("E002", "NS-F001-T01"), ("E003", "NS-F001-T02"),
                         ("W001", "NS-Z01-P001")):
        point = ServicePoint.objects.get(number=number)
        assert (point.device.code, point.network_code) == (code, code)


def test_out1_reimport_updates_devices_in_place_and_moves_what_moved(points):
    network_import(_csv(GOOD))
    ids = dict(Device.objects.values_list("code", "id"))

    again = network_import(_csv(GOOD))
    assert Device.objects.count() == 9 and dict(Device.objects.values_list("code", "id")) == ids
    assert not again.created and not again.updated and sum(again.unchanged.values()) == 9
    assert (again.service_points_attached, again.service_points_unchanged) == (0, 4)

    # A renamed transformer, a wider pipe, a new substation the feeder moves to, a point moved.
    changed = (GOOD.replace("科技南路1号配变", "科技南路一号配变").replace(",150,", ",200,")
               .replace("feeder,NS-F001,NS-S01", "feeder,NS-F001,NS-S02")
               .replace("service_point,E003,NS-F001-T02", "service_point,E003,NS-F001-T01")
               + "substation,NS-S02,,南头110kV变电站,,南山区,\n")
    report = network_import(_csv(changed))
    assert report.created == {"substation": 1}
    assert report.updated == {"feeder": 1, "section": 2, "transformer": 2, "pipe": 1}
    assert report.service_points_attached == 1
    new_substation, feeder = _device("NS-S02"), _device("NS-F001")
    transformer = _device("NS-F001-T01")
    assert transformer.pk == ids["NS-F001-T01"] and transformer.name == "科技南路一号配变"
    assert transformer.lineage == [new_substation.pk, feeder.pk, ids["NS-F001-SEC1"]]
    assert _device("NS-Z01-P001").dn == 200
    assert ServicePoint.objects.get(number="E003").device == transformer


def test_out1_moving_a_device_carries_the_devices_under_it_that_the_file_does_not_name(points):
    network_import(_csv(GOOD))
    network_import(_csv(HEADER + "feeder,NS-F002,NS-S01,10kV南海大道线,,南山区,\n"
                                 "section,NS-F001-SEC2,NS-F002,10kV南海大道线第1分段,,南山区,\n"))
    feeder = _device("NS-F002")
    transformer = _device("NS-F001-T02")
    assert transformer.lineage == [_device("NS-S01").pk, feeder.pk, _device("NS-F001-SEC2").pk]
    assert transformer.area_id == feeder.pk


def test_out1_a_file_with_bad_rows_reports_each_one_and_imports_nothing(points):
    bad = HEADER + """\
substation,NS-S01,,粤海变电站,,南山区,
feeder,NS-F001,NS-S01,,,,
switch,NS-X1,NS-F001,,,,
section,,NS-F001,,,,
feeder,NS-F001,NS-S01,duplicate,,,
transformer,NS-T9,NS-F404,,,,
transformer,NS-T1,NS-F001,,,,
zone,NS-Z01,,,,,
pipe,NS-P1,NS-Z01,,,,
pipe,NS-P2,NS-Z01,,abc,,
transformer,NS-T2,NS-F001-SEC1,,150,,
section,NS-F001-SEC1,NS-F001,,,,
service_point,NOPE,NS-T2,,,,
service_point,W001,NS-T2,,,,
service_point,E001,NS-F001,,,,
feeder,NS-FA,NS-FB,,,,
feeder,NS-FB,NS-FA,,,,
section,NS-SELF,NS-SELF,,,,
pipe,NS-P3,NS-Z01,,0,,
pipe,NS-P4,NS-Z01,,99999,,
"""
    with pytest.raises(NetworkImportRejected) as rejected:
        network_import(_csv(bad))

    found = {(error.line, error.field) for error in rejected.value.row_errors}
    assert found == {
        (4, "kind"),  # unknown kind
        (5, "code"),  # missing code
        (6, "code"),  # duplicate of line 3
        (7, "parent"),  # unknown parent
        (8, "parent"),  # a transformer under a feeder (device_check)
        (10, "dn"),  # pipe without DN
        (11, "dn"),  # DN not a number
        (12, "dn"),  # DN on a transformer
        (14, "code"),  # no such service point
        (15, "parent"),  # water service point under a transformer
        (16, "parent"),  # service point under a feeder
        (17, "parent"), (18, "parent"),  # feeders under each other: wrong kind, and a loop
        (19, "parent"),  # under itself
        (20, "dn"), (21, "dn"),  # DN 0, DN too large
    }
    loops = [e.message for e in rejected.value.row_errors if e.line in (17, 18) and "→" in e.message]
    assert loops == ["The parents loop back to this device: NS-FA → NS-FB → NS-FA.",
                     "The parents loop back to this device: NS-FB → NS-FA → NS-FB."]
    assert "line 6: code" in rejected.value.errors  # the API's field errors
    assert not Device.objects.exists()
    assert not ServicePoint.objects.filter(device__isnull=False).exists()


def test_out1_header_problems_are_reported_on_line_one():
    with pytest.raises(NetworkImportRejected) as rejected:
        network_import(_csv("kind,code,diameter\nsubstation,S1,\n"))
    assert {(e.line, e.field) for e in rejected.value.row_errors} == {(1, "diameter"), (1, "parent")}


def test_out1_a_file_that_is_not_utf8_is_refused_with_its_line():
    with pytest.raises(NetworkImportRejected) as rejected:
        network_import(io.BytesIO(HEADER.encode() + "substation,S1,,粤海变电站,,,\n".encode("gb18030")))
    assert [(e.line, e.field) for e in rejected.value.row_errors] == [(2, "file")]


def test_out1_an_existing_device_keeps_its_kind(points):
    network_import(_csv(GOOD))
    with pytest.raises(NetworkImportRejected) as rejected:
        network_import(_csv(HEADER + "zone,NS-S01,,,,,\n"))
    assert [(e.line, e.field) for e in rejected.value.row_errors] == [(2, "kind")]


def test_out1_new_devices_may_hang_under_devices_already_in_the_network(points):
    network_import(_csv(GOOD))
    report = network_import(_csv(HEADER + "transformer,NS-F001-T03,NS-F001-SEC2,,,,\n"
                                          "service_point,E002,NS-F001-T03,,,,\n"))
    assert report.created == {"transformer": 1} and report.service_points_attached == 1
    assert ServicePoint.objects.get(number="E002").device.area == _device("NS-F001")


def test_out1_the_query_count_does_not_grow_with_the_rows(django_assert_max_num_queries):
    points = [ServicePointFactory(number=f"E{n:04d}", utility="power") for n in range(60)]
    rows = [f"transformer,T{t},SEC1,,,,\n" for t in range(6)]
    rows += [f"service_point,{p.number},T{i % 6},,,,\n" for i, p in enumerate(points)]
    text = HEADER + "substation,S1,,,,,\nfeeder,F1,S1,,,,\nsection,SEC1,F1,,,,\n" + "".join(rows)
    # Savepoint, devices, points, one INSERT and one area UPDATE per level, one UPDATE per transformer.
    with django_assert_max_num_queries(20):
        report = network_import(_csv(text))
    assert report.service_points_attached == 60


def test_out1_the_command_prints_a_summary_and_a_dry_run_writes_nothing(points, tmp_path: Path):
    path = tmp_path / "network.csv"
    path.write_text(GOOD, encoding="utf-8-sig")
    out = io.StringIO()
    call_command("import_network", str(path), "--dry-run", stdout=out, stderr=io.StringIO())
    assert "nothing was written" in out.getvalue()
    assert not Device.objects.exists()
    assert not ServicePoint.objects.filter(device__isnull=False).exists()

    out = io.StringIO()
    call_command("import_network", str(path), stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "Imported" in text and "Service points attached: 4" in text
    assert Device.objects.count() == 9


def test_out1_the_command_lists_every_bad_row_and_exits_with_an_error(points, tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "pipe,P1,Z404,,,,\nservice_point,NOPE,P1,,,,\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 problems; nothing was imported"):
        call_command("import_network", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        "line 2, dn: Give the pipe's nominal diameter (DN).",
        "line 2, parent: Unknown parent Z404: not in the file and not in the network.",
        "line 3, code: No service point has the number NOPE.",
    ]
    assert not Device.objects.exists()


def test_out1_the_command_refuses_a_missing_file():
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_network", "/nonexistent/network.csv")
