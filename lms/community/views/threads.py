"""Threads: the course-wide list, a thread's page, asking and replying."""

from lms.community import models as models
