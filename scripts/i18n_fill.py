#!/usr/bin/env python3
"""Fill untranslated entries of the Chinese catalog from a JSON object {msgid: msgstr}.

    scripts/i18n_fill.py translations.json        (or - for standard input)
    scripts/i18n_fill.py --missing                print the untranslated msgids as a JSON object

Plural entries take a list of strings (or one string for every form). The catalog is rewritten by Babel with the same
options as ``scripts/i18n.sh update`` (width 100), so its diff shows only the new strings.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "app/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def _key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _empty(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return not all(s and s.strip() for s in strings)


def main(argv: list[str]) -> int:
    with open(PO, "rb") as fh:
        catalog = read_po(fh)
    if argv == ["--missing"]:
        print(json.dumps({_key(m): "" for m in catalog if m.id and _empty(m)}, ensure_ascii=False, indent=1))
        return 0
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    source = sys.stdin if argv[0] == "-" else open(argv[0], encoding="utf-8")
    wanted = json.load(source)
    filled = 0
    for message in catalog:
        if message.id and _key(message) in wanted and _empty(message):
            value = wanted[_key(message)]
            if isinstance(message.id, (list, tuple)):
                # A plain string for a plural entry serves every form (Chinese has one); a list
                # gives each form. (tuple() of a string would split it into characters.)
                value = [value] * catalog.num_plurals if isinstance(value, str) else value
                message.string = tuple(value)
            else:
                message.string = value
            message.flags.discard("fuzzy")
            filled += 1
    with open(PO, "wb") as fh:
        write_po(fh, catalog, width=100)
    left = sum(1 for m in catalog if m.id and _empty(m))
    print(f"filled {filled}; {left} still untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
