"""Studio pages issue the same number of statements for a small and a large course."""
import pytest
import sqlalchemy as sa

from lms.packages import import_package
from lms.quizzes.models import Quiz
from lms.studio.services import add_coauthor
from tests.factories import make_user, manifest, quiz_spec


def _course(author, modules, lessons, questions):
    data = manifest(modules=modules, lessons=lessons)
    quiz = quiz_spec()
    quiz["questions"] = [dict(q, text=f"{q['text']} {i}") for i, q in
                         enumerate((quiz["questions"] * 20)[:questions])]
    for module in data["course"]["modules"]:
        module["quizzes"] = [quiz]
    return import_package(data, author=author)


@pytest.mark.parametrize("page", ["course", "quiz", "index", "analysis", "export"])
def test_studio_pages_do_not_grow(web, client, db, count_queries, page):
    author = make_user("trainer")
    for i in range(3):
        make_user("trainer", username=f"rekan{i}")
    web.login(author.username)
    counts = []
    for size in (1, 12):
        course = _course(author, size, size, 5 * size)
        if size > 1:  # the large course also has co-authors to show
            for i in range(3):
                add_coauthor(course, by=author, username=f"rekan{i}")
        db.session.commit()
        quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))
        url = {"course": f"/studio/courses/{course.id}", "quiz": f"/studio/quizzes/{quiz.id}", "index": "/studio/",
               "analysis": f"/studio/quizzes/{quiz.id}/analysis", "export": f"/studio/quizzes/{quiz.id}/export.gift"}[page]
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
