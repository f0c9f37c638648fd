"""Notifications: one `notify(...)` every domain calls, the inbox, and mail that loses nothing."""
