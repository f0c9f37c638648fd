"""The demo cohort's six weeks as data: who does what, when, and how well (no database).

A seeded random generator decides everything, so the same number of learners and the same
`now` give the same plan; `lms.demo.cohort` replays it through the real services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

WEEKS = 6
# Learner profiles, in the order learners are numbered: a small cohort (--learners 6) still has
# someone certified, someone who failed, and people part-way.
PROFILES = (
    "finisher",
    "steady",
    "midway",
    "starter",
    "steady",
    "midway",
    "idle",
    "midway",
    "steady",
    "starter",
    "midway",
    "starter",
)
# (first name, family name): learners' names, cycled with a number when more are asked for.
NAMES = (
    ("Amara", "Okafor"),
    ("Bruno", "Ferreira"),
    ("Chen", "Jing"),
    ("Dana", "Kowalski"),
    ("Elif", "Demir"),
    ("Farid", "Haddad"),
    ("Greta", "Lindqvist"),
    ("Hiro", "Tanaka"),
    ("Ines", "Moreau"),
    ("Jonas", "Becker"),
    ("Kavya", "Reddy"),
    ("Liam", "O'Brien"),
    ("Maya", "Cohen"),
    ("Nikolai", "Petrov"),
    ("Olu", "Adeyemi"),
    ("Priya", "Nair"),
    ("Quentin", "Lambert"),
    ("Rosa", "Alvarez"),
    ("Sanjay", "Gupta"),
    ("Tomasz", "Nowak"),
    ("Uma", "Krishnan"),
    ("Victor", "Santos"),
    ("Wen", "Li"),
    ("Xavier", "Dubois"),
    ("Yara", "Haddad"),
    ("Zoe", "Papadopoulos"),
    ("Aiko", "Sato"),
    ("Ben", "Carter"),
    ("Carla", "Rossi"),
    ("Diego", "Morales"),
    ("Esme", "Walsh"),
    ("Femi", "Balogun"),
    ("Gina", "Marino"),
    ("Hamid", "Karimi"),
    ("Ivy", "Zhang"),
    ("Jakob", "Novak"),
)


@dataclass(frozen=True, order=True)
class Step:
    """One thing done at one moment: `who` is a learner's number, or "staff" for the instructor."""

    at: datetime
    seq: int
    who: int | str = field(compare=False)
    action: str = field(compare=False)
    args: dict[str, Any] = field(compare=False, default_factory=dict)


@dataclass(frozen=True)
class CoursePath:
    """A course's items in syllabus order as (slug, kind), and its quizzes' question counts."""

    slug: str
    items: list[tuple[str, str]]


class _Timeline:
    """Steps of one actor, each a little after the last; none at or after `cap` (they have not
    happened yet), so a learner who started late is simply part-way."""

    def __init__(self, plan: Planner, who: int | str, start: datetime) -> None:
        self.plan, self.who, self.at = plan, who, start

    def then(self, action: str, gap: tuple[float, float] = (0.4, 3.2), **args: Any) -> bool:
        self.at += timedelta(days=self.plan.rng.uniform(*gap))
        return self.plan.add(self.at, self.who, action, **args)


class Planner:
    """Builds the cohort's steps; `steps()` returns them in time order."""

    def __init__(self, learners: int, now: datetime, course: CoursePath, second: CoursePath, seed: int = 15) -> None:
        self.rng = random.Random(seed)
        self.learners, self.now, self.course, self.second = learners, now, course, second
        self.begin = now - timedelta(weeks=WEEKS)
        self.cap = now - timedelta(minutes=30)
        self._steps: list[Step] = []
        self._quizzes: dict[int, tuple[str, str, datetime]] = {}  # a quiz each learner passed: course, item, when

    def add(self, at: datetime, who: int | str, action: str, **args: Any) -> bool:
        if at >= self.cap:
            return False
        self._steps.append(Step(at, len(self._steps), who, action, args))
        return True

    def steps(self) -> list[Step]:
        self._steps.clear()
        workshop_at = self._workshop()
        starts = [self._start(n) for n in range(self.learners)]
        registered = []
        for n, start in enumerate(starts):
            profile = PROFILES[n % len(PROFILES)]
            self.add(start, n, "sign_up", team=(n + n // len(PROFILES)) % 2)  # finishers in both teams
            line = _Timeline(self, n, start)
            self._course(line, profile)
            if n % 3 == 1:
                self._second_course(_Timeline(self, n, start + timedelta(days=2)))
            signs_up = max(start, workshop_at - timedelta(days=12)) + timedelta(hours=self.rng.uniform(2, 40))
            if signs_up < workshop_at - timedelta(hours=6) and (profile == "finisher" or self.rng.random() < 0.45):
                self.add(signs_up, n, "register")
                registered.append(n)
        self._attendance(workshop_at, registered)
        self._this_week()
        self._reports()
        self._demo_learner()
        return sorted(self._steps)

    def _start(self, n: int) -> datetime:
        """Finishers start in the first ten days; the others join over five weeks, a step every day or three."""
        if PROFILES[n % len(PROFILES)] == "finisher":
            return self.begin + timedelta(days=self.rng.uniform(0.5, 10))
        return self.begin + timedelta(days=1 + 34 * n / max(self.learners, 1) + self.rng.uniform(0, 2))

    def _course(self, line: _Timeline, profile: str) -> None:
        """Enrol, go through the course as far as the profile reaches, and maybe take the exam."""
        slug = self.course.slug
        line.then("enroll", course=slug, gap=(0.01, 0.05))
        reach = {"finisher": 99, "steady": 99, "midway": 5, "starter": self.rng.choice((1, 2)), "idle": 0}[profile]
        for item, kind in self.course.items[:reach]:
            if kind == "lesson":
                ok = line.then("lesson", course=slug, item=item)
            elif kind == "quiz":
                ok = self._quiz(line, profile, slug, item)
            else:
                ok = self._assignment(line, profile, slug, item)
            if not ok:
                return
        if profile == "finisher":
            if self.rng.random() < 0.3 and not line.then("exam", gap=(0.5, 2), course=slug, passed=False):
                return
            if line.then("exam", gap=(1.5, 3), course=slug, passed=True):
                csat, nps = self.rng.choice(((5, 10), (4, 9), (5, 9), (4, 8)))
                line.then("course_survey", course=slug, csat=csat, nps=nps, comment=self._comment(csat))
        elif profile == "steady" and self.rng.random() < 0.4:
            line.then("exam", gap=(0.5, 2), course=slug, passed=False)

    def _quiz(self, line: _Timeline, profile: str, course: str, item: str) -> bool:
        """A quiz attempt; some fail it first, and finishers (and some steady learners) retry."""
        roll = self.rng.random()
        first_fails = {"finisher": roll < 0.35, "steady": roll < 0.4, "midway": roll < 0.5}.get(profile, False)
        retries = profile == "finisher" or (profile == "steady" and roll < 0.3)
        ok = line.then("quiz", course=course, item=item, passed=not first_fails)
        if ok and first_fails and retries:
            ok = line.then("quiz", gap=(0.05, 1), course=course, item=item, passed=True)
        if ok and (retries or not first_fails):
            self._quizzes.setdefault(int(line.who), (course, item, line.at))
        return ok

    def _assignment(self, line: _Timeline, profile: str, course: str, item: str) -> bool:
        """Notebooks: "right" scores full marks, "partial" leaves one answer out (below the pass
        mark), "broken" leaves all but the first out; a retry after a partial one is right."""
        roll = self.rng.random()
        if profile == "finisher":
            tries = ("partial", "right") if roll < 0.4 else ("right",)
        elif profile == "steady":
            tries = ("right",) if roll < 0.5 else ("partial",) if roll < 0.85 else ("partial", "right")
        else:
            tries = ("partial",) if roll < 0.4 else ("broken",) if roll < 0.6 else ()
        return all(line.then("submit", gap=(0.3, 2), course=course, item=item, answer=answer) for answer in tries)

    def _this_week(self) -> None:
        """Some learners revise a quiz they passed earlier today, so "active this week" is not
        empty on a Monday (skipped in the first hour of a week)."""
        monday = (self.now - timedelta(days=self.now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
        window = min(self.cap - monday, timedelta(hours=14))
        if window < timedelta(minutes=10):
            return
        for n, (course, item, passed_at) in sorted(self._quizzes.items()):
            at = self.cap - window * self.rng.uniform(0.05, 1)
            if n % 4 in (1, 2) and at > passed_at:
                self.add(at, n, "quiz", course=course, item=item, passed=True)

    def _second_course(self, line: _Timeline) -> None:
        slug = self.second.slug
        line.then("enroll", course=slug, gap=(0.01, 0.05))
        for item, kind in self.second.items[: self.rng.randint(1, 4)]:
            if kind == "lesson":
                line.then("lesson", course=slug, item=item, gap=(0.5, 3))
            elif kind == "quiz":
                line.then("quiz", course=slug, item=item, passed=self.rng.random() < 0.7, gap=(0.5, 3))
            else:
                break

    def _workshop(self) -> datetime:
        """The instructor's live clinic: announced two weeks before it was held, two and a half weeks ago."""
        held = (self.now - timedelta(days=18)).replace(hour=15, minute=0, second=0, microsecond=0)
        self.add(held - timedelta(days=14), "staff", "workshop", starts_at=held)
        return held

    def _attendance(self, held: datetime, registered: list[int]) -> None:
        present = [n for n in registered if PROFILES[n % len(PROFILES)] == "finisher" or self.rng.random() < 0.75]
        self.add(held + timedelta(minutes=95), "staff", "attendance", present=present)
        for n in present:
            if self.rng.random() < 0.7:
                csat = self.rng.choice((3, 4, 4, 5, 5))
                nps = {3: 6, 4: 8, 5: 10}[csat]
                when = held + timedelta(hours=self.rng.uniform(3, 40))
                self.add(when, n, "workshop_survey", csat=csat, nps=nps, comment=self._comment(csat))

    def _comment(self, csat: int) -> str:
        if csat >= 5:
            return self.rng.choice(
                (
                    "Writing the BPE trainer myself finally made token counts click.",
                    "Clear, practical, and the graded notebook told me exactly what was wrong.",
                    "",
                )
            )
        if csat == 4:
            return self.rng.choice(("Good pace; more examples of streaming errors would help.", ""))
        return "The clinic ran over time and the recording link came late."

    def _reports(self) -> None:
        """Three problem reports on course items: two answered by the instructor, one closed."""
        items = dict(self.course.items)
        lesson = next((s for s, k in self.course.items if k == "lesson" and s != self.course.items[0][0]), None)
        assignment = next((s for s, k in self.course.items if k == "assignment"), None)
        quiz = next((s for s, k in self.course.items if k == "quiz"), None)
        reports = [
            (lesson, "problem", "The price table in this lesson looks out of date compared with the provider's page."),
            (assignment, "problem", "Which pair wins a tie in train_bpe? My merges differ from the expected ones."),
            (quiz, "suggestion", "A full example request body next to the first question would help."),
        ]
        replies = [
            "Thanks, well spotted: the table now says which day its prices are from.",
            "Ties go to the pair that sorts first; the docstring now says so. Your code was right otherwise.",
            None,
        ]
        for n, ((item, kind, body), reply) in enumerate(zip(reports, replies, strict=True)):
            if item is None or item not in items or self.learners == 0:
                continue
            learner = (1 + 2 * n) % self.learners
            filed = self.begin + timedelta(days=12 + 9 * n, hours=self.rng.uniform(0, 8))
            self.add(filed, learner, "report", course=self.course.slug, item=item, kind=kind, body=body, key=n)
            if reply:
                self.add(filed + timedelta(hours=self.rng.uniform(3, 20)), "staff", "reply", key=n, body=reply)
                if n == 0:
                    self.add(filed + timedelta(days=1.5), learner, "close_report", key=n)

    def _demo_learner(self) -> None:
        """The demo learner's account: a week into the first course, just started the second."""
        items = self.course.items
        start = self.now - timedelta(days=6)
        self.add(start, "learner", "enroll", course=self.course.slug)
        at = start
        for item, kind in items[:3]:
            at += timedelta(hours=20)
            if kind == "lesson":
                self.add(at, "learner", "lesson", course=self.course.slug, item=item)
            elif kind == "quiz":
                self.add(at, "learner", "quiz", course=self.course.slug, item=item, passed=True)
        self.add(self.now - timedelta(days=2), "learner", "enroll", course=self.second.slug)
        first, kind = self.second.items[0]
        if kind == "lesson":
            self.add(self.now - timedelta(hours=44), "learner", "lesson", course=self.second.slug, item=first)
