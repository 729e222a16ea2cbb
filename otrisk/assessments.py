"""Program ids and recording a dated assessment (issue 3, the Progress page).

:func:`program_ids` are the eight IEC 62443-2-1 program elements and their sixteen
sub-elements in the standard's order; :func:`prefill` gives the values an assessment form
starts from; :func:`new_assessment` adds a dated assessment to a plant, validated like a plant
file (one per date, oldest first, ids from the reference data, levels 0..4, not applicable
only with a justification), naming every problem.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from otrisk.errors import OtriskError, shown_value
from otrisk.maturity import maturity_now, not_applicable_now, target_now
from otrisk.models import Plant, reference_problems
from otrisk.reference import element_ids, program_elements

__all__ = ["program_ids", "id_names", "PrefillRow", "prefill", "AssessmentProblem", "AssessmentError",
           "new_assessment"]

_TEXT_MAX = 2000  # models.Text


def program_ids() -> tuple[str, ...]:
    """The 8 element and 16 sub-element ids, each element followed by its sub-elements.

    Examples
    --------
    >>> ids = program_ids()
    >>> len(ids), ids[:5]
    (24, ('ORG', 'ORG 1', 'ORG 2', 'ORG 3', 'CM'))
    """
    return tuple(i for e in program_elements() for i in (e.id, *(s.id for s in e.sub_elements)))


def id_names() -> dict[str, str]:
    """``{id: name}`` of the elements and sub-elements.

    >>> id_names()["CM"]
    'Configuration management'
    """
    return {i.id: i.name for e in program_elements() for i in (e, *e.sub_elements)}


def _order(element_id: str) -> tuple[int, int, int, str]:
    # "CM 1.4" -> (position of CM, 1, 4): the standard's order, also for requirement ids.
    numbers = {e.id: e.number for e in program_elements()}
    head, _, tail = element_id.partition(" ")
    sub, _, req = tail.partition(".")
    return (numbers.get(head, 99), int(sub) if sub.isdigit() else 0, int(req) if req.isdigit() else 0, element_id)


# --- Recording an assessment ------------------------------------------------------------


@dataclass(frozen=True)
class PrefillRow:
    """The values an assessment form starts from for one id (maturity None when not applicable)."""

    id: str
    name: str
    maturity: int | None
    target: int | None
    not_applicable: str | None


def prefill(plant: Plant, as_of: dt.date | None = None) -> tuple[PrefillRow, ...]:
    """Maturity now, target and not applicable per id of :func:`program_ids`, as of a day.

    ``as_of`` None: the latest values. An id now not applicable gets no maturity, so the
    form does not both rate it and call it not applicable.

    Examples
    --------
    >>> from otrisk.reference import load_demo_plant
    >>> rows = {r.id: r for r in prefill(load_demo_plant())}
    >>> rows["CM"].maturity, rows["CM"].target, rows["DATA"].maturity, rows["NET 2"].maturity
    (2, 3, 0, None)
    >>> rows["NET 2"].not_applicable[:24]
    'No wireless networks in '
    """
    names = id_names()
    out = []
    for i in program_ids():
        na = not_applicable_now(plant, i, as_of=as_of)
        m, t = maturity_now(plant, i, as_of=as_of), target_now(plant, i, as_of=as_of)
        out.append(PrefillRow(i, names[i], m.level if m and na is None else None, t.level if t else None, na))
    return tuple(out)


@dataclass(frozen=True)
class AssessmentProblem:
    """One reason a new assessment is refused: ``id`` (None for date/name), ``field``, value."""

    id: str | None
    field: str
    value: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.id}, {self.field}" if self.id else self.field
        shown = shown_value(self.value)
        return f"{where}: {self.message}{shown}"


class AssessmentError(OtriskError):
    """A new assessment is refused; ``problems`` lists every reason (never empty)."""

    def __init__(self, problems: list[AssessmentProblem]):
        self.problems = list(problems)
        n = len(self.problems)
        super().__init__(f"assessment not recorded, {n} problem{'s' if n != 1 else ''}: "
                         + "; ".join(str(p) for p in self.problems))


def _level_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 4:
        return "must be a whole number 0..4 (0 = not implemented, 1..4 = ML1..ML4); leave it empty for not assessed"
    return None


def new_assessment(plant: Plant, *, date: dt.date, name: str | None, maturity: Mapping[str, Any],
                   target: Mapping[str, Any], not_applicable: Mapping[str, Any]) -> Plant:
    """``plant`` with one more dated assessment, inserted in date order and validated.

    Parameters
    ----------
    plant : Plant
    date : datetime.date
        Its date; one assessment per date.
    name : str or None
        E.g. "Follow-up workshop"; blank = none.
    maturity, target : mapping
        ``{id: level}``, ids of the reference data (element, sub-element or requirement),
        levels 0..4. An id left out is not assessed (maturity) or keeps its target.
    not_applicable : mapping
        ``{id: justification}``; the justification is required. An id cannot be rated and
        not applicable in the same assessment.

    Returns
    -------
    Plant
        A new plant (the argument is not changed), validated through the models.

    Raises
    ------
    AssessmentError
        Naming every offending id, field and value.

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: T}
    ... assessments:
    ...   - {date: 2026-06-15, maturity: {CM: 2}}
    ... ''')
    >>> q = new_assessment(p, date=dt.date(2026, 1, 5), name="Kick-off", maturity={"CM 1": 1, "CM": 1},
    ...                    target={"CM": 3}, not_applicable={})
    >>> [str(a.date) for a in q.assessments], list(q.assessments[0].maturity)
    (['2026-01-05', '2026-06-15'], ['CM', 'CM 1'])
    >>> new_assessment(p, date=dt.date(2026, 6, 15), name=None, maturity={"CM": 5}, target={}, not_applicable={})
    Traceback (most recent call last):
    ...
    otrisk.assessments.AssessmentError: assessment not recorded, 2 problems: date: an assessment dated 2026-06-15 exists already; ...
    """
    problems: list[AssessmentProblem] = []
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        problems.append(AssessmentProblem(None, "date", None if date is None else str(date),
                                          "pick a date (a day, no time)"))
    else:
        same = next((a for a in plant.assessments if a.date == date), None)
        if same is not None:
            what = f" ({same.name})" if same.name else ""
            problems.append(AssessmentProblem(
                None, "date", date.isoformat(),
                f"an assessment dated {date} exists already{what}; one assessment per date: pick another date"))
    name = name.strip() if isinstance(name, str) and name.strip() else None
    if name is not None and len(name) > _TEXT_MAX:
        problems.append(AssessmentProblem(None, "name", name[:40] + "…", f"at most {_TEXT_MAX} characters"))
    known = element_ids()
    values: dict[str, dict[str, Any]] = {}
    for field, given in (("maturity", maturity), ("target", target), ("not_applicable", not_applicable)):
        values[field] = {}
        for i in sorted(given, key=lambda k: _order(str(k))):
            value = given[i]
            if i not in known:
                problems.append(AssessmentProblem(str(i), field, str(i), "no IEC 62443-2-1 program element, "
                                                  "sub-element or requirement with this id"))
                continue
            if field == "not_applicable":
                text = value.strip() if isinstance(value, str) else ""
                if not text:
                    problems.append(AssessmentProblem(i, field, None if value is None else str(value),
                                                      "not applicable needs a justification text"))
                elif len(text) > _TEXT_MAX:
                    problems.append(AssessmentProblem(i, field, text[:40] + "…", f"at most {_TEXT_MAX} characters"))
                values[field][i] = text
            else:
                message = _level_problem(value)
                if message:
                    problems.append(AssessmentProblem(i, field, str(value), message))
                values[field][i] = value
    for i in sorted(set(values["maturity"]) & set(values["not_applicable"]), key=_order):
        problems.append(AssessmentProblem(i, "not_applicable", values["not_applicable"][i],
                                          f"rated maturity {values['maturity'][i]} and marked not applicable: "
                                          "keep one of the two"))
    if not problems and not any(values.values()):
        problems.append(AssessmentProblem(None, "maturity", None, "the assessment records nothing: rate at least "
                                          "one id, set a target or mark one not applicable"))
    if problems:
        raise AssessmentError(problems)
    data = plant.model_dump()
    entry = {"date": date, "name": name, **values}
    data["assessments"] = sorted([*data["assessments"], entry], key=lambda a: a["date"])
    try:
        updated = Plant.model_validate(data)
    except ValidationError as exc:  # a rule of the models this function does not repeat
        raise AssessmentError([AssessmentProblem(None, ".".join(str(p) for p in err["loc"]), None, err["msg"])
                               for err in exc.errors()]) from None
    late = [(loc, value, msg) for loc, value, msg in reference_problems(updated) if loc[0] == "assessments"]
    if late:
        raise AssessmentError([AssessmentProblem(None, ".".join(str(p) for p in loc), value, msg)
                               for loc, value, msg in late])
    return updated
