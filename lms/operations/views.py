"""Probes for load balancers and deployments: `/healthz` (the process answers) and `/readyz`."""

from __future__ import annotations

from flask import Blueprint, jsonify

from lms.operations import services

bp = Blueprint("operations", __name__)


@bp.get("/healthz")
def healthz() -> str:
    return "ok"


@bp.get("/readyz")
def readyz():
    """200 when the database answers and a worker beat within the last 30 s, else 503: a web
    process that answers /healthz can still be unable to grade anything."""
    state = services.readiness()
    body = {
        "ready": state.ready,
        "database": "ok" if state.database else "unreachable",
        "worker": {"ok": state.worker, "heartbeat_age_seconds": state.worker_age},
    }
    return jsonify(body), 200 if state.ready else 503
