"""Question import in the studio: preview with line-numbered errors, all-or-nothing, GIFT round trip."""
import io

import pytest
import sqlalchemy as sa

from lms.quizzes.models import Question, Quiz
from lms.studio.question_formats import parse_gift
from tests.conftest import csrf_from
from tests.factories import make_quiz_course, make_user

GOOD = """// points: 2
::Q1:: Berapa panjang minimal kata sandi? {=12 karakter#Benar ~6 karakter#Terlalu pendek ####Ikuti BSSN.}

Kode OTP boleh dibagikan ke petugas bank. {F}

Batas waktu lapor kebocoran data? {=72 jam =3 x 24 jam}
"""
BAD = GOOD + "\nCocokkan: {=a -> 1 =b -> 2}\n"


@pytest.fixture
def author_quiz(web, db):
    author = make_user("trainer")
    course = make_quiz_course(author=author)
    web.login(author.username)
    return db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))


def _post(client, quiz, data, files=None):
    page = client.get(f"/studio/quizzes/{quiz.id}/import").get_data(as_text=True)
    payload = {"csrf_token": csrf_from(page), **data}
    if files:
        payload.update(files)
    return client.post(f"/studio/quizzes/{quiz.id}/import", data=payload, content_type="multipart/form-data")


def _count(db, quiz):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Question).where(Question.quiz_id == quiz.id))


def test_preview_shows_questions_and_writes_nothing(client, db, author_quiz):
    response = _post(client, author_quiz, {"format": "gift", "text": GOOD, "preview": "1"})
    html = response.get_data(as_text=True)
    assert "Pratinjau: 3 soal" in html and "Berapa panjang minimal kata sandi?" in html
    assert _count(db, author_quiz) == 5


def test_errors_are_listed_with_line_numbers_and_nothing_is_imported(client, db, author_quiz):
    response = _post(client, author_quiz, {"format": "gift", "text": BAD, "submit": "1"})
    html = response.get_data(as_text=True)
    assert "Baris 8" in html and "Tidak ada yang diimpor" in html
    assert _count(db, author_quiz) == 5


def test_import_appends_all_questions(client, db, author_quiz):
    response = _post(client, author_quiz, {"format": "gift", "text": GOOD, "submit": "1"})
    assert response.status_code == 302
    questions = db.session.scalars(sa.select(Question).where(Question.quiz_id == author_quiz.id)
                                   .order_by(Question.position)).all()
    assert len(questions) == 8
    assert [q.type for q in questions[5:]] == ["single", "true_false", "short_text"]
    assert questions[5].points == 2.0 and questions[5].explanation == "Ikuti BSSN."


def test_aiken_upload(client, db, author_quiz):
    text = "Apa kepanjangan OTP?\nA. One Time Password\nB. Only Two People\nANSWER: A\n"
    response = _post(client, author_quiz, {"format": "aiken", "submit": "1"},
                     {"file": (io.BytesIO(text.encode()), "soal.txt")})
    assert response.status_code == 302 and _count(db, author_quiz) == 6


def test_spreadsheet_template_downloads_and_imports(client, db, author_quiz):
    xlsx = client.get("/studio/question-template.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    csv = client.get("/studio/question-template.csv")
    assert csv.status_code == 200 and csv.get_data(as_text=True).lstrip("\ufeff").startswith("jenis")
    response = _post(client, author_quiz, {"format": "spreadsheet", "submit": "1"},
                     {"file": (io.BytesIO(xlsx.data), "templat.xlsx")})
    assert response.status_code == 302 and _count(db, author_quiz) == 7


def test_export_gift_round_trips(client, db, author_quiz):
    from lms.quizzes.manifest import export_question

    text = client.get(f"/studio/quizzes/{author_quiz.id}/export.gift").get_data(as_text=True)
    parsed = parse_gift(text)
    assert parsed.errors == []
    assert parsed.questions == [export_question(q) for q in author_quiz.questions]
