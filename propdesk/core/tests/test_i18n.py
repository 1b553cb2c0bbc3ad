"""The English catalogue: every Chinese msgid translated, compiled, and used by the pages.

Strings are written in Chinese (the msgid) and English comes from
propdesk/locale/en/LC_MESSAGES/django.po. After `makemessages -l en`, translate every
new entry and run `compilemessages -l en`; these tests fail until both are done.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LC_MESSAGES = Path(settings.BASE_DIR) / "propdesk" / "locale" / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"
# %(name)s, %(n).1f, %d, %s …; {{ var }}; {name} — whatever the msgid carries must survive.
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[-#0 +]*\d*(?:\.\d+)?[sdif]|\{\{.*?\}\}|\{\w*\}")
HAN = re.compile(r"[\u4e00-\u9fff]")
QUOTED = re.compile(r"“[^”]*”")


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: {"flags", "msgid", "msgid_plural", "msgstr": {index: text}}.

    Enough of the format for gettext's output, where a blank line ends each entry. The
    header (empty msgid) and obsolete (#~) entries are left out.
    """
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, key = {"flags": set(), "msgstr": {}}, None
        for line in block.strip().splitlines():
            line = line.strip()
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            if line.startswith("#"):
                continue
            if line.startswith("msg"):
                key, _, line = line.partition(" ")
            text = ast.literal_eval(line)
            if key.startswith("msgstr"):
                index = int(key[len("msgstr[") : -1]) if key != "msgstr" else 0
                entry["msgstr"][index] = entry["msgstr"].get(index, "") + text
            else:
                entry[key] = entry.get(key, "") + text
        if entry.get("msgid"):
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def entries():
    return parse_po(PO)


def test_catalogue_exists_and_is_not_trivial(entries):
    assert PO.exists() and MO.exists()
    assert len(entries) > 100


def test_every_entry_is_translated_and_none_is_fuzzy(entries):
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    empty = [e["msgid"] for e in entries if not e["msgstr"] or not all(e["msgstr"].values())]
    plurals = [e["msgid"] for e in entries if "msgid_plural" in e and sorted(e["msgstr"]) != [0, 1]]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not empty, f"untranslated entries: {empty}"
    assert not plurals, f"plural entries need msgstr[0] and msgstr[1]: {plurals}"


def test_translations_are_english_and_keep_placeholders(entries):
    for entry in entries:
        wanted = sorted(PLACEHOLDER.findall(entry["msgid"]))
        for text in entry["msgstr"].values():
            assert sorted(PLACEHOLDER.findall(text)) == wanted, (entry["msgid"], text)
            # Chinese may remain only “quoted”: a value typed into the Excel sheet (“是”, “住宅” …).
            assert not HAN.search(QUOTED.sub("", text)), (entry["msgid"], text)


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext is not installed")
def test_msgfmt_finds_no_error_and_nothing_untranslated():
    result = subprocess.run(
        [shutil.which("msgfmt"), "--statistics", "-c", "-o", os.devnull, str(PO)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LC_ALL": "C"},  # English report whatever the machine's locale
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "translated message" in report, report
    assert "untranslated" not in report and "fuzzy" not in report, report


def test_mo_is_compiled_from_the_current_po(entries):
    # A checkout writes both files within moments; allow a little slack for that.
    assert MO.stat().st_mtime >= PO.stat().st_mtime - 2, "django.mo is older than django.po: run compilemessages"
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = []
    for entry in entries:
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            forms = (entry["msgid"], entry["msgid_plural"])
            got = [
                catalogue.npgettext(context, *forms, n) if context else catalogue.ngettext(*forms, n) for n in (1, 2)
            ]
            if got != [entry["msgstr"][0], entry["msgstr"][1]]:
                stale.append(entry["msgid"])
        else:
            got = catalogue.pgettext(context, entry["msgid"]) if context else catalogue.gettext(entry["msgid"])
            if got != entry["msgstr"][0]:
                stale.append(entry["msgid"])
    assert not stale, f"django.mo does not match django.po (run compilemessages): {stale}"


def test_gettext_uses_the_catalogue():
    with translation.override("en"):
        assert translation.gettext("客户情况一览表") == "Customer overview"
        assert translation.gettext("未接房") == "Not handed over"
        assert translation.ngettext("共 %(n)s 户", "共 %(n)s 户", 2) % {"n": 2} == "2 houses"
    with translation.override("zh-hans"):
        assert translation.gettext("客户情况一览表") == "客户情况一览表"


@pytest.mark.parametrize("how", ["cookie", "accept-language"])
def test_overview_in_english(client, world, how):
    client.force_login(world.assistant)
    headers = {}
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    else:
        headers["Accept-Language"] = "en"
    response = client.get("/overview/", headers=headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Customer overview" in html
    assert "客户情况一览表" not in html
    assert "Log out" in html


def test_overview_defaults_to_chinese(client, world):
    client.force_login(world.assistant)
    response = client.get("/overview/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "客户情况一览表" in html
    assert "Customer overview" not in html
