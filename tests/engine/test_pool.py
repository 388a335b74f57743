"""engine.pool: order, bounded window, errors and early close, on real processes."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cccdqr.engine.pool import chunked, default_workers, ordered_map

_STATE: dict[str, int] = {}


def _square(n: int) -> int:
    return n * n


def _pid(_: int) -> int:
    return os.getpid()


def _boom(n: int) -> int:
    if n == 3:
        raise ValueError("three")
    return n


def _init(value: int) -> None:
    _STATE["value"] = value


def _read_state(_: int) -> int:
    return _STATE["value"]


def test_results_come_back_in_input_order() -> None:
    assert list(ordered_map(_square, range(200), workers=2, window=7)) == [n * n for n in range(200)]


def test_two_workers_are_two_processes() -> None:
    pids = set(ordered_map(_pid, range(64), workers=2))
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2


def test_initializer_runs_in_each_worker() -> None:
    assert set(ordered_map(_read_state, range(10), workers=2, initializer=_init, initargs=(41,))) == {41}


def test_input_is_read_only_as_results_are_taken() -> None:
    read: list[int] = []

    def source() -> object:
        for n in range(1000):
            read.append(n)
            yield n

    results = ordered_map(_square, source(), workers=2, window=4)  # type: ignore[arg-type]
    assert next(results) == 0
    assert len(read) <= 5  # the window, plus the one item that filled it
    results.close()


def test_an_error_is_raised_at_its_items_turn() -> None:
    results = ordered_map(_boom, range(10), workers=2, window=3)
    assert [next(results) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="three"):
        next(results)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        list(ordered_map(_square, [1], workers=0))
    with pytest.raises(ValueError):
        list(chunked([1], 0))
    assert default_workers() >= 1


@settings(max_examples=50)
@given(st.lists(st.integers()), st.integers(min_value=1, max_value=9))
def test_chunked_keeps_every_item_in_order(items: list[int], size: int) -> None:
    chunks = list(chunked(items, size))
    assert [x for c in chunks for x in c] == items
    assert all(1 <= len(c) <= size for c in chunks)
    assert all(len(c) == size for c in chunks[:-1])
