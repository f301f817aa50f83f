#!/bin/sh
# Re-extract every msgid (Indonesian) from lms/ and templates/ and merge them into the English
# catalogue, translations/en/LC_MESSAGES/messages.po: new strings arrive with an empty msgstr
# (no fuzzy guesses), strings no longer in the code are dropped. Then translate the empty
# entries (grep -B1 'msgstr ""$' ...), and run `make translations` or `make test`.
# See docs/i18n.md.
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
POT=$(mktemp "${TMPDIR:-/tmp}/cakap-messages.XXXXXX.pot")
trap 'rm -f "$POT"' EXIT

# --ignore-dirs: Babel's default also skips folders starting with "_", which would miss templates/_macros.
"$BIN/pybabel" -q extract -F babel.cfg --ignore-dirs=".* __pycache__" -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
    --add-comments=TRANSLATORS: --add-location=file --sort-by-file -w 120 \
    --project="Cakap Desa" --copyright-holder="Diskominfo Kabupaten Badung" -o "$POT" .
"$BIN/pybabel" -q update -i "$POT" -d translations -l en -D messages --no-fuzzy-matching --ignore-obsolete -w 120
"$BIN/pybabel" -q compile -d translations -D "messages wtforms" --statistics
"$BIN/python" - <<'PY'
from babel.messages.pofile import read_po

with open("translations/en/LC_MESSAGES/messages.po", "rb") as fh:
    catalog = read_po(fh)
todo = [m.id for m in catalog if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))]
print(f"{len(todo)} message(s) to translate in translations/en/LC_MESSAGES/messages.po")
for msgid in todo:
    print("  -", msgid if isinstance(msgid, str) else msgid[0])
PY
