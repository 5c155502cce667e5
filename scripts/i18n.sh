#!/usr/bin/env bash
# Translation catalogs: extract, update, compile, check.
#
#   scripts/i18n.sh extract   sources -> app/translations/messages.pot
#   scripts/i18n.sh update    messages.pot -> each locale's messages.po (init when missing)
#   scripts/i18n.sh compile   every messages.po -> messages.mo (the .mo files are git-ignored)
#   scripts/i18n.sh check     exit 1 when the zh catalog misses, leaves empty or fuzzy any msgid,
#                             or is stale compared with a fresh extraction of the sources
#   scripts/i18n.sh all       extract, update, compile
#
# Babel parses "zh_CN" as zh_Hans_CN and looks for zh_Hans_CN/ then zh/, so the Chinese catalog
# lives in zh_Hans_CN/ (the application still calls the language zh_CN). English is the source
# language: its catalog ships with empty msgstrs, which fall back to the msgids.
# The .mo files are build output (git-ignored); `make install` compiles them.
#
# After adding or changing a user-visible string: scripts/i18n.sh extract update, translate the
# new msgids in app/translations/zh_Hans_CN/LC_MESSAGES/messages.po (keep every %(name)s), then
# scripts/i18n.sh check compile.
set -euo pipefail

cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
PYBABEL="$BIN/pybabel"
PYTHON="$BIN/python"
DIR=app/translations
POT="$DIR/messages.pot"
LOCALES=(en zh_Hans_CN)
CHECKED_LOCALE=zh_Hans_CN

# Babel's defaults already cover _, gettext, ngettext, pgettext and friends; the -k options add
# Flask-Babel's lazy forms (imported as _l). tests/unit/test_i18n_catalogs.py reads them from here.
# File-only locations and sorted output keep the diffs of the catalogs small and stable.
EXTRACT_ARGS=(-F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2
              --add-location=file --sort-output --width=100 --project=qaforum
              --copyright-holder="qaforum contributors" -c "TRANSLATORS:")

# Write the template only when more than its creation date changed, so diffs stay quiet.
extract() {
    local tmp
    tmp="$(mktemp)"
    "$PYBABEL" -q extract "${EXTRACT_ARGS[@]}" -o "$tmp" .
    if [ -f "$POT" ] && diff -q <(grep -v '^"POT-Creation-Date:' "$POT") \
                              <(grep -v '^"POT-Creation-Date:' "$tmp") >/dev/null; then
        rm -f "$tmp"
        echo "$POT is up to date"
    else
        mkdir -p "$DIR"
        mv "$tmp" "$POT"
        chmod 644 "$POT"
        echo "wrote $POT ($(( $(grep -c '^msgid ' "$POT") - 1 )) messages)"
    fi
}

update() {
    [ -f "$POT" ] || extract
    local locale po
    for locale in "${LOCALES[@]}"; do
        po="$DIR/$locale/LC_MESSAGES/messages.po"
        if [ -f "$po" ]; then
            "$PYBABEL" update -i "$POT" -d "$DIR" -l "$locale" --no-fuzzy-matching --ignore-obsolete \
                --width=100 --ignore-pot-creation-date
        else
            "$PYBABEL" init -i "$POT" -d "$DIR" -l "$locale" --width=100
        fi
        # A fresh or updated catalog is only "fuzzy" in its header; compile would skip it.
        "$PYTHON" - "$po" "$locale" <<'PY'
import re, sys
path, locale = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
head, sep, rest = text.partition('\nmsgid ""\n')
head = re.sub(r"^#, fuzzy\n", "", head, flags=re.M)
language = "zh_CN" if locale.startswith("zh") else locale
rest = re.sub(r'"Language: [^"\\]*\\n"', f'"Language: {language}\\\\n"', rest, count=1)
if locale.startswith("zh"):
    rest = re.sub(r'"Plural-Forms: [^"\\]*\\n"', '"Plural-Forms: nplurals=1; plural=0;\\\\n"', rest, count=1)
new = head + sep + rest
if new != text:
    open(path, "w", encoding="utf-8").write(new)
PY
    done
}

compile() {
    "$PYBABEL" compile -d "$DIR" --statistics
}

check() {
    local tmp rc=0
    tmp="$(mktemp)"
    "$PYBABEL" -q extract "${EXTRACT_ARGS[@]}" -o "$tmp" .
    "$PYTHON" - "$tmp" "$DIR" "$CHECKED_LOCALE" "${LOCALES[@]}" <<'PY' || rc=$?
import re
import sys
from pathlib import Path
from babel.messages.pofile import read_po

PRINTF = re.compile(r"%(?:\((\w+)\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?([diouxXeEfFgGcrsa%])")
BRACES = re.compile(r"\{(\w*)\}")

def placeholders(text):
    found = {f"%({n}){c}" if n else f"%{c}" for n, c in PRINTF.findall(text) if c != "%"}
    return found | {"{" + n + "}" for n in BRACES.findall(text)}

fresh_path, root, checked, *locales = sys.argv[1:]
root = Path(root)

def load(path):
    with open(path, "rb") as f:
        return read_po(f)

def ids(catalog):
    return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in catalog if m.id}

fresh = ids(load(fresh_path))
problems = []
for locale in locales:
    po = root / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        problems.append(f"{po}: missing (run scripts/i18n.sh update)")
        continue
    catalog = load(po)
    have = ids(catalog)
    for ctx, msgid in sorted(fresh - have, key=str):
        problems.append(f"{po}: not in the catalog (run scripts/i18n.sh extract update): {msgid!r}")
    for ctx, msgid in sorted(have - fresh, key=str):
        problems.append(f"{po}: no longer in the sources (run scripts/i18n.sh extract update): {msgid!r}")
    if locale != checked:
        continue
    if catalog.fuzzy:
        problems.append(f"{po}: the header is marked fuzzy")
    for m in catalog:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, (list, tuple)) else [m.string]
        if m.fuzzy:
            problems.append(f"{po}: fuzzy: {m.id!r}")
        elif not all(s and s.strip() for s in strings):
            problems.append(f"{po}: untranslated: {m.id!r}")
        for error in m.check(catalog):
            problems.append(f"{po}: {error}: {m.id!r}")
        source = m.id if isinstance(m.id, str) else m.id[-1]
        for s in strings:
            if s and placeholders(s) != placeholders(source):
                problems.append(f"{po}: placeholders differ ({sorted(placeholders(s))}): {m.id!r}")
for p in problems:
    print(p)
if problems:
    print(f"i18n check: {len(problems)} problem(s)", file=sys.stderr)
    sys.exit(1)
print("i18n check: catalogs complete and up to date")
PY
    rm -f "$tmp"
    return "$rc"
}

[ $# -gt 0 ] || { echo "usage: $0 {extract|update|compile|check|all}..." >&2; exit 2; }
for command in "$@"; do
    case "$command" in
        extract) extract ;;
        update) update ;;
        compile) compile ;;
        check) check ;;
        all) extract; update; compile ;;
        *) echo "usage: $0 {extract|update|compile|check|all}..." >&2; exit 2 ;;
    esac
done
