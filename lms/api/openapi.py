"""The OpenAPI 3.1 description of /api/v1 (served at /api/v1/openapi.json, fuzzed by the tests)."""

from __future__ import annotations

from typing import Any

from lms.api.params import MAX_ID, MAX_PAGE, MAX_PER_PAGE
from lms.catalog.models import TIERS
from lms.community.services.figures import MAX_DAYS
from lms.feedback.models import FEEDBACK_CATEGORIES
from lms.programme.services.figures import DAILY_COLUMNS
from lms.programme.services.periods import MAX_DAYS as PROGRAMME_MAX_DAYS
from lms.programme.services.periods import PERIOD_NAMES
from lms.recommend.ranking import SCORES
from lms.reports.query import STATUSES


def _param(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _ref(schema: str) -> dict:
    return {"$ref": f"#/components/schemas/{schema}"}


def _json(description: str, schema: dict) -> dict:
    """A response whose body is JSON of `schema`."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(description, _ref("Error"))


NUMBER_OR_NULL = {"type": ["number", "null"]}
STATUS_DESCRIPTION = (
    "Where the learner stands, as the learner's own pages say: `not_started`; `in_progress` from the first "
    "lesson read or attempt scored, even below the pass mark; `exam_remaining` when every step is passed but "
    "the course's certification exam is not and no certificate is held (added in 1.1.0; not counted as "
    "completed); `completed` when nothing remains. A step counts when its counting attempt reaches the pass mark."
)
ROW_PROPERTIES = {
    "team_id": {"type": "integer"},
    "team": {"type": "string"},
    "learner_id": {"type": "integer"},
    "learner": {"type": "string"},
    "email": {"type": "string"},
    "course_id": {"type": "integer"},
    "course": {"type": "string"},
    "tier": {"enum": list(TIERS)},
    "enrolled_at": {"type": "string", "format": "date-time"},
    "progress": {"type": "integer", "minimum": 0, "maximum": 100, "description": "Live items done, %"},
    "status": {"enum": list(STATUSES), "description": STATUS_DESCRIPTION},
    "assignment_best": {**NUMBER_OR_NULL, "description": "Mean assignment score of the attempts that count, %"},
    "assignments_graded": {"type": "integer", "minimum": 0},
    "exam_best": {**NUMBER_OR_NULL, "description": "Best exam score, %"},
    "exam_passed": {"type": ["boolean", "null"], "description": "Best exam score reaches the course pass mark"},
    "certificate_id": {"type": ["string", "null"], "description": "Public id of the live course certificate"},
    "certificate_issued_at": {"type": ["string", "null"], "format": "date-time"},
    "last_activity": {"type": ["string", "null"], "format": "date-time"},
}
ROW = {"type": "object", "required": list(ROW_PROPERTIES), "properties": ROW_PROPERTIES}
RECOMMENDATION_PROPERTIES = {
    "course_slug": {"type": "string"},
    "course_title": {"type": "string"},
    "tier": {"enum": list(TIERS)},
    "module_slug": {"type": "string"},
    "module_title": {"type": "string"},
    "reason": {"enum": list(SCORES), "description": "Why this module; `message` says it in the learner's language"},
    "message": {"type": "string"},
    "params": {"type": "object", "description": "The figures `message` quotes"},
    "url": {"type": "string", "description": "The module on the course page"},
}
PATH_COURSE_PROPERTIES = {
    "course_slug": {"type": "string"},
    "course_title": {"type": "string"},
    "due_at": {"type": ["string", "null"], "format": "date-time"},
    "percent": {"type": "integer", "minimum": 0, "maximum": 100},
    "done": {"type": "boolean"},
    "overdue": {"type": "boolean", "description": "Due date passed, course not completed"},
    "url": {"type": "string", "description": "The course page"},
}
SPREAD = {
    "type": "object",
    "required": ["answered", "median", "p90"],
    "properties": {
        "answered": {"type": "integer", "minimum": 0, "description": "Questions with such an answer"},
        "median": {**NUMBER_OR_NULL, "description": "Seconds from the question to the answer, median"},
        "p90": {**NUMBER_OR_NULL, "description": "Seconds, 90th percentile (percentile_cont)"},
    },
}
SHARE = {
    "type": "object",
    "required": ["within", "of", "percent"],
    "properties": {
        "within": {"type": "integer", "minimum": 0},
        "of": {"type": "integer", "minimum": 0, "description": "Questions asked at least that long ago"},
        "percent": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
    },
}
FIGURES_PROPERTIES = {
    "course_id": {"type": ["integer", "null"]},
    "period": {
        "type": "object",
        "required": ["start", "end"],
        "properties": {"start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"}},
    },
    "questions": {"type": "integer", "minimum": 0, "description": "Questions asked in the period"},
    "first_answer": {**SPREAD, "description": "Time to the first reply by anyone but the asker"},
    "first_staff_answer": {**SPREAD, "description": "Time to the first staff answer"},
    "answered_24h": {**SHARE, "description": "Questions with an accepted or staff answer within 24 h"},
    "answered_72h": {**SHARE, "description": "The same within 72 h"},
    "weeks": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["starts", "questions", "answers", "posters"],
            "properties": {
                "starts": {"type": "string", "format": "date", "description": "The week's Monday (UTC)"},
                "questions": {"type": "integer", "minimum": 0},
                "answers": {"type": "integer", "minimum": 0, "description": "Replies to questions by others"},
                "posters": {"type": "integer", "minimum": 0, "description": "People who posted anything"},
            },
        },
    },
}
FIGURES = {"type": "object", "required": list(FIGURES_PROPERTIES), "properties": FIGURES_PROPERTIES}
COURSE_FIGURES = {
    "type": "object",
    "required": ["slug", "title", *FIGURES_PROPERTIES],
    "properties": {"slug": {"type": "string"}, "title": {"type": "string"}, **FIGURES_PROPERTIES},
}
PROGRAMME_FIGURE = {
    "type": "object",
    "required": ["key", "label", "unit", "value", "previous", "change"],
    "properties": {
        "key": {"type": "string", "description": "Stable name of the figure"},
        "label": {"type": "string", "description": "In the caller's language"},
        "unit": {"enum": ["count", "percent", "seconds", "score"]},
        "value": {**NUMBER_OR_NULL, "description": "Over the period (null: nothing to measure)"},
        "previous": {**NUMBER_OR_NULL, "description": "Over the previous period of equal length"},
        "change": {**NUMBER_OR_NULL, "description": "value - previous (percentage points for percents)"},
    },
}
DAY_SPAN = {
    "type": "object",
    "required": ["start", "end"],
    "properties": {"start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"}},
}
PROGRAMME_SCOPE = {
    "segment": {
        "type": ["object", "null"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
    "period": {
        "type": "object",
        "required": ["name", "start", "end"],
        "properties": {"name": {"enum": list(PERIOD_NAMES)}, **DAY_SPAN["properties"]},
    },
    "previous": DAY_SPAN,
    "hidden": {
        "type": ["string", "null"],
        "description": "Why a segment shows no figures (fewer members than the minimum); figures are then empty",
    },
}
PROGRAMME_DESCRIPTION = (
    "Admins and analysts (browser session; an admin's personal token works too). Platform-wide, or one "
    "segment's members. Learning figures come from daily buckets kept by the event receivers. Anonymous "
    "survey answers count platform-wide only; the community figures are platform-wide only (empty for a segment)."
)
ERRORS = {
    "400": _error("Invalid query parameters (details name each one)."),
    "401": _error("Missing, unknown or revoked token."),
    "403": _error("The account may not read reports."),
}


def openapi_document(server_url: str, session_cookie: str) -> dict[str, Any]:
    """The document, with this server's URL and the name of its session cookie."""
    programme_params = [
        _param(
            "period",
            {"enum": list(PERIOD_NAMES), "default": "month"},
            "7, 30, 91 or 365 days ending today, or `custom` (then start and end)",
        ),
        _param(
            "start",
            {"type": "string", "format": "date"},
            "First day (UTC) of a custom period; default 29 days before `end`; moved up to `end` at most "
            "(`period` in the answer says which days counted)",
        ),
        _param(
            "end",
            {"type": "string", "format": "date"},
            f"Last day (UTC) of a custom period, included; default and latest: today; a period covers at most "
            f"{PROGRAMME_MAX_DAYS} days",
        ),
        _param("segment", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "A segment's id"),
    ]
    programme_errors = {
        "400": _error("Invalid query parameters (details name each one)."),
        "401": _error("Not signed in and no valid token."),
        "403": _error("The account is neither an admin nor an analyst."),
        "404": _error("No such segment."),
    }
    filters = [
        _param("team_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "A team you manage"),
        _param("course_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "One course"),
        _param("tier", {"enum": list(TIERS)}, "Course tier"),
        _param("status", {"enum": list(STATUSES)}, "Completion status (see `status` in a row)"),
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
            "title": "Academy reporting API",
            "version": "1.3.0",
            "description": (
                "Read-only reports for managers: create a personal token under Reports › API tokens "
                "(community answer-time figures added in 1.2.0). "
                "The programme's figures for admins and analysts (added in 1.3.0). "
                "The signed-in learner's own recommendations, for the site's pages."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/reports/teams": {
                "get": {
                    "operationId": "listTeams",
                    "summary": "Teams you can read, with their member counts",
                    "responses": {
                        "200": _json(
                            "Teams",
                            {
                                "type": "object",
                                "required": ["items"],
                                "properties": {"items": {"type": "array", "items": _ref("Team")}},
                            },
                        ),
                        **ERRORS,
                    },
                }
            },
            "/reports/completions": {
                "get": {
                    "operationId": "listCompletions",
                    "summary": "Completion report rows: learner x course, paginated",
                    "parameters": filters,
                    "responses": {
                        "200": _json("One page of rows", _ref("CompletionPage")),
                        **ERRORS,
                        "404": _error("The team is not one you can read."),
                    },
                }
            },
            "/reports/community": {
                "get": {
                    "operationId": "communityFigures",
                    "summary": "Answer times of questions and discussion, every course together and each",
                    "description": (
                        "Questions asked in the period (kind question; hidden, deleted and duplicates left out). "
                        "Without `course`: every course together (`platform`) and each live course; with it, "
                        "that course only (`platform` is null). Figures name no person."
                    ),
                    "parameters": [
                        _param(
                            "course", {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,99}$"}, "One course's slug"
                        ),
                        _param(
                            "from",
                            {"type": "string", "format": "date"},
                            f"First day (UTC); default: the Monday 11 weeks before this week's; moved up to "
                            f"{MAX_DAYS} days before `to` at most (`period` in the answer says which days counted)",
                        ),
                        _param(
                            "to",
                            {"type": "string", "format": "date"},
                            "Last day (UTC), included; default and latest: today; before `from`, nothing matches",
                        ),
                    ],
                    "responses": {
                        "200": _json("Figures", _ref("CommunityFigures")),
                        **ERRORS,
                        "404": _error("No such course."),
                    },
                }
            },
            "/programme/figures": {
                "get": {
                    "operationId": "programmeFigures",
                    "summary": "The programme dashboard's figures, each beside the previous period",
                    "description": PROGRAMME_DESCRIPTION,
                    "parameters": programme_params,
                    "responses": {"200": _json("Figures", _ref("ProgrammeFigures")), **programme_errors},
                }
            },
            "/programme/daily": {
                "get": {
                    "operationId": "programmeDaily",
                    "summary": "The programme's figures per day of the period (as the CSV export)",
                    "description": PROGRAMME_DESCRIPTION,
                    "parameters": programme_params,
                    "responses": {"200": _json("One row per day", _ref("ProgrammeDaily")), **programme_errors},
                }
            },
            "/me/recommendations": {
                "get": {
                    "operationId": "myRecommendations",
                    "summary": "The signed-in learner's next modules and assigned paths",
                    "security": [{"sessionCookie": []}],
                    "responses": {
                        "200": _json("Recommendations and paths", _ref("MyRecommendations")),
                        "401": _error("Not signed in."),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": session_cookie},
            },
            "schemas": {
                "Team": {
                    "type": "object",
                    "required": ["id", "name", "members"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "members": {"type": "integer"},
                    },
                },
                "Completion": ROW,
                "CompletionPage": {
                    "type": "object",
                    "required": ["items", "page", "per_page", "has_more", "next"],
                    "properties": {
                        "items": {"type": "array", "items": _ref("Completion")},
                        "page": {"type": "integer"},
                        "per_page": {"type": "integer"},
                        "has_more": {"type": "boolean"},
                        "next": {"type": ["string", "null"]},
                    },
                },
                "Figures": FIGURES,
                "CourseFigures": COURSE_FIGURES,
                "CommunityFigures": {
                    "type": "object",
                    "required": ["platform", "courses"],
                    "properties": {
                        "platform": {"oneOf": [_ref("Figures"), {"type": "null"}]},
                        "courses": {"type": "array", "items": _ref("CourseFigures")},
                    },
                },
                "ProgrammeFigure": PROGRAMME_FIGURE,
                "ProgrammeFigures": {
                    "type": "object",
                    "required": [*PROGRAMME_SCOPE, "figures", "feedback_categories", "community"],
                    "properties": {
                        **PROGRAMME_SCOPE,
                        "figures": {"type": "array", "items": _ref("ProgrammeFigure")},
                        "feedback_categories": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["category", "value", "previous"],
                                "properties": {
                                    "category": {"enum": list(FEEDBACK_CATEGORIES)},
                                    "value": {"type": "integer", "minimum": 0},
                                    "previous": {"type": "integer", "minimum": 0},
                                },
                            },
                        },
                        "community": {"type": "array", "items": _ref("ProgrammeFigure")},
                    },
                },
                "ProgrammeDaily": {
                    "type": "object",
                    "required": [*PROGRAMME_SCOPE, "columns", "days"],
                    "properties": {
                        **PROGRAMME_SCOPE,
                        "columns": {"type": "array", "items": {"enum": list(DAILY_COLUMNS)}},
                        "days": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["day", *DAILY_COLUMNS],
                                "properties": {
                                    "day": {"type": "string", "format": "date"},
                                    **{c: {"type": "integer", "minimum": 0} for c in DAILY_COLUMNS},
                                },
                            },
                        },
                    },
                },
                "Recommendation": {
                    "type": "object",
                    "required": list(RECOMMENDATION_PROPERTIES),
                    "properties": RECOMMENDATION_PROPERTIES,
                },
                "PathCourse": {
                    "type": "object",
                    "required": list(PATH_COURSE_PROPERTIES),
                    "properties": PATH_COURSE_PROPERTIES,
                },
                "AssignedPath": {
                    "type": "object",
                    "required": ["id", "title", "description", "courses"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "courses": {"type": "array", "items": _ref("PathCourse")},
                    },
                },
                "MyRecommendations": {
                    "type": "object",
                    "required": ["recommendations", "paths"],
                    "properties": {
                        "recommendations": {"type": "array", "items": _ref("Recommendation")},
                        "paths": {"type": "array", "items": _ref("AssignedPath")},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error", "status"],
                    "properties": {
                        "error": {"type": "string"},
                        "status": {"type": "integer"},
                        "details": {"type": "object"},
                    },
                },
            },
        },
    }
