"""Announcements: instructors write to their courses' learners, admins to everyone or a team; the
worker fans each one out as notifications (inbox, mail) and learners see it on their dashboard."""
