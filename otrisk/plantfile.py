"""Read, validate and write ``otrisk/v1`` plant files (DESIGN.md, "Plant model file").

A plant file is one YAML document. Loading is strict and explains itself: every problem
names the file, the line, the dotted key and the value as written. Refused outright:
anchors, aliases and merge keys; duplicate keys; more than one document; files above
``OTRISK_PLANT_FILE_MAX_BYTES``. Text fields must load as YAML strings: an unquoted
``2.10`` (a float) or ``10:10:20:11:00:01`` (a base-60 integer in YAML 1.1) is refused
with a hint to quote it.

Writing is canonical: keys in model order, unset and default values left out, short lists
in flow style. So ``dump(load(dump(p))) == dump(p)`` byte for byte.

Examples
--------
>>> p = loads_plant("format: otrisk/v1\\nsite: {name: Demo}\\n", source="demo.yaml")
>>> p.site.name
'Demo'
>>> dumps_plant(p)
'format: otrisk/v1\\nsite: {name: Demo}\\n'
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from otrisk.errors import PlantFileError, Problem
from otrisk.models import FORMAT, Plant, reference_problems
from otrisk.settings import get_setting

__all__ = ["loads_plant", "load_plant", "dumps_plant", "save_plant", "plant_json_schema", "reference_data_problems"]

Loc = tuple[str | int, ...]
# libyaml's parser when PyYAML was built with it (the wheels are): about 6x faster on big files.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Pydantic inserts these into error locations for unions, validators and dict keys;
# they are not part of the document's structure.
_PYDANTIC_LOC_NOISE = ("[key]",)


class _Located:
    """Line and source text of every node of a composed YAML document, by path."""

    def __init__(self) -> None:
        self.lines: dict[Loc, int] = {}
        self.texts: dict[Loc, str] = {}
        self.plain: dict[Loc, bool] = {}

    def line_of(self, loc: Loc) -> int | None:
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)


def _key_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def _refuse_anchors(text: str, source: str) -> list[Problem]:
    problems = []
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            problems.append(Problem(source, line, "(alias)", f"*{event.anchor}", "aliases are not allowed in a plant file; write the value out"))
        elif getattr(event, "anchor", None):
            problems.append(Problem(source, line, "(anchor)", f"&{event.anchor}", "anchors are not allowed in a plant file; write the value out"))
    return problems


def _build(node: Node, loc: Loc, where: _Located, ctor: yaml.constructor.SafeConstructor,
           source: str, problems: list[Problem]) -> Any:
    where.lines[loc] = node.start_mark.line + 1
    if isinstance(node, ScalarNode):
        where.texts[loc] = node.value
        where.plain[loc] = not node.style  # None (pure-Python parser) or "" (libyaml) when plain
        try:
            return ctor.construct_object(node)
        except (ValueError, OverflowError) as exc:  # e.g. 2026-02-30: a date YAML cannot build
            problems.append(Problem(source, node.start_mark.line + 1, _key_path(loc), node.value,
                                    f"not a real date ({exc}); write YYYY-MM-DD with a day that exists"))
            return node.value
    if isinstance(node, SequenceNode):
        return [_build(child, loc + (i,), where, ctor, source, problems) for i, child in enumerate(node.value)]
    if isinstance(node, MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                problems.append(Problem(source, line, _key_path(loc), None, "a key must be plain text"))
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(Problem(source, line, _key_path(loc + ("<<",)), "<<", "merge keys are not allowed in a plant file"))
                continue
            try:
                key = ctor.construct_object(key_node)
            except (ValueError, OverflowError):
                key = key_node.value
            if not isinstance(key, str):
                key = key_node.value  # ids like `2026` or `CM 1` are keys as written
            if key in result:
                problems.append(Problem(source, line, _key_path(loc + (key,)), key, "duplicate key in this mapping"))
                continue
            where.lines[loc + (key,)] = line
            result[key] = _build(value_node, loc + (key,), where, ctor, source, problems)
            where.lines.setdefault(loc + (key,), line)
        return result
    raise AssertionError(f"unexpected YAML node {node!r}")  # pragma: no cover


def _doc_loc(raw: tuple[Any, ...], doc: Any) -> Loc:
    """Keep the parts of a pydantic error location that walk the document."""
    loc: list[str | int] = []
    cur = doc
    for part in raw:
        if part in _PYDANTIC_LOC_NOISE:
            continue
        if isinstance(cur, dict) and part in cur:
            loc.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            loc.append(part)
            cur = cur[part]
        elif isinstance(cur, dict) and isinstance(part, str) and not loc_is_noise(part):
            loc.append(part)  # a missing or unknown key: the parent line is reported
            cur = None
        # else: union member / validator names such as "int" or "function-after[...]"
    return tuple(loc)


def loc_is_noise(part: str) -> bool:
    return part in ("int", "float", "str", "bool") or "[" in part


_YAML_READS_AS = {int: "a number", float: "a number", bool: "a boolean (true/false)", type(None): "empty (null)"}


def _message(err: dict[str, Any], loc: Loc, where: _Located) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key (check its spelling against the otrisk/v1 format)"
    if kind == "missing":
        return "required key is missing"
    text = where.texts.get(loc)
    value = err.get("input")
    if kind == "string_type" and text is not None and where.plain.get(loc):
        import datetime as dt

        reads = "a date" if isinstance(value, (dt.date, dt.datetime)) else _YAML_READS_AS.get(type(value), type(value).__name__)
        return f'is read by YAML as {reads}, not text: quote it, e.g. "{text}"'
    if kind in ("int_type", "float_type", "bool_type") and isinstance(value, str) and not where.plain.get(loc, True):
        return "is quoted, so YAML reads it as text: write it without quotes"
    if kind in ("date_type", "date_from_datetime_inexact") or (kind.startswith("date") and isinstance(value, str)):
        return "must be a date written as YYYY-MM-DD (unquoted)"
    msg = err["msg"]
    if kind in ("value_error", "assertion_error") and msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return msg[0].lower() + msg[1:] if msg else kind


def loads_plant(text: str | bytes, *, source: str = "<text>") -> Plant:
    """Parse and validate the text of an ``otrisk/v1`` plant file.

    Parameters
    ----------
    text : str or bytes
        The document (bytes are decoded as UTF-8).
    source : str
        Name used in error messages (the file path, or ``"<upload>"``).

    Returns
    -------
    Plant

    Raises
    ------
    PlantFileError
        With every problem found (file, line, key, value, message).
    """
    limit = get_setting("plant_file_max_bytes")
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if len(raw) > limit:
        raise PlantFileError([Problem(source, None, "(document)", None,
                                      f"file is {len(raw):,} bytes; the limit is {limit:,} (OTRISK_PLANT_FILE_MAX_BYTES)")])
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PlantFileError([Problem(source, None, "(document)", None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    try:
        problems = _refuse_anchors(text, source)
        if problems:
            raise PlantFileError(problems)
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise PlantFileError([Problem(source, line, "(document)", None,
                                      f"not valid YAML: {exc.problem or exc.context}")]) from None
    except yaml.YAMLError as exc:
        raise PlantFileError([Problem(source, None, "(document)", None, f"not valid YAML: {exc}")]) from None
    if root is None:
        raise PlantFileError([Problem(source, None, "(document)", None, f"the file is empty; it must start with 'format: {FORMAT}'")])
    where = _Located()
    problems = []
    doc = _build(root, (), where, yaml.constructor.SafeConstructor(), source, problems)
    if problems:
        raise PlantFileError(problems)
    if not isinstance(doc, dict):
        raise PlantFileError([Problem(source, where.line_of(()), "(document)", None, "a plant file is a mapping of keys (format, site, zones, …)")])
    if doc.get("format") != FORMAT:
        line = where.line_of(("format",))
        found = where.texts.get(("format",))
        if found is not None:
            message = f"unsupported format; this version of otrisk reads '{FORMAT}'"
        elif "nodes" in doc:
            message = ("required key is missing; this looks like a graph file: turn it into a "
                       "plant file with 'otrisk import-graph'")
        else:
            message = f"required key is missing: a plant file states 'format: {FORMAT}'"
        raise PlantFileError([Problem(source, line, "format", found, message)])
    try:
        plant = Plant.model_validate(doc)
    except ValidationError as exc:
        for err in exc.errors():
            loc = _doc_loc(err["loc"], doc)
            problems.append(Problem(source, where.line_of(loc), _key_path(loc), where.texts.get(loc), _message(err, loc, where)))
        raise PlantFileError(_dedupe(problems)) from None
    for loc, value, message in reference_problems(plant):
        problems.append(Problem(source, where.line_of(loc), _key_path(loc), value, message))
    for loc, value, message in reference_data_problems(plant):
        problems.append(Problem(source, where.line_of(loc), _key_path(loc), value, message))
    if problems:
        raise PlantFileError(_dedupe(problems))
    return plant


_NO_ELEMENT = "no IEC 62443-2-1 program element, sub-element or requirement with this id"
_NO_SECTOR = "not a NIS2 sector id; see data/nis2.yaml"


def reference_data_problems(plant: Plant) -> list[tuple[Loc, str, str]]:
    """``(location, value, message)`` for element ids not in ``data/iec62443_2_1.yaml`` and a sector not in ``data/nis2.yaml``.

    For the keys of ``maturity``/``target``/``not_applicable`` the location ends in the key
    itself, e.g. ``("assessments", 0, "maturity", "CM 9")``, whose line is the key's.
    """
    # Imported here: otrisk.reference imports this module (to load the demo plant).
    from otrisk.reference import element_ids, nis2_sector_ids

    known = element_ids()
    problems: list[tuple[Loc, str, str]] = []
    if plant.site.sector is not None and plant.site.sector not in nis2_sector_ids():
        problems.append((("site", "sector"), plant.site.sector, _NO_SECTOR))
    for section in ("evidence", "actions"):
        for i, item in enumerate(getattr(plant, section)):
            for j, element in enumerate(item.elements):
                if element not in known:
                    problems.append(((section, i, "elements", j), element, _NO_ELEMENT))
    for i, assessment in enumerate(plant.assessments):
        for field in ("maturity", "target", "not_applicable"):
            for element in getattr(assessment, field):
                if element not in known:
                    problems.append((("assessments", i, field, element), element, _NO_ELEMENT))
    return problems


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if (p.line, p.key, p.message) not in seen:
            seen.add((p.line, p.key, p.message))
            out.append(p)
    return sorted(out, key=lambda p: (p.line or 0, p.key))


def load_plant(path: str | os.PathLike[str]) -> Plant:
    """Read and validate a plant file from disk.

    Raises
    ------
    PlantFileError
        When the file cannot be read, is too large, or is not a valid ``otrisk/v1`` plant.
    """
    path = Path(path)
    limit = get_setting("plant_file_max_bytes")
    try:
        size = path.stat().st_size
        if size > limit:
            raise PlantFileError([Problem(str(path), None, "(document)", None,
                                          f"file is {size:,} bytes; the limit is {limit:,} (OTRISK_PLANT_FILE_MAX_BYTES)")])
        data = path.read_bytes()
    except OSError as exc:
        raise PlantFileError([Problem(str(path), None, "(document)", None, f"cannot read the file: {exc.strerror}")]) from None
    return loads_plant(data, source=str(path))


class _FlowList(list):
    """A list of scalars, written on one line."""


class _FlowDict(dict):
    """A mapping of scalars, written on one line."""


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _plain(value: Any, top: bool = True) -> Any:
    """Mark leaf collections for flow style; items of the sections stay in block style."""
    if isinstance(value, dict):
        out = {k: _plain(v, top=False) for k, v in value.items()}
        return _FlowDict(out) if not top and all(map(_is_scalar, out.values())) and len(out) <= 4 else out
    if isinstance(value, list):
        items = [_plain(v, top=True) for v in value]
        return _FlowList(items) if all(map(_is_scalar, items)) else items
    return value


class _Dumper(yaml.SafeDumper):
    """Safe dumper that never emits anchors (a plant file refuses them)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_Dumper.add_representer(_FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(_FlowDict, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))


def dumps_plant(plant: Plant) -> str:
    """Write a plant as canonical ``otrisk/v1`` YAML text.

    Canonical: keys in the order of the format, values that are unset or equal to their
    default left out, lists and mappings of scalars in flow style, no line wrapping.
    """
    data = plant.model_dump(exclude_none=True, exclude_defaults=True)
    data = {"format": FORMAT, **{k: v for k, v in data.items() if k != "format"}}
    return yaml.dump(_plain(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=1 << 16)


def save_plant(plant: Plant, path: str | os.PathLike[str]) -> None:
    """Write a plant file atomically: the previous file stays intact if writing fails."""
    path = Path(path)
    text = dumps_plant(plant)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def plant_json_schema() -> dict[str, Any]:
    """The JSON Schema of the ``otrisk/v1`` plant file (published as docs/otrisk-v1.schema.json)."""
    schema = Plant.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "otrisk/v1 plant file"
    return schema


def schema_text() -> str:
    """The published JSON Schema as stable text."""
    return json.dumps(plant_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # pragma: no cover - developer helper
    import sys

    if sys.argv[1:] == ["--schema"]:
        sys.stdout.write(schema_text())
    else:
        sys.exit("usage: python -m otrisk.plantfile --schema")
