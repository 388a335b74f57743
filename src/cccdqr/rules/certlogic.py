"""CertLogic 1.3.3: evaluate an expression on JSON data, and validate an expression.

Owns the operations, the truthiness rules and the date-time arithmetic of the
spec (``plusTime``, ``dccDateOfBirth``, the four date comparisons). Imports the
standard library only; everything above (``RuleSet``, the engine) calls
:func:`evaluate` and :func:`validate`.

:func:`evaluate` raises exactly one error, :class:`CertLogicError`, for an
expression it cannot evaluate on the given data; nothing else escapes it.
Date-times produced by ``plusTime``/``dccDateOfBirth`` are aware
:class:`datetime.datetime` values (UTC); they compare only with each other.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable, Sequence

__all__ = ["CertLogicError", "Issue", "OPERATORS", "compile_expression", "evaluate", "is_falsy", "is_truthy",
           "validate"]

OPERATORS = frozenset({
    "var", "if", "===", "and", "<", ">", "<=", ">=", "in", "+", "after", "before",
    "not-after", "not-before", "!", "plusTime", "reduce", "extractFromUVCI", "dccDateOfBirth",
})
"""Every operator CertLogic 1.3.3 defines; anything else is refused."""

_TIME_UNITS = ("year", "month", "day", "hour")
_AMOUNT = '"amount" argument (#2) of "plusTime" must be an integer'
_UNIT = '"unit" argument (#3) of "plusTime" must be one of ' + ", ".join(_TIME_UNITS)
_COMPARISONS = ("<", ">", "<=", ">=")
_DATE_COMPARISONS = {"before": "<", "after": ">", "not-after": "<=", "not-before": ">="}
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?)?\Z")
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?\Z")
_PATH_FRAGMENT = re.compile(r"[^.\s]+\Z")
_MAX_DEPTH = 200


class CertLogicError(ValueError):
    """The one error :func:`evaluate` raises: the expression is not valid
    CertLogic, or an operation met operands it is not defined for."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem :func:`validate` found: ``expr`` is the offending subexpression."""

    expr: Any
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"expr": self.expr, "message": self.message}


# --- values ------------------------------------------------------------------------

def _is_int(value: object) -> bool:
    if type(value) is int:
        return True
    return type(value) is float and value.is_integer()


def _int(value: object) -> int:
    return int(value)  # type: ignore[call-overload,no-any-return]


def is_falsy(value: object) -> bool:
    """false, null, "", 0, [] and {} (spec: "falsy")."""
    if value is False or value is None:
        return True
    if isinstance(value, (str, list, dict)) and not isinstance(value, bool):
        return len(value) == 0
    return _is_int(value) and value == 0


def is_truthy(value: object) -> bool:
    """true, non-empty strings, arrays and objects, non-zero integers. A
    date-time or a non-integer number is neither truthy nor falsy."""
    if value is True:
        return True
    if isinstance(value, (str, list, dict)):
        return len(value) > 0
    return _is_int(value) and value != 0


def _strict_equal(left: object, right: object) -> bool:
    """JavaScript ``===``: containers and date-times by identity, bools apart
    from numbers, numbers by value."""
    if isinstance(left, (list, dict, dt.datetime)) or isinstance(right, (list, dict, dt.datetime)):
        return left is right
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    return type(left) is type(right) and left == right


# --- dates -------------------------------------------------------------------------

def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def parse_date_time(text: str) -> dt.datetime:
    """A date or date-time string as an aware UTC datetime. ``YYYY`` and
    ``YYYY-MM`` read as ``dccDateOfBirth`` does (last day of the year/month);
    no offset means UTC."""
    partial = _PARTIAL_DATE.match(text)
    try:
        if partial:
            year = int(partial[1])
            month = int(partial[2]) if partial[2] else 12
            return dt.datetime(year, month, _last_day(year, month), tzinfo=dt.timezone.utc)
        m = _DATE_TIME.match(text)
        if m is None:
            raise CertLogicError(f"not a valid date or date-time: {text!r}")
        fraction = (m[7] or "")[:6].ljust(6, "0")
        tz = dt.timezone.utc
        if m[8] and m[8] != "Z":
            digits = m[8].replace(":", "")
            minutes = int(digits[1:3]) * 60 + int(digits[3:5] or "0")
            tz = dt.timezone(dt.timedelta(minutes=-minutes if digits[0] == "-" else minutes))
        value = dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4] or 0), int(m[5] or 0),
                            int(m[6] or 0), int(fraction), tzinfo=tz)
        return value.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, CertLogicError):
            raise
        raise CertLogicError(f"not a valid date or date-time: {text!r}") from None


def _add_months(value: dt.datetime, months: int) -> dt.datetime:
    """Month arithmetic as JavaScript's ``setUTCMonth``: a day past the end of
    the target month rolls over into the next month."""
    index = value.year * 12 + (value.month - 1) + months
    year, month = divmod(index, 12)
    first = value.replace(year=year, month=month + 1, day=1)
    return first + dt.timedelta(days=value.day - 1)


def plus_time(text: str, amount: int, unit: str) -> dt.datetime:
    """``plusTime``: the date-time ``amount`` units after ``text`` (UTC fields)."""
    value = parse_date_time(text)
    try:
        if amount == 0:
            return value
        if unit == "day":
            return value + dt.timedelta(days=amount)
        if unit == "hour":
            return value + dt.timedelta(hours=amount)
        if unit == "month":
            return _add_months(value, amount)
        leap_day = value.month == 2 and value.day == 29
        moved = _add_months(value, 12 * amount)
        if leap_day and moved.month != 2:
            moved = moved.replace(day=1) - dt.timedelta(days=1)
        return moved
    except (ValueError, OverflowError):
        raise CertLogicError(f"plusTime out of range: {text!r} {amount} {unit}") from None


def dcc_date_of_birth(text: str) -> dt.datetime:
    """``dccDateOfBirth``: YYYY -> Dec 31, YYYY-MM -> last day, YYYY-MM-DD -> that day, 00:00Z."""
    if not (_PARTIAL_DATE.match(text) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)):
        raise CertLogicError(f"not a valid date of birth: {text!r}")
    return parse_date_time(text)


# --- evaluation --------------------------------------------------------------------

def compile_expression(expression: Any) -> Callable[[Any], Any]:
    """``expression`` prepared once for many evaluations: the returned function
    of ``data`` gives what ``evaluate(expression, data)`` gives, and raises
    only :class:`CertLogicError`.

    Compiling turns each operation into a closure over its compiled operands
    (:class:`_Node`, which ``_evaluate`` runs directly, so every handler is
    shared with the interpreter): literals and literal arrays are evaluated
    once, ``var`` paths split once, ``in`` over a literal array searched
    without rebuilding it. Anything unusual (bad shapes, non-integer numbers,
    too deep) is left to the interpreter, so errors arise when and as
    :func:`evaluate` raises them."""
    try:
        root = _compile(expression, 0)
    except (CertLogicError, RecursionError):
        root = _Node(lambda data: _evaluate(expression, data, 0))

    def run(data: Any) -> Any:
        try:
            return root.run(data)
        except CertLogicError:
            raise
        except (RecursionError, TypeError, ValueError, OverflowError, MemoryError) as exc:
            raise CertLogicError(f"cannot evaluate: {type(exc).__name__}") from None
    return run


class _Node:
    """A compiled subexpression: ``run(data)`` is its value."""

    __slots__ = ("run",)

    def __init__(self, run: Callable[[Any], Any]) -> None:
        self.run = run


_LITERAL_OPERANDS = {"plusTime": (1, 2), "extractFromUVCI": (1,)}
_NO_VALUE = object()


def _literal(expr: Any) -> Any:
    """The value of a literal (text, boolean, integer, or an array of them),
    else ``_NO_VALUE``."""
    if isinstance(expr, (str, bool)):
        return expr
    if isinstance(expr, (int, float)):
        return _int(expr) if _is_int(expr) else _NO_VALUE
    if isinstance(expr, list):
        items = [_literal(item) for item in expr]
        return _NO_VALUE if any(item is _NO_VALUE for item in items) else items
    return _NO_VALUE


def _fresh(value: Any) -> Any:
    """A new copy of a literal array each time, as the interpreter builds one
    (``===`` compares arrays by identity)."""
    return [_fresh(item) for item in value] if isinstance(value, list) else value


def _compile(expr: Any, depth: int) -> _Node:
    if depth > _MAX_DEPTH:
        raise CertLogicError("expression nested too deeply")
    value = _literal(expr)
    if value is not _NO_VALUE:
        if isinstance(value, list):
            return _Node(lambda data: _fresh(value))
        return _Node(lambda data: value)
    if isinstance(expr, list):
        items = [_compile(item, depth + 1) for item in expr]
        return _Node(lambda data: [item.run(data) for item in items])
    if not (isinstance(expr, dict) and len(expr) == 1):
        return _Node(lambda data: _evaluate(expr, data, 0))
    ((operator, values),) = expr.items()
    if operator == "var" and isinstance(values, str):
        return _compile_var(values)
    handler = _HANDLERS.get(operator)
    if handler is None or not (isinstance(values, list) and values):
        return _Node(lambda data: _evaluate(expr, data, 0))
    literal = _LITERAL_OPERANDS.get(operator, ())
    operands: list[Any] = [v if i in literal else _compile(v, depth + 1) for i, v in enumerate(values)]
    haystack = _literal(values[1]) if operator == "in" and len(values) == 2 else _NO_VALUE
    if isinstance(haystack, list):
        needle = operands[0]
        return _Node(lambda data: _contains(haystack, needle.run(data)))
    fast = _FAST.get(operator)
    if fast is not None and len(operands) == fast[0]:
        return fast[1](*operands)
    return _Node(lambda data: handler(operator, operands, data, 1))


def _fast_if(guard: _Node, then: _Node, otherwise: _Node) -> _Node:
    def run(data: Any) -> Any:
        value = guard.run(data)
        if is_truthy(value):
            return then.run(data)
        if is_falsy(value):
            return otherwise.run(data)
        raise CertLogicError("if-guard evaluates to something neither truthy, nor falsy")
    return _Node(run)


def _fast_equal(left: _Node, right: _Node) -> _Node:
    return _Node(lambda data: _strict_equal(left.run(data), right.run(data)))


_FAST: dict[str, tuple[int, Callable[..., _Node]]] = {"if": (3, _fast_if), "===": (2, _fast_equal)}
"""Operations compiled to one closure of their own (operand count, builder);
the others run their interpreter handler on compiled operands."""


def _compile_var(path: str) -> _Node:
    if path == "":
        return _Node(lambda data: data)
    steps = tuple((fragment, _js_parse_int(fragment)) for fragment in path.split("."))

    def run(data: Any) -> Any:
        value = data
        for fragment, index in steps:
            if isinstance(value, dict):
                value = value.get(fragment)
            elif isinstance(value, list):
                value = value[index] if index is not None and 0 <= index < len(value) else None
            else:
                return None
        return value
    return _Node(run)


def evaluate(expression: Any, data: Any) -> Any:
    """Evaluate a CertLogic ``expression`` on JSON ``data``; the JSON value, or
    a date-time for ``plusTime``/``dccDateOfBirth``. Raises only
    :class:`CertLogicError`."""
    try:
        return _evaluate(expression, data, 0)
    except CertLogicError:
        raise
    except (RecursionError, TypeError, ValueError, OverflowError, MemoryError) as exc:
        raise CertLogicError(f"cannot evaluate: {type(exc).__name__}") from None


def _evaluate(expr: Any, data: Any, depth: int) -> Any:
    if type(expr) is _Node:
        return expr.run(data)
    if depth > _MAX_DEPTH:
        raise CertLogicError("expression nested too deeply")
    if isinstance(expr, (str, bool)):
        return expr
    if isinstance(expr, (int, float)):
        if not _is_int(expr):
            raise CertLogicError(f"{expr!r} is a non-integer number")
        return _int(expr)
    if isinstance(expr, list):
        return [_evaluate(item, data, depth + 1) for item in expr]
    if not isinstance(expr, dict):
        kind = "null" if expr is None else type(expr).__name__
        raise CertLogicError(f"invalid CertLogic expression: {kind}")
    if len(expr) != 1:
        raise CertLogicError(f"expression object must have exactly one key, but it has {len(expr)}")
    ((operator, values),) = expr.items()
    if operator == "var":
        return _var(values, data)
    if not (isinstance(values, list) and values):
        raise CertLogicError('operation not of the form { "<operator>": [ <values...> ] }')
    handler = _HANDLERS.get(operator)
    if handler is None:
        raise CertLogicError(f"unrecognised operator: {operator!r}")
    return handler(operator, values, data, depth + 1)


def _var(path: Any, data: Any) -> Any:
    if not isinstance(path, str):
        raise CertLogicError('not of the form { "var": "<path>" }')
    if path == "":
        return data
    value = data
    for fragment in path.split("."):
        if value is None:
            return None
        if isinstance(value, list):
            index = _js_parse_int(fragment)
            value = value[index] if index is not None and 0 <= index < len(value) else None
        elif isinstance(value, dict):
            value = value.get(fragment)
        else:
            return None
    return value


def _js_parse_int(fragment: str) -> int | None:
    m = re.match(r"\s*([+-]?\d+)", fragment)
    return int(m[1]) if m else None


def _need(values: Sequence[Any], low: int, high: int, operator: str) -> None:
    if not low <= len(values) <= high:
        if low == high:
            raise CertLogicError(f'an operation with operator "{operator}" must have {low} operand(s)')
        raise CertLogicError(f'an operation with operator "{operator}" must have {low} to {high} operands')


def _if(op: str, values: list[Any], data: Any, depth: int) -> Any:
    _need(values, 3, 3, op)
    guard = _evaluate(values[0], data, depth)
    if is_truthy(guard):
        return _evaluate(values[1], data, depth)
    if is_falsy(guard):
        return _evaluate(values[2], data, depth)
    raise CertLogicError("if-guard evaluates to something neither truthy, nor falsy")


def _not(op: str, values: list[Any], data: Any, depth: int) -> Any:
    _need(values, 1, 1, op)
    operand = _evaluate(values[0], data, depth)
    if is_falsy(operand):
        return True
    if is_truthy(operand):
        return False
    raise CertLogicError("operand of ! evaluates to something neither truthy, nor falsy")


def _and(op: str, values: list[Any], data: Any, depth: int) -> Any:
    if len(values) < 2:
        raise CertLogicError('an "and" operation must have at least 2 operands')
    result: Any = True
    for operand in values:
        if is_falsy(result):
            return result
        if not is_truthy(result):
            raise CertLogicError('all operands of an "and" operation must be either truthy or falsy')
        result = _evaluate(operand, data, depth)
    return result


def _equal(op: str, values: list[Any], data: Any, depth: int) -> Any:
    _need(values, 2, 2, op)
    return _strict_equal(_evaluate(values[0], data, depth), _evaluate(values[1], data, depth))


def _in(op: str, values: list[Any], data: Any, depth: int) -> Any:
    _need(values, 2, 2, op)
    needle = _evaluate(values[0], data, depth)
    haystack = _evaluate(values[1], data, depth)
    if not isinstance(haystack, list):
        raise CertLogicError('right-hand side of an "in" operation must be an array')
    return _contains(haystack, needle)


def _contains(haystack: list[Any], needle: Any) -> bool:
    """``needle`` is ``===`` to an item. Strictly equal values are ``is`` or
    ``==``, so Python's ``in`` (in C) rules out a miss exactly; only a hit is
    checked item by item."""
    if needle not in haystack:
        return False
    return any(_strict_equal(needle, item) for item in haystack)


def _plus(op: str, values: list[Any], data: Any, depth: int) -> Any:
    _need(values, 2, 2, op)
    left, right = (_evaluate(v, data, depth) for v in values)
    if not (_is_int(left) and _is_int(right)):
        raise CertLogicError("operands of this operation must both be integers")
    return _int(left) + _int(right)


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
}


def _compare(op: str, values: list[Any], data: Any, depth: int) -> Any:
    _need(values, 2, 3, op)
    operands = [_evaluate(v, data, depth) for v in values]
    if op in _DATE_COMPARISONS:
        if not all(isinstance(v, dt.datetime) for v in operands):
            raise CertLogicError("all operands of a date-time comparison must be date-times")
        order = _ORDER[_DATE_COMPARISONS[op]]
    else:
        if not all(_is_int(v) for v in operands):
            raise CertLogicError("all operands of a comparison operation must be integers")
        order = _ORDER[op]
    return all(order(a, b) for a, b in zip(operands, operands[1:], strict=False))


def _plus_time(op: str, values: list[Any], data: Any, depth: int) -> Any:
    _need(values, 3, 3, op)
    amount, unit = values[1], values[2]
    if not _is_int(amount):
        raise CertLogicError(_AMOUNT)
    if unit not in _TIME_UNITS:
        raise CertLogicError(_UNIT)
    text = _evaluate(values[0], data, depth)
    if not isinstance(text, str):
        raise CertLogicError('date argument of "plusTime" must be a string')
    return plus_time(text, _int(amount), unit)


def _dob(op: str, values: list[Any], data: Any, depth: int) -> Any:
    _need(values, 1, 1, op)
    text = _evaluate(values[0], data, depth)
    if not isinstance(text, str):
        raise CertLogicError('operand of "dccDateOfBirth" must be a string')
    return dcc_date_of_birth(text)


def _reduce(op: str, values: list[Any], data: Any, depth: int) -> Any:
    _need(values, 3, 3, op)
    operand = _evaluate(values[0], data, depth)
    accumulator = _evaluate(values[2], data, depth)
    if operand is None:
        return accumulator
    if not isinstance(operand, list):
        raise CertLogicError("operand of reduce evaluated to a non-null non-array")
    for current in operand:
        accumulator = _evaluate(values[1], {"accumulator": accumulator, "current": current}, depth)
    return accumulator


def _extract(op: str, values: list[Any], data: Any, depth: int) -> Any:
    _need(values, 2, 2, op)
    operand = _evaluate(values[0], data, depth)
    index = values[1]
    if not (operand is None or isinstance(operand, str)):
        raise CertLogicError('"UVCI" argument (#1) of "extractFromUVCI" must be either a string or null')
    if not _is_int(index):
        raise CertLogicError('"index" argument (#2) of "extractFromUVCI" must be an integer')
    return extract_from_uvci(operand, _int(index))


def extract_from_uvci(uvci: str | None, index: int) -> str | None:
    """The ``index``-th fragment of a UVCI split on ``/``, ``#`` and ``:``,
    after an optional ``URN:UVCI:`` prefix; null when there is none."""
    if uvci is None or index < 0:
        return None
    bare = uvci[9:] if uvci.startswith("URN:UVCI:") else uvci
    fragments = re.split(r"[/#:]", bare)
    return fragments[index] if index < len(fragments) else None


_HANDLERS: dict[str, Callable[[str, list[Any], Any, int], Any]] = {
    "if": _if, "!": _not, "and": _and, "===": _equal, "in": _in, "+": _plus,
    **{op: _compare for op in (*_COMPARISONS, *_DATE_COMPARISONS)},
    "plusTime": _plus_time, "dccDateOfBirth": _dob, "reduce": _reduce, "extractFromUVCI": _extract,
}


# --- validation --------------------------------------------------------------------

_ARITY = {"if": (3, 3), "!": (1, 1), "===": (2, 2), "in": (2, 2), "+": (2, 2), "and": (2, 10**9),
          "plusTime": (3, 3), "dccDateOfBirth": (1, 1), "reduce": (3, 3), "extractFromUVCI": (2, 2),
          **{op: (2, 3) for op in (*_COMPARISONS, *_DATE_COMPARISONS)}}


def validate(expression: Any) -> list[Issue]:
    """Every issue found in ``expression`` without evaluating it; ``[]`` when
    it is valid CertLogic. Never raises."""
    try:
        return _validate(expression, 0)
    except RecursionError:
        return [Issue(expression, "expression nested too deeply")]


def _validate(expr: Any, depth: int) -> list[Issue]:
    if depth > _MAX_DEPTH:
        return [Issue(expr, "expression nested too deeply")]
    if isinstance(expr, (str, bool)):
        return []
    if isinstance(expr, (int, float)):
        return [] if _is_int(expr) else [Issue(expr, f"{json.dumps(expr)} is a non-integer number")]
    if isinstance(expr, list):
        return [issue for item in expr for issue in _validate(item, depth + 1)]
    if not isinstance(expr, dict):
        return [Issue(expr, "invalid CertLogic expression")]
    if len(expr) != 1:
        return [Issue(expr, f"expression object must have exactly one key, but it has {len(expr)}")]
    ((operator, values),) = expr.items()
    if operator == "var":
        return _validate_var(expr, values)
    if not (isinstance(values, list) and values):
        return [Issue(expr, 'operation not of the form { "<operator>": [ <values...> ] }')]
    if operator not in _ARITY:
        return [Issue(expr, f'unrecognised operator: "{operator}"')]
    low, high = _ARITY[operator]
    issues: list[Issue] = []
    if not low <= len(values) <= high:
        issues.append(Issue(expr, f'"{operator}" takes {low}' + ("" if low == high else f" to {high}")
                            + f" operands, got {len(values)}"))
    issues += _validate_literals(expr, operator, values)
    literal = {"plusTime": (1, 2), "extractFromUVCI": (1,)}.get(operator, ())
    for position, operand in enumerate(values):
        if position not in literal:
            issues += _validate(operand, depth + 1)
    return issues


def _validate_literals(expr: Any, operator: str, values: list[Any]) -> list[Issue]:
    if operator == "plusTime" and len(values) == 3:
        out = [] if _is_int(values[1]) else [Issue(expr, _AMOUNT)]
        if values[2] not in _TIME_UNITS:
            out.append(Issue(expr, _UNIT))
        return out
    if operator == "extractFromUVCI" and len(values) == 2 and not _is_int(values[1]):
        return [Issue(expr, '"index" argument (#2) of "extractFromUVCI" must be an integer')]
    return []


def _validate_var(expr: Any, path: Any) -> list[Issue]:
    if not isinstance(path, str):
        return [Issue(expr, 'not of the form { "var": "<path>" }')]
    if path and not all(_PATH_FRAGMENT.match(fragment) for fragment in path.split(".")):
        return [Issue(expr, f"data access path doesn't have a valid format: {path}")]
    return []
