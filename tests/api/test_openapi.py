"""The OpenAPI document and the Swagger UI page that shows it."""

from __future__ import annotations

import re

import schemathesis

from tests.api.conftest import API

EXPECTED_OPERATIONS = {
    ("/api/v1/contests/current", "get"),
    ("/api/v1/contests/{slug}", "get"),
    ("/api/v1/auth/csrf", "get"),
    ("/api/v1/auth/register", "post"),
    ("/api/v1/auth/verify", "post"),
    ("/api/v1/auth/login", "post"),
    ("/api/v1/auth/logout", "post"),
    ("/api/v1/me", "get"),
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def openapi(client) -> dict:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_openapi_document_is_valid_openapi_3(client):
    document = openapi(client)

    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] and document["info"]["version"]
    schemathesis.openapi.from_dict(document).validate()  # the OpenAPI 3.0 meta-schema


def test_openapi_document_lists_every_endpoint(client):
    paths = openapi(client)["paths"]

    operations = {(path, method) for path, item in paths.items() for method in item if method in HTTP_METHODS}
    assert operations >= EXPECTED_OPERATIONS


def test_openapi_post_endpoints_document_csrf_400_and_errors_use_the_api_error_shape(client):
    document = openapi(client)

    for path, method in EXPECTED_OPERATIONS:
        responses = document["paths"][path][method]["responses"]
        if method == "post":
            assert "X-CSRFToken" in responses["400"]["description"], path
            assert responses["400"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ApiError"
            }
        if path.endswith(("/register", "/verify", "/login")):
            assert "429" in responses, path
    default_error = document["components"]["responses"]["DEFAULT_ERROR"]
    assert default_error["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ApiError"}
    assert document["components"]["schemas"]["ApiError"]["required"] == ["error"]


def test_api_docs_page_loads_its_assets_from_this_server_only(client):
    response = client.get(f"{API}/docs/")

    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert not re.search(r"https?://", html), "the docs page must not load anything from another host"
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', html))
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', html)
    assert len(assets) >= 3
    for asset in assets:
        with client.get(asset) as asset_response:
            assert asset_response.status_code == 200, asset
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    script_policy = re.search(r"script-src ([^;]*)", response.headers["Content-Security-Policy"]).group(1)
    assert script_policy.split() == ["'self'"]


def test_api_docs_unknown_asset_is_404(client):
    assert client.get(f"{API}/docs/assets/index.html").status_code == 404
