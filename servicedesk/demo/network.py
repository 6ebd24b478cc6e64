"""The demo city's supply network (OUT-1), built as the service points need it.

Each generated service point gets a network position from its address: neighbours share a
transformer or pipe segment, so one fault explains many calls (OUT-3). The network is sized to
the city (``DistrictLayout``: about 40 power service points a transformer, 15 water service
points a pipe segment, with a realistic minimum per district), and the devices above a position
are made the first time a service point needs them:

- power, per district: feeders (``FT-F001``) shared round the district's substations (``FT-S01``,
  named after its sub-districts, at least two, up to 8 feeders each), each feeder in 2–4
  switching sections (``FT-F001-SEC1``) over its transformers (``FT-F001-T00100``, 6–30);
- water, per district: supply zones (``FT-Z01``) of pipe segments (``FT-Z01-P01000``) with DN
  100–600, most of them 150 or less.

Names, DNs and places follow from the codes alone (no random draws), so the city's own random
stream is the same with or without the network, and appending another city reuses the devices
already there by code.
"""

import math
import zlib
from dataclasses import dataclass
from typing import Any

from servicedesk.demo.geography import CITY, DISTRICTS, District
from servicedesk.network.models import AREA_KINDS, UTILITY_OF_KIND, DeviceKind, Utility

DEVICE_FIELDS = ("id", "code", "kind", "utility", "name", "parent", "lineage", "area", "dn", "district",
                 "location")

POWER_SHARE = 0.73  # of the generated service points (every premise has power, a third water)
POINTS_PER_TRANSFORMER = 40
POINTS_PER_PIPE = 15
MIN_FEEDERS, MAX_FEEDERS = 6, 999
FEEDERS_PER_SUBSTATION = 8
MIN_TRANSFORMERS_PER_FEEDER, MAX_TRANSFORMERS_PER_FEEDER = 6, 30
MIN_ZONES, MAX_ZONES = 3, 99
MIN_PIPES_PER_ZONE, MAX_PIPES_PER_ZONE = 4, 200
# Distribution mains: most service pipes hang off DN100–150; a few trunk mains up to DN600.
DN_WEIGHTS: tuple[tuple[int, int], ...] = ((100, 30), (150, 38), (200, 12), (300, 10), (400, 5), (500, 3),
                                           (600, 2))
_DIRECTIONS = ("", "北", "南", "东", "西", "中")
_POWER = str(Utility.POWER)  # a plain str compares faster than the enum member
_TOTAL_POPULATION = sum(district.population for district in DISTRICTS)

Placed = tuple[int, list[int], int | None]  # id, lineage, area id


@dataclass(frozen=True)
class DistrictLayout:
    """How many devices of each level a district's network has (not all are used)."""

    feeders: int
    substations: int
    transformers_per_feeder: int
    zones: int
    pipes_per_zone: int

    @classmethod
    def for_points(cls, points: float) -> "DistrictLayout":
        """The layout for a district expected to have ``points`` service points."""
        transformers = math.ceil(points * POWER_SHARE / POINTS_PER_TRANSFORMER)
        feeders = min(MAX_FEEDERS, max(MIN_FEEDERS, math.ceil(transformers / MAX_TRANSFORMERS_PER_FEEDER)))
        per_feeder = min(MAX_TRANSFORMERS_PER_FEEDER, max(MIN_TRANSFORMERS_PER_FEEDER,
                                                          math.ceil(transformers / feeders)))
        pipes = math.ceil(points * (1 - POWER_SHARE) / POINTS_PER_PIPE)
        zones = min(MAX_ZONES, max(MIN_ZONES, math.ceil(pipes / MAX_PIPES_PER_ZONE)))
        per_zone = min(MAX_PIPES_PER_ZONE, max(MIN_PIPES_PER_ZONE, math.ceil(pipes / zones)))
        return cls(feeders=feeders, substations=max(2, math.ceil(feeders / FEEDERS_PER_SUBSTATION)),
                   transformers_per_feeder=per_feeder, zones=zones, pipes_per_zone=per_zone)

    def sections(self, feeder: int) -> int:
        """2–4 switching sections, each over at least two transformers."""
        return max(1, min(2 + feeder % 3, self.transformers_per_feeder // 2))


def chinese_number(number: int) -> str:
    """1 → 一, 12 → 十二, 40 → 四十 (below 100)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(number, 10)
    if tens == 0:
        return digits[ones]
    return f"{'' if tens == 1 else digits[tens]}十{digits[ones] if ones else ''}"


def pipe_dn(code: str) -> int:
    """A pipe segment's DN, fixed by its code (the same segment has the same DN in every run)."""
    draw = zlib.crc32(code.encode()) % sum(weight for _dn, weight in DN_WEIGHTS)
    for dn, weight in DN_WEIGHTS:
        if draw < weight:
            return dn
        draw -= weight
    return DN_WEIGHTS[-1][0]


class DemoNetwork:
    """The devices of the demo city, as rows for the bulk loader (``DEVICE_FIELDS``), ids given."""

    def __init__(self, *, first_id: int, expected_points: int,
                 existing: dict[str, Placed] | None = None) -> None:
        self.next_id = first_id
        self.placed: dict[str, Placed] = dict(existing or {})
        self.rows: list[tuple[Any, ...]] = []
        self.layouts = {district.code: DistrictLayout.for_points(expected_points * district.population
                                                                 / _TOTAL_POPULATION)
                        for district in DISTRICTS}

    def take_rows(self) -> list[tuple[Any, ...]]:
        """The devices made since the last call (to be written before their service points)."""
        rows, self.rows = self.rows, []
        return rows

    def leaf(self, district: District, utility: str, road: int, estate: int,
             building: int) -> tuple[int, str]:
        """The id and code of the transformer or pipe segment supplying an address, from its
        (road, estate, building) indexes. Runs for every generated service point: kept inline."""
        layout = self.layouts[district.code]
        if utility == _POWER:
            feeder = 1 + (road * 17 + estate * 5) % layout.feeders
            transformer = feeder * 100 + building % layout.transformers_per_feeder
            code = f"{district.code}-F{feeder:03d}-T{transformer:05d}"
            placed = self.placed.get(code) or self._transformer(district, feeder, transformer, code)
        else:
            zone = 1 + road % layout.zones
            pipe = zone * 1000 + (estate * 37 + building) % layout.pipes_per_zone
            code = f"{district.code}-Z{zone:02d}-P{pipe:05d}"
            placed = self.placed.get(code) or self._pipe(district, zone, pipe, code)
        return placed[0], code

    def _device(self, code: str, kind: str, parent: str | None, name: str, district: District,
                location: str = "", dn: int | None = None) -> Placed:
        placed = self.placed.get(code)
        if placed is not None:
            return placed
        device_id = self.next_id
        self.next_id += 1
        above = self.placed[parent] if parent is not None else None
        lineage = [*above[1], above[0]] if above is not None else []
        area = device_id if kind in AREA_KINDS else (above[2] if above is not None else None)
        self.rows.append((device_id, code, kind, UTILITY_OF_KIND[kind], name, above[0] if above else None,
                          lineage, area, dn, district.name, location))
        self.placed[code] = (device_id, lineage, area)
        return self.placed[code]

    # -- power ----------------------------------------------------------------------------------

    def _feeder_road(self, district: District, feeder: int) -> tuple[str, str]:
        """The road a feeder runs along and its line name, e.g. 10kV福华路线, 10kV福华路二线."""
        laps, index = divmod(feeder - 1, len(district.roads))
        road = district.roads[index]
        return road, f"10kV{road}{chinese_number(laps + 1) if laps else ''}线"

    def _substation(self, district: District, feeder: int) -> str:
        number = (feeder - 1) % self.layouts[district.code].substations + 1
        code = f"{district.code}-S{number:02d}"
        if code not in self.placed:
            laps, index = divmod(number - 1, len(district.streets))
            street = district.streets[index]
            self._device(code, DeviceKind.SUBSTATION, None,
                         f"{street}{_DIRECTIONS[laps % len(_DIRECTIONS)]}110kV变电站", district,
                         f"{CITY}{district.name}{street}街道")
        return code

    def _transformer(self, district: District, feeder: int, transformer: int, code: str) -> Placed:
        road, line = self._feeder_road(district, feeder)
        feeder_code = f"{district.code}-F{feeder:03d}"
        if feeder_code not in self.placed:
            self._device(feeder_code, DeviceKind.FEEDER, self._substation(district, feeder), line, district,
                         f"{CITY}{district.name}{road}")
        position = transformer % 100
        layout = self.layouts[district.code]
        section = position * layout.sections(feeder) // layout.transformers_per_feeder + 1
        section_code = f"{feeder_code}-SEC{section}"
        if section_code not in self.placed:
            self._device(section_code, DeviceKind.SECTION, feeder_code, f"{line}第{section}分段", district,
                         f"{CITY}{district.name}{road}")
        return self._device(code, DeviceKind.TRANSFORMER, section_code, f"{line}{position + 1}号公用配变",
                            district, f"{CITY}{district.name}{road}")

    # -- water ----------------------------------------------------------------------------------

    def _pipe(self, district: District, zone: int, pipe: int, code: str) -> Placed:
        zone_code = f"{district.code}-Z{zone:02d}"
        if zone_code not in self.placed:
            laps, index = divmod(zone - 1, len(district.streets))
            street = district.streets[index]
            self._device(zone_code, DeviceKind.ZONE, None,
                         f"{street}{chinese_number(laps + 1) if laps else ''}片区供水分区", district,
                         f"{CITY}{district.name}{street}街道")
        segment = pipe % 1000
        road = district.roads[segment % len(district.roads)]
        dn = pipe_dn(code)
        kind_name = "输水干管" if dn >= 400 else "配水管"
        return self._device(code, DeviceKind.PIPE, zone_code, f"{road}DN{dn}{kind_name}第{segment + 1}段",
                            district, f"{CITY}{district.name}{road}", dn=dn)

