"""The course page folds a long summary after its first sentence, so the enrol button stays on the first screen."""
from lms.courses.views import SHORT_SUMMARY, split_summary

LONG = ("Kursus dasar bagi perangkat desa untuk melindungi akun, HP, komputer kantor, dan data warga. "
        "Anda belajar membuat kata sandi yang kuat, memakai verifikasi dua langkah, menjaga data warga "
        "sesuai UU No. 27 Tahun 2022, dan mencadangkan dokumen desa dengan aturan 3-2-1.")


def test_short_summary_is_shown_whole():
    """A summary within the limit is the lead, with nothing folded away."""
    assert split_summary("Belajar memeriksa hoaks.") == ("Belajar memeriksa hoaks.", "")
    assert split_summary(None) == ("", "")


def test_long_summary_splits_after_the_first_sentence():
    """Lead + rest give back every word of the summary, split after the first full stop."""
    lead, rest = split_summary(LONG)
    assert lead.endswith("data warga.") and rest.startswith("Anda belajar")
    assert f"{lead} {rest}" == LONG


def test_summary_without_sentence_end_is_cut_at_a_word():
    """No full stop within the limit: cut at a space, marked with an ellipsis on both sides."""
    text = " ".join(["kata"] * 80)
    lead, rest = split_summary(text)
    assert len(lead) <= SHORT_SUMMARY + 1 and lead.endswith("kata…") and rest.startswith("…kata")
    assert (lead[:-1] + " " + rest[1:]).split() == text.split()
