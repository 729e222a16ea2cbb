"""Actions: who strengthens which program element by when (issue 3, plant file ``actions``).

A strengthen-first item or any gap becomes an action with an owner, a due date, a status
(open, in_progress, done, cancelled) and the element ids it serves. Actions live in the
plant file, so they travel with it and show up in every diff. An action is *overdue* when
it is open or in progress and its due date is before the as-of day
(:func:`otrisk.readiness.overdue_actions`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from pydantic import ValidationError

from otrisk.errors import OtriskError
from otrisk.models import Action, Plant, reference_problems
from otrisk.plantfile import reference_data_problems

__all__ = ["action_id_for", "add_action", "set_action_status"]


def action_id_for(plant: Plant, element: str) -> str:
    """A free action id for an element id: ``act-avail-2``, then ``act-avail-2-2``, …

    Examples
    --------
    >>> from otrisk.reference import load_demo_plant
    >>> action_id_for(load_demo_plant(), "AVAIL 2.3")
    'act-avail-2-3'
    """
    base = "act-" + re.sub(r"[^a-z0-9]+", "-", element.lower()).strip("-")
    taken = {a.id for a in plant.actions}
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _validated(plant: Plant, actions: list[Action]) -> Plant:
    data = plant.model_dump(mode="python")
    data["actions"] = [a.model_dump(mode="python") for a in actions]
    try:
        new = Plant.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise OtriskError(f"action: {where}: {first['msg']} (value {first.get('input')!r})") from None
    problems = reference_problems(new) + reference_data_problems(new)
    if problems:
        raise OtriskError("action: " + "; ".join(f"{'.'.join(map(str, loc))}: {message} (value {value!r})"
                                                 for loc, value, message in problems))
    return new


def add_action(plant: Plant, *, title: str, elements: Sequence[str], owner: str | None,
               due: dt.date | None, status: str = "open", action_id: str | None = None) -> tuple[Plant, Action]:
    """The plant with one more action, and that action.

    Parameters
    ----------
    title : str
        What is to be done.
    elements : sequence of str
        Program element, sub-element or requirement ids (``AVAIL 2``); at least one.
    owner : str or None
        Who is accountable.
    due : datetime.date or None
    status : str
        ``open`` (default), ``in_progress``, ``done`` or ``cancelled``.
    action_id : str or None
        None: :func:`action_id_for` the first element.

    Raises
    ------
    OtriskError
        When the id is taken, no element is given, or a field is invalid (the message names it).
    """
    if not elements:
        raise OtriskError("action: name at least one program element (e.g. AVAIL 2)")
    aid = action_id or action_id_for(plant, elements[0])
    if any(a.id == aid for a in plant.actions):
        raise OtriskError(f"action: id {aid!r} is already used")
    try:
        action = Action.model_validate({"id": aid, "title": title, "elements": list(elements), "owner": owner or None,
                                        "due": due, "status": status})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise OtriskError(f"action {aid}: {where}: {first['msg']} (value {first.get('input')!r})") from None
    return _validated(plant, [*plant.actions, action]), action


def set_action_status(plant: Plant, action_id: str, status: str) -> Plant:
    """The plant with one action's status changed.

    Raises
    ------
    OtriskError
        For an unknown action id or status.
    """
    if not any(a.id == action_id for a in plant.actions):
        raise OtriskError(f"action: no action {action_id!r}")
    actions = [a.model_copy(update={"status": status}) if a.id == action_id else a for a in plant.actions]
    return _validated(plant, actions)
