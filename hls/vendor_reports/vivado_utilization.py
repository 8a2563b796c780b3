"""``report_utilization`` (flat): Vivado's utilization after logic synthesis (hls4ml's vivado_synth.rpt)
or after placement and routing (a run's *_utilization_placed.rpt, vivado_utilization.rpt).

It fills the schema's 'post_synthesis' or 'post_implementation', as its 'Design State' header says
(schema.vivado_stage); 'top' and 'part' come from its header. The 7-series layout names its rows
'Slice LUTs'/'Slice Registers', UltraScale(+) 'CLB LUTs'/'CLB Registers'.
"""
from __future__ import annotations


from hls.vendor_reports.schema import ReportError, make_post, make_report, make_resource, number, post_key
from hls.vendor_reports.text_tables import BORDER, missing_section, read_table, row_dicts, vivado_header

# Vivado names its rows per device family (7-series "Slice ...", UltraScale+ "CLB ...").
_SYNTH_ROWS = {"LUT": ("CLB LUTs", "Slice LUTs"), "FF": ("CLB Registers", "Slice Registers"),
               "DSP": ("DSPs",), "BRAM_36K_tiles": ("Block RAM Tile",), "URAM": ("URAM",)}


def recognises(text) -> bool:
    return "report_utilization" in text[:3000] or "Utilization Design Information" in text[:3000]


def read(path, text) -> dict:
    lines = text.splitlines()
    cut = missing_section(lines)  # the last section listed must appear as a heading, or the file was cut off
    if cut:
        raise ReportError(f"{path} is truncated: section '{cut}' of its table of contents is missing")
    rows, k = {}, 0
    while k < len(lines):
        if not BORDER.match(lines[k]):
            k += 1
            continue
        names, raw, k = read_table(lines, k)
        for row in row_dicts(names, raw):
            if "sitetype" in row and "used" in row:  # skips the per-SLR and primitive tables
                rows.setdefault(row["sitetype"].rstrip("*").strip(), row)
    if not any(n in rows for n in _SYNTH_ROWS["LUT"]):
        raise ReportError(f"{path} has no 'Slice LUTs'/'CLB LUTs' row: not a complete Vivado utilization report")
    post = make_post(vivado_header(text), hierarchical=False)
    for key, names in _SYNTH_ROWS.items():
        row = next((rows[n] for n in names if n in rows), None)
        post[key] = row and make_resource(number(row["used"]), number(row.get("available")), number(row.get("util%")))
    return make_report("vivado", [path], top=post["top"], tool_version=post["tool_version"],
                       part=post["part"], **{post_key(post): post})
