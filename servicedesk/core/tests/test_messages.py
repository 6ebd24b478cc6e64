"""The registry of system texts (core.messages): stored as key and parameters, rendered in the
active language (issue 10 item 6)."""

import datetime

import pytest
from django.utils import translation

from servicedesk.core.messages import MESSAGES, bilingual, label, message, moment, render, render_html, typed


class Named:
    name, name_en = "抢修一队", "Repair crew A"


def test_a_message_renders_in_the_active_language_with_bilingual_names():
    stored = message("work_order_dispatched", ref="WO00000001", provider=bilingual(Named()))
    with translation.override("en"):
        assert render(stored) == "Work order WO00000001 to Repair crew A"
    with translation.override("zh-hans"):
        assert render(stored) == "工作单 WO00000001 派发给 抢修一队"


def test_labels_moments_and_typed_text():
    stored = message("sla_overdue", percent=150, target=label(translation.gettext_lazy("Resolution")),
                     subject=typed("SR00000001 <福田区>"))
    with translation.override("en"):
        assert render(stored) == "Overdue (150 %): Resolution of SR00000001 <福田区>"
        html = render_html(stored)
        assert '<span data-customer-text="">SR00000001 &lt;福田区&gt;</span>' in html
    eta = datetime.datetime(2026, 3, 2, 1, 30, tzinfo=datetime.UTC)
    with translation.override("en"):
        assert "2026-03-02 09:30" in render(message("tell_work_request", ref="SR00000001", eta=moment(eta)))


def test_rows_without_a_message_keep_their_text_and_unknown_keys_are_refused():
    assert render({}, "旧的文字") == "旧的文字"
    assert render({"key": "gone", "params": {}}, "旧的文字") == "旧的文字"
    assert render_html({}, "<b>") == '<span data-customer-text="">&lt;b&gt;</span>'
    with pytest.raises(KeyError):
        message("no_such_message")


def test_every_template_is_translated():
    with translation.override("zh-hans"):
        untranslated = [key for key, template in MESSAGES.items()
                        if str(template) == template._args[0]]  # type: ignore[attr-defined]
    assert not untranslated
