"""Stage `rtl`: the open RTL flow (hls/rtl/) on the bit-exact firmware projects: each configured
variant traced into logic, written as pipelined Verilog into firmware_projects/<model>/rtl/<variant>/,
simulated with Verilator on the whole test set and compared with QKeras, the C simulation and the
emulator on every sample, and synthesized with Yosys for its netlist counts; all of it into
artifacts/<model>/rtl.json. Needs the C simulation's results (their logits are what it is compared with).
"""

import numpy as np

from common.atomic import write_json
from common.log import info
from l1cnn import cache, dataset, paths
from l1cnn.errors import UserError
from l1cnn.stages.convert import firmware_keys
from l1cnn.stages.csim import csim_key, csim_path, logits_path

SCHEMA = 1  # bump when rtl.json changes shape


def rtl_path(cfg):
    return paths.artifact_dir(cfg.name) / "rtl.json"


def rtl_key(cfg) -> str:
    from hls.rtl import flow_digest

    return cache.make_key("rtl", SCHEMA, firmware_keys(cfg), csim_key(cfg), cfg.section("rtl"), flow_digest())


def run(cfg, force=False, jobs=None) -> dict:
    from hls.csim import default_jobs
    from hls.rtl import run_flow
    from hls.rtl.check import against

    name = cfg.name
    key, out = rtl_key(cfg), rtl_path(cfg)
    if not force and cache.is_current(out, key):
        info("rtl", f"{name}: RTL results are up to date")
        return {}
    if cache.read_key(csim_path(cfg)) != csim_key(cfg):
        raise UserError(f"C simulation results for {name} are missing or stale; run `make csim MODEL={name}` first "
                        "(the RTL simulation is compared with them)")
    try:
        with np.load(logits_path(cfg)) as z:
            logits = {k: z[k] for k in z.files}
    except (OSError, ValueError) as e:
        raise UserError(f"{logits_path(cfg)} is unreadable ({e}); run `l1cnn csim --force --model {name}`") from None
    test = dataset.load(cfg, "test")
    x = dataset.model_inputs(cfg, test, True)
    result = {"schema": SCHEMA, "variants": {}}
    for variant in cfg.rtl.variants:
        rtl_dir = paths.rtl_dir(name, variant)
        info("rtl", f"{name}/{variant}: tracing {paths.shown(paths.firmware_dir(name, variant))} into {paths.shown(rtl_dir)}")
        y, res = run_flow(paths.firmware_dir(name, variant), x, rtl_dir, cfg.rtl.stage_delay_ns,
                          variant in cfg.rtl.synthesize, jobs or default_jobs(),
                          log=lambda msg, v=variant: info("rtl", f"{name}/{v}: {msg}"))
        res["keras"] = against(y, logits[f"keras_{variant}"], as_float32=True)
        res["csim"] = against(y, logits[f"csim_{variant}"], as_float32=True)
        res["rtl_dir"], res["project"] = paths.shown(rtl_dir), paths.shown(paths.firmware_dir(name, variant))
        result["variants"][variant] = res
        _say(name, variant, res)
    write_json(out, result)
    cache.write(out, key)
    return result


def _say(name, variant, res):
    d, n = res["design"], res["keras"]["n_samples"]
    same = {k: n - res[k]["n_mismatched"] for k in ("keras", "csim", "emulator")}
    info("rtl", f"{name}/{variant}: Verilator: identical to QKeras on {same['keras']}/{n}, to the C simulation on "
                f"{same['csim']}/{n}, to the emulator on {same['emulator']}/{n}; latency {d['latency_cycles']} cycles "
                f"({res['latency_ns']:g} ns), II 1")
    if res["diagnosis"]:
        info("rtl", f"{name}/{variant}: differs first in {res['diagnosis']['where']}")
    syn = res["synthesis"]
    if syn:
        c = syn["counts"]
        info("rtl", f"{name}/{variant}: yosys ({syn['command']}): LUT {c['lut_total']}, FF {c['ff']}, DSP {c['dsp']}, "
                    f"carry {c['carry']}, BRAM18 {c['bram_18k']}; alkaid cost estimate {d['alkaid_cost']:.0f}")
