"""The ASCII tables (+---+ borders, | cells) of the vendors' .rpt text reports, and their header lines."""
from __future__ import annotations

import re

BORDER = re.compile(r"^\s*\+-[-+]*\+\s*$")


class TruncatedTable(Exception):
    """A table ends without its closing border: the file was cut off."""


def read_table(lines, i):
    """Read the table whose top border is lines[i] -> (column names, raw row cells, index after it).

    Column edges are the border's '+' marks. Header lines may carry group labels spanning several
    columns ('Latency (cycles)' over 'min | max'); they are joined: 'Latency (cycles) min'.
    """
    cuts = [k for k, c in enumerate(lines[i]) if c == "+"]
    spans = list(zip(cuts, cuts[1:]))
    header, rows, j, in_header = [], [], i + 1, True
    while j < len(lines) and (lines[j].lstrip().startswith("|") or BORDER.match(lines[j])):
        if BORDER.match(lines[j]):
            in_header = False
        elif in_header:
            header.append(lines[j])
        else:
            rows.append([lines[j][a + 1:b] for a, b in spans])
        j += 1
    if not BORDER.match(lines[j - 1]) or j == i + 1 or (rows == [] and header and j >= len(lines)):
        # Vivado closes an empty table right under its header rule; at the very end of the file that is a
        # table cut off after its header
        raise TruncatedTable(f"the table at line {i + 1} has no closing border")
    names = []
    for a, b in spans:
        labels = []
        for line in header:
            bars = [k for k, c in enumerate(line) if c == "|"]
            labels += [line[lo + 1:hi].strip() for lo, hi in zip(bars, bars[1:]) if lo <= a and b <= hi]
        names.append(" ".join(filter(None, labels)))
    return names, rows, j


def row_dicts(names, rows):
    """Rows as {column key: stripped cell}; keys drop spaces and case: 'latency(cycles)min'."""
    keys = [re.sub(r"\s+", "", n).lower() for n in names]
    return [{k: cell.strip() for k, cell in zip(keys, row)} for row in rows]


def pick(row, *keys):
    """The cell of the first of keys the row has (column names vary between tool versions)."""
    return next((row[k] for k in keys if k in row), None)


def find_line(lines, start, stop, pattern):
    """Index of the first of lines[start:stop] that matches pattern, or None."""
    return next((k for k in range(start, stop) if re.match(pattern, lines[k])), None)


def table_after(lines, start, stop):
    """The first table in lines[start:stop] as (names, rows); None if the tool wrote N/A or none."""
    for k in range(start, stop) if start is not None else ():
        if lines[k].strip() == "N/A":
            return None
        if BORDER.match(lines[k]):
            return read_table(lines, k)[:2]
    return None


def rows_after(lines, start, stop):
    """The first table in lines[start:stop] as row dicts; [] if there is none."""
    found = table_after(lines, start, stop)
    return row_dicts(*found) if found else []


def header_field(text, label):
    """The value of a '* <label>: value' line of an HLS report's header, or None."""
    m = re.search(rf"^\s*\* {label}:[ \t]*(\S+)", text, re.M)
    return m and m.group(1)


def vivado_header(text) -> dict:
    """The '| Key : value' block at the top of every Vivado report (Tool Version, Command, Design,
    Device, Design State, ...), as {key: value}; {} if there is none."""
    out = {}
    for line in text[:6000].splitlines():
        m = re.match(r"^\|\s*([A-Z][\w ]*?)\s*:\s*(.*?)\s*$", line)
        if m and m.group(1) not in out:
            out[m.group(1)] = m.group(2)
        elif out and not line.startswith("|"):
            break
    return out


def missing_section(lines):
    """The last entry of a Vivado report's 'Table of Contents' when no heading of it follows (the file
    was cut off), else None."""
    toc = find_line(lines, 0, len(lines), r"Table of Contents\s*$")
    if toc is None:
        return None
    end = find_line(lines, toc + 2, len(lines), r"\s*$") or len(lines)
    entries = [e.strip() for e in lines[toc + 2:end]]
    if entries and not any(lines[k].strip() == entries[-1] and lines[k + 1].startswith("---")
                           for k in range(end, len(lines) - 1)):
        return entries[-1]
    return None
