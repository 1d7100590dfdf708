"""The OpenAPI document is generated from the code, lists every API endpoint, and the interactive
documentation is served from a Python package (no CDN) to logged-in users."""

from __future__ import annotations

import re

from crm.api.core import is_token_endpoint


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_openapi_document_lists_every_api_endpoint(app, client):
    """Every token-authenticated route and method is in /api/v1/openapi.json, and nothing else."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    documented = {
        (path, method.upper())
        for path, ops in spec["paths"].items()
        for method in ops
        if method != "parameters"
    }
    routed = {
        (_openapi_path(rule.rule), method)
        for rule in app.url_map.iter_rules()
        if is_token_endpoint(rule.endpoint)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert routed == documented
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "message"}


def test_every_operation_documents_errors_and_a_summary(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert "default" in operation["responses"], (path, method)
            assert operation.get("summary"), (path, method)


def test_docs_page_needs_login_and_uses_local_assets(client, auth, operator):
    assert client.get("/api/v1/docs").status_code == 302
    auth.login(operator)
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in html and "api/docs.js" in html
    assert "cdn" not in html.lower() and "<script>" not in html
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
    asset.close()
