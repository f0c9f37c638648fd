"""Who our developers are: optional profiles, admins' segments over them, and audiences (who may
see a course or workshop)."""
