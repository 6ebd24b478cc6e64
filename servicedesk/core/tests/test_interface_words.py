"""What people read says nothing of the code's own words (issue 10 item 7): no requirement IDs or
seed step numbers, Chinese text punctuated in Chinese, every admin name translated."""

import re
import subprocess
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
TEMPLATES = Path(settings.BASE_DIR) / "templates"

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%%|%[sd]|\{\w*\}")
# A requirement ID (INT-7, OUT-4, SLA-3, CMP-2), a seed's section (003 §3) or step (004 第 13 步).
INTERNAL_ID = re.compile(r"\b(?:INT|OUT|SLA|CMP)-\d|§|\b00\d (?:第|steps? \d)|第 [\d.、–]+ 步")


def _entries() -> list[tuple[str, str]]:
    """(msgid, msgstr) of every entry in use, each on one line."""
    text = subprocess.run(["msgattrib", "--no-wrap", "--no-obsolete", str(PO)], capture_output=True,
                          text=True, check=True).stdout
    found = []
    for block in text.split("\n\n"):
        msgid = re.search(r'^msgid "(.*)"$', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? "(.*)"$', block, re.M)
        if msgid and msgstr and msgid.group(1):
            found.append((msgid.group(1), msgstr.group(1)))
    return found


def _nearest(text: str, index: int, step: int) -> str:
    index += step
    while 0 <= index < len(text) and text[index] == " ":
        index += step
    return text[index] if 0 <= index < len(text) else ""


def half_width_in_chinese(text: str) -> list[str]:
    """ASCII , : ; ( ) that belong to Chinese text: next to a Chinese character (spaces skipped), or
    a pair of parentheses around Chinese text. Placeholders such as %(ref)s are not punctuation."""
    masked = PLACEHOLDER.sub(lambda m: "x" * len(m.group()), text)
    problems = []
    for index, char in enumerate(masked):
        if char in ",:;" and (CJK.match(_nearest(masked, index, -1) or " ")
                              or CJK.match(_nearest(masked, index, 1) or " ")):
            problems.append(f"{char!r} at {index}")
    opened: list[int] = []
    for index, char in enumerate(masked):
        if char == "(":
            opened.append(index)
        elif char == ")" and opened:
            start = opened.pop()
            if (CJK.search(masked[start + 1:index]) or CJK.match(_nearest(masked, start, -1) or " ")
                    or CJK.match(_nearest(masked, index, 1) or " ")):
                problems.append(f"() at {start}")
    return problems


def test_the_punctuation_check_finds_half_width_marks_in_chinese():
    assert half_width_in_chinese("原因:线路检修")
    assert half_width_in_chinese("已恢复供应(事件 %(ref)s)")
    assert half_width_in_chinese("请填写原因,谢谢")
    assert not half_width_in_chinese("已恢复供应（事件 %(ref)s）：%(note)s")
    assert not half_width_in_chinese("如 \"08:30-12:00, 13:30-17:30\"")
    assert not half_width_in_chinese("%(ref)s · %(when)s")


def test_chinese_translations_use_full_width_punctuation():
    """Issue 10 item 7: ，：；（） in Chinese sentences, not , : ; ( )."""
    wrong = {msgstr: problems for _msgid, msgstr in _entries() if (problems := half_width_in_chinese(msgstr))}
    assert not wrong, "\n".join(f"{text}  ← {problems}" for text, problems in wrong.items())


def test_no_requirement_ids_or_seed_steps_in_translated_texts():
    """Issue 10 item 7: IDs such as OUT-4 or "004 第 13 步" stay in code and tests, never on screens."""
    wrong = [(msgid, msgstr) for msgid, msgstr in _entries()
             if INTERNAL_ID.search(msgstr) or INTERNAL_ID.search(msgid)]
    assert not wrong, wrong


def test_no_requirement_ids_in_template_texts():
    """Issue 10 item 7: template comments ({# … #}) may cite IDs; the rendered text may not."""
    wrong = []
    for path in TEMPLATES.rglob("*.html"):
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", "", text, flags=re.S)
        wrong += [f"{path.name}: {m.group()}" for m in INTERNAL_ID.finditer(text)]
    assert not wrong, wrong


def test_every_admin_name_is_translated():
    """Issue 10 item 7: in Chinese, no app or model of ours keeps an English name in the admin
    (it showed CORE, Notifications, Sla changes, Timer warnings, Timers)."""
    untranslated = []
    with translation.override("zh-hans"):
        for config in apps.get_app_configs():
            if not config.name.startswith("servicedesk."):
                continue
            if not CJK.search(str(config.verbose_name)):
                untranslated.append(config.label)
            for model in config.get_models():
                for name in (model._meta.verbose_name, model._meta.verbose_name_plural):
                    if not CJK.search(str(name)):
                        untranslated.append(f"{config.label}.{model.__name__}: {name}")
    assert not untranslated, untranslated
