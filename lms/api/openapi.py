"""The OpenAPI 3.1 description of /api/v1 (served at /api/v1/openapi.json, fuzzed by the tests)."""

from __future__ import annotations

from typing import Any

from lms.api.params import MAX_ID, MAX_PAGE, MAX_PER_PAGE
from lms.catalog.models import TIERS
from lms.reports.query import STATUSES


def _param(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


NUMBER_OR_NULL = {"type": ["number", "null"]}
ROW_PROPERTIES = {
    "team_id": {"type": "integer"}, "team": {"type": "string"},
    "learner_id": {"type": "integer"}, "learner": {"type": "string"}, "email": {"type": "string"},
    "course_id": {"type": "integer"}, "course": {"type": "string"}, "tier": {"enum": list(TIERS)},
    "enrolled_at": {"type": "string", "format": "date-time"},
    "progress": {"type": "integer", "minimum": 0, "maximum": 100, "description": "Live items done, %"},
    "status": {"enum": list(STATUSES)},
    "assignment_best": {**NUMBER_OR_NULL, "description": "Mean over assignments of the best score, %"},
    "assignments_graded": {"type": "integer", "minimum": 0},
    "exam_best": {**NUMBER_OR_NULL, "description": "Best exam score, %"},
    "exam_passed": {"type": ["boolean", "null"], "description": "Best exam score reaches the course pass mark"},
    "certificate_id": {"type": ["string", "null"], "description": "Public id of the live course certificate"},
    "certificate_issued_at": {"type": ["string", "null"], "format": "date-time"},
    "last_activity": {"type": ["string", "null"], "format": "date-time"},
}  # fmt: skip
ROW = {"type": "object", "required": list(ROW_PROPERTIES), "properties": ROW_PROPERTIES}
ERRORS = {
    "400": _error("Invalid query parameters (details name each one)."),
    "401": _error("Missing, unknown or revoked token."),
    "403": _error("The account may not read reports."),
}


def openapi_document(server_url: str) -> dict[str, Any]:
    """The document, with this server's URL."""
    filters = [
        _param("team_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "A team you manage"),
        _param("course_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "One course"),
        _param("tier", {"enum": list(TIERS)}, "Course tier"),
        _param("status", {"enum": list(STATUSES)}, "Completion status"),
        _param("enrolled_from", {"type": "string", "format": "date"}, "Enrolled on or after (UTC)"),
        _param(
            "enrolled_to",
            {"type": "string", "format": "date"},
            "Enrolled on or before (UTC); before enrolled_from, nothing matches",
        ),
        _param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page, from 1"),
        _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 100}, "Rows a page"),
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Academy reporting API", "version": "1.0.0",
            "description": "Read-only reports for managers. Create a personal token under Reports › API tokens.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/reports/teams": {"get": {
                "operationId": "listTeams", "summary": "Teams you can read, with their member counts",
                "responses": {"200": {"description": "Teams", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["items"],
                    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Team"}}},
                }}}}, **ERRORS},
            }},
            "/reports/completions": {"get": {
                "operationId": "listCompletions", "summary": "Completion report rows: learner x course, paginated",
                "parameters": filters,
                "responses": {
                    "200": {"description": "One page of rows", "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/CompletionPage"}}}},
                    **ERRORS, "404": _error("The team is not one you can read."),
                },
            }},
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Team": {"type": "object", "required": ["id", "name", "members"], "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "members": {"type": "integer"}}},
                "Completion": ROW,
                "CompletionPage": {"type": "object", "required": ["items", "page", "per_page", "has_more", "next"],
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Completion"}},
                        "page": {"type": "integer"}, "per_page": {"type": "integer"}, "has_more": {"type": "boolean"},
                        "next": {"type": ["string", "null"]},
                    }},
                "Error": {"type": "object", "required": ["error", "status"], "properties": {
                    "error": {"type": "string"}, "status": {"type": "integer"}, "details": {"type": "object"}}},
            },
        },
    }  # fmt: skip
