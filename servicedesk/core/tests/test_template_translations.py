"""Every literal a template translates has its Chinese (issue 10 items 6, 7: the default language is
Simplified Chinese, and an English sentence on a Chinese page is a missing entry in the catalogue).

A ``{% translate "…" %}`` literal is looked up with ``%`` doubled (Django escapes it), so an entry
written with a single ``%`` is silently missed; this test looks the literals up as Django does.
"""

import re
from pathlib import Path

from django.conf import settings
from django.template import Context, Template
from django.utils import translation

TEMPLATES = Path(settings.BASE_DIR) / "templates"
LITERAL = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.+?)\1"""
                     r"""(?:\s+context\s+(["'])(.+?)\3)?\s*(?:as\s+\w+\s*)?%}""")


def _literals() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for match in LITERAL.finditer(path.read_text(encoding="utf-8")):
            found.append((str(path.relative_to(TEMPLATES)), match.group(2), match.group(4) or ""))
    return found


def test_every_translated_template_literal_reads_in_chinese():
    assert len(_literals()) > 100  # the scan finds the templates' texts
    missing = []
    with translation.override("zh-hans"):
        for where, text, context in _literals():
            if not re.search(r"[A-Za-z]{2}", text):
                continue  # symbols and numbers read the same in both languages
            tag = (f'{{% translate "{text}" context "{context}" %}}' if context
                   else f'{{% translate "{text}" %}}')
            rendered = Template("{% load i18n %}" + tag).render(Context())
            if not re.search(r"[\u4e00-\u9fff]", rendered):
                missing.append(f"{where}: {text}")
    assert not missing, "\n".join(missing)
