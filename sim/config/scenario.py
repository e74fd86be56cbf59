"""Loading scenario files: TOML in, a validated `Scenario` out, or one clear `ScenarioError`.

Errors name the file, the dotted key path and what is allowed, so that `wom` can print them and exit
with status 2 before writing anything.
"""

from __future__ import annotations

import copy
import tomllib
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.config.arguments import check_path, check_strings, shown
from sim.config.channels import FILE_KINDS
from sim.config.errors import InputError, ScenarioError
from sim.config.graphs import sized_by_graph
from sim.config.market import read_curve
from sim.config.names import NAME_RULE
from sim.config.schema import Scenario
from sim.config.section import KeyConflict
from sim.config.shipped import resolve_scenario, shipped_hint
from sim.config.toml import deep_merge, read_toml

#: Keys renamed since earlier versions: old dotted path -> new dotted path. An old key is an error that
#: names the new one (silently ignoring or translating it would hide that a file is out of date).
RENAMED_KEYS = {"run.engine": "run.backend"}
#: Keys replaced by others with different meaning: old dotted path -> what to use instead.
REPLACED_KEYS = {
    "advertising.p": "advertising.p_max and advertising.spend_scale: reach follows from advertising.spend_per_day "
    "as p = p_max * (1 - exp(-spend_per_day / spend_scale)) (docs/model.md, 'Costs and the budget')",
}
#: Keys that no longer exist: old dotted path -> why (delete the key).
REMOVED_KEYS = {
    "run.draws": "every random number is now keyed by what it decides (seed, replicate, purpose, step, person, "
    "slot); the sequential kind was retired after its equivalence check (docs/model.md section 9)",
}


def _check_renamed(data: dict[str, Any], source: str) -> None:
    """Refuse keys that were renamed or replaced, naming what to use instead."""
    moved = {old: f"renamed to {new} (same values)" for old, new in RENAMED_KEYS.items()}
    moved |= {old: f"replaced by {new}" for old, new in REPLACED_KEYS.items()}
    moved |= {old: f"removed: {why}; delete the key" for old, why in REMOVED_KEYS.items()}
    for old, problem in moved.items():
        table: Any = data
        *parents, leaf = old.split(".")
        for part in parents:
            table = table.get(part) if isinstance(table, dict) else None
        if isinstance(table, dict) and leaf in table:
            raise ScenarioError(f"{source}: invalid scenario\n  {old}: {problem}")


def load_scenario(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Read a TOML scenario (or the defaults when path is None), apply `KEY=VALUE` overrides, validate.

    `path` is a file, or the name of a shipped scenario (`miui`, `default`; see `wom scenarios`); `overrides`
    a list of `KEY=VALUE` strings. A wrong Python type is a TypeError, a bad value a ScenarioError.
    """
    overrides = check_strings("overrides", overrides, "'KEY=VALUE' strings")
    if path is None:
        return scenario_from_dict({}, overrides, source="<defaults>", base_dir=Path.cwd())
    path = resolve_scenario(check_path("path", path))
    if not path.exists():
        raise ScenarioError(f"{path}: file not found, and not {shipped_hint(path)}")
    data = read_scenario_dict(path)
    return scenario_from_dict(data, overrides, source=str(path), base_dir=path.resolve().parent)


def read_scenario_dict(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw table of a scenario file, with `extends = "base.toml"` (a path relative to the file, else a
    shipped scenario's name such as "default") merged in (the file's keys win)."""
    source = str(path)
    try:
        data = read_toml(path)
    except InputError as exc:
        raise ScenarioError(str(exc)) from None
    base = data.pop("extends", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ScenarioError(f"{source}: invalid scenario\n  extends: must be a path to another scenario file")
    base_path = (path.resolve().parent / base).resolve()
    if not base_path.is_file() and resolve_scenario(base) != Path(base):  # a shipped scenario's name
        base_path = resolve_scenario(base).resolve()
    if base_path in _seen or base_path == path.resolve():
        raise ScenarioError(f"{source}: invalid scenario\n  extends: circular reference through {base_path}")
    if not base_path.is_file():
        raise ScenarioError(
            f"{source}: invalid scenario\n  extends: file not found: {base_path}, and not {shipped_hint(base)}"
        )
    return deep_merge(read_scenario_dict(base_path, (*_seen, path.resolve())), data)


def scenario_from_dict(
    data: dict[str, Any],
    overrides: list[str] | tuple[str, ...] = (),
    source: str = "<dict>",
    base_dir: str | Path | None = None,
) -> Scenario:
    """Validate a scenario given as a nested dict (plus `KEY=VALUE` overrides); `source` names it in errors,
    `base_dir` is where relative file paths (network.path) start (default: the working folder)."""
    if not isinstance(data, dict):
        raise TypeError(f"data: must be a dict of the scenario's sections, got {shown(data)}")
    overrides = check_strings("overrides", overrides, "'KEY=VALUE' strings")
    if not isinstance(source, str):
        raise TypeError(f"source: must be a str naming the scenario in messages, got {shown(source)}")
    base_dir = Path.cwd() if base_dir is None else check_path("base_dir", base_dir)
    data = _plain(data)
    for item in overrides:
        key, value = parse_override(item, source)
        _check_brand_override(data, key, source)
        set_dotted(data, key, value, source)
    _check_renamed(data, source)
    data = sized_by_graph(data, source, base_dir)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source)) from None
    return _resolve_files(scenario, source, base_dir)


def _plain(value: Any) -> Any:
    """A deep copy with numpy scalars (from a sweep design or a slider) as the Python numbers they hold.

    Validation is strict (no coercion between strings, bools and numbers), and a numpy integer is not a
    Python int; `.item()` gives the same number exactly, so this is not a coercion.
    """
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    return copy.deepcopy(value)


#: Plain-words names of the types a key allows, by pydantic error type (the rest use pydantic's text).
_TYPE_WORDS = {
    "int_type": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "string_type": "must be a string in quotes",
    "list_type": "must be an array [...]",
    "model_type": "must be a table",
    "dict_type": "must be a table",
    "finite_number": "must be a finite number",
}


def parse_override(item: str, source: str = "--set") -> tuple[str, Any]:
    """Split `a.b.c=VALUE`; VALUE is read as a TOML value (number, bool, string, array), else a string."""
    if "=" not in item:
        raise ScenarioError(f"--set {item!r}: expected KEY=VALUE with a dotted key, e.g. engine.quality=0.8")
    key, raw = item.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ScenarioError(f"--set {item!r}: empty key")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key, value


def _check_brand_override(data: dict, key: str, source: str) -> None:
    """`--set brands.<name>.KEY=VALUE` changes a brand the scenario has; it never makes a new one (a typo in a
    brand's name would otherwise add a brand)."""
    parts = key.split(".")
    if parts[0] != "brands":
        return
    brands = data.get("brands")
    known = sorted(brands) if isinstance(brands, dict) else []
    if len(parts) < 3 or parts[1] not in known:
        have = f"its brands are {', '.join(known)}" if known else "it has no [brands]"
        name = f"'{parts[1]}'" if len(parts) > 1 else "(none)"
        raise ScenarioError(
            f"{source}: --set {key}: unknown brand {name} or no key under it ({have}); set brands.<brand>.<key>"
        )


def set_dotted(data: dict, key: str, value: Any, source: str = "--set") -> None:
    """Set data[a][b][c] = value for key 'a.b.c', creating tables on the way."""
    node = data
    parts = key.split(".")
    for i, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ScenarioError(f"{source}: --set {key}: '{'.'.join(parts[: i + 1])}' is a value, not a table")
        node = child
    node[parts[-1]] = value


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model class that owns the key at `loc` (for listing allowed keys)."""
    model: type[BaseModel] | None = Scenario
    dict_of: type[BaseModel] | None = None
    for part in loc[:-1]:
        if isinstance(part, int) and model is not None:  # an item of a list of tables (generations.products.0)
            continue
        if model is None or not isinstance(part, str):
            return None
        if dict_of is not None:  # the key of a table of tables (brands.<name>)
            model, dict_of = dict_of, None
            continue
        if part not in model.model_fields:
            return None
        annotation = model.model_fields[part].annotation
        if typing.get_origin(annotation) is list:
            (annotation,) = typing.get_args(annotation)
        elif typing.get_origin(annotation) is dict:
            _, dict_of = typing.get_args(annotation)
            continue
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return model


def format_validation_error(exc: ValidationError, source: str) -> str:
    """One readable message: file, then one line per problem with its dotted key and what is allowed."""
    lines = [f"{source}: invalid scenario"]
    union_keys: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if p not in ("function-after",))
        # a union's alternatives appear as extra loc parts (`int`, `literal['forever']`): one line per key
        loc_keys = tuple(p for p in loc if not (isinstance(p, str) and (p in ("int", "float", "str") or "[" in p)))
        key = ".".join(str(p) for p in loc_keys) or "(top level)"
        conflict = err.get("ctx", {}).get("error")
        if isinstance(conflict, KeyConflict):  # a check across sections names its own key
            lines.append(f"  {conflict.key}: {conflict}")
            continue
        if err["type"] == "extra_forbidden":
            owner = _model_at(loc)
            allowed = ", ".join(sorted(owner.model_fields)) if owner else "see docs/model.md"
            lines.append(f"  {key}: unknown key; allowed keys here: {allowed}")
            continue
        got = err.get("input")
        got_text = "" if isinstance(got, dict) or got is None else f" (got {_shown(got)})"
        if loc_keys != loc:
            union_keys.setdefault(key, []).append(got_text)
            continue
        msg = _TYPE_WORDS.get(err["type"]) or _bounds_rule(loc, err) or err["msg"].removeprefix("Value error, ")
        lines.append(f"  {key}: {msg}{got_text}")
    for key, got in union_keys.items():
        lines.append(f"  {key}: {_union_rule(key)}{got[0]}")
    return "\n".join(_without_inherited(lines))


def _without_inherited(lines: list[str]) -> list[str]:
    """The lines without a brand's copy of a top-level problem (`brands.<name>.KEY: rule` when `KEY: rule` is
    there too): a bad top-level brand-level value is inherited by every brand, and is one mistake."""
    top = set(lines)
    kept = []
    for line in lines:
        parts = line.strip().split(".", 2)
        if line.startswith("  brands.") and len(parts) == 3 and f"  {parts[2]}" in top:
            continue
        kept.append(line)
    return kept


def _bounds_rule(loc: tuple, err: dict) -> str | None:
    """'must be between LO and HI' (or the name rule) for a value outside its field's allowed range."""
    if err["type"] == "string_pattern_mismatch":
        return f"must be {NAME_RULE}"
    if err["type"] not in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return None
    owner = _model_at(loc)
    field = owner.model_fields.get(loc[-1]) if owner and isinstance(loc[-1], str) else None
    if field is None:
        return None
    low = high = None
    low_text, high_text = ">=", "<="
    for m in field.metadata:  # the tightest bound on each side (a narrowed Money: gt=0 over ge=0)
        for attr, is_low, text in (("ge", True, ">="), ("gt", True, ">"), ("le", False, "<="), ("lt", False, "<")):
            value = getattr(m, attr, None)
            if value is None:
                continue
            if is_low and (low is None or value > low or (value == low and text == ">")):
                low, low_text = value, text
            elif not is_low and (high is None or value < high or (value == high and text == "<")):
                high, high_text = value, text
    parts = [
        f"{low_text} {_num(low)}" if low is not None else "",
        f"{high_text} {_num(high)}" if high is not None else "",
    ]
    rule = " and ".join(p for p in parts if p)
    if field.json_schema_extra is None and high == float("inf"):
        rule += " (inf = never)"
    return f"must be {rule}" if rule else None


def _num(x: float) -> str:
    """A bound as people read it: 50000000, 0.5, 1e+12, inf."""
    if isinstance(x, int) or (float(x).is_integer() and abs(x) < 1e9):
        return str(int(x))
    return f"{x:g}"


def _shown(value: Any) -> str:
    """A value as the user wrote it, with its TOML type when that is the problem (a quoted number)."""
    kind = {bool: "a boolean", str: "a string", int: "an integer", float: "a number", list: "an array"}
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text}, {kind.get(type(value), type(value).__name__)}"


def _union_rule(key: str) -> str:
    """What a key that takes one of several types allows (wom.active_steps: an integer or "forever")."""
    if key.endswith("active_steps"):
        return 'must be an integer >= 1 or "forever"'
    return "has a value of the wrong type"


def _resolve_files(scenario: Scenario, source: str, base_dir: Path) -> Scenario:
    """Make file paths absolute relative to the scenario file and check they exist (and that a category
    curve reads: `sim.config.market.read_curve`)."""
    net = scenario.network
    if net.kind in FILE_KINDS and net.path:
        p = Path(net.path)
        if not p.is_absolute():
            p = (base_dir / p).resolve()
        if not p.is_file():
            what = "edge-list" if net.kind == "edgelist" else "graph"
            raise ScenarioError(f"{source}: invalid scenario\n  network.path: {what} file not found: {p}")
        scenario = scenario.model_copy(update={"network": net.model_copy(update={"path": str(p)})})
    market = scenario.market
    if market.kind == "curve" and market.curve:
        p = Path(market.curve)
        if not p.is_absolute():
            p = (base_dir / p).resolve()
        if not p.is_file():
            raise ScenarioError(f"{source}: market.curve: category curve file not found: {p}")
        read_curve(p)  # refuses a malformed curve now, naming the file and row
        scenario = scenario.model_copy(update={"market": market.model_copy(update={"curve": str(p)})})
    return scenario
