"""Published or external results as a CSV table, read into run records for the same fit as `--runs`.

Columns (header row, any order):
- `n_params` (non-embedding parameters N) and `tokens` (tokens seen D): required;
- `unique_tokens` (U_D; D > U_D makes a multi-epoch run), `loss` (final test loss), `flops` (6ND when
  absent), `group` (speech, text, interleaved, unigram or <mode>_<tokenization>; speech when absent),
  `run` (a name; row<k> when absent): optional, a cell may be empty;
- one column per downstream task of hf_slm.tasks.TASKS (sblimp, ssc, tsc, swuggy): scores as fractions
  in [0, 1]; a percentage is a ConfigError that names the column. Optional `<task>_low` and `<task>_high`
  give the score's confidence interval (the downstream fit leaves out scores whose interval includes chance;
  without one, a score at or below chance).
A row without a loss still counts for the downstream laws. Anything else is a ConfigError naming the
column (or the row), raised before any output is written.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from hf_slm.errors import ConfigError
from hf_slm.runrecord import RunRecord
from hf_slm.tasks import TASKS

FIELD = "--table"
REQUIRED = ("n_params", "tokens")
OPTIONAL = ("run", "unique_tokens", "loss", "flops", "group")
MODES = ("speech", "text", "interleaved")
# the unigram comparison of Cuervo & Marxer: speech runs on SentencePiece units of the speech units
ALIASES = {"unigram": ("speech", "unigram")}


def _number(text: str, column: str, line: int):
    text = (text or "").strip()
    if not text:
        return None
    try:
        x = float(text)
    except ValueError:
        raise ConfigError(f"{FIELD} column {column!r}", f"line {line}: {text!r} is not a number") from None
    if not math.isfinite(x):
        raise ConfigError(f"{FIELD} column {column!r}", f"line {line}: {text!r} is not finite")
    return x


def _positive(x, column: str, line: int, required: bool):
    if x is None:
        if required:
            raise ConfigError(f"{FIELD} column {column!r}", f"line {line}: empty (every row needs it)")
        return None
    if x <= 0:
        raise ConfigError(f"{FIELD} column {column!r}", f"line {line}: {x:g} must be > 0")
    return x


def mode_of(group: str, line: int) -> tuple[str, str | None]:
    """(mode, tokenization) of a group name: speech, text, interleaved, unigram or <mode>_<tokenization>."""
    g = group.strip().lower()
    if g in ALIASES:
        return ALIASES[g]
    if g in MODES:
        return g, None
    mode, _, tok = g.partition("_")
    if mode in MODES and tok:
        return mode, tok
    raise ConfigError(f"{FIELD} column 'group'", f"line {line}: {group!r} is not one of {', '.join(MODES)}, "
                      f"unigram or <mode>_<tokenization>")


def _interval_columns(task: str) -> tuple[str, str]:
    return f"{task}_low", f"{task}_high"


def _check_header(header: list[str]) -> list[str]:
    cols = [h.strip() for h in header]
    known = (*REQUIRED, *OPTIONAL, *TASKS, *(c for t in TASKS for c in _interval_columns(t)))
    unknown = [c for c in cols if c not in known]
    if unknown:
        raise ConfigError(f"{FIELD} column {unknown[0]!r}", f"unknown; columns are {', '.join(known)} "
                          "(scores by task name)")
    for c in REQUIRED:
        if c not in cols:
            raise ConfigError(f"{FIELD} column {c!r}", "is required")
    dup = [c for c in cols if cols.count(c) > 1]
    if dup:
        raise ConfigError(f"{FIELD} column {dup[0]!r}", "appears twice")
    for t in TASKS:
        for c in _interval_columns(t):
            if c in cols and t not in cols:
                raise ConfigError(f"{FIELD} column {c!r}", f"is an interval of {t!r}, which has no column")
    return cols


def _check_scores(rows: list[dict], columns: list[str]) -> None:
    """Scores (and their interval bounds) are fractions; a column with a value above 1 was written in percent."""
    for task in columns:
        vals = [(r["line"], r[task]) for r in rows if r[task] is not None]
        over = [(ln, v) for ln, v in vals if v > 1.0]
        if over:
            ln, v = over[0]
            raise ConfigError(f"{FIELD} column {task!r}", f"line {ln}: {v:g} is not a fraction in [0, 1]; scores "
                              f"look like percent, give {v / 100:g} for {v:g}%")
        neg = [(ln, v) for ln, v in vals if v < 0.0]
        if neg:
            raise ConfigError(f"{FIELD} column {task!r}", f"line {neg[0][0]}: {neg[0][1]:g} is not in [0, 1]")


def read_table(path: str | Path) -> list[RunRecord]:
    """The table's rows as completed RunRecords (scores as {"value": x}), in file order."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(FIELD, f"{p} is not a file")
    with p.open(newline="", encoding="utf-8-sig") as fh:  # -sig: a spreadsheet's byte-order mark is not a column
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise ConfigError(FIELD, f"{p} is empty (a header row is needed)") from None
        cols = _check_header(header)
        tasks = [c for c in cols if c in TASKS]
        score_cols = [c for c in cols if c in TASKS or c.endswith(("_low", "_high"))]
        rows = []
        for line, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue  # blank line
            if len(cells) != len(cols):
                raise ConfigError(FIELD, f"line {line}: {len(cells)} cells for {len(cols)} columns")
            raw = dict(zip(cols, cells))
            row = {"line": line, "run": (raw.get("run") or "").strip() or f"row{line - 1}",
                   "group": (raw.get("group") or "").strip() or "speech"}
            for c in ("n_params", "tokens", "unique_tokens", "loss", "flops"):
                row[c] = _positive(_number(raw.get(c, ""), c, line), c, line, c in REQUIRED)
            for c in score_cols:
                row[c] = _number(raw[c], c, line)
            rows.append(row)
    if not rows:
        raise ConfigError(FIELD, f"{p} has a header but no rows")
    _check_scores(rows, score_cols)
    return [_record(r, tasks) for r in rows]


def _record(row: dict, tasks: list[str]) -> RunRecord:
    mode, tok = mode_of(row["group"], row["line"])
    unique = row["unique_tokens"]
    if unique is not None and unique > row["tokens"] * (1 + 1e-9):
        raise ConfigError(f"{FIELD} column 'unique_tokens'", f"line {row['line']}: {unique:g} unique tokens is more "
                          f"than the {row['tokens']:g} tokens seen")
    flops = row["flops"] if row["flops"] is not None else 6.0 * row["n_params"] * row["tokens"]
    return RunRecord(
        name=row["run"], scale="", mode=mode, status="completed",
        n_params=int(round(row["n_params"])), tokens_seen=int(round(row["tokens"])),
        unique_tokens=int(round(unique)) if unique is not None else 0,
        epochs=row["tokens"] / unique if unique else 1.0,
        flops_6nd=float(flops), final_test_loss=row["loss"],
        scores={t: _score(row, t) for t in tasks if row[t] is not None},
        recipe={"tokenization": tok} if tok else {},
        extra={"source": "table", "table_line": row["line"]},
    )


def _score(row: dict, task: str) -> dict:
    """{"value", and "ci_low"/"ci_high" when the table gives them} as run.json stores a score."""
    out = {"value": row[task]}
    lo, hi = (row.get(c) for c in _interval_columns(task))
    if (lo is None) != (hi is None):
        raise ConfigError(f"{FIELD} column {task + '_low'!r}", f"line {row['line']}: give both {task}_low and "
                          f"{task}_high, or neither")
    if lo is not None:
        if not lo <= row[task] <= hi:
            raise ConfigError(f"{FIELD} column {task + '_low'!r}", f"line {row['line']}: the interval "
                              f"[{lo:g}, {hi:g}] does not contain the score {row[task]:g}")
        out.update(ci_low=lo, ci_high=hi)
    return out
