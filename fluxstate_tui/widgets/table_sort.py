"""How `TableModel` sorts: by the default order (flux's), or by one column's values with ties going by
the default order; new and moved rows taken out and merged in by bisection rather than a sort of every row.

At 100,000 rows the cost of a refresh is in touching every row: each key in the sorted list is an int object
somewhere on the heap, and a pass that hashes, copies (a reference count each) or frees a list of them reads
100,000 cache lines (some 3 ms each time). Rows that move in one refresh mostly sit together (new jobs at the
top of the running and inactive jobs, finished ones leaving the bottom of the running), so they are found by
bisection and the list is edited in place, a few slices at a time; scattered moves fall back to one pass.

A mixin of TableModel's (table_model.py holds the rows, filter and cursor, and `sort_by`, which moves the
cursor too); it reads and writes the model's attributes declared below.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from itertools import filterfalse
from typing import Any

from .sort_values import Column, column_sort_value

MAX_RUNS = 32
"""Places at most where the sorted list is edited in place in one refresh (each a move of the pointers
after it, some 50 µs at 100,000 rows); beyond, it is built anew in one pass."""


def runs(positions: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted positions as [start, stop) runs of neighbours."""
    out: list[tuple[int, int]] = []
    for i in positions:
        if out and out[-1][1] == i:
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return out


class SortedRows:
    cells: dict[int, tuple[str, ...]]
    sort_keys: dict[int, tuple]
    columns: list[Column]
    col_index: dict[str, int]
    sort_column: str | None
    sort_reverse: bool
    _sorted: list[int]
    _default_order: list[int] | None
    _column_values: dict[int, Any]
    _value_memo: dict[str, Any]

    def _memo_value(self, col: Column, key: int, text: str) -> Any:
        if col.key == "jobid":  # the value is the id itself: nothing to share between rows
            return column_sort_value(col, key, text, self.sort_reverse)
        memo = self._value_memo
        value = memo.get(text)
        if value is None:
            value = memo[text] = column_sort_value(col, key, text, self.sort_reverse)
        return value

    def _column_value(self, key: int, cells: tuple[str, ...]) -> Any:
        assert self.sort_column is not None  # only called while a sort column is set
        index = self.col_index[self.sort_column]
        return self._memo_value(self.columns[index], key, cells[index])

    def _resort(self) -> None:
        if self.sort_column is None:
            if self._default_order is not None and not self.sort_reverse:
                self._sorted = list(self._default_order)
            else:
                self._sorted.sort(key=self.sort_keys.__getitem__, reverse=self.sort_reverse)
        elif self.sort_column == "jobid":  # unique ints: no ties to break
            self._sorted.sort(key=self._column_values.__getitem__)
        else:
            # Two stable passes, not one over (value, sort key) pairs: a column has few distinct
            # values, so most comparisons of pairs would fall through to the tie-break tuples.
            if self._default_order is None:
                self._sorted.sort(key=self.sort_keys.__getitem__)
                self._default_order = list(self._sorted)
            self._sorted = sorted(self._default_order, key=self._rank_of())

    def _rank_of(self) -> Any:
        """Key function: a row's position among the distinct values of the sort column (an int)."""
        values = self._column_values
        rank = {value: position for position, value in enumerate(sorted(set(values.values())))}
        return lambda k: rank[values[k]]

    @property
    def _ascending(self) -> bool:
        """The sorted list ascends by `_place` (the default order in reverse is the one that does not)."""
        return self.sort_column is not None or not self.sort_reverse

    def _place(self) -> Callable[[int], Any]:
        """The value the sorted list ascends by, of a key (the row's current one)."""
        if self.sort_column is None:
            return self.sort_keys.__getitem__
        values, sort_keys = self._column_values, self.sort_keys
        return lambda k: (values[k], sort_keys[k])

    def _position(self, lst: list[int], key: int, place: Callable[[int], Any]) -> int | None:
        """Where `key` sits in `lst` (a subsequence of the ascending sorted list), or None."""
        value = place(key)
        i = bisect_left(lst, value, key=place)
        if i < len(lst) and lst[i] == key:
            return i
        stop = bisect_right(lst, value, lo=i, key=place)  # rows of equal value: one of them, or none
        try:
            return lst.index(key, i, stop)
        except ValueError:
            return None

    def _positions(self, lst: list[int], keys: Iterable[int]) -> list[int] | None:
        place = self._place()
        found = []
        for k in keys:
            i = self._position(lst, k, place)
            if i is None:
                return None
            found.append(i)
        return found

    def _take_out(self, keys: set[int]) -> None:
        """Remove `keys`, each in the sorted list where its current values place it (call before they change)."""
        lst = self._sorted
        found = self._positions(lst, keys) if self._ascending and len(keys) * 64 <= len(lst) else None
        spans = runs(sorted(found)) if found is not None else None
        if spans is not None and len(spans) <= MAX_RUNS:
            for start, stop in reversed(spans):
                del lst[start:stop]
        else:
            self._sorted = list(filterfalse(keys.__contains__, lst))  # in C: a third of a listcomp's time

    def _merge_sorted(self, keys: list[int]) -> None:
        """Merge `keys` into the (ascending) sorted list; equal values go after. Each finds its place by
        bisection; movers bound for the same place go in with one slice assignment, and many places
        rebuild the list from slices (copies in C) instead: a refresh that moves 1,000 of 100,000 rows
        costs a few milliseconds, not a sort of all of them."""
        getter = self._place()
        lst = self._sorted
        places: list[tuple[int, list[int]]] = []
        start = 0
        for k in sorted(keys, key=getter):
            at = bisect_right(lst, getter(k), lo=start, key=getter)
            if places and places[-1][0] == at:
                places[-1][1].append(k)
            else:
                places.append((at, [k]))
            start = at
        if len(places) <= MAX_RUNS:
            for at, group in reversed(places):
                lst[at:at] = group
            return
        merged: list[int] = []
        start = 0
        for at, group in places:
            merged += lst[start:at]
            merged += group
            start = at
        merged += lst[start:]
        self._sorted = merged

    def _compute_column_values(self) -> None:
        assert self.sort_column is not None  # only called while a sort column is set
        index = self.col_index[self.sort_column]
        col = self.columns[index]
        if col.key == "jobid":
            value = self._memo_value
            self._column_values = {k: value(col, k, cells[index]) for k, cells in self.cells.items()}
            return
        # A column has few distinct texts: each is worked out once, then every row is one dict lookup
        # (no call per row: a sort of 100,000 rows by NTASKS spent half its time in those calls).
        memo, reverse = self._value_memo, self.sort_reverse
        texts = {cells[index] for cells in self.cells.values()}
        for text in texts - memo.keys():
            memo[text] = column_sort_value(col, 0, text, reverse)
        self._column_values = {k: memo[cells[index]] for k, cells in self.cells.items()}
