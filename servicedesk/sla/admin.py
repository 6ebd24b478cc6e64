"""Administration of service levels (SLA-1, SLA-2, SLA-5): calendars, official years, policies.

Every change made here is recorded as an SlaChange naming the administrator, and the open timers
it affects are recomputed in the background (``sla.changes``). Timers, warnings, notifications
and changes are read-only: they are derived or historical.
"""

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.core.admin import ReadOnlyAdmin
from servicedesk.sla.changes import acting_user
from servicedesk.sla.checks import coverage_warning
from servicedesk.sla.models import (
    Calendar,
    CalendarOverride,
    Notification,
    OfficialYear,
    Policy,
    ProvisionalCalendarWarning,
    SlaChange,
    Target,
    Timer,
    TimerWarning,
)
from servicedesk.sla.vocabulary import event_choices, status_choices


def _coverage_warning_once_a_day(request: HttpRequest) -> None:
    """The official-holiday coverage warning as a message, once a day in each administrator's
    session (it stays on the admin's index page as a banner; issue 10 item 13)."""
    today = timezone.localdate().isoformat()
    if request.session.get("sla_coverage_warned_on") == today:
        return
    warning = coverage_warning()
    if warning:
        messages.warning(request, warning)
        request.session["sla_coverage_warned_on"] = today


if TYPE_CHECKING:
    _AdminBase = admin.ModelAdmin
else:
    _AdminBase = object  # a mixin: the model admin it is mixed into comes after it


class ActorMixin(_AdminBase):
    """Runs the admin's writes with the logged-in user as the actor of the SlaChange rows they
    cause (the model, its inlines, bulk deletes)."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with acting_user(request.user.pk):
            return super().changeform_view(request, *args, **kwargs)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with acting_user(request.user.pk):
            return super().delete_view(request, *args, **kwargs)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "GET":
            _coverage_warning_once_a_day(request)
        with acting_user(request.user.pk):  # bulk actions (delete selected) post here
            return super().changelist_view(request, extra_context)


class CalendarOverrideInline(admin.TabularInline):
    model = CalendarOverride
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(ActorMixin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "windows", "follows_official_holidays", "updated_at")
    search_fields = ("code", "name", "name_en")
    inlines = [CalendarOverrideInline]


@admin.register(OfficialYear)
class OfficialYearAdmin(ActorMixin, admin.ModelAdmin):
    list_display = ("year", "source")


def _with_unknown(choices: list[Any], values: list[str]) -> list[Any]:
    """Keep a stored code that is not (or no longer) offered, so that saving does not drop it."""
    offered = {code for _group, options in choices for code, _label in options}
    unknown = [code for code in values if code not in offered]
    return choices + [(_("Other (as stored)"), [(code, code) for code in unknown])] if unknown else choices


class TargetForm(forms.ModelForm):
    """A target's events and pause statuses chosen by their labels, stored as before: the events as
    one comma-separated text ("accepted, dispatched"), the pause statuses as a list (SLA-2, SLA-3)."""

    EVENT_FIELDS = ("start_event", "stop_event", "restart_event")

    start_event = forms.MultipleChoiceField(label=_("starts at"),
                                            help_text=_("The first of these events starts the clock."))
    stop_event = forms.MultipleChoiceField(label=_("stops at"), help_text=_(
        "The first of these events stops the clock; a cancelled subject stops every clock."))
    restart_event = forms.MultipleChoiceField(label=_("restarts at"), required=False, help_text=_(
        "Once stopped, the clock runs again only at one of these events, e.g. a reopening; none: it never "
        "runs again."))
    pause_statuses = forms.MultipleChoiceField(label=_("paused while"), required=False, help_text=_(
        "The clock stands still while the subject is in one of these statuses."))

    class Meta:
        model = Target
        fields = "__all__"  # noqa: DJ007 -- every field of the target, as the inline showed before

    def __init__(self, *args: Any, subject_type: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.EVENT_FIELDS:
            # As the engine reads it (engine.event_names), in the order the administrator wrote.
            text = self.initial.get(name) or ""
            stored = [code.strip() for code in text.replace("|", ",").split(",") if code.strip()]
            self.initial[name] = stored
            cast("forms.MultipleChoiceField", self.fields[name]).choices = _with_unknown(
                event_choices(subject_type), stored)
            self.fields[name].widget.attrs["size"] = 8
        paused = [str(code) for code in (self.initial.get("pause_statuses") or [])]
        self.initial["pause_statuses"] = paused
        cast("forms.MultipleChoiceField", self.fields["pause_statuses"]).choices = _with_unknown(
            status_choices(subject_type), paused)
        self.fields["pause_statuses"].widget.attrs["size"] = 6

    def clean_start_event(self) -> str:
        return ", ".join(dict.fromkeys(self.cleaned_data["start_event"]))

    def clean_stop_event(self) -> str:
        return ", ".join(dict.fromkeys(self.cleaned_data["stop_event"]))

    def clean_restart_event(self) -> str:
        return ", ".join(dict.fromkeys(self.cleaned_data["restart_event"]))

    def clean_pause_statuses(self) -> list[str]:
        return list(dict.fromkeys(self.cleaned_data["pause_statuses"]))


class TargetFormSet(BaseInlineFormSet):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        # The policy's subject decides which events are offered; none yet on a new policy: all.
        return {**super().get_form_kwargs(index), "subject_type": self.instance.applies_to or None}


class TargetInline(admin.StackedInline):
    model = Target
    form = TargetForm
    formset = TargetFormSet
    extra = 0


@admin.register(Policy)
class PolicyAdmin(ActorMixin, admin.ModelAdmin):
    list_display = ("name", "applies_to", "sort_order", "request_type", "severity",
                    "priority", "customer_class",
                    "channel", "provider", "active")
    list_filter = ("applies_to", "active")
    search_fields = ("name",)
    inlines = [TargetInline]


@admin.register(Timer)
class TimerAdmin(ReadOnlyAdmin):
    list_display = ("subject_type", "subject_id", "target", "state", "due_at", "provisional",
                    "next_warning_percent",
                    "next_warning_at", "problem")
    list_filter = ("state", "subject_type", "provisional")
    list_select_related = ("target", "target__policy")
    search_fields = ("=subject_id",)


@admin.register(TimerWarning)
class TimerWarningAdmin(ReadOnlyAdmin):
    list_display = ("timer", "percent", "notify", "fired_at", "recipients")
    list_select_related = ("timer",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "user", "created_at", "read_at", "email_claimed_at", "email_sent_at")
    list_select_related = ("user",)
    search_fields = ("title", "user__username")


@admin.register(ProvisionalCalendarWarning)
class ProvisionalCalendarWarningAdmin(ReadOnlyAdmin):
    list_display = ("day", "sent_at", "provisional_timers", "recipients")


@admin.register(SlaChange)
class SlaChangeAdmin(ReadOnlyAdmin):
    list_display = ("at", "what", "actor", "timers_recomputed", "recomputed_at")
    list_select_related = ("actor",)
