"""Write docs/curriculum.md from the course manifests: ``python -m tools.curriculum_doc > docs/curriculum.md``."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

CONTENT = Path(__file__).resolve().parent.parent / "content" / "courses"
PILLAR_NAMES = {"cakap": "Cakap Digital", "etika": "Etika Digital", "budaya": "Budaya Digital", "aman": "Aman Digital"}


def _objectives(body: str) -> list[str]:
    match = re.search(r"^## Tujuan pembelajaran\s*\n(.*?)(?=^## )", body, re.M | re.S)
    items = re.findall(r"^\s*[-*] +(.+)$", match.group(1), re.M) if match else []
    return [re.sub(r"^Setelah pelajaran ini Anda dapat ", "", item).rstrip(".") for item in items]


def render(files: list[Path]) -> str:
    courses = [json.loads(p.read_text(encoding="utf-8"))["course"] for p in files]
    order = {"cakap": 0, "etika": 1, "budaya": 2, "aman": 3}
    courses.sort(key=lambda c: (order[c["pillar"]], c["title"]))
    out = ["# Kurikulum Cakap Desa", "",
           "Generated from `content/courses/*.json` by `python -m tools.curriculum_doc`; a test keeps it in sync.",
           "Each course maps to one pillar of Indonesia's digital-literacy framework (Kominfo/Siberkreasi).", "",
           "| kursus | pilar | tingkat | modul | pelajaran | soal kuis |", "| --- | --- | --- | --- | --- | --- |"]
    for c in courses:
        lessons = sum(len(m["lessons"]) for m in c["modules"])
        questions = sum(len(q["questions"]) for m in c["modules"] for q in m.get("quizzes", []))
        questions += sum(len(q["questions"]) for q in c.get("quizzes", []))
        out.append(f"| {c['title']} (`{c['slug']}`) | {PILLAR_NAMES[c['pillar']]} | {c['level']} | "
                   f"{len(c['modules'])} | {lessons} | {questions} |")
    for c in courses:
        out += ["", f"## {c['title']}", "", f"Pilar: **{PILLAR_NAMES[c['pillar']]}** (`{c['pillar']}`) · "
                f"tingkat {c['level']} · slug `{c['slug']}`", "", c.get("summary", "")]
        for m_pos, module in enumerate(c["modules"], 1):
            out += ["", f"### Modul {m_pos}: {module['title']}", ""]
            for lesson in module["lessons"]:
                out.append(f"- **{lesson['title']}** ({lesson.get('minutes', 10)} menit)")
                out += [f"  - {objective}" for objective in _objectives(lesson["body_markdown"])]
            for quiz in module.get("quizzes", []):
                out.append(f"- Kuis: {quiz['title']} ({len(quiz['questions'])} soal, lulus "
                           f"{quiz.get('pass_percent', 70)}%)")
        for quiz in c.get("quizzes", []):
            out += ["", f"Ujian akhir: {quiz['title']} ({len(quiz['questions'])} soal, lulus "
                    f"{quiz.get('pass_percent', 70)}%)"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(sorted(CONTENT.glob("*.json"))))
