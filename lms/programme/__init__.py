"""The programme's figures for admins and analysts: a read model of daily buckets, yearly targets,
the dashboard, its exports and its API."""
