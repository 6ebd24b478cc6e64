"""The storm benchmark's synthetic network, its faults and its calls, without Django (issue 4 part 8).

Everything here is decided by the parameters and a seed alone, so ``bench/storm.py`` loads the
same network into the database that ``simulate`` reasons about, and replays the same calls.

Network: ``feeders`` feeders (four to a substation), each of ``sections`` switching sections of
``transformers`` transformers, each supplying ``points`` service points (one customer each).
Logical indexes: feeder ``f``; section ``f * sections + s``; transformer
``(f * sections + s) * transformers + t``; service point ``transformer * points + k``.

Storm: faults injected at three levels (whole feeders, switching sections, transformers; a device
is never chosen under another fault) at random times in the first 40 % of the storm. A share of
the customers under a fault call (the share is set so that the storm has the number of calls asked
for), the first call after an exponential delay from the fault, some of them again later. Noise:
calls from random service points under no fault (their own single faults), some of them solved by
the main-breaker self-check; callers who cannot be identified, half of them with a place (police,
passers-by: a work request without a customer), half without (information recorded).

``simulate`` is a model of ``outages.inference.infer`` (window; distinct callers under a
transformer, as a count and a share of its service points; roll-up to the section and the feeder
when enough of their children are out; predicted outages below merged; calls covered by an open
outage joined without inference), run over the calls in order, to explore thresholds in seconds.
"""

import math
import random
from collections import Counter, deque
from dataclasses import dataclass, field, replace

# Call kinds
FAULT, REPEAT, NOISE, POLICE, ANONYMOUS = "fault", "repeat", "noise", "police", "anonymous"
FEEDERS_PER_SUBSTATION = 4
CUT_SHARE = 0.005  # service points cut for unpaid bills (OUT-4): their calls never reach inference


@dataclass(frozen=True)
class Network:
    feeders: int = 28
    sections: int = 8  # per feeder
    transformers: int = 10  # per section
    points: int = 100  # per transformer
    seed: int = 4

    @property
    def section_count(self) -> int:
        return self.feeders * self.sections

    @property
    def transformer_count(self) -> int:
        return self.section_count * self.transformers

    @property
    def point_count(self) -> int:
        return self.transformer_count * self.points

    @property
    def substation_count(self) -> int:
        return math.ceil(self.feeders / FEEDERS_PER_SUBSTATION)

    def transformer_of(self, point: int) -> int:
        return point // self.points

    def section_of_transformer(self, transformer: int) -> int:
        return transformer // self.transformers

    def feeder_of_section(self, section: int) -> int:
        return section // self.sections

    def points_of(self, level: str, index: int) -> range:
        size = {"transformer": self.points, "section": self.points * self.transformers,
                "feeder": self.points * self.transformers * self.sections}[level]
        return range(index * size, (index + 1) * size)

    def cut_points(self) -> set[int]:
        rng = random.Random(self.seed * 7919 + 1)
        return set(rng.sample(range(self.point_count), int(self.point_count * CUT_SHARE)))

    # Device codes (the database's unique keys)
    def substation_code(self, number: int) -> str:
        return f"STM-S{number + 1:02d}"

    def feeder_code(self, f: int) -> str:
        return f"STM-F{f + 1:03d}"

    def section_code(self, section: int) -> str:
        f, s = divmod(section, self.sections)
        return f"{self.feeder_code(f)}-K{s + 1}"

    def transformer_code(self, transformer: int) -> str:
        section, t = divmod(transformer, self.transformers)
        return f"{self.section_code(section)}-T{t + 1:02d}"

    def code(self, level: str, index: int) -> str:
        return {"feeder": self.feeder_code, "section": self.section_code,
                "transformer": self.transformer_code}[level](index)


@dataclass(frozen=True)
class Fault:
    level: str  # feeder, section, transformer
    index: int
    at: float  # seconds into the storm


@dataclass(frozen=True)
class Call:
    at: float  # seconds into the storm
    kind: str
    point: int  # service point index, -1 for callers without one
    solved: bool = False  # the main-breaker self-check solved it (noise only)
    checked: bool = False  # the self-check was done, not solved
    # "Do your neighbours have supply?" (the self-check's first question; the request's
    # outage_scope): "single" (only my home), "area" (the neighbours are off too) or "unknown".
    scope: str = "unknown"


@dataclass
class Storm:
    faults: list[Fault]
    calls: list[Call]
    affected_points: int
    call_share: float  # of the customers under a fault, how many called at least once
    parameters: dict = field(default_factory=dict)

    def counts(self) -> Counter:
        return Counter(c.kind for c in self.calls)


# What callers say about their neighbours: those under a fault mostly see them dark too; those
# with a fault of their own mostly see them lit; a quarter or more do not know.
SCOPE_ANSWERS: dict[str, tuple[tuple[str, float], ...]] = {
    "fault": (("area", 0.60), ("unknown", 0.35), ("single", 0.05)),
    "noise": (("single", 0.65), ("unknown", 0.30), ("area", 0.05)),
}


def _answer(rng: random.Random, shares: tuple[tuple[str, float], ...]) -> str:
    draw = rng.random()
    for answer, share in shares:
        draw -= share
        if draw < 0:
            return answer
    return shares[-1][0]


def storm_make(network: Network, *, calls: int = 50_000, feeders: int = 5, sections: int = 10,
               transformers: int = 40, minutes: float = 45.0, noise: float = 0.15, unidentified: float = 0.03,
               repeat: float = 0.25, arrival_minutes: float = 8.0, self_help: float = 0.2,
               seed: int = 1) -> Storm:
    rng = random.Random(seed)
    duration = minutes * 60
    chosen_feeders = rng.sample(range(network.feeders), feeders)
    section_pool = [s for s in range(network.section_count)
                    if network.feeder_of_section(s) not in set(chosen_feeders)]
    chosen_sections = rng.sample(section_pool, sections)
    taken_sections = set(chosen_sections)
    transformer_pool = [t for t in range(network.transformer_count)
                        if network.section_of_transformer(t) not in taken_sections
                        and network.feeder_of_section(network.section_of_transformer(t))
                        not in set(chosen_feeders)]
    chosen_transformers = rng.sample(transformer_pool, transformers)
    faults = ([Fault("feeder", i, rng.uniform(0, 0.4 * duration)) for i in chosen_feeders]
              + [Fault("section", i, rng.uniform(0, 0.4 * duration)) for i in chosen_sections]
              + [Fault("transformer", i, rng.uniform(0, 0.4 * duration)) for i in chosen_transformers])
    affected: dict[int, float] = {}
    for fault in faults:
        for point in network.points_of(fault.level, fault.index):
            affected[point] = fault.at
    # The share of affected customers who call, so that the storm has about ``calls`` calls.
    from_faults = calls * (1 - noise - unidentified)
    # A first call after an exponential delay lands inside the storm with this probability (mean
    # over the faults' start times); a repeat comes a second delay later.
    inside = sum(1 - math.exp(-(duration - f.at) / (arrival_minutes * 60)) for f in faults) / len(faults)
    share = min(0.95, from_faults / (len(affected) * inside * (1 + repeat * inside)) * 1.02)
    out: list[Call] = []
    mean = arrival_minutes * 60
    for point, start in affected.items():
        if rng.random() >= share:
            continue
        first = start + rng.expovariate(1 / mean)
        if first >= duration:
            continue
        out.append(Call(first, FAULT, point, checked=rng.random() < 0.3))
        if rng.random() < repeat:
            again = first + rng.expovariate(1 / (1.5 * mean))
            if again < duration:
                out.append(Call(again, REPEAT, point))
    identified = len(out)
    noise_calls = round(identified * noise / (1 - noise - unidentified))
    unaffected = [p for p in range(network.point_count) if p not in affected]
    for point in rng.choices(unaffected, k=noise_calls):
        solved = rng.random() < self_help
        out.append(Call(rng.uniform(0, duration), NOISE, point, solved=solved, checked=not solved))
    for _ in range(round(identified * unidentified / (1 - noise - unidentified))):
        out.append(Call(rng.uniform(0, duration), POLICE if rng.random() < 0.5 else ANONYMOUS, -1))
    # The callers' answer about the neighbours, from a stream of its own (the calls stay the
    # same): mostly right, not always (SCOPE_ANSWERS).
    answers = random.Random(seed * 7919 + 3)
    out = [replace(c, scope=_answer(answers, SCOPE_ANSWERS["noise" if c.kind == NOISE else "fault"]))
           if c.point >= 0 else c for c in out]
    out.sort(key=lambda c: c.at)
    return Storm(faults=faults, calls=out, affected_points=len(affected), call_share=share,
                 parameters={"calls": calls, "feeders": feeders, "sections": sections,
                             "transformers": transformers,
                             "minutes": minutes, "noise": noise,
                             "unidentified": unidentified, "repeat": repeat,
                             "arrival_minutes": arrival_minutes, "self_help": self_help, "seed": seed})


# ----------------------------------------------------------------------------------------------
# Inference rules and the model of the service's inference


@dataclass(frozen=True)
class Rule:
    """``outages.models.InferenceRule``: for a transformer, distinct service points calling (at
    least ``points`` and at least ``share`` of those under it); for a section or a feeder, child
    devices with an open outage (at least ``children`` and at least ``child_share`` of them)."""

    points: int = 1
    share: float = 0.0
    children: int = 1
    child_share: float = 0.0
    window: int = 120  # minutes


Rules = dict[str, Rule]

PRESETS: dict[str, str] = {
    # servicedesk/demo/outages.py INFERENCE_RULES
    "demo": "transformer=3:10%,section=/2:50%,feeder=/2:50%,window=120",
}


def _threshold(text: str) -> tuple[int, float]:
    """``3``, ``15%`` or ``3:15%`` → (minimum count, minimum share)."""
    count, share = 0, 0.0
    for part in filter(None, text.split(":")):
        if part.endswith("%"):
            share = float(part[:-1]) / 100
        else:
            count = int(part)
    return count, share


def rules_parse(text: str) -> Rules:
    """``transformer=3:15%,section=/2:50%,feeder=/2:50%,window=120`` (service points[/children],
    each a count, a share or both), or a preset name."""
    text = PRESETS.get(text, text)
    window = 120
    parts = {}
    for item in text.split(","):
        key, value = item.strip().split("=")
        if key == "window":
            window = int(value)
        else:
            points, _, children = value.partition("/")
            parts[key] = (*_threshold(points), *_threshold(children))
    return {kind: Rule(max(1, p), ps, max(1, c), cs, window) for kind, (p, ps, c, cs) in parts.items()}


def rules_text(rules: Rules) -> str:
    def part(count: int, share: float) -> str:
        return f"{count}" + (f":{share:.0%}" if share else "")

    window = next(iter(rules.values())).window if rules else 120
    return ",".join(f"{k}={part(r.points, r.share)}/{part(r.children, r.child_share)}"
                    for k, r in rules.items()) + f",window={window}"


def rule_met(rule: Rule, *, points: int, points_under: int, children: int = 0, children_under: int = 0,
             leaf: bool) -> bool:
    """The service's test (``outages.inference._callers_enough``), written once more here."""
    if points < max(rule.points, math.ceil(rule.share * points_under - 1e-9)):
        return False
    if leaf:
        return True
    return children >= max(rule.children, math.ceil(rule.child_share * children_under - 1e-9))


@dataclass
class Prediction:
    """Open outages at the end, by (level, index), and the calls of the storm by what happened."""

    open: set[tuple[str, int]]
    outcomes: Counter


def evaluate(network: Network, faults: list[Fault], predicted: set[tuple[str, int]]) -> dict:
    """Precision and recall of the predicted devices against the injected ones. A prediction at
    an injected device is a true positive; any other is a false positive, a "near miss" if it is
    above or below an injected device."""
    injected = {(f.level, f.index) for f in faults}

    def above(level: str, index: int) -> list[tuple[str, int]]:
        if level == "transformer":
            section = network.section_of_transformer(index)
            return [("section", section), ("feeder", network.feeder_of_section(section))]
        if level == "section":
            return [("feeder", network.feeder_of_section(index))]
        return []

    true = predicted & injected
    false = predicted - injected
    near = {p for p in false
            if any(a in injected for a in above(*p))
            or any(p in above(*i) for i in injected)}
    by_level = {}
    for level in ("feeder", "section", "transformer"):
        wanted = {i for i in injected if i[0] == level}
        by_level[level] = {"injected": len(wanted), "found": len(wanted & predicted),
                           "false": len({p for p in false if p[0] == level})}
    precision = len(true) / len(predicted) if predicted else 0.0
    recall = len(true) / len(injected) if injected else 0.0
    return {"predicted": len(predicted), "true": len(true), "false": len(false), "near_misses": len(near),
            "precision": precision, "recall": recall, "by_level": by_level}


def simulate(network: Network, storm: Storm, rules: Rules, *, single_premise: bool = True) -> Prediction:
    """Replay the calls through a model of ``_join_open_outage`` / ``_infer`` / ``_predict``: a call
    covered by an open outage joins it; otherwise enough distinct callers under its transformer
    predict a transformer outage, and a prediction rolls up to the section (then the feeder) when
    enough of the section's transformers (the feeder's sections) have an open outage, merging
    the predicted outages below and taking the unexplained calls under it. With
    ``single_premise``, a caller who says the neighbours have supply is a single fault: the call
    neither counts nor predicts."""
    cut = network.cut_points()
    size = {"transformer": network.points, "section": network.points * network.transformers,
            "feeder": network.points * network.transformers * network.sections}
    child_count = {"section": network.transformers, "feeder": network.sections}
    calls_of: dict[tuple[str, int], deque] = {}  # device → its unexplained calls (time, point, number)
    open_outage: dict[tuple[str, int], int] = {}  # device → outage id
    outage_calls: dict[int, set[int]] = {}  # outage id → call numbers
    call_outage: dict[int, int] = {}
    next_outage = 1
    outcomes: Counter = Counter()

    def chain(point: int) -> tuple[tuple[str, int], ...]:
        transformer = network.transformer_of(point)
        section = network.section_of_transformer(transformer)
        return (("feeder", network.feeder_of_section(section)), ("section", section),
                ("transformer", transformer))

    def parent(device: tuple[str, int]) -> tuple[str, int] | None:
        level, index = device
        if level == "transformer":
            return ("section", network.section_of_transformer(index))
        if level == "section":
            return ("feeder", network.feeder_of_section(index))
        return None

    def children_out(device: tuple[str, int]) -> int:
        return sum(1 for d in open_outage if parent(d) == device)

    def in_window(device: tuple[str, int], now: float, window: float) -> list[tuple[float, int, int]]:
        queue = calls_of.get(device, deque())
        while queue and queue[0][0] < now - window:
            queue.popleft()
        return list(queue)

    def predict(device: tuple[str, int], now: float, window: float) -> int:
        nonlocal next_outage
        outage = next_outage
        next_outage += 1
        members = {entry[2] for entry in in_window(device, now, window)}
        below = {call_outage[n] for n in members if n in call_outage}
        for old in below:
            members |= outage_calls.pop(old)
        for dev in [d for d, o in open_outage.items() if o in below]:
            del open_outage[dev]
        open_outage[device] = outage
        outage_calls[outage] = members
        for n in members:
            call_outage[n] = outage
        return outage

    for number, call in enumerate(storm.calls):
        if call.point < 0:
            outcomes["request_created" if call.kind == POLICE else "information_recorded"] += 1
            continue
        if call.point in cut:
            outcomes["connection_cut"] += 1
            continue
        devices = chain(call.point)
        covering = [open_outage[d] for d in devices if d in open_outage]
        if covering:
            for device in devices:
                calls_of.setdefault(device, deque()).append((call.at, call.point, number))
            outage_calls[covering[0]].add(number)
            call_outage[number] = covering[0]
            outcomes["outage_linked"] += 1
            continue
        if call.solved:
            outcomes["self_help"] += 1
            continue
        counts = not (single_premise and call.scope == "single")
        for device in devices:
            calls_of.setdefault(device, deque()).append((call.at, call.point if counts else None, number))
        transformer = devices[-1]
        rule = rules.get("transformer")
        predicted = None
        if rule is not None and counts:
            points = len({entry[1] for entry in in_window(transformer, call.at, rule.window * 60)} - {None})
            if rule_met(rule, points=points, points_under=size["transformer"], leaf=True):
                predicted = transformer
                predict(transformer, call.at, rule.window * 60)
        # Roll up: a new outage may make its parent's rule met.
        device = predicted
        while device is not None and (up := parent(device)) is not None:
            up_rule = rules.get(up[0])
            if up_rule is None:
                break
            points = len({entry[1] for entry in in_window(up, call.at, up_rule.window * 60)} - {None})
            if not rule_met(up_rule, points=points, points_under=size[up[0]], children=children_out(up),
                            children_under=child_count[up[0]], leaf=False):
                break
            predict(up, call.at, up_rule.window * 60)
            device = up
        outcomes["outage_linked" if predicted else "request_created"] += 1
    return Prediction(open=set(open_outage), outcomes=outcomes)
