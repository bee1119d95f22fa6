"""GET /openapi.json: the document Powertools builds from the typed routes, served unguarded."""

from __future__ import annotations

import json

AUTH = {"authorization": "Bearer local-api-token"}


def test_the_document_lists_every_operation_with_its_parameters(call_api):
    response = call_api("GET", "/openapi.json")
    assert response.status == 200
    document = json.loads(response.body)
    assert document["info"]["title"] == "Heard"
    operations = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert operations == {
        ("GET", "/me"),
        ("GET", "/mentions"),
        ("GET", "/mentions/{mention_id}"),
        ("PATCH", "/mentions/{mention_id}"),
        ("POST", "/mentions/{mention_id}/replies"),
        ("GET", "/stats"),
        ("GET", "/brands"),
    }
    listing = document["paths"]["/mentions"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"brand", "status", "assignee", "overdue", "since", "sort", "cursor"} <= names
    assert {"400", "401", "200"} <= set(listing["responses"])
    reply = document["paths"]["/mentions/{mention_id}/replies"]["post"]
    assert "idempotency-key" in {p["name"].lower() for p in reply["parameters"]}
    assert "requestBody" in reply and "202" in reply["responses"]


def test_a_validation_error_has_the_apis_error_shape(call_api):
    response = call_api(
        "PATCH",
        "/mentions/x:1",
        json.dumps({"status": "closed"}).encode(),
        {**AUTH, "content-type": "application/json"},
    )
    assert response.status == 400
    body = json.loads(response.body)
    assert body["error"] == "invalid_parameter" and body["field"] == "status"
    response = call_api("PATCH", "/mentions/x:1", b"{}", {**AUTH, "content-type": "text/plain"})
    assert response.status == 415 and json.loads(response.body)["field"] == "body"
