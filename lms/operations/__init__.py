"""Running the platform: the general worker, its heartbeat, health and readiness checks."""
