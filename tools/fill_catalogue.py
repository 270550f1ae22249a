"""Fill a catalogue's empty translations from a JSON file of {msgid: msgstr}: `python tools/fill_catalogue.py ms FILE`.

A message with a context (``pgettext``) is named ``"context\u0004msgid"``.

Used when translating what `make catalogues` added; entries already translated are kept unless the file
names them. Prints what is still untranslated.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def main(language: str, source: str) -> int:
    path = ROOT / "src" / "mitra" / "locale" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    given: dict[str, str] = json.loads(Path(source).read_text(encoding="utf-8"))
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        key = f"{message.context}\x04{message.id}" if message.context else message.id  # a context: "context\x04msgid"
        if key in given:
            message.string = given[key]
            message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=True, width=120)
    missing = [f"{m.context}|{m.id}" if m.context else m.id for m in catalog if m.id and not m.string]
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
