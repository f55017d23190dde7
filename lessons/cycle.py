"""The cycle engine: load a cycle folder, validate it whole, and answer the
facilitator's questions (which session comes next, its timed plan, its toolbox).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ground.i18n import _
from lessons.challenges import check_challenge
from lessons.checks import check_session
from lessons.loader import LessonError, LoadedFile, lesson_files, load_file
from lessons.schema import Challenge, Session, Step
from robots.simulator import MatError, validate_mat

DEFAULT_CYCLE_DIR = Path(__file__).resolve().parent / "cycle"


@dataclass(frozen=True)
class TimedStep:
    """A step of the plan with its place in the session's clock (minutes)."""

    index: int
    step: Step
    start_min: int
    end_min: int


@dataclass
class Cycle:
    """A valid cycle: its sessions in order, and the folder they come from."""

    directory: Path
    sessions: list[Session]
    files: dict[int, Path] = field(default_factory=dict)

    def session(self, number: int) -> Session:
        for s in self.sessions:
            if s.number == number:
                return s
        raise KeyError(number)

    def next_session(self, done: Iterable[int]) -> Session | None:
        """The first session of the cycle a class has not had yet (None when finished)."""
        held = set(done)
        return next((s for s in self.sessions if s.number not in held), None)

    def timeline(self, number: int) -> list[TimedStep]:
        """The session's steps with their start and end minute, for the timer."""
        out, clock = [], 0
        for i, step in enumerate(self.session(number).steps):
            out.append(TimedStep(i, step, clock, clock + step.minutes))
            clock += step.minutes
        return out

    def toolbox(self, number: int) -> list[str]:
        return self.session(number).toolbox()

    def find_challenge(self, challenge_id: str) -> tuple[Session, Challenge] | None:
        for s in self.sessions:
            c = s.challenge(challenge_id)
            if c is not None:
                return s, c
        return None

    def count(self, kind: str) -> int:
        return sum(1 for s in self.sessions if s.kind == kind)


@dataclass
class CycleReport:
    """The result of validating a cycle folder: every problem, and the cycle if none."""

    directory: Path
    errors: list[LessonError]
    cycle: Cycle | None

    @property
    def ok(self) -> bool:
        return not self.errors


class CycleError(Exception):
    """Raised by :func:`load_cycle` on an invalid cycle; carries every problem."""

    def __init__(self, errors: list[LessonError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def validate_cycle(directory: Path | str | None = None, *, run_solutions: bool = True
                   ) -> CycleReport:
    """Check every lesson file of a folder, then the cycle as a whole.

    With ``run_solutions`` (and the reference simulator installed), each challenge's
    ``solution`` must pass it and its ``mistake`` must fail it.
    """
    directory = Path(directory) if directory is not None else DEFAULT_CYCLE_DIR
    if not directory.is_dir():
        err = LessonError(str(directory), 0, "", _("dossier de cycle introuvable"))
        return CycleReport(directory, [err], None)
    files = [load_file(p) for p in lesson_files(directory)]
    if not files:
        err = LessonError(str(directory), 0, "",
                          _("aucun fichier de séance (.yaml) dans ce dossier"))
        return CycleReport(directory, [err], None)
    errors: list[LessonError] = []
    for f in files:
        errors.extend(f.errors)
        if f.session is not None:
            problems = [f.error(path, msg) for path, msg in check_session(f.session)]
            errors.extend(problems)
            # Only a file without other problems is run: a wrong mat or criterion would
            # otherwise be reported twice, or crash the run.
            if run_solutions and not f.errors and not problems:
                errors.extend(_solution_errors(f))
    errors.extend(_numbering_errors(files))
    errors.extend(_challenge_id_errors(files))
    if errors:
        return CycleReport(directory, errors, None)
    ordered = sorted(files, key=lambda f: f.session.number)  # type: ignore[union-attr]
    cycle = Cycle(
        directory,
        [f.session for f in ordered],  # type: ignore[misc]
        {f.session.number: f.path for f in ordered},  # type: ignore[union-attr]
    )
    return CycleReport(directory, [], cycle)


def load_cycle(directory: Path | str | None = None) -> Cycle:
    """The cycle of a folder (the shipped one by default); :class:`CycleError` if invalid."""
    report = validate_cycle(directory, run_solutions=False)
    if report.cycle is None:
        raise CycleError(report.errors)
    return report.cycle


def _numbering_errors(files: list[LoadedFile]) -> list[LessonError]:
    numbered = [(f, f.session.number) for f in files if f.session is not None]
    count = len(files)
    numbers = [n for _f, n in numbered]
    missing = sorted(set(range(1, count + 1)) - set(numbers))
    errors = []
    for f, n in numbered:
        if numbers.count(n) > 1:
            others = ", ".join(g.path.name for g, m in numbered if m == n and g is not f)
            errors.append(f.error(("number",), _(
                "la séance numéro %(n)s existe déjà (%(others)s)", n=n, others=others)))
        elif n > count:
            errors.append(f.error(("number",), _(
                "les %(count)s séances doivent être numérotées de 1 à %(count)s sans trou "
                "(numéro %(n)s ; manque : %(missing)s)",
                count=count, n=n, missing=", ".join(str(m) for m in missing) or "-",
            )))
    return errors


def _challenge_id_errors(files: list[LoadedFile]) -> list[LessonError]:
    """A challenge id names one challenge of the whole cycle (progress is kept by id)."""
    first: dict[str, str] = {}
    errors = []
    for f in files:
        if f.session is None:
            continue
        for i, c in enumerate(f.session.challenges):
            if c.id in first and first[c.id] != f.path.name:
                errors.append(f.error(("challenges", i, "id"), _(
                    "identifiant de défi « %(id)s » déjà utilisé dans %(other)s",
                    id=c.id, other=first[c.id])))
            first.setdefault(c.id, f.path.name)
    return errors


def _solution_errors(f: LoadedFile) -> list[LessonError]:
    """Run each reference program in the simulator: the solution must pass, the mistake fail."""
    session = f.session
    assert session is not None
    if session.kind != "programming":
        return []
    errors = []
    for i, c in enumerate(session.challenges):
        mat = session.mat_for(c)
        if mat is None:
            continue
        try:
            validate_mat(mat.contract())
        except MatError as exc:
            where = ("challenges", i, "mat") if c.mat is not None else ("mat",)
            errors.extend(f.error(where, problem) for problem in exc.problems)
            continue
        if c.solution is not None:
            result = check_challenge(c, c.solution, mat, toolbox=session.toolbox())
            if not result.passed:
                errors.append(f.error(("challenges", i, "solution"), _(
                    "la solution ne réussit pas le défi : %(reasons)s",
                    reasons=" ".join(result.reasons))))
        if c.mistake is not None:
            result = check_challenge(c, c.mistake, mat, toolbox=session.toolbox())
            if result.passed:
                errors.append(f.error(("challenges", i, "mistake"), _(
                    "le programme erroné réussit le défi : les critères sont trop larges")))
        if c.starter is not None:
            result = check_challenge(c, c.starter, mat, toolbox=session.toolbox())
            if result.passed:
                errors.append(f.error(("challenges", i, "starter"), _(
                    "le programme de départ réussit déjà le défi : il n'y a rien à chercher")))
    return errors
