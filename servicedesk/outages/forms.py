"""Web forms of the fault call (seed 004) and of the dispatcher's outage pages. They parse input
only: the rules live in the outages services (fault_calls, lifecycle, planned), whose field
errors the views put beside these fields."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from servicedesk.contacts.models import Channel, ContactRecord
from servicedesk.core.moments import validate_past_moment, validate_scheduled_moment
from servicedesk.core.references import parse_id
from servicedesk.customers.models import ServicePoint
from servicedesk.network.models import Device, Utility
from servicedesk.org.models import Provider
from servicedesk.outages.fault_calls import TroubleshootingAnswer
from servicedesk.outages.models import (
    Outage,
    OutageStatus,
    PlannedOutageNotice,
    TroubleshootingScript,
    TroubleshootingStep,
)
from servicedesk.tickets.config import intake_config
from servicedesk.tickets.forms import ATTRIBUTE_PREFIX, DATETIME_INPUT_FORMATS, attribute_form_field
from servicedesk.tickets.models import RequestType, RequestTypeField

ReporterKind = ContactRecord.ReporterKind
Kind = RequestTypeField.Kind

# fault_call_take's error keys → FaultCallForm fields (``problem.<key>`` is mapped per type).
FAULT_CALL_ERROR_FIELDS = {
    "customer_id": "reporter_kind",
    "service_point_id": "reporter_kind",
    "reporter_name": "reporter_name",
    "reporter_phone": "reporter_phone",
    "troubleshooting": "troubleshooting",
    "utility": "utility",
    "estimated_completion_at": "estimated_completion_at",
    "location": "location",
}
# The dispatcher's forms: service keys → form fields.
OUTAGE_ERROR_FIELDS = {"target_id": "target", "device_id": "device_code", "provider_id": "provider",
                       "request_id": "leak_request"}
PLANNED_ERROR_FIELDS = {"service_point_ids": "service_points"}

SOLVED = "solved"
NOT_SOLVED = "not_solved"


def _local_datetime_widget() -> forms.DateTimeInput:
    # The browser's datetime-local input has no zone: it is read in the active zone (Asia/Shanghai).
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _datetime_field(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DateTimeField:
    """An expected moment (an ETR, a planned outage's start): a month back to two years ahead."""
    return forms.DateTimeField(label=label, required=required, input_formats=DATETIME_INPUT_FORMATS,
                               widget=_local_datetime_widget(), help_text=help_text,
                               validators=[validate_scheduled_moment])


def step_text(step: TroubleshootingStep) -> str:
    return step.instruction_en if get_language() == "en" and step.instruction_en else step.instruction


def _problem_field(definition: RequestTypeField) -> forms.Field:
    """A type field of the fault request (004 step 19.2). Not required in the browser: it is needed
    only when the call ends in a work request, which the service decides (and then names it)."""
    field = attribute_form_field(definition)
    field.widget.attrs.pop("required", None)
    return field


class FaultCallForm(forms.Form):
    """One fault call (004): the caller, the guided self-checks, the problem detail for the work request.

    The identified service point (if any) comes from the page, not from this form. The
    self-checks are fields per script: ``ts_<code>_steps`` (steps done), ``ts_<code>_result``
    (solved / not solved / not tried) and ``ts_<code>_note``.
    """

    utility = forms.ChoiceField(label=_("Utility"), choices=Utility.choices, initial=Utility.POWER,
                                widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    reporter_kind = forms.ChoiceField(
        label=_("Reporter"), initial=ReporterKind.NON_CUSTOMER,
        choices=[(v, label) for v, label in ReporterKind.choices if v != ReporterKind.CUSTOMER])
    reporter_name = forms.CharField(label=_("Reporter name"), max_length=100, required=False)
    reporter_phone = forms.CharField(label=_("Reporter phone"), max_length=40, required=False,
                                     help_text=_("The number to call back."))
    location = forms.CharField(label=_("Fault location (place)"), max_length=300, required=False,
                               help_text=_("Where the fault is, in the caller's words (a street corner, a "
                                           "pole)."))
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    # Carries the service's "troubleshooting" errors beside the self-checks; never an input.
    troubleshooting = forms.CharField(required=False, widget=forms.HiddenInput)
    estimated_completion_at = _datetime_field(
        # 004 step 19.3
        _("Initial time estimate"), help_text=_("Optional: when the repair should be done. "
                                                "Left empty, the configured default is used."))

    def __init__(self, *args: Any, identified: bool, scripts: list[TroubleshootingScript],
                 steps_by_script: dict[int, list[TroubleshootingStep]], request_type: RequestType | None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "fault")
        super().__init__(*args, **kwargs)
        self.identified = identified
        if identified:
            # The caller is the customer of the service point: no reporter kind, no place.
            del self.fields["reporter_kind"]
            del self.fields["location"]
        self.scripts = scripts
        self.script_rows: list[dict[str, Any]] = []
        for script in scripts:
            steps = steps_by_script.get(script.pk, [])
            self.fields[f"ts_{script.code}_steps"] = forms.TypedMultipleChoiceField(
                label=script.display_name, required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
                choices=[(step.order, step_text(step)) for step in steps])
            self.fields[f"ts_{script.code}_result"] = forms.ChoiceField(
                label=_("Result"), required=False, widget=forms.RadioSelect, initial="",
                choices=[("", _("Not tried")), (SOLVED, _("Solved")), (NOT_SOLVED, _("Not solved"))])
            self.fields[f"ts_{script.code}_note"] = forms.CharField(label=_("Note"), max_length=300,
                                                                    required=False)
            self.script_rows.append({"script": script, "steps": self[f"ts_{script.code}_steps"],
                                     "result": self[f"ts_{script.code}_result"],
                                     "note": self[f"ts_{script.code}_note"]})
        self.request_type = request_type
        self.problem_definitions = intake_config().fields_of(request_type) if request_type else []
        for definition in self.problem_definitions:
            self.fields[ATTRIBUTE_PREFIX + definition.key] = _problem_field(definition)

    @property
    def problem_fields(self) -> list[forms.BoundField]:
        return [self[ATTRIBUTE_PREFIX + d.key] for d in self.problem_definitions]

    def troubleshooting_answers(self) -> list[TroubleshootingAnswer]:
        """The self-checks the agent tried (a result was given), in the scripts' order."""
        answers = []
        for script in self.scripts:
            result = self.cleaned_data.get(f"ts_{script.code}_result") or ""
            if result not in (SOLVED, NOT_SOLVED):
                continue
            answers.append(TroubleshootingAnswer(
                script=script.code, solved=result == SOLVED,
                steps_done=tuple(sorted(self.cleaned_data.get(f"ts_{script.code}_steps") or [])),
                note=self.cleaned_data.get(f"ts_{script.code}_note") or ""))
        return answers

    def problem(self) -> dict[str, Any]:
        """The work request's fields as the service expects them; empty inputs are left out."""
        values: dict[str, Any] = {}
        for definition in self.problem_definitions:
            value = self.cleaned_data.get(ATTRIBUTE_PREFIX + definition.key)
            if definition.kind == Kind.BOOLEAN:
                if value:
                    values[definition.key] = True
            elif value not in (None, ""):
                values[definition.key] = value
        return values

    def error_fields(self) -> dict[str, str]:
        names = dict(FAULT_CALL_ERROR_FIELDS)
        names.update({f"problem.{d.key}": ATTRIBUTE_PREFIX + d.key for d in self.problem_definitions})
        names.update({f"attributes.{d.key}": ATTRIBUTE_PREFIX + d.key for d in self.problem_definitions})
        if "reporter_kind" not in self.fields:
            names.update({"customer_id": "reporter_phone", "service_point_id": "reporter_phone"})
        return names


# ----------------------------------------------------------------------------------------------
# The dispatcher's outage forms (OUT-3, OUT-6)


class OutageConfirmForm(forms.Form):
    """Confirm a predicted outage: cause, ETR and the crew's work order."""

    cause = forms.CharField(label=_("Cause"), max_length=300)
    etr = _datetime_field(_("Estimated restoration"), required=True)
    provider = forms.ModelChoiceField(label=_("Provider"), required=False,
                                      queryset=Provider.objects.filter(active=True).order_by("code"),
                                      help_text=_("The crew that repairs it; a work order is sent to them."))
    crew_type = forms.CharField(label=_("Crew type"), max_length=50, required=False)
    instructions = forms.CharField(label=_("Instructions"), widget=forms.Textarea(attrs={"rows": 2}),
                                   required=False)

    def __init__(self, *args: Any, request_type: RequestType | None = None, providers: Any = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "confirm")
        super().__init__(*args, **kwargs)
        if providers is not None:
            # Only the crews of the outage's utility (selectors.outage_crews); the service checks again.
            self.fields["provider"].queryset = providers  # type: ignore[attr-defined]
        # The fields of the outage's repair request, used when no caller's request can carry it.
        self.attribute_definitions = intake_config().fields_of(request_type) if request_type else []
        for definition in self.attribute_definitions:
            self.fields[ATTRIBUTE_PREFIX + definition.key] = _problem_field(definition)

    @property
    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[ATTRIBUTE_PREFIX + d.key] for d in self.attribute_definitions]

    def attributes(self) -> dict[str, Any]:
        return {d.key: self.cleaned_data[ATTRIBUTE_PREFIX + d.key] for d in self.attribute_definitions
                if self.cleaned_data.get(ATTRIBUTE_PREFIX + d.key) not in (None, "", False)}

    def error_fields(self) -> dict[str, str]:
        names = dict(OUTAGE_ERROR_FIELDS)
        names.update({f"attributes.{d.key}": ATTRIBUTE_PREFIX + d.key for d in self.attribute_definitions})
        return names


class OutageRejectForm(forms.Form):
    reason = forms.CharField(label=_("Why it is not an outage"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "reject")
        super().__init__(*args, **kwargs)


class OutageMergeForm(forms.Form):
    target = forms.ModelChoiceField(label=_("Merge into"), queryset=Outage.objects.none())

    def __init__(self, *args: Any, targets: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "merge")
        super().__init__(*args, **kwargs)
        if targets is not None:
            self.fields["target"].queryset = targets  # type: ignore[attr-defined]
        self.fields["target"].label_from_instance = (  # type: ignore[attr-defined]
            lambda o: f"{o.reference} · {o.device.code} · {o.get_status_display()}")


class OutageUpdateForm(forms.Form):
    etr = _datetime_field(_("New estimated restoration"))
    cause = forms.CharField(label=_("Cause"), max_length=300, required=False)
    reason = forms.CharField(label=_("Why the estimate changes"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "update")
        super().__init__(*args, **kwargs)


class OutageRestoreForm(forms.Form):
    restored_at = forms.DateTimeField(
        label=_("Supply restored at"), required=False, initial=timezone.now,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=_local_datetime_widget(), validators=[validate_past_moment],
        help_text=_("Now, or earlier if supply came back before you record it. The crews' work orders are "
                    "completed at this time."))
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "restore")
        super().__init__(*args, **kwargs)


class OutageDeclareForm(forms.Form):
    """A dispatcher declares a known outage (SCADA alarm) or a leak repair's affected area (003 §8.2)."""

    device_code = forms.CharField(label=_("Device code"), max_length=40,
                                  help_text=_("The network device that is off, e.g. a transformer or a pipe "
                                              "segment."))
    cause = forms.CharField(label=_("Cause"), max_length=300)
    etr = _datetime_field(_("Estimated restoration"))
    leak_request = forms.CharField(
        label=_("Leak request"), max_length=20, required=False,
        help_text=_("For a leak repair: the leak report's reference (e.g. SR00000012); callers in the "
                    "affected supply area are told the estimated completion."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "declare")
        super().__init__(*args, **kwargs)

    def clean_device_code(self) -> Device:
        code = self.cleaned_data["device_code"].strip()
        device = Device.objects.filter(code=code).first()
        if device is None:
            raise forms.ValidationError(_("No network device has the code %(code)s.") % {"code": code})
        return device

    def clean_leak_request(self) -> int | None:
        raw = self.cleaned_data["leak_request"].strip().upper().removeprefix("SR")
        if not raw:
            return None
        pk = parse_id(raw)
        if pk is None:
            raise forms.ValidationError(_("Give a request reference such as SR00000012."))
        return pk


class OutageFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("open", _("Open (predicted and confirmed)")),
        *OutageStatus.choices,
    ])


# ----------------------------------------------------------------------------------------------
# Planned outages (OUT-2)


def _split(raw: str) -> list[str]:
    return [part for part in raw.replace(",", " ").replace("，", " ").replace("、", " ").split() if part]


class PlannedOutageForm(forms.Form):
    utility = forms.ChoiceField(label=_("Utility"), choices=Utility.choices, initial=Utility.POWER)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    starts_at = _datetime_field(_("Starts at"), required=True)
    ends_at = _datetime_field(_("Ends at"), required=True)
    devices = forms.CharField(label=_("Devices"), required=False,
                              help_text=_("Device codes, separated by spaces or commas (e.g. S1 T4)."))
    districts = forms.CharField(label=_("Districts"), required=False,
                                help_text=_("Whole districts, separated by spaces or commas (e.g. 福田区)."))
    area_description = forms.CharField(label=_("Area"), max_length=300, required=False,
                                       help_text=_("The affected area in words, for the public notice."))
    published = forms.BooleanField(label=_("Published on the public notice page"), required=False,
                                   initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "planned")
        super().__init__(*args, **kwargs)

    def clean_devices(self) -> list[Device]:
        codes = _split(self.cleaned_data["devices"])
        found = {d.code: d for d in Device.objects.filter(code__in=codes)}
        missing = [code for code in codes if code not in found]
        if missing:
            raise forms.ValidationError(_("No network device has the code %(code)s.") % {"code": missing[0]})
        return [found[code] for code in dict.fromkeys(codes)]

    def clean_districts(self) -> list[str]:
        return _split(self.cleaned_data["districts"])


class PlannedNoticeForm(forms.Form):
    """Record the notice given (004 step 13): to every affected service point, or to those listed."""

    channel = forms.ChoiceField(label=_("How"), choices=PlannedOutageNotice.Channel.choices,
                                initial=PlannedOutageNotice.Channel.LETTER)
    service_points = forms.CharField(
        label=_("Service point numbers"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Leave empty for every affected service point."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "notice")
        super().__init__(*args, **kwargs)

    def clean_service_points(self) -> list[ServicePoint] | None:
        numbers = _split(self.cleaned_data["service_points"])
        if not numbers:
            return None
        found = {p.number: p for p in ServicePoint.objects.filter(number__in=numbers)}
        missing = [number for number in numbers if number not in found]
        if missing:
            raise forms.ValidationError(_("No service point has the number %(number)s.")
                                        % {"number": missing[0]})
        return [found[number] for number in dict.fromkeys(numbers)]
