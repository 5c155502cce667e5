"""The OpenAPI document describes every API route, and real responses match its schemas."""
from __future__ import annotations

import re

from factories import grant_points  # noqa: E402  (privileges are earned by points)
from test_api_helpers import api, assert_problem, cast  # noqa: F401  (fixtures)

from app.forum import services

METHODS = {"get", "post", "patch", "put", "delete"}


def documented_rules(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every rule registered under /api/v1."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            found |= {(m.lower(), path) for m in rule.methods if m.lower() in METHODS}
    return found


def resolve(doc: dict, node: dict) -> dict:
    while "$ref" in node:
        kind, name = node["$ref"].removeprefix("#/components/").split("/")
        node = doc["components"][kind][name]
    return node


def check(doc: dict, value, schema: dict, where: str = "$") -> None:
    """A small JSON Schema check, strict on objects: the keys are exactly the documented ones."""
    schema = resolve(doc, schema)
    if "oneOf" in schema:
        errors = []
        for option in schema["oneOf"]:
            try:
                return check(doc, value, option, where)
            except AssertionError as err:
                errors.append(str(err))
        raise AssertionError(f"{where}: matches no option: {errors}")
    types = schema.get("type")
    types = [types] if isinstance(types, str) else (types or [])
    py = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
    ok = any((t == "integer" and isinstance(value, int) and not isinstance(value, bool))
             or (t != "integer" and isinstance(value, py[t])) for t in types)
    assert ok or not types, f"{where}: {value!r} is not {types}"
    if "enum" in schema and value is not None:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict) and "properties" in schema:
        assert set(value) == set(schema["properties"]), \
            f"{where}: keys {sorted(set(value) ^ set(schema['properties']))} differ from the document"
        for key, sub in schema["properties"].items():
            check(doc, value[key], sub, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(doc, item, schema["items"], f"{where}[{i}]")


def response_schema(doc: dict, method: str, path: str, status: int) -> dict:
    response = resolve(doc, doc["paths"][path][method]["responses"][str(status)])
    (media, content), = response["content"].items()
    return content["schema"]


def test_document_is_openapi_31_with_security_and_problems(api):
    response = api.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    doc = response.get_json()
    assert doc["openapi"] == "3.1.0" and doc["info"]["title"] and doc["servers"] == [{"url": "/api/v1"}]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]
        ["bearerAuth"]["description"]}
    assert set(doc["components"]["schemas"]["Problem"]["required"]) == {"type", "title", "status", "detail",
                                                                         "errors"}


def test_every_registered_rule_is_documented_and_nothing_else(app, api):
    doc = api.get("/openapi.json").get_json()
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops if m in METHODS}
    registered = documented_rules(app)
    assert registered - documented == set(), "routes missing from openapi.json"
    assert documented - registered == set(), "openapi.json documents routes that do not exist"
    assert len(registered) >= 28


def test_operations_are_complete_and_refs_resolve(api):
    doc = api.get("/openapi.json").get_json()
    op_ids = []
    text = str(doc)
    for ref in set(re.findall(r"'\$ref': '([^']+)'", text)):
        kind, name = ref.removeprefix("#/components/").split("/")
        assert name in doc["components"][kind], ref
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            op_ids.append(op["operationId"])
            assert op["summary"] and op["responses"], (method, path)
            declared = {resolve(doc, p)["name"] for p in op.get("parameters", []) if resolve(doc, p)["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (method, path)
            if method != "get":
                assert {} not in op["security"], f"{method} {path} must require authentication"
                for code in ("401", "429"):
                    assert code in op["responses"], (method, path, code)
                problem = resolve(doc, op["responses"]["401"])["content"]
                assert list(problem) == ["application/problem+json"]
            if "requestBody" in op:
                assert {"400", "422"} <= set(op["responses"]), (method, path)
    assert len(op_ids) == len(set(op_ids))


def test_real_responses_match_the_documented_schemas(api, db, cast):
    doc = api.get("/openapi.json").get_json()
    mod = cast.moderator

    def expect(method, path, status, response):
        assert response.status_code == status, response.get_data(as_text=True)
        template = re.sub(r"/\d+", "/{id}", path.split("?")[0])
        doc_path = next(p for p in doc["paths"] if re.sub(r"{\w+}", "{id}", p) == template)
        check(doc, response.get_json(), response_schema(doc, method, doc_path, status))

    answer = services.post_answer(db.session, cast.public, body="Use the IVR, option 3.", by=cast.expert)
    db.session.commit()
    qid, aid = cast.public.id, answer.id
    grant_points(cast.customer, 50)  # comments on others' posts
    expect("post", f"/questions/{qid}/comments", 201,
           api.post(f"/questions/{qid}/comments", cast.customer, json={"body": "On the question"}))
    comment = api.post(f"/answers/{aid}/comments", cast.customer, json={"body": "On the answer"})
    expect("post", f"/answers/{aid}/comments", 201, comment)
    expect("get", f"/comments/{comment.get_json()['id']}", 200, api.get(f"/comments/{comment.get_json()['id']}"))
    expect("post", f"/answers/{aid}/vote", 200, api.post(f"/answers/{aid}/vote", cast.customer, json={"value": 1}))
    expect("post", f"/answers/{aid}/accept", 200, api.post(f"/answers/{aid}/accept", cast.asker))
    expect("get", f"/questions/{qid}", 200, api.get(f"/questions/{qid}", cast.customer))
    expect("get", "/questions", 200, api.get("/questions", mod))
    created = api.post("/questions", cast.staff, json={"title": "A duplicate question", "body": "Same as before.",
                                                       "tags": ["cards"]})
    expect("post", "/questions", 201, created)
    dup = created.get_json()["id"]
    expect("post", f"/questions/{dup}/close", 200,
           api.post(f"/questions/{dup}/close", mod, json={"reason": "duplicate", "duplicate_of": qid}))
    expect("patch", f"/questions/{dup}", 200, api.patch(f"/questions/{dup}", mod, json={"title": "Renamed dup"}))
    expect("get", f"/questions/{dup}/revisions", 200, api.get(f"/questions/{dup}/revisions"))
    expect("post", f"/questions/{qid}/answers", 201,
           api.post(f"/questions/{qid}/answers", cast.staff, json={"body": "A second answer."}))
    expect("get", f"/answers/{aid}", 200, api.get(f"/answers/{aid}", cast.customer))
    expect("patch", f"/answers/{aid}", 200, api.patch(f"/answers/{aid}", cast.expert, json={"body": "Option 4 since May."}))
    expect("get", f"/users/{cast.expert.id}", 200, api.get(f"/users/{cast.expert.id}"))
    expect("get", f"/users/{cast.expert.id}/answers", 200, api.get(f"/users/{cast.expert.id}/answers"))
    expect("get", "/users/me", 200, api.get("/users/me", cast.member))
    expect("get", "/tags", 200, api.get("/tags"))
    problem = api.post(f"/questions/{qid}/vote", cast.customer, json={"value": "up"})
    assert_problem(problem, 400)
    expect("post", f"/questions/{qid}/vote", 400, problem)
