"""`l1cnn parse-report`: vendor HLS / Vivado reports into l1cnn's one schema (hls/vendor_reports/)."""

import json


def _res_line(name, r):
    if not r:
        return None
    pct = f" ({r['percent']:.1f}%)" if r.get("percent") is not None else ""
    avail = f" of {r['available']}" if r.get("available") is not None else ""
    return f"  {name:<15} {r['used']}{avail}{pct}"


def render(rep: dict) -> str:
    lines = [f"{rep['source']} report of '{rep.get('top')}' ({rep.get('tool_version')}, part {rep.get('part')})"]
    lat, ii, clk = rep.get("latency") or {}, rep.get("interval") or {}, rep.get("clock") or {}
    if lat.get("max_cycles") is not None:
        lines.append(f"  latency         {lat['min_cycles']}-{lat['max_cycles']} cycles "
                     f"({lat.get('min_ns')}-{lat.get('max_ns')} ns, {lat.get('ns_from')})")
    if ii.get("max_cycles") is not None:
        lines.append(f"  II              {ii['min_cycles']}-{ii['max_cycles']} cycles ({ii.get('type')})")
    if clk.get("target_ns") is not None:
        lines.append(f"  clock           target {clk.get('target_ns')} ns, estimated {clk.get('estimated_ns')} ns")
    for name, r in (rep.get("resources") or {}).items():
        lines.append(_res_line(f"csynth {name}", r))
    for key, label in (("post_synthesis", "synth"), ("post_implementation", "impl")):
        post = rep.get(key) or {}
        if post:
            lines.append(f"  Vivado {post['stage']} ({post.get('design_state') or 'state not stated'}"
                         f"{', hierarchical: ' + str(len(post['instances'])) + ' instance rows' if post['instances'] else ''})")
        for name in ("LUT", "FF", "DSP", "BRAM_36K_tiles", "URAM"):
            lines.append(_res_line(f"{label} {name}", post.get(name)))
    t = rep.get("timing")
    if t:
        met = {True: "met", False: "NOT met", None: "no constraints"}[t["constraints_met"]]
        lines.append(f"  timing ({t['stage']}) WNS {t['wns_ns']} ns, TNS {t['tns_ns']} ns, WHS {t['whs_ns']} ns; "
                     f"clock {t['clock']} target {t['target_period_ns']} ns, achieved {t['achieved_period_ns']} ns "
                     f"({t['achieved_frequency_mhz']} MHz); constraints {met}")
    c = rep.get("cosim")
    if c:
        lines.append(f"  co-simulation   {c['rtl']} {c['status']}: latency {c['latency']['min_cycles']}-"
                     f"{c['latency']['max_cycles']} cycles, II {c['interval']['min_cycles']}-{c['interval']['max_cycles']}")
    pw = rep.get("power")
    if pw:
        lines.append(f"  power ({pw['stage']}) total {pw['total_w']} W, dynamic {pw['dynamic_w']} W, "
                     f"static {pw['static_w']} W, confidence {pw['confidence']}")
    if rep.get("design_size"):
        lines.append(f"  design size     {rep['design_size']['final_instructions']} instructions after the last phase")
    return "\n".join(line for line in lines if line)


def main(args) -> int:
    from hls.vendor_reports import parse

    rep = parse(args.path)  # a ReportError is one line, exit 2 (l1cnn/cli.py)
    print(json.dumps(rep) if args.json else render(rep))
    return 0
