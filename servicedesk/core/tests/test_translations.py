"""The Chinese catalogue is complete and the compiled .mo matches the .po (interface in zh-hans)."""

import subprocess
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_chinese_translation():
    untranslated = subprocess.run(["msgattrib", "--untranslated", "--no-obsolete", str(PO)],
                                  capture_output=True, text=True, check=True).stdout
    fuzzy = subprocess.run(["msgattrib", "--only-fuzzy", "--no-obsolete", str(PO)],
                           capture_output=True, text=True, check=True).stdout
    # The header entry (msgid "") is always listed as untranslated-looking; real entries are not.
    assert untranslated.count('msgid "') <= 1, untranslated[-2000:]
    assert fuzzy.count("#, fuzzy") == 0, fuzzy[-2000:]


def test_compiled_catalogue_is_up_to_date(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(PO)], check=True)
    assert compiled.read_bytes() == PO.with_suffix(".mo").read_bytes(), "run: django-admin compilemessages"
