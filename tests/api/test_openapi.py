"""The served OpenAPI document describes every /api/ route and what each one takes."""

from __future__ import annotations

from openapi_spec_validator import validate

# routes that take a body, and where it goes
BODIES = {
    ("post", "/api/v1/group/programs"): "application/json",
    ("post", "/api/v1/group/challenges/{challenge_id}"): "application/json",
    ("post", "/api/v1/group/send"): "application/json",
    ("post", "/api/v1/group/object/preview"): "application/json",
    ("post", "/api/v1/group/object/submit"): "application/json",
    ("post", "/api/v1/group/object/import"): "multipart/form-data",
}


def _openapi_path(rule: str) -> str:
    import re

    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_every_api_route_and_body_is_in_the_document(app, client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    served = {(method.lower(), _openapi_path(rule.rule))
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
              and rule.endpoint != "openapi.spec"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(method, path) for path, ops in spec["paths"].items() for method in ops}
    assert served == documented
    assert len(served) >= 19
    for (method, path), content_type in BODIES.items():
        body = spec["paths"][path][method]["requestBody"]
        assert content_type in body["content"], (method, path)
    takes_body = {(m, p) for (m, p) in documented if "requestBody" in spec["paths"][p][m]}
    assert takes_body == set(BODIES)


def test_errors_and_programs_are_described_as_served(client):
    spec = client.get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    assert schemas["HTTPError"]["required"] == ["status", "message"]
    assert schemas["ProgramIn"]["properties"]["program"]["$ref"].endswith("/Program")
    assert "main" in schemas["Program"]["properties"]
    assert not any(path.startswith(("/groupe", "/animateur")) for path in spec["paths"])
