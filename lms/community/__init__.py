"""Community: questions and discussion beside every course and lesson, answers, moderation and
answer-time figures (issue 17). Models in models.py; the logic in services.py."""
