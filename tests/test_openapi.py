"""The OpenAPI document at /api/v1/openapi.json: true to the routes, valid OpenAPI 3.1, errors documented."""
from __future__ import annotations

import re

import pytest
import schemathesis

import lms.api.openapi  # noqa: F401  (registers GET /api/v1/openapi.json before the app is built)
from lms.api.openapi import openapi_document

PREFIX = "/api/v1"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}  # Flask adds these to every rule


def app_routes(app) -> set[tuple[str, str]]:
    """(METHOD, /path/{param}) for every rule under /api/v1, relative to the server URL."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule == PREFIX or rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX):])
            routes |= {(method, path) for method in rule.methods - IGNORED_METHODS}
    return routes


def documented(doc: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in doc["paths"].items() for method in item if method in METHODS}


def operations(doc: dict):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def resolve(doc: dict, ref: str):
    assert ref.startswith("#/"), f"external reference {ref}"
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"unresolvable $ref {ref}"
        node = node[part]
    return node


def deref(doc: dict, node: dict) -> dict:
    while "$ref" in node:
        node = resolve(doc, node["$ref"])
    return node


def all_refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from all_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from all_refs(item)


def uses_error_schema(doc: dict, response: dict) -> bool:
    response = deref(doc, response)
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    candidates = [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]
    return {"$ref": "#/components/schemas/Error"} in candidates


def test_document_paths_and_methods_equal_the_app_routes(app):
    doc = openapi_document()
    routes, docs = app_routes(app), documented(doc)
    assert routes - docs == set(), f"routes without documentation: {sorted(routes - docs)}"
    assert docs - routes == set(), f"documented operations the app does not have: {sorted(docs - routes)}"
    assert doc["servers"] == [{"url": PREFIX}]


def test_a_new_undocumented_route_is_caught(app):
    doc = openapi_document()
    del doc["paths"]["/me"]
    assert ("GET", "/me") in app_routes(app) - documented(doc)


def test_the_document_is_served_without_a_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == openapi_document()


def test_the_document_validates_as_openapi_31():
    doc = openapi_document()
    assert doc["openapi"].startswith("3.1.")
    for key in ("openapi", "info", "paths", "components"):
        assert key in doc
    assert doc["info"]["title"] == "Cakap Desa API" and doc["info"]["version"] == "1"
    schemathesis.openapi.from_dict(doc).validate()  # the OpenAPI 3.1 meta-schema (jsonschema_rs)


def test_the_validator_rejects_a_broken_document():
    doc = openapi_document()
    doc["paths"]["/me"]["get"]["responses"]["200"] = {"content": "not a mapping"}
    with pytest.raises(Exception):
        schemathesis.openapi.from_dict(doc).validate()


def test_every_ref_resolves():
    doc = openapi_document()
    refs = set(all_refs(doc))
    assert "#/components/schemas/CourseManifest" in refs
    for ref in refs:
        resolve(doc, ref)


def test_the_manifest_schema_is_the_json_schema_file():
    import json

    doc = openapi_document()
    raw = json.loads(lms.api.openapi.MANIFEST_SCHEMA_PATH.read_text(encoding="utf-8"))
    manifest = doc["components"]["schemas"]["CourseManifest"]
    assert manifest["required"] == raw["required"]
    assert set(manifest["properties"]["course"]["properties"]) == set(raw["properties"]["course"]["properties"])
    assert {f"Manifest{name.capitalize()}" for name in raw["$defs"]} <= set(doc["components"]["schemas"])


def test_path_parameters_match_the_path_templates():
    doc = openapi_document()
    for path, method, op in operations(doc):
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{([^}]+)}", path)), f"{method.upper()} {path}"


def test_operation_ids_are_unique():
    ids = [op["operationId"] for _path, _method, op in operations(openapi_document())]
    assert len(ids) == len(set(ids))


PUBLIC = {("POST", "/auth/token"), ("GET", "/certificates/{code}"), ("GET", "/openapi.json")}


def test_every_operation_documents_a_4xx_with_the_error_schema():
    doc = openapi_document()
    for path, method, op in operations(doc):
        label = f"{method.upper()} {path}"
        errors = {status for status, response in op["responses"].items()
                  if status.startswith("4") and uses_error_schema(doc, response)}
        assert errors, f"{label} documents no 4xx error response"
        if (method.upper(), path) in PUBLIC:
            assert op.get("security") == [], label
        else:
            assert op.get("security", doc["security"]) == [{"bearerAuth": []}], label
            assert "401" in errors, f"{label}: 401 not documented"
        if "{" in path:
            assert "404" in op["responses"], f"{label}: 404 not documented"
        if "requestBody" in op:
            assert "422" in errors or "413" in errors, f"{label}: no error for a bad body"


def test_every_operation_documents_a_success_response():
    doc = openapi_document()
    for path, method, op in operations(doc):
        assert any(status.startswith("2") for status in op["responses"]), f"{method.upper()} {path}"
