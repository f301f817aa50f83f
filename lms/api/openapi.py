"""The OpenAPI 3.1 document of the JSON API v1 (served at ``GET /api/v1/openapi.json``).

The document is plain Python data; ``tests/test_openapi.py`` keeps its paths and methods equal
to the blueprint's routes, and ``tests/test_schemathesis.py`` checks the app's answers against it.
The course manifest schema is taken from ``lms/courses/schema/course-manifest.v1.schema.json``
(its ``$defs`` become ``components.schemas.Manifest*``), so the two never drift apart.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path

from flask import jsonify

from lms.api.views import bp

MANIFEST_SCHEMA_PATH = Path(__file__).resolve().parent.parent / "courses" / "schema" / "course-manifest.v1.schema.json"

ROLES = ["learner", "trainer", "reviewer", "operator", "admin"]
KINDS = ["perangkat", "warga"]
PILLARS = ["cakap", "etika", "budaya", "aman"]
GROUPS = ["kecamatan", "desa", "course", "jabatan", "pillar"]
QUESTION_TYPES = ["single", "multiple", "true_false", "short_text"]


# ---------------------------------------------------------------------------- small helpers
def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    out = dict(schema)
    out["type"] = [schema["type"], "null"]
    return out


def _obj(required: dict, optional: dict | None = None, **extra) -> dict:
    """An object schema; ``required`` properties must be present, ``optional`` ones may be."""
    return {"type": "object", "required": list(required), "properties": {**required, **(optional or {})}, **extra}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


INT = {"type": "integer"}
ID = {"type": "integer", "minimum": 1}
STR = {"type": "string"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
TIME = {"type": ["string", "null"], "format": "date-time"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


def _path_id(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": dict(ID)}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


# ---------------------------------------------------------------------------- the course manifest
def _manifest_schemas() -> dict:
    """The manifest JSON Schema as components: ``CourseManifest`` and one ``Manifest<Def>`` per ``$defs``."""
    raw = json.loads(MANIFEST_SCHEMA_PATH.read_text(encoding="utf-8"))
    defs = raw.pop("$defs", {})
    raw.pop("$schema", None)
    raw.pop("$id", None)

    def rewrite(node):
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                    out[key] = f"#/components/schemas/Manifest{value[len('#/$defs/'):].capitalize()}"
                else:
                    out[key] = rewrite(value)
            return out
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        return node

    schemas = {"CourseManifest": rewrite(raw)}
    for name, schema in defs.items():
        schemas[f"Manifest{name.capitalize()}"] = rewrite(schema)
    return schemas


# ---------------------------------------------------------------------------- component schemas
def _schemas() -> dict:
    desa = _obj({"kode": STR, "nama": STR})
    filters = {
        "type": "object",
        "properties": {
            "course_id": INT, "pillar": {"enum": PILLARS}, "kecamatan_kode": STR, "desa_kode": STR,
            "jabatan": STR, "kind": {"enum": KINDS}, "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
        },
    }
    counts = {"learners": INT, "enrolled": INT, "started": INT, "completed": INT, "completion_percent": NUM,
              "avg_best_percent": _nullable(NUM)}
    review_item = _obj(
        {"question_id": INT, "correct": BOOL, "points": NUM, "explanation": _nullable(STR),
         "correct_choice_ids": _array(INT), "feedback": _nullable(STR)},
        {"accepted_answers": _nullable(_array(STR))},
    )
    result_fields = {
        "attempt_id": INT, "status": {"enum": ["submitted"]}, "score": _nullable(NUM), "max_score": _nullable(NUM),
        "percent": _nullable(NUM), "passed": _nullable(BOOL), "submitted_at": TIME,
        "review": {"anyOf": [_array(_ref("ReviewItem")), {"type": "null"}]},
    }
    attempt_state = {"status": {"enum": ["open", "submitted"]}, "practice": BOOL, "started_at": TIME,
                     "deadline": TIME}
    quiz_summary = _obj({"id": INT, "title": STR, "pass_percent": NUM, "max_attempts": INT,
                         "time_limit_minutes": _nullable(INT), "attempts_used": INT,
                         "best_percent": _nullable(NUM), "passed": BOOL},
                        {"practice": BOOL})
    lesson = _obj({"id": INT, "title": STR, "completed": BOOL}, {"minutes": _nullable(INT)})
    module = _obj({"id": INT, "title": STR, "lessons": _array(lesson), "quizzes": _array(_ref("QuizSummary"))})
    schemas = {
        "Error": _obj({"error": _obj(
            {"code": STR, "message": STR},
            {"field": STR, "details": _array(_obj({"field": _nullable(STR), "message": STR}))})}),
        "Credentials": _obj({"username": STR, "password": STR}, {"otp": STR}),
        "Token": _obj({"token": STR}),
        "Desa": desa,
        "User": _obj(
            {"id": INT, "username": STR, "full_name": STR, "role": {"enum": ROLES}, "kind": {"enum": KINDS},
             "jabatan": _nullable(STR), "desa": {"anyOf": [_ref("Desa"), {"type": "null"}]}},
            {"email": _nullable(STR), "phone": _nullable(STR), "active": BOOL, "created_at": TIME}),
        "NewUser": _obj(
            {"username": STR, "full_name": STR, "password": STR, "jabatan": STR, "desa_kode": STR},
            {"role": {"enum": ROLES, "default": "learner"}, "kind": {"enum": KINDS, "default": "warga"},
             "email": _nullable(STR), "phone": _nullable(STR)},
            additionalProperties=False),
        "CourseList": _obj({"courses": _array(_obj(
            {"id": INT, "slug": STR, "title": STR, "pillar": {"enum": PILLARS}, "lesson_count": INT,
             "enrolled": BOOL, "progress_percent": NUM}))}),
        "QuizSummary": quiz_summary,
        "CourseDetail": _obj(
            {"id": INT, "slug": STR, "title": STR, "pillar": {"enum": PILLARS}, "modules": _array(module),
             "quizzes": _array(_ref("QuizSummary"))},
            {"summary": _nullable(STR), "level": _nullable(STR), "status": {"enum": ["draft", "published", "archived"]},
             "progress_percent": NUM, "completed_at": TIME}),
        "Enrollment": _obj({"course_id": INT, "enrolled": {"const": True}}),
        "LessonCompleted": _obj({"lesson_id": INT, "course_id": INT, "progress_percent": NUM}),
        "Progress": _obj({"courses": _array(_obj(
            {"course_id": INT, "progress_percent": NUM, "completed": BOOL, "completed_at": TIME,
             "certificate_code": _nullable(STR)}))}),
        "PackageImported": _obj({"id": INT, "slug": STR}),
        "PackageUpload": _obj({"package": {"type": "string", "format": "binary",
                                           "contentMediaType": "application/zip"}}),
        "UserImportResult": _obj(
            {"created": INT, "rows": INT,
             "errors": _array(_obj({"line": INT, "field": _nullable(STR), "message": STR}))},
            {"users": _array(_obj({"id": INT, "username": STR, "initial_password": STR}))}),
        "LearnerQuestion": _obj({"id": INT, "type": {"enum": QUESTION_TYPES}, "text": STR, "points": NUM,
                                 "choices": _array(_obj({"id": INT, "text": STR}))}),
        "AttemptStarted": _obj({"attempt_id": INT, "deadline": TIME, "questions": _array(_ref("LearnerQuestion"))},
                               attempt_state),
        "Answer": {"oneOf": [
            _obj({"choice_ids": _array(INT)}, additionalProperties=False),
            _obj({"text": {"type": "string", "maxLength": 500}}, additionalProperties=False),
        ]},
        "AnswerSaved": _obj({"attempt_id": INT, "question_id": INT, "saved": {"const": True}},
                            {"feedback": _ref("ReviewItem")}),
        "ReviewItem": review_item,
        "AttemptResult": _obj(result_fields),
        "AttemptDetail": _obj(
            {"attempt_id": INT, "quiz_id": INT, "status": {"enum": ["open", "submitted"]}, "started_at": TIME,
             "deadline": TIME, "answers": {"type": "object", "additionalProperties": {"type": "object"}}},
            {"practice": BOOL, **{k: v for k, v in result_fields.items() if k not in ("attempt_id", "status")}}),
        "Certificate": _obj({"valid": {"const": True}, "full_name": STR, "course_title": STR,
                             "completed_at": TIME}, {"code": STR}),
        "CertificateInvalid": _obj({"valid": {"const": False}}),
        "ReportFilters": filters,
        "CompletionReport": _obj({
            "group_by": {"enum": GROUPS}, "filters": _ref("ReportFilters"),
            "rows": _array(_obj({"key": {"type": ["string", "integer", "null"]}, "label": STR, **counts})),
            "totals": _obj(counts)}),
        "LearnersReport": _obj({"filters": _ref("ReportFilters"), "learners": _array(_obj(
            {"id": INT, "username": STR, "full_name": STR, "kind": {"enum": KINDS}, "jabatan": _nullable(STR),
             "desa": {"anyOf": [_ref("Desa"), {"type": "null"}]}, "enrolled": INT, "started": INT,
             "completed": INT, "avg_best_percent": _nullable(NUM)}))}),
    }
    schemas.update(_manifest_schemas())
    return schemas


# ---------------------------------------------------------------------------- operations
REPORT_FILTERS = [
    _query("course_id", {"type": "string", "pattern": "^[0-9]+$"}, "Only this course (an id)."),
    _query("pillar", {"enum": PILLARS}, "Only courses of this pillar."),
    _query("kecamatan_kode", {"type": "string", "maxLength": 40}, "Kemendagri code of a kecamatan."),
    _query("desa_kode", {"type": "string", "maxLength": 40}, "Kemendagri code of a desa/kelurahan."),
    _query("jabatan", {"type": "string", "maxLength": 40}, "Jabatan code."),
    _query("kind", {"enum": KINDS}, "Kind of learner."),
    _query("from", {"type": "string", "format": "date"}, "First WITA calendar day (inclusive)."),
    _query("to", {"type": "string", "format": "date"}, "Last WITA calendar day (inclusive)."),
]


def _op(summary: str, responses: dict, *, public: bool = False, parameters: list | None = None,
        body: dict | None = None, operation_id: str) -> dict:
    op = {"operationId": operation_id, "summary": summary, "responses": dict(responses)}
    if public:
        op["security"] = []
    else:
        op["responses"].setdefault("401", {"$ref": "#/components/responses/Unauthorized"})
    op["responses"].setdefault("429", {"$ref": "#/components/responses/TooManyRequests"})
    if body is not None:
        op["requestBody"] = body
        op["responses"].setdefault("413", {"$ref": "#/components/responses/TooLarge"})
    if parameters:
        op["parameters"] = parameters
    return op


def _paths() -> dict:
    forbidden = {"$ref": "#/components/responses/Forbidden"}
    not_found = {"$ref": "#/components/responses/NotFound"}
    invalid = {"$ref": "#/components/responses/Invalid"}
    course_id = _path_id("course_id", "Course id.")
    attempt_id = _path_id("attempt_id", "Attempt id.")
    report_403 = _error("Not a reviewer, admin or operator; an operator asking for another desa/kecamatan.")
    return {
        "/openapi.json": {"get": _op(
            "This document.", {"200": _json({"type": "object"}, "The OpenAPI 3.1 document.")},
            public=True, operation_id="openapi")},
        "/auth/token": {
            "post": _op(
                "Anyone: trade a username and password for a bearer token.",
                {"200": _json(_ref("Token"), "A new token."),
                 "401": _error("invalid_credentials (also for an inactive user)."),
                 "422": _error("invalid_json: the body is not a JSON object.")},
                public=True, operation_id="createToken",
                body={"required": True, "content": {"application/json": {
                    "schema": _ref("Credentials"),
                    "example": {"username": "sekdes.sukawati", "password": "kata-sandi-rahasia-123"}}}}),
            "delete": _op("Token holders: revoke the token used for this request.",
                          {"204": {"description": "The token is revoked."}}, operation_id="revokeToken"),
        },
        "/me": {"get": _op("Token holders: their own profile.", {"200": _json(_ref("User"), "The caller.")},
                           operation_id="me")},
        "/me/progress": {"get": _op("Token holders: progress in each enrolled course.",
                                    {"200": _json(_ref("Progress"), "Progress per enrolled course.")},
                                    operation_id="myProgress")},
        "/courses": {"get": _op("Token holders: published courses with the caller's progress.",
                                {"200": _json(_ref("CourseList"), "Published courses.")},
                                operation_id="listCourses")},
        "/courses/{course_id}": {"get": _op(
            "Token holders who may see the course (a draft: its author and admins).",
            {"200": _json(_ref("CourseDetail"), "The course with modules, lessons and quizzes."),
             "404": not_found},
            parameters=[course_id], operation_id="getCourse")},
        "/courses/{course_id}/enroll": {"post": _op(
            "Token holders: enrol in a published course.",
            {"200": _json(_ref("Enrollment"), "Already enrolled."), "201": _json(_ref("Enrollment"), "Enrolled."),
             "403": _error("not_published."), "404": not_found},
            parameters=[course_id], operation_id="enroll")},
        "/courses/{course_id}/package": {"get": _op(
            "The course's author, co-authors and admins: the course as a zip package.",
            {"200": {"description": "The zip (course.json + images/).",
                     "content": {"application/zip": {"schema": {"type": "string", "format": "binary",
                                                                "contentMediaType": "application/zip"}}}},
             "403": forbidden, "404": not_found},
            parameters=[course_id], operation_id="exportCoursePackage")},
        "/lessons/{lesson_id}/complete": {"post": _op(
            "Enrolled learners: mark a lesson complete (idempotent).",
            {"200": _json(_ref("LessonCompleted"), "The lesson is complete."),
             "403": _error("not_enrolled."), "404": not_found},
            parameters=[_path_id("lesson_id", "Lesson id.")], operation_id="completeLesson")},
        "/course-packages": {"post": _op(
            "Trainers and admins: import a manifest (JSON body) or a zip (multipart field `package`).",
            {"201": _json(_ref("PackageImported"), "The course was created or replaced."),
             "403": _error("Learner or reviewer; not_author for another trainer's slug."),
             "409": _error("The import conflicts with existing data."),
             "422": _error("invalid_manifest / invalid_package / invalid_json, with `field` and `details`.")},
            operation_id="importCoursePackage",
            body={"required": True, "content": {
                "application/json": {"schema": _ref("CourseManifest")},
                "multipart/form-data": {"schema": _ref("PackageUpload")}}})},
        "/users": {"post": _op(
            "Admins: create an account.",
            {"201": _json(_ref("User"), "The new user."), "403": forbidden,
             "409": _error("username_taken."),
             "422": _error("Names the field: unknown field, desa_kode, role, kind, jabatan, short password.")},
            operation_id="createUser",
            body={"required": True, "content": {"application/json": {
                "schema": _ref("NewUser"),
                "example": {"username": "kaur.keuangan", "full_name": "Ni Made Sari", "password": "kata-sandi-rahasia-123",
                            "role": "learner", "kind": "perangkat", "jabatan": "SEKDES",
                            "desa_kode": "51.03.02.2001"}}}})},
        "/users/import": {"post": _op(
            "Admins: bulk import people from CSV; `?dry_run=1` only checks.",
            {"200": _json(_ref("UserImportResult"), "A dry run, or a file with no rows to create."),
             "201": _json(_ref("UserImportResult"), "Users were created (with `users`)."),
             "403": forbidden,
             "409": _error("A conflict that appeared between the check and the write."),
             "422": _json({"anyOf": [_ref("UserImportResult"), _ref("Error")]},
                          "The file has errors (nothing is written).")},
            parameters=[_query("dry_run", {"type": "string", "enum": ["0", "1", "true", "false", "yes", "no"]},
                               "`1`, `true` or `yes`: only check the file.")],
            operation_id="importUsers",
            body={"required": True, "description": "Columns: username, nama_lengkap, jabatan, kode_desa, telepon, "
                                                    "email, peran, jenis.",
                  "content": {"text/csv": {
                      "schema": {"type": "string"},
                      "example": "username,nama_lengkap,jabatan,kode_desa,telepon,email,peran,jenis\r\n"
                                 "made.wirawan,I Made Wirawan,SEKDES,51.03.02.2001,081234567890,,learner,perangkat\r\n"}}})},
        "/quizzes/{quiz_id}/attempts": {"post": _op(
            "Enrolled learners: start an attempt (201) or resume the open one (200).",
            {"200": _json(_ref("AttemptStarted"), "The open attempt, resumed."),
             "201": _json(_ref("AttemptStarted"), "A new attempt."),
             "403": _error("not_enrolled."), "404": not_found,
             "409": _error("max_attempts_reached (or the retry wait has not passed).")},
            parameters=[_path_id("quiz_id", "Quiz id.")], operation_id="startAttempt")},
        "/attempts/{attempt_id}": {"get": _op(
            "The learner, the course's trainers, reviewers and admins.",
            {"200": _json(_ref("AttemptDetail"), "The attempt (with the result once submitted)."),
             "404": not_found},
            parameters=[attempt_id], operation_id="getAttempt")},
        "/attempts/{attempt_id}/answers/{question_id}": {"put": _op(
            "The attempt's learner: save one answer while the attempt is open.",
            {"200": _json(_ref("AnswerSaved"), "Saved (with `feedback` for a practice quiz)."),
             "404": _error("Not the caller's attempt, or the question is not in it."),
             "409": _error("attempt_closed."),
             "422": _error("A choice not in the question, or a body of the wrong shape.")},
            parameters=[attempt_id, _path_id("question_id", "Question id.")], operation_id="saveAnswer",
            body={"required": True, "content": {"application/json": {
                "schema": _ref("Answer"), "example": {"choice_ids": [1]}}}})},
        "/attempts/{attempt_id}/submit": {"post": _op(
            "The attempt's learner: grade and close it; repeating returns the same result.",
            {"200": _json(_ref("AttemptResult"), "The result."), "404": not_found},
            parameters=[attempt_id], operation_id="submitAttempt")},
        "/certificates/{code}": {"get": _op(
            "Anyone: check a certificate code.",
            {"200": _json(_ref("Certificate"), "A valid certificate."),
             "404": _json({"anyOf": [_ref("CertificateInvalid"), _ref("Error")]},
                          "`{valid: false}` for an unknown or revoked code.")},
            public=True, operation_id="verifyCertificate",
            parameters=[{"name": "code", "in": "path", "required": True, "description": "Certificate code.",
                         "schema": {"type": "string", "minLength": 1}}])},
        "/reports/completion": {"get": _op(
            "Reviewers and admins; operators for their own village: completion figures by group.",
            {"200": {"description": "The report (JSON, or CSV with `format=csv`).",
                     "content": {"application/json": {"schema": _ref("CompletionReport")},
                                 "text/csv": {"schema": {"type": "string"}}}},
             "403": report_403, "422": invalid},
            parameters=[{"name": "group_by", "in": "query", "required": True, "description": "The grouping.",
                         "schema": {"enum": GROUPS}},
                        *REPORT_FILTERS,
                        _query("format", {"enum": ["csv"]}, "`csv`: the same columns as CSV.")],
            operation_id="completionReport")},
        "/reports/learners": {"get": _op(
            "Reviewers and admins; operators for their own village: the learners behind a report row.",
            {"200": _json(_ref("LearnersReport"), "Learners with their counts."),
             "403": report_403, "422": invalid},
            parameters=list(REPORT_FILTERS), operation_id="learnersReport")},
    }


@lru_cache(maxsize=1)
def _document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cakap Desa API", "version": "1",
            "description": "JSON API v1 of Cakap Desa. Every operation except `POST /auth/token`, "
                           "`GET /certificates/{code}` and this document needs `Authorization: Bearer <token>`. "
                           "Errors have the shape `{\"error\": {\"code\", \"message\"}}` with a 4xx status.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A token from POST /auth/token."}},
            "responses": {
                "Unauthorized": _error("No token, or the token is invalid or revoked."),
                "Forbidden": _error("The caller's role may not do this."),
                "NotFound": _error("Not found (or not visible to the caller)."),
                "Invalid": _error("Bad input; `field` names the parameter or field."),
                "TooLarge": _error("The request body is too large."),
                "TooManyRequests": _error("Rate limit reached; try again later."),
            },
            "schemas": _schemas(),
        },
    }


def openapi_document() -> dict:
    """The OpenAPI 3.1 document of the API (a fresh copy: callers may change it)."""
    return copy.deepcopy(_document())


@bp.get("/openapi.json")
def openapi_json():
    """Anyone: this API's OpenAPI 3.1 document."""
    return jsonify(openapi_document())
