"""``report_utilization -hierarchical``: Vivado's utilization by hierarchy, one row per instance
(an hls4ml layer's process, a FIFO), indented by depth; the first row is the whole design.

It fills the schema's 'post_synthesis' or 'post_implementation' like the flat report (totals from the
top row; this report has no 'Available' column, so available and percent are None) and adds
'instances': the rows one level below the top, with their LUT/FF/DSP/RAMB counts, to compare per
layer. 7-series columns say 'DSP48 Blocks', UltraScale(+) 'DSP Blocks' (and 'URAM').
"""
from __future__ import annotations


from hls.vendor_reports.schema import ReportError, make_post, make_report, make_resource, number, post_key
from hls.vendor_reports.text_tables import BORDER, find_line, read_table, row_dicts, vivado_header

# column key (text_tables.row_dicts) -> schema name
_COLUMNS = {"totalluts": "LUT", "logicluts": "LUT_logic", "lutrams": "LUTRAM", "srls": "SRL", "ffs": "FF",
            "ramb36": "RAMB36", "ramb18": "RAMB18", "uram": "URAM", "dspblocks": "DSP", "dsp48blocks": "DSP"}


def recognises(text) -> bool:
    head = text[:4000]
    return "report_utilization" in head and ("-hierarchical" in head or "Utilization by Hierarchy" in head)


def _depth(cell: str) -> int:
    return (len(cell) - len(cell.lstrip(" "))) // 2  # two spaces of indent per level below the top


def read(path, text) -> dict:
    lines = text.splitlines()
    start = find_line(lines, 0, len(lines), r"\d+\.\s*Utilization by Hierarchy\s*$")
    k = next((i for i in range(start or 0, len(lines)) if BORDER.match(lines[i])), None) if start is not None else None
    if k is None:
        raise ReportError(f"{path} has no 'Utilization by Hierarchy' table: not a complete hierarchical "
                          f"utilization report")
    names, raw, _ = read_table(lines, k)
    rows = row_dicts(names, raw)
    if not rows or "instance" not in rows[0] or "totalluts" not in rows[0]:
        raise ReportError(f"{path}: the hierarchy table has no Instance/Total LUTs columns")
    inst_col = next(i for i, n in enumerate(names) if n.strip().lower() == "instance")
    depths = [_depth(r[inst_col][1:] if r[inst_col].startswith(" ") else r[inst_col]) for r in raw]
    values = [{_COLUMNS[c]: number(v) for c, v in r.items() if c in _COLUMNS} for r in rows]
    top = values[0]
    post = make_post(vivado_header(text), hierarchical=True)
    for key in ("LUT", "FF", "DSP", "URAM"):
        post[key] = make_resource(top.get(key), None)
    tiles = None if top.get("RAMB36") is None else top["RAMB36"] + (top.get("RAMB18") or 0) / 2
    post["BRAM_36K_tiles"] = make_resource(tiles, None)
    base = min(depths[1:], default=0)
    post["instances"] = [{"instance": r["instance"], "module": r.get("module", ""), **v}
                         for r, v, d in zip(rows[1:], values[1:], depths[1:]) if d == base
                         and not r["instance"].startswith("(")]
    post["top"] = post["top"] or rows[0]["instance"]
    return make_report("vivado", [path], top=post["top"], tool_version=post["tool_version"],
                       part=post["part"], **{post_key(post): post})
