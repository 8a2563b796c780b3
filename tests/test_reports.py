"""hls.vendor_reports against the real Vivado HLS / Vivado reports in shared/fixtures/hls_reports.

The expected headline figures are read from the fixture README's own table, and the dense
design's resources are re-derived from the report text with independent regexes, so these tests
check the parser against the vendor files rather than against a copy of its own output.
"""
import json
import re
import shutil
from pathlib import Path

import pytest

from hls.vendor_reports import ReportError, headline, parse
from tests.helpers import fixture

pytestmark = pytest.mark.unit

FIXTURES = fixture("hls_reports")
FOLDERS = ("hls4ml_dense_xc7z020", "svhn_cnn_pruned_float", "svhn_cnn_pruned_qkeras6")
DENSE = FIXTURES / "hls4ml_dense_xc7z020"
REPORT_FILES = sorted(p for p in FIXTURES.glob("*/*") if p.name.endswith((".rpt", ".xml")))
assert REPORT_FILES, f"the real report fixtures under {FIXTURES} are missing"
# every report file of every fixture design (model/ holds the hls4ml project, not reports)
ALL_REPORT_FILES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".rpt", ".xml")
                          and "model" not in p.relative_to(FIXTURES).parts)
ALL_FOLDERS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
CSYNTH_KEYS = ("latency_cycles", "ii_cycles", "estimated_clock_ns", "csynth_dsp", "csynth_lut", "csynth_ff",
               "csynth_bram_18k")
SYNTH_KEYS = ("synth_lut", "synth_ff", "synth_dsp", "synth_bram_36k_tiles")
STRING_KEYS = {"source", "top", "tool_version", "part", "type", "ns_from", "instance", "module", "design_state",
               "stage", "clock", "rtl", "status", "simulator", "confidence", "phase", "step", "module"}
BOOL_KEYS = {"hierarchical", "constraints_met", "generated", "passed"}


def readme_headlines():
    """{folder: headline dict} from the 'Headline figures' table of the fixture README."""
    out = {}
    for line in (FIXTURES / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0] in FOLDERS and cells[1].isdigit():
            dsp, lut, ff, bram = (int(v) for v in cells[4].split(" / "))
            s_lut, s_ff, s_dsp, s_bram = (int(v) for v in cells[5].split(" / "))
            out[cells[0]] = {"latency_cycles": int(cells[1]), "ii_cycles": int(cells[2]),
                             "estimated_clock_ns": float(cells[3].removesuffix(" ns")),
                             "csynth_dsp": dsp, "csynth_lut": lut, "csynth_ff": ff, "csynth_bram_18k": bram,
                             "synth_lut": s_lut, "synth_ff": s_ff, "synth_dsp": s_dsp, "synth_bram_36k_tiles": s_bram}
    assert sorted(out) == sorted(FOLDERS), "README headline table not found"
    return out


EXPECTED = readme_headlines()


def readme_calibration_rows():
    """{folder: figures} from the README's calibration tables (folder, ..., latency / II, csynth LUT / FF /
    DSP / BRAM_18K, Vivado synth LUT / FF / DSP)."""
    out = {}
    for line in (FIXTURES / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        folder = cells[0].strip("`/") if cells else ""
        if len(cells) == 8 and folder in ALL_FOLDERS:
            lat, ii = (int(v) for v in cells[5].split(" / "))
            lut, ff, dsp, bram = (int(v) for v in cells[6].split(" / "))
            s_lut, s_ff, s_dsp = (int(v) for v in cells[7].split(" / "))
            out[folder] = {"latency_cycles": lat, "ii_cycles": ii, "csynth_lut": lut, "csynth_ff": ff,
                           "csynth_dsp": dsp, "csynth_bram_18k": bram, "synth_lut": s_lut, "synth_ff": s_ff,
                           "synth_dsp": s_dsp}
    return out


CALIBRATION = readme_calibration_rows()
assert len(CALIBRATION) == 10, f"README calibration tables: {sorted(CALIBRATION)}"


SCHEMA = {"source", "files", "top", "tool_version", "part", "clock", "latency", "interval", "resources",
          "instances", "post_synthesis", "post_implementation", "timing", "cosim", "power", "design_size"}
POST_KEYS = {"source", "tool_version", "part", "top", "design_state", "stage", "hierarchical", "instances", "LUT", "FF",
             "DSP", "BRAM_36K_tiles", "URAM"}
INSTANCE_KEYS = {"instance", "module", "latency_min_cycles", "latency_max_cycles", "interval_min_cycles",
                 "interval_max_cycles", "BRAM_18K", "DSP", "FF", "LUT", "URAM"}


def assert_schema(report):
    """The documented keys are all there, whatever the input format, and the leaves are numbers."""
    assert set(report) == SCHEMA
    assert set(report["clock"]) == {"target_ns", "estimated_ns", "uncertainty_ns"}
    assert set(report["latency"]) == {"min_cycles", "max_cycles", "min_ns", "max_ns", "ns_from"}
    assert set(report["interval"]) == {"min_cycles", "max_cycles", "type"}
    assert set(report["resources"]) == {"BRAM_18K", "DSP", "FF", "LUT", "URAM"}
    assert all(set(row) == INSTANCE_KEYS for row in report["instances"])
    for key in ("post_synthesis", "post_implementation"):
        if report[key] is not None:
            assert set(report[key]) == POST_KEYS
            assert (report[key]["stage"] == "synthesis") == (key == "post_synthesis")
    assert_numeric_schema(report)


def assert_numeric_schema(node, key=""):
    """Every leaf is None, an int/float (never bool, never a numeric string) or a known string field."""
    if isinstance(node, dict):
        for k, v in node.items():
            assert_numeric_schema(v, k)
    elif isinstance(node, list):
        for v in node:
            assert_numeric_schema(v, key)
    elif key == "files" or key in STRING_KEYS:
        assert node is None or isinstance(node, str)
    elif key in BOOL_KEYS:
        assert node is None or isinstance(node, bool), (key, node)
    else:
        assert node is None or (isinstance(node, (int, float)) and not isinstance(node, bool)), (key, node)


# ------------------------------------------------------------------ the fixture folders
def _subset(got, want):
    return {k: got[k] for k in want}


@pytest.mark.parametrize("path", ALL_REPORT_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_report_file_parses(path):
    """Every report file under the fixtures, whatever its kind, gives the whole schema."""
    report = parse(path)
    assert report["files"] == [str(path)]
    assert_schema(report)


@pytest.mark.parametrize("folder", sorted(CALIBRATION))
def test_calibration_folder_reproduces_readme_row(folder):
    """The README's calibration and per-layer tables: latency / II, csynth and Vivado synth figures, exactly."""
    report = parse(FIXTURES / folder / "reports")
    assert _subset(headline(report), CALIBRATION[folder]) == CALIBRATION[folder]
    assert_schema(report)


@pytest.mark.parametrize("folder", FOLDERS)
def test_folder_reproduces_readme_headline(folder):
    report = parse(FIXTURES / folder)
    assert _subset(headline(report), EXPECTED[folder]) == EXPECTED[folder]
    assert report["source"] == "vivado_hls" and report["top"] == "myproject"
    assert report["tool_version"] == "2020.1" and report["post_synthesis"]["tool_version"] == "2020.1"
    assert report["clock"]["target_ns"] == 5.0 and report["clock"]["uncertainty_ns"] == 0.62
    assert report["latency"]["ns_from"] == "report"
    assert report["latency"]["max_ns"] == pytest.approx(report["latency"]["max_cycles"] * 5.0)
    assert report["interval"]["type"] == "dataflow"
    assert "BRAM_18K" not in report["post_synthesis"]  # Vivado counts 36K tiles, never 18K blocks
    assert_schema(report)
    assert _subset(headline(FIXTURES / folder), EXPECTED[folder]) == EXPECTED[folder]  # it also takes a path


def test_parts_and_files():
    dense, cnn = parse(DENSE), parse(FIXTURES / "svhn_cnn_pruned_float")
    assert dense["part"] == "xc7z020-clg400-1" and dense["post_synthesis"]["part"] == "7z020clg400-1"
    assert cnn["part"] == "xcu250-figd2104-2L-e" and cnn["post_synthesis"]["part"] == "xcu250figd2104-2L"
    # the dense folder holds both forms: the XML wins, its .rpt supplies the instance table
    assert [Path(f).name for f in dense["files"]] == ["myproject_csynth.xml", "myproject_csynth.rpt",
                                                      "vivado_synth.rpt"]
    assert dense["post_synthesis"]["URAM"] is None  # a 7-series part has no UltraRAM row
    assert cnn["resources"]["BRAM_18K"]["available"] == 5376  # 'Available', not 'Available SLR' (1344)


@pytest.mark.parametrize("path", REPORT_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_file_alone(path):
    report = parse(path)
    want = EXPECTED[path.parent.name]
    got = headline(report)
    assert report["files"] == [str(path)]
    assert_schema(report)
    if path.name == "vivado_synth.rpt":
        assert report["source"] == "vivado" and report["top"] == "myproject"
        assert {k: got[k] for k in SYNTH_KEYS} == {k: want[k] for k in SYNTH_KEYS}
        assert all(got[k] is None for k in CSYNTH_KEYS)
    else:
        assert report["source"] == "vivado_hls" and report["post_synthesis"] is None
        assert {k: got[k] for k in CSYNTH_KEYS} == {k: want[k] for k in CSYNTH_KEYS}
        assert all(got[k] is None for k in SYNTH_KEYS)


def test_dense_xml_and_rpt_alone_agree(tmp_path):
    reports = {}
    for suffix in ("xml", "rpt"):
        (tmp_path / suffix).mkdir()
        shutil.copy(DENSE / f"myproject_csynth.{suffix}", tmp_path / suffix)
        reports[suffix] = parse(tmp_path / suffix)
    xml, rpt = reports["xml"], reports["rpt"]
    assert headline(xml) == headline(rpt)
    for key in ("top", "tool_version", "part", "clock", "latency", "interval"):
        assert xml[key] == rpt[key], key
    for name, res in xml["resources"].items():
        assert (res["used"], res["available"]) == (rpt["resources"][name]["used"],
                                                   rpt["resources"][name]["available"])
        # the .rpt truncates percentages (2532/53200 = 4.76% is printed as 4); the XML has none
        assert int(res["percent"]) == rpt["resources"][name]["percent"]
    assert xml["instances"] == [] and len(rpt["instances"]) == 2


def _table_row(text, name):
    m = re.search(rf"^\|\s*{re.escape(name)}\s*\|(.*)\|\s*$", text, re.M)
    return [c.strip() for c in m.group(1).split("|")]


def test_dense_resources_match_report_text():
    text = (DENSE / "myproject_csynth.rpt").read_text()
    util = text[text.index("== Utilization Estimates"):]
    columns = ["DSP" if c == "DSP48E" else c for c in _table_row(util, "Name")]
    rows = {n: dict(zip(columns, _table_row(util, n))) for n in ("Total", "Available", "Utilization (%)")}
    resources = parse(DENSE / "myproject_csynth.rpt")["resources"]
    assert sorted(columns) == sorted(resources)
    for name in columns:
        assert resources[name] == {"used": int(rows["Total"][name]), "available": int(rows["Available"][name]),
                                   "percent": float(rows["Utilization (%)"][name])}

    xml = (DENSE / "myproject_csynth.xml").read_text()
    used = dict(re.findall(r"<(\w+)>(\d+)</\1>", re.search(r"<Resources>(.*?)</Resources>", xml, re.S)[1]))
    avail_xml = re.search(r"<AvailableResources>(.*?)</AvailableResources>", xml, re.S)[1]
    avail = dict(re.findall(r"<(\w+)>(\d+)</\1>", avail_xml))
    resources = parse(DENSE / "myproject_csynth.xml")["resources"]
    for tag in used:
        res = resources["DSP" if tag == "DSP48E" else tag]
        assert (res["used"], res["available"]) == (int(used[tag]), int(avail[tag]))
        share = 100 * int(used[tag]) / int(avail[tag]) if int(avail[tag]) else 0.0
        assert res["percent"] == pytest.approx(share, abs=0.005)

    synth = (DENSE / "vivado_synth.rpt").read_text()
    post = parse(DENSE / "vivado_synth.rpt")["post_synthesis"]
    for key, row in (("LUT", r"Slice LUTs\*"), ("FF", "Slice Registers"), ("DSP", "DSPs"),
                     ("BRAM_36K_tiles", "Block RAM Tile")):
        m = re.search(rf"^\| {row}\s*\|\s*(\d+) \|\s*\d+ \|\s*(\d+) \|\s*([\d.]+) \|", synth, re.M)
        assert post[key] == {"used": int(m[1]), "available": int(m[2]), "percent": float(m[3])}


@pytest.mark.parametrize("folder, count", [("hls4ml_dense_xc7z020", 2), ("svhn_cnn_pruned_float", 16),
                                           ("svhn_cnn_pruned_qkeras6", 18)])
def test_instances(folder, count):
    report = parse(FIXTURES / folder)
    instances = report["instances"]
    assert len(instances) == count
    for row in instances:
        assert row["instance"].endswith("_U0") and row["module"]
        for key, value in row.items():
            if key not in ("instance", "module"):
                assert isinstance(value, int) and not isinstance(value, bool), (row["instance"], key, value)
        assert row["latency_max_cycles"] <= report["latency"]["max_cycles"]
    # instance DSPs add up to the summary's 'Instance' row, which equals the total here
    assert sum(r["DSP"] for r in instances) == report["resources"]["DSP"]["used"]
    if folder != "hls4ml_dense_xc7z020":  # the first convolution streams 32x32 pixels: it sets the II
        conv1 = next(r for r in instances if r["instance"] == "conv_2d_cl_array_array_ap_fixed_16u_config2_U0")
        assert conv1["interval_max_cycles"] == 1027 and conv1["latency_max_cycles"] == 1027


def test_hls_project_layout(tmp_path):
    report_dir = tmp_path / "myproject_prj/solution1/syn/report"
    report_dir.mkdir(parents=True)
    shutil.copy(DENSE / "myproject_csynth.xml", report_dir)
    shutil.copy(DENSE / "vivado_synth.rpt", tmp_path)
    report = parse(tmp_path)
    assert report["files"] == [str(report_dir / "myproject_csynth.xml"), str(tmp_path / "vivado_synth.rpt")]
    assert _subset(headline(report), EXPECTED["hls4ml_dense_xc7z020"]) == EXPECTED["hls4ml_dense_xc7z020"]
    assert report["instances"] == []
    shutil.copy(DENSE / "myproject_csynth.rpt", report_dir)  # with the text report the instances appear
    assert len(parse(tmp_path)["instances"]) == 2


# ------------------------------------------------------------------ Vitis HLS formats
# A synthetic design (an hls4ml io_stream Dense + ReLU) written in the layout of real Vitis HLS 2023.1
# hls4ml reports: github.com/SpAllen0726/HG-DREAM-Pulse-Detection-Project, HLS_models/myproject_prj/
# solution1/syn/report/myproject_csynth.rpt (and csynth.rpt, csynth.xml, hls.app beside it; the parser
# was checked against those real files too). Vitis differences from the Vivado HLS fixtures: 'DSP'
# column instead of 'DSP48E', right-aligned units, '~0' utilization, Pipeline Type 'no'.
VITIS_RPT = """

================================================================
== Vitis HLS Report for 'myproject'
================================================================
* Date:           Mon Jan  8 10:00:00 2024

* Version:        2023.1 (Build 3854077 on May  4 2023)
* Project:        myproject_prj
* Solution:       solution1 (Vivado IP Flow Target)
* Product family: virtexuplus
* Target device:  xcvu13p-flga2577-2-e


================================================================
== Performance Estimates
================================================================
+ Timing: 
    * Summary: 
    +--------+---------+----------+------------+
    |  Clock |  Target | Estimated| Uncertainty|
    +--------+---------+----------+------------+
    |ap_clk  |  4.00 ns|  3.271 ns|     1.08 ns|
    +--------+---------+----------+------------+

+ Latency: 
    * Summary: 
    +---------+---------+----------+----------+-----+-----+----------+
    |  Latency (cycles) |  Latency (absolute) |  Interval | Pipeline |
    |   min   |   max   |    min   |    max   | min | max |   Type   |
    +---------+---------+----------+----------+-----+-----+----------+
    |       15|       15| 60.000 ns| 60.000 ns|    9|    9|  dataflow|
    +---------+---------+----------+----------+-----+-----+----------+

    + Detail: 
        * Instance: 
        +---------------------------------------------------------------------+--------------------------------------------------------------------+---------+---------+----------+----------+-----+-----+---------+
        |                                                                     |                                                                    |  Latency (cycles) |  Latency (absolute) |  Interval | Pipeline|
        |                               Instance                              |                               Module                               |   min   |   max   |    min   |    max   | min | max |   Type  |
        +---------------------------------------------------------------------+--------------------------------------------------------------------+---------+---------+----------+----------+-----+-----+---------+
        |dense_array_ap_fixed_16u_array_ap_fixed_16_6_5_3_0_8u_config2_U0     |dense_array_ap_fixed_16u_array_ap_fixed_16_6_5_3_0_8u_config2_s     |       12|       12| 48.000 ns| 48.000 ns|    9|    9|       no|
        |relu_array_ap_fixed_8u_array_ap_ufixed_6_0_4_0_0_8u_relu_config3_U0  |relu_array_ap_fixed_8u_array_ap_ufixed_6_0_4_0_0_8u_relu_config3_s  |        2|        2|  8.000 ns|  8.000 ns|    1|    1|       no|
        +---------------------------------------------------------------------+--------------------------------------------------------------------+---------+---------+----------+----------+-----+-----+---------+

        * Loop: 
        N/A



================================================================
== Utilization Estimates
================================================================
* Summary: 
+-----------------+---------+------+--------+--------+-----+
|       Name      | BRAM_18K|  DSP |   FF   |   LUT  | URAM|
+-----------------+---------+------+--------+--------+-----+
|DSP              |        -|     -|       -|       -|    -|
|Expression       |        -|     -|       0|       2|    -|
|FIFO             |        0|     -|     160|     480|    -|
|Instance         |        -|    16|    1790|    3618|    -|
|Memory           |        -|     -|       -|       -|    -|
|Multiplexer      |        -|     -|       -|       -|    -|
|Register         |        -|     -|       -|       -|    -|
+-----------------+---------+------+--------+--------+-----+
|Total            |        0|    16|    1950|    4100|    0|
+-----------------+---------+------+--------+--------+-----+
|Available        |     5376| 12288| 3456000| 1728000| 1280|
+-----------------+---------+------+--------+--------+-----+
|Utilization (%)  |        0|    ~0|      ~0|      ~0|    0|
+-----------------+---------+------+--------+--------+-----+

+ Detail: 
    * Instance: 
    +---------------------------------------------------------------------+--------------------------------------------------------------------+---------+----+------+------+-----+
    |                               Instance                              |                               Module                               | BRAM_18K| DSP|  FF  |  LUT | URAM|
    +---------------------------------------------------------------------+--------------------------------------------------------------------+---------+----+------+------+-----+
    |dense_array_ap_fixed_16u_array_ap_fixed_16_6_5_3_0_8u_config2_U0     |dense_array_ap_fixed_16u_array_ap_fixed_16_6_5_3_0_8u_config2_s     |        0|  16|  1702|  3106|    0|
    |relu_array_ap_fixed_8u_array_ap_ufixed_6_0_4_0_0_8u_relu_config3_U0  |relu_array_ap_fixed_8u_array_ap_ufixed_6_0_4_0_0_8u_relu_config3_s  |        0|   0|    88|   512|    0|
    +---------------------------------------------------------------------+--------------------------------------------------------------------+---------+----+------+------+-----+
    |Total                                                                |                                                                    |        0|  16|  1790|  3618|    0|
    +---------------------------------------------------------------------+--------------------------------------------------------------------+---------+----+------+------+-----+

    * DSP: 
    N/A



================================================================
== Interface
================================================================
* Summary: 
+--------------------+-----+-----+------------+--------------+--------------+
|      RTL Ports     | Dir | Bits|  Protocol  | Source Object|    C Type    |
+--------------------+-----+-----+------------+--------------+--------------+
|input_1_TDATA       |   in|  128|        axis|       input_1|       pointer|
|ap_clk              |   in|    1|  ap_ctrl_hs|     myproject|  return value|
+--------------------+-----+-----+------------+--------------+--------------+

"""

# The solution-level csynth.rpt that Vitis HLS writes beside <top>_csynth.rpt (the same 2023.1 project
# above; also seen from 2020.2 in github.com/hashi0203/Vitis_HLS_Gaussian): one Modules & Loops tree,
# '+' module, 'o' loop, '*' dataflow; resources as 'used (percent%)', no clock and no device totals.
VITIS_SUMMARY_RPT = """

================================================================
== Synthesis Summary Report of 'myproject'
================================================================
+ General Information: 
    * Date:           Mon Jan  8 10:00:00 2024
    * Version:        2023.1 (Build 3854077 on May  4 2023)
    * Project:        myproject_prj
    * Solution:       solution1 (Vivado IP Flow Target)
    * Product family: virtexuplus
    * Target device:  xcvu13p-flga2577-2-e
    

+ Performance & Resource Estimates: 
    
    PS: '+' for module; 'o' for loop; '*' for dataflow
    +--------------------------------------------------------------------------+------+------+---------+---------+----------+---------+------+----------+------+----------+------------+------------+-----+
    |                                  Modules                                 | Issue|      | Latency | Latency | Iteration|         | Trip |          |      |          |            |            |     |
    |                                  & Loops                                 | Type | Slack| (cycles)|   (ns)  |  Latency | Interval| Count| Pipelined| BRAM |    DSP   |     FF     |     LUT    | URAM|
    +--------------------------------------------------------------------------+------+------+---------+---------+----------+---------+------+----------+------+----------+------------+------------+-----+
    |+ myproject*                                                              |     -|  0.73|       15|   60.000|         -|        9|     -|  dataflow|     -|  16 (~0%)|  1950 (~0%)|  4100 (~0%)|    -|
    | + dense_array_ap_fixed_16u_array_ap_fixed_16_6_5_3_0_8u_config2_s        |     -|  0.73|       12|   48.000|         -|        9|     -|        no|     -|  16 (~0%)|  1702 (~0%)|  3106 (~0%)|    -|
    |  o DataPrepare                                                           |     -|  2.92|        8|   32.000|         2|        1|     8|       yes|     -|         -|           -|           -|    -|
    |   + dense_array_ap_fixed_16u_config2_Pipeline_ReuseLoop                  |     -|  0.73|        4|   16.000|         -|        4|     -|        no|     -|   8 (~0%)|   320 (~0%)|   640 (~0%)|    -|
    | + relu_array_ap_fixed_8u_array_ap_ufixed_6_0_4_0_0_8u_relu_config3_s     |     -|  1.40|        2|    8.000|         -|        1|     -|        no|     -|         -|    88 (~0%)|   512 (~0%)|    -|
    +--------------------------------------------------------------------------+------+------+---------+---------+----------+---------+------+----------+------+----------+------------+------------+-----+


================================================================
== HW Interfaces
================================================================
"""

# Vitis csynth.xml: indented, <DSP> instead of <DSP48E>, <FlowTarget> (real examples: Vitis HLS
# 2020.2 github.com/hashi0203/Vitis_HLS_Gaussian, 2022.2 github.com/HanderRi/AMD-Pervasive-AI).
VITIS_XML = """<profile>
    <ReportVersion>
        <Version>2023.1</Version>
    </ReportVersion>
    <UserAssignments>
        <unit>ns</unit>
        <ProductFamily>virtexuplus</ProductFamily>
        <Part>xcvu13p-flga2577-2-e</Part>
        <TopModelName>myproject</TopModelName>
        <TargetClockPeriod>4.00</TargetClockPeriod>
        <ClockUncertainty>1.08</ClockUncertainty>
        <FlowTarget>vivado</FlowTarget>
    </UserAssignments>
    <PerformanceEstimates>
        <PipelineType>dataflow</PipelineType>
        <SummaryOfTimingAnalysis>
            <unit>ns</unit>
            <EstimatedClockPeriod>3.271</EstimatedClockPeriod>
        </SummaryOfTimingAnalysis>
        <SummaryOfOverallLatency>
            <unit>clock cycles</unit>
            <Best-caseLatency>15</Best-caseLatency>
            <Average-caseLatency>15</Average-caseLatency>
            <Worst-caseLatency>15</Worst-caseLatency>
            <Best-caseRealTimeLatency>60.000 ns</Best-caseRealTimeLatency>
            <Average-caseRealTimeLatency>60.000 ns</Average-caseRealTimeLatency>
            <Worst-caseRealTimeLatency>60.000 ns</Worst-caseRealTimeLatency>
            <Interval-min>9</Interval-min>
            <Interval-max>9</Interval-max>
        </SummaryOfOverallLatency>
    </PerformanceEstimates>
    <AreaEstimates>
        <Resources>
            <BRAM_18K>0</BRAM_18K>
            <DSP>16</DSP>
            <FF>1950</FF>
            <LUT>4100</LUT>
            <URAM>0</URAM>
        </Resources>
        <AvailableResources>
            <BRAM_18K>5376</BRAM_18K>
            <DSP>12288</DSP>
            <FF>3456000</FF>
            <LUT>1728000</LUT>
            <URAM>1280</URAM>
        </AvailableResources>
    </AreaEstimates>
</profile>
"""
VITIS_HEADLINE = {"latency_cycles": 15, "ii_cycles": 9, "estimated_clock_ns": 3.271, "csynth_dsp": 16,
                  "csynth_lut": 4100, "csynth_ff": 1950, "csynth_bram_18k": 0, "synth_lut": None,
                  "synth_ff": None, "synth_dsp": None, "synth_bram_36k_tiles": None}
RELU = "relu_array_ap_fixed_8u_array_ap_ufixed_6_0_4_0_0_8u_relu_config3_s"


def test_vitis_csynth_rpt(tmp_path):
    path = tmp_path / "myproject_csynth.rpt"
    path.write_text(VITIS_RPT)
    report = parse(path)
    assert report["source"] == "vitis_hls" and report["tool_version"] == "2023.1"
    assert report["part"] == "xcvu13p-flga2577-2-e" and report["clock"]["target_ns"] == 4.0
    assert _subset(headline(report), VITIS_HEADLINE) == VITIS_HEADLINE
    assert report["resources"]["DSP"] == {"used": 16, "available": 12288, "percent": 0.13}  # '~0' computed
    assert [(r["DSP"], r["interval_max_cycles"]) for r in report["instances"]] == [(16, 9), (0, 1)]
    assert_schema(report)


def test_vitis_summary_csynth_rpt(tmp_path):
    path = tmp_path / "csynth.rpt"
    path.write_text(VITIS_SUMMARY_RPT)
    report = parse(path)
    assert report["source"] == "vitis_hls" and report["top"] == "myproject"
    assert report["latency"] == {"min_cycles": None, "max_cycles": 15, "min_ns": None, "max_ns": 60.0,
                                 "ns_from": "report"}
    assert report["interval"] == {"min_cycles": None, "max_cycles": 9, "type": "dataflow"}
    assert report["resources"]["DSP"] == {"used": 16, "available": None, "percent": None}
    assert report["resources"]["BRAM_18K"]["used"] == 0
    # direct sub-modules only: the pipeline inside dense's loop belongs to dense
    assert [(r["module"], r["DSP"], r["latency_max_cycles"]) for r in report["instances"]] == [
        ("dense_array_ap_fixed_16u_array_ap_fixed_16_6_5_3_0_8u_config2_s", 16, 12), (RELU, 0, 2)]
    assert_schema(report)


def test_vitis_project_layout(tmp_path):
    report_dir = tmp_path / "myproject_prj/solution1/syn/report"
    report_dir.mkdir(parents=True)
    (report_dir / "myproject_csynth.rpt").write_text(VITIS_RPT)
    (report_dir / "csynth.rpt").write_text(VITIS_SUMMARY_RPT)
    # HLS also writes a report per sub-module beside the top's: it must not be taken for the top
    (report_dir / f"{RELU}_csynth.rpt").write_text(VITIS_RPT.replace("myproject", RELU))
    report = parse(tmp_path)  # no project file: the top is the report no other report mentions
    assert report["top"] == "myproject" and _subset(headline(report), VITIS_HEADLINE) == VITIS_HEADLINE
    (report_dir / "csynth.xml").write_text(VITIS_XML)
    (tmp_path / "myproject_prj/hls.app").write_text('<project xmlns="com.autoesl.autopilot.project" '
                                                    'top="myproject" name="myproject_prj"/>')
    shutil.copy(DENSE / "vivado_synth.rpt", tmp_path)  # a Vivado report of another part: refused
    with pytest.raises(ReportError, match="is a report for part 7z020clg400-1, not for this design's part"):
        parse(tmp_path)
    text = (DENSE / "vivado_synth.rpt").read_text().replace("7z020clg400-1", "xcvu13pflga2577-2")
    (tmp_path / "vivado_synth.rpt").write_text(text)  # the same report as Vivado names the Vitis part
    report = parse(tmp_path)
    assert [Path(f).name for f in report["files"]] == ["csynth.xml", "myproject_csynth.rpt", "vivado_synth.rpt"]
    assert report["source"] == "vitis_hls" and len(report["instances"]) == 2
    assert headline(report)["csynth_dsp"] == 16 and headline(report)["synth_dsp"] == 66


def test_directory_with_only_a_vivado_report(tmp_path):
    shutil.copy(DENSE / "vivado_synth.rpt", tmp_path)
    report = parse(tmp_path)
    assert report["source"] == "vivado" and headline(report)["synth_dsp"] == 66
    assert report["latency"]["max_cycles"] is None and report["resources"]["DSP"] is None


def test_vitis_xml_and_undefined_latency(tmp_path):
    path = tmp_path / "csynth.xml"
    path.write_text(VITIS_XML)
    assert parse(path)["source"] == "vitis_hls" and _subset(headline(path), VITIS_HEADLINE) == VITIS_HEADLINE
    # data-dependent loops: Vitis writes 'undef'; the schema says None, not a string
    path.write_text(re.sub(r"(Latency|RealTimeLatency|Interval-m..)>[^<]+<", r"\1>undef<", VITIS_XML))
    report = parse(path)
    assert report["latency"] == {"min_cycles": None, "max_cycles": None, "min_ns": None, "max_ns": None,
                                 "ns_from": None}
    assert report["interval"]["max_cycles"] is None


def test_old_vivado_hls_latency_without_ns(tmp_path):
    """Vivado HLS <= 2018 printed '+ Timing (ns):' and cycles only: ns come from the target clock."""
    text = (DENSE / "myproject_csynth.rpt").read_text()
    text = text.replace("""\
    |ap_clk  | 5.00 ns | 4.049 ns |   0.62 ns  |""", """\
    |ap_clk  |   5.00  |   4.049  |     0.62   |""").replace("+ Timing: ", "+ Timing (ns): ")
    text = text.replace("""\
    +---------+---------+-----------+-----------+-----+-----+----------+
    |  Latency (cycles) |   Latency (absolute)  |  Interval | Pipeline |
    |   min   |   max   |    min    |    max    | min | max |   Type   |
    +---------+---------+-----------+-----------+-----+-----+----------+
    |       10|       10| 50.000 ns | 50.000 ns |    8|    8| dataflow |
    +---------+---------+-----------+-----------+-----+-----+----------+""", """\
    +-----+-----+-----+-----+----------+
    |  Latency  |  Interval | Pipeline |
    | min | max | min | max |   Type   |
    +-----+-----+-----+-----+----------+
    |   10|   10|    8|    8| dataflow |
    +-----+-----+-----+-----+----------+""")
    path = tmp_path / "myproject_csynth.rpt"
    path.write_text(text.replace("+ Latency: ", "+ Latency (clock cycles): "))
    report = parse(path)
    assert report["clock"] == {"target_ns": 5.0, "estimated_ns": 4.049, "uncertainty_ns": 0.62}
    assert report["latency"] == {"min_cycles": 10, "max_cycles": 10, "min_ns": 50.0, "max_ns": 50.0,
                                 "ns_from": "cycles x target clock"}
    assert report["interval"] == {"min_cycles": 8, "max_cycles": 8, "type": "dataflow"}


# ------------------------------------------------------------------ errors
def expect_error(path, *words):
    with pytest.raises(ReportError) as info:
        parse(path)
    assert type(info.value) is ReportError
    message = str(info.value)
    assert "\n" not in message and str(path) in message, message
    for word in words:
        assert word in message, message
    return message


def test_empty_directory(tmp_path):
    expect_error(tmp_path, "no HLS report found", "_csynth.xml", "solution1/syn/report")


def test_two_unrelated_tops_are_ambiguous(tmp_path):
    (tmp_path / "myproject_csynth.rpt").write_text(VITIS_RPT)
    (tmp_path / "otherproj_csynth.rpt").write_text(VITIS_RPT.replace("myproject", "otherproj"))
    message = expect_error(tmp_path, "2 functions", "pass the top's")
    (tmp_path / "hls.app").write_text('<project top="otherproj"/>')  # the project file settles it
    assert parse(tmp_path)["top"] == "otherproj"
    assert message


def test_missing_path(tmp_path):
    expect_error(tmp_path / "nope", "does not exist")


@pytest.mark.parametrize("path", REPORT_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_truncated_copy(tmp_path, path):
    data = path.read_bytes()
    copy = tmp_path / path.name
    copy.write_bytes(data[:len(data) * 30 // 100])
    expect_error(copy, "truncated")
    expect_error(tmp_path, "truncated")  # also when found inside a directory
    for fraction in range(5, 100, 5):  # wherever the cut falls: a ReportError, never another exception
        copy.write_bytes(data[:len(data) * fraction // 100])
        expect_error(copy)


def test_foreign_and_binary_files(tmp_path):
    foreign = tmp_path / "myproject_csynth.rpt"
    shutil.copy(FIXTURES / "README.md", foreign)
    expect_error(foreign, "not a Vivado/Vitis HLS or Vivado report")
    expect_error(DENSE / "vivado_hls.app", "not a Vivado/Vitis HLS or Vivado report")
    (tmp_path / "other.xml").write_text("<project><solutions/></project>")
    expect_error(tmp_path / "other.xml", "not a Vivado/Vitis HLS")
    binary = tmp_path / "vivado_synth.rpt"
    binary.write_bytes(bytes(range(256)) * 16)
    expect_error(binary, "binary")
    (tmp_path / "empty.rpt").write_bytes(b"")
    expect_error(tmp_path / "empty.rpt", "empty")


def test_parse_report_cli(tmp_path):
    """The command prints the headline figures, or one error line and exit 2."""
    from tests.helpers import run_cli

    r = run_cli("parse-report", FIXTURES / "svhn_cnn_pruned_qkeras6", "--json")
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["latency"]["max_cycles"] == 1044 and rep["post_synthesis"]["DSP"]["used"] == 353
    r = run_cli("parse-report", tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "no HLS report found" in r.stderr


def test_hierarchical_utilization_gives_totals_and_layer_rows():
    """report_utilization -hierarchical (sparsepix designs): the top row is the total, one row per layer."""
    for name, lut, ff, dsp, tiles in (("sparsepix_jet_qcnn16b_stream", 88306, 55198, 3597, 37.0),
                                      ("sparsepix_jet_qcnn8b_stream", 59614, 26609, 6, 22.5)):
        post = parse(FIXTURES / name / "reports")["post_synthesis"]
        assert (post["LUT"]["used"], post["FF"]["used"], post["DSP"]["used"]) == (lut, ff, dsp)
        assert post["BRAM_36K_tiles"]["used"] == tiles and post["LUT"]["available"] is None
        rows = {r["instance"]: r for r in post["instances"]}
        dense = next(r for i, r in rows.items() if "config10" in i)
        assert dense["LUT"] == (69019 if "16b" in name else 42813)
        assert sum(r["LUT"] for r in rows.values()) <= lut  # the top row also counts the top's own logic


# ------------------------------------------------------------------ co-simulation, implementation, power, size
DATA = Path(__file__).parent / "data" / "vendor_reports"  # real reports from public repositories (SOURCES*.md)
COSIM = {  # folder: (status, latency min/avg/max, interval max): SOURCES_hls.md, checked below against the text
    "cosim_example_hls4ml": ("pass", (10, 10, 10), None), "cosim_lfads": ("pass", (5477, 5477, 5477), None),
    "cosim_deepcalo": ("fail", (None, None, None), None), "cosim_ece226": ("pass", (None, None, None), None),
    "cosim_dsp_recon": ("pass", (137, 137, 137), None)}


def _verilog_cells(text):
    row = re.search(r"^\|\s*Verilog\|(.*)\|\s*$", text, re.M).group(1)
    return [c.strip() for c in row.split("|")]


@pytest.mark.parametrize("folder", sorted(COSIM))
def test_cosim_reports(folder):
    path = next((DATA / folder).rglob("*_cosim.rpt"))
    status, latency, interval = COSIM[folder]
    cells = _verilog_cells(path.read_text())  # the figures as the file states them
    as_int = [None if c == "NA" else int(c) for c in cells[1:]]
    assert (cells[0].lower(), tuple(as_int[0:3]), as_int[5]) == (status, latency, interval)
    report = parse(path)
    cosim = report["cosim"]
    assert (cosim["status"], cosim["rtl"], cosim["passed"]) == (status, "verilog", status == "pass")
    assert tuple(cosim["latency"].values()) == latency and cosim["interval"]["max_cycles"] == interval
    assert cosim["total_execution_cycles"] == (137 if folder == "cosim_dsp_recon" else None)
    assert [r["rtl"] for r in cosim["runs"]] == ["vhdl", "verilog"] and cosim["runs"][0]["status"] == "na"
    assert report["top"] == path.name.removesuffix("_cosim.rpt")
    h = headline(report)
    assert h["cosim_latency_cycles"] == latency[2] and h["latency_cycles"] is None  # no C synthesis here
    assert_schema(report)
    assert parse(DATA / folder)["cosim"] == cosim  # found inside a project tree too


def test_fixture_cosim_reports():
    """The shared fixtures' co-simulations: berk's failed, seanlipps' Vitis one passed without figures."""
    berk = parse(FIXTURES / "berk_qconv1d_encoder_m1" / "reports")
    assert berk["cosim"]["status"] == "fail" and berk["top"] == "Encoder" and headline(berk)["latency_cycles"] == 160
    sean = parse(FIXTURES / "seanlipps_har_conv1d_parallel" / "reports")
    assert sean["cosim"]["passed"] and sean["cosim"]["simulator"] == "xsim"
    assert sean["cosim"]["latency"]["max_cycles"] is None and sean["latency"]["max_cycles"] == 184


def test_post_route_utilization_power_and_design_size():
    """seanlipps stream: Vivado 2024.1 post-synthesis and routed utilization, report_power, Vitis design size."""
    reports = FIXTURES / "seanlipps_har_conv1d_stream" / "reports"
    text = (reports / "vivado_utilization.rpt").read_text()
    assert re.search(r"^\| Design State : Routed", text, re.M)
    used = {name: int(re.search(rf"^\| {name}\s*\|\s*(\d+) \|", text, re.M)[1])
            for name in ("CLB LUTs", "CLB Registers", "DSPs", "Block RAM Tile")}
    report = parse(reports)
    impl, post = report["post_implementation"], report["post_synthesis"]
    assert (impl["stage"], post["stage"]) == ("routed", "synthesis")
    assert (impl["LUT"]["used"], impl["FF"]["used"], impl["DSP"]["used"], impl["BRAM_36K_tiles"]["used"]) == \
        (used["CLB LUTs"], used["CLB Registers"], used["DSPs"], used["Block RAM Tile"]) == (7722, 4864, 467, 12)
    assert post["LUT"]["used"] == 8565 and impl["LUT"]["available"] == 1728000
    h = headline(report)
    assert (h["synth_lut"], h["impl_lut"], h["impl_dsp"]) == (8565, 7722, 467)
    power_text = (reports / "vivado_power.rpt").read_text()
    total = float(re.search(r"^\| Total On-Chip Power \(W\)\s*\|\s*([\d.]+)", power_text, re.M)[1])
    power = report["power"]
    assert power["total_w"] == total == 3.566 and power["dynamic_w"] == 0.61 and power["stage"] == "routed"
    assert 0.5 * power["dynamic_w"] < sum(i["power_w"] for i in power["instances"]) <= power["dynamic_w"]
    size_text = (reports / "csynth" / "csynth_design_size.rpt").read_text()
    final = int(re.search(r"\(2\) optimizations\s*\|\s*([\d,]+)", size_text)[1].replace(",", ""))
    assert report["design_size"]["final_instructions"] == final == 3621
    xml = parse(reports / "csynth" / "csynth_design_size.xml")["design_size"]
    assert xml["steps"] == report["design_size"]["steps"]
    assert [Path(f).name for f in report["files"]][2:] == ["vivado_synth.rpt", "vivado_utilization.rpt",
                                                          "vivado_power.rpt", "csynth_design_size.rpt"]


@pytest.mark.parametrize("folder, top, latency, ii, lut", [("vitis_newton", "solveCooling", 6, 7, 285),
                                                          ("vitis_dsp_recon", "mac", None, None, 1575)])
def test_vitis_unified_component_layout(folder, top, latency, ii, lut):
    """Vitis 2023 Unified IDE / vitis-run component: <component>/<work_dir>/hls/syn/report/ (csynth.rpt,
    csynth.xml, <top>_csynth.*); a design with a variable-latency loop states '-'/'?'/'undef' (None)."""
    report = parse(DATA / folder)
    assert report["source"] == "vitis_hls" and report["top"] == top
    assert (report["latency"]["max_cycles"], report["interval"]["max_cycles"]) == (latency, ii)
    assert report["resources"]["LUT"]["used"] == lut
    assert_schema(report)


def test_report_of_another_design_is_refused(tmp_path):
    """A Vivado report of another top beside the HLS reports: one line naming both."""
    shutil.copy(DENSE / "myproject_csynth.xml", tmp_path)
    (tmp_path / "vivado_synth.rpt").write_text((DENSE / "vivado_synth.rpt").read_text().replace(
        "| Design       : myproject", "| Design       : otherdesign"))
    message = expect_error(tmp_path, "is a report of 'otherdesign'", "top 'myproject'")
    assert str(tmp_path / "vivado_synth.rpt") in message


@pytest.mark.parametrize("path", [FIXTURES / "seanlipps_har_conv1d_stream/reports/vivado_power.rpt",
                                  FIXTURES / "seanlipps_har_conv1d_stream/reports/vivado_utilization.rpt",
                                  FIXTURES / "seanlipps_har_conv1d_stream/reports/csynth/csynth_design_size.xml",
                                  DATA / "cosim_lfads/myproject_prj/solution1/sim/report/myproject_cosim.rpt",
                                  DATA / "timing_met_a7_counters/hello_top_counters_timing_summary.rpt",
                                  DATA / "hier_routed_ku035_rosebud/fpga_utilization_hierarchy_placed.rpt"],
                         ids=lambda p: p.name)
def test_truncated_copies_of_the_new_kinds(tmp_path, path):
    data = path.read_bytes()
    copy = tmp_path / path.name
    for fraction in range(5, 100, 5):  # wherever the cut falls: one ReportError line, never another exception
        copy.write_bytes(data[:len(data) * fraction // 100])
        try:
            parse(copy)
        except ReportError as e:
            assert "\n" not in str(e)
    copy.write_bytes(data[:len(data) * 40 // 100])
    expect_error(copy, "truncated")


# ------------------------------------------------------------------ Vivado timing and utilization of real runs
# (folder, file): (stage, WNS, TNS, WHS, THS, met, headline clock, its period, its WNS): SOURCES.md, and
# the Design Timing Summary row is re-read below by whitespace split.
TIMING = {
    ("timing_met_a7_counters", "hello_top_counters_timing_summary.rpt"):
        ("routed", 7.037, 0.0, 0.238, 0.0, True, "sys_clk", 10.0, 7.037),
    ("timing_fail_z7_cymometer", "timing_summary.rpt"):
        ("synthesis", -1.57, -130.676, 0.021, 0.0, False, "clk_fs", 3.2, -1.57),
    ("vitis_link_zu3eg_lzw", "impl_1_u96v2_sbc_base_wrapper_timing_summary_routed.rpt"):
        ("routed", 0.82, 0.0, 0.01, 0.0, True, "clk_out1_u96v2_sbc_base_clk_wiz_0_0", 6.667, 0.82),
    ("timing_unconstrained_a7_idle", "timing_summary_routed.rpt"):
        ("routed", None, None, None, None, True, None, None, None),
}


def _design_row(text):
    lines = text.splitlines()
    k = next(i for i, line in enumerate(lines) if line.strip().startswith("WNS(ns)"))
    return [None if v == "NA" else float(v) for v in lines[k + 2].split()]


@pytest.mark.parametrize("where", sorted(TIMING), ids=lambda w: w[0])
def test_timing_summaries(where):
    path = DATA / where[0] / where[1]
    stage, wns, tns, whs, ths, met, clock, period, clock_wns = TIMING[where]
    row = _design_row(path.read_text())
    assert (row[0], row[1], row[4], row[5]) == (wns, tns, whs, ths)
    t = parse(path)["timing"]
    assert (t["stage"], t["wns_ns"], t["tns_ns"], t["whs_ns"], t["ths_ns"], t["constraints_met"]) == \
        (stage, wns, tns, whs, ths, met)
    assert (t["clock"], t["target_period_ns"]) == (clock, period)
    if clock is not None:  # achieved = period - WNS of the worst clock: a negative slack lengthens it
        assert t["achieved_period_ns"] == pytest.approx(period - clock_wns)
        assert t["achieved_frequency_mhz"] == pytest.approx(1000 / (period - clock_wns), abs=1e-3)
        assert (t["achieved_period_ns"] > period) == (clock_wns < 0)
    else:
        assert t["achieved_period_ns"] is None and len(t["clocks"]) == 1
    assert_schema(parse(path))


def test_timing_clock_table_with_generated_clocks():
    t = parse(DATA / "vitis_link_zu3eg_lzw" / "impl_1_u96v2_sbc_base_wrapper_timing_summary_routed.rpt")["timing"]
    assert [(c["clock"], c["generated"], c["period_ns"], c["wns_ns"]) for c in t["clocks"]] == [
        ("clk_pl_0", False, 10.0, 3.854), ("u96v2_sbc_base_i/clk_wiz_0/inst/clk_in1", False, 10.0, None),
        ("clk_out1_u96v2_sbc_base_clk_wiz_0_0", True, 6.667, 0.82)]


# (folder, file): (stage, hierarchical, top, LUT, FF, BRAM tiles, DSP, available LUT): SOURCES.md
UTILIZATION = {
    ("util_routed_z7_vit", "utilization_placed.rpt"): ("routed", False, "design_1_wrapper", 29073, 36542, 68, 121, 53200),
    ("util_routed_a7_v2017", "post_route_util.rpt"): ("routed", False, "basereconfTop", 18577, 10327, 24.5, 4, 63400),
    ("util_routed_u250_hls4ml", "vivado_utilization.rpt"): ("routed", False, "myproject", 7722, 4864, 12, 467, 1728000),
    ("vitis_link_zu3eg_lzw", "impl_1_full_util_routed.rpt"):
        ("routed", False, "u96v2_sbc_base_wrapper", 25278, 29422, 21.5, 0, 70560),
    ("hier_synth_a7_percolation", "hier_util_ale.rpt"): ("synthesis", True, "percolation_core_top", 21943, 32929, 1.0, 2, None),
    ("hier_routed_ku035_rosebud", "fpga_utilization_hierarchy_placed.rpt"):
        ("routed", True, "fpga", 33312, 25308, 194.0, 0, None),
}


@pytest.mark.parametrize("where", sorted(UTILIZATION), ids=lambda w: w[0])
def test_vivado_utilization_of_real_runs(where):
    """7-series and UltraScale(+), flat and hierarchical, post-synthesis and post-route, Vivado 2017.2-2025.2."""
    stage, hierarchical, top, lut, ff, tiles, dsp, available = UTILIZATION[where]
    report = parse(DATA / where[0] / where[1])
    post = report["post_synthesis" if stage == "synthesis" else "post_implementation"]
    assert (post["stage"], post["hierarchical"], post["top"], report["top"]) == (stage, hierarchical, top, top)
    assert (post["LUT"]["used"], post["FF"]["used"], post["BRAM_36K_tiles"]["used"], post["DSP"]["used"]) == \
        (lut, ff, tiles, dsp)
    assert post["LUT"]["available"] == available
    if hierarchical:  # one level below the top, the top's own cells '(top)' left out
        assert post["instances"] and all(not r["instance"].startswith("(") for r in post["instances"])
        assert sum(r["LUT"] for r in post["instances"]) <= lut
    assert_schema(report)


def test_run_directory_takes_the_routed_figures_and_its_timing():
    """A Vivado run folder (v++ link of a Vitis HLS kernel): routed utilization and timing, one design."""
    report = parse(DATA / "vitis_link_zu3eg_lzw")
    assert report["post_implementation"]["LUT"]["used"] == 25278 and report["timing"]["wns_ns"] == 0.82
    h = headline(report)
    assert (h["impl_lut"], h["wns_ns"], h["achieved_clock_ns"]) == (25278, 0.82, 5.847)



# Vitis HLS 2025.2 'Synthesis Summary' layout: '* Performance & Resource Estimates', new 'Issue Type' and
# 'Violation Type' columns, latency after 'Pipelined'. Lines copied verbatim from the real report
# github.com/aa08453/CNN-on-FPGA @a2be1c8, hls_component/top/hls/syn/report/csynth.rpt (header, the top
# row and four of its 37 module/loop rows; the rest of the file left out).
VITIS_2025_RPT = """\n\n================================================================\n== Synthesis Summary Report of 'top'\n================================================================\n+ General Information: \n    * Date:           Sat Mar  7 18:28:23 2026\n    * Version:        2025.2 (Build 6295257 on Nov 14 2025)\n    * Project:        top\n    * Solution:       hls (Vivado IP Flow Target)\n    * Product family: zynq\n    * Target device:  xc7z020-clg484-1\n    \n\n* Performance & Resource Estimates: \n+-------------------------------------------+------+---------------+----------+---------+------+----------+---------+-----------+------+----------+----------+------------+-------------+-----+\n|                  Modules                  | Issue|               | Iteration|         | Trip |          |       Latency       |      |          |          |            |             |     |\n|                  & Loops                  | Type | Violation Type|  Latency | Interval| Count| Pipelined| (cycles)|    (ns)   | Slack|   BRAM   |    DSP   |     FF     |     LUT     | URAM|\n+-------------------------------------------+------+---------------+----------+---------+------+----------+---------+-----------+------+----------+----------+------------+-------------+-----+\n|+ top                                      |     -|              -|         -|   140720|     -|        no|   140719|  1.407e+06|  0.00|  42 (15%)|  27 (12%)|   8798 (8%)|  18374 (34%)|    -|\n| + conv1                                   |     -|              -|         -|     7196|     -|        no|     7196|  7.196e+04|  0.00|   16 (5%)|    9 (4%)|   1786 (1%)|    4213 (7%)|    -|\n|  + conv1_Pipeline_LOAD_W                  |     -|              -|         -|        -|     -|       yes|       74|    740.000|  0.00|         -|         -|    17 (~0%)|     77 (~0%)|    -|\n|   o LOAD_W                                |     -|              -|         2|        1|    72|       yes|       72|    720.000|  8.75|         -|         -|           -|            -|    -|\n| + pool                                    |     -|              -|         -|     7878|     -|        no|     7878|  7.878e+04|  0.00|         -|    4 (1%)|   831 (~0%)|    1799 (3%)|    -|\n+-------------------------------------------+------+---------------+----------+---------+------+----------+---------+-----------+------+----------+----------+------------+-------------+-----+\n    Name Prefix: '+' for module, 'o' for loop, '*' for dataflow\n"""


def test_vitis_2025_summary_layout(tmp_path):
    path = tmp_path / "csynth.rpt"
    path.write_text(VITIS_2025_RPT)
    report = parse(path)
    assert (report["top"], report["tool_version"], report["part"]) == ("top", "2025.2", "xc7z020-clg484-1")
    assert (report["latency"]["max_cycles"], report["latency"]["max_ns"], report["interval"]["max_cycles"]) == \
        (140719, 1407000.0, 140720)
    assert {k: v["used"] for k, v in report["resources"].items()} == {"BRAM_18K": 42, "DSP": 27, "FF": 8798,
                                                                    "LUT": 18374, "URAM": 0}
    assert [(i["instance"], i["LUT"], i["latency_max_cycles"]) for i in report["instances"]] == [
        ("conv1", 4213, 7196), ("pool", 1799, 7878)]


@pytest.mark.parametrize("command, stage", [
    ("report_timing_summary -file /home/ana/simple_cnn/synth_timing.rpt", "synthesis"),  # 'impl' inside a word
    ("report_utilization -file noc_router_utilization_synth.rpt", "synthesis"),
    ("report_timing_summary -max_paths 10 -file top_timing_summary_routed.rpt -pb top.pb", "routed"),
    ("report_utilization -file top_utilization_placed.rpt -pb top.pb", "placed"),
    ("report_utilization -file D:/runs/impl_1_full_util_routed.rpt", "routed"),
    ("report_timing_summary -file timing_summary.rpt", "synthesis")])
def test_step_from_a_header_without_design_state(command, stage):
    from hls.vendor_reports.schema import vivado_stage

    assert vivado_stage({"Command": command}) == stage
    assert vivado_stage({"Command": command, "Design State": "Fully Placed"}) == "placed"  # the state wins


def test_power_report_cut_inside_its_hierarchy_table(tmp_path):
    lines = (FIXTURES / "seanlipps_har_conv1d_stream/reports/vivado_power.rpt").read_text().splitlines(keepends=True)
    at = next(k for k, line in enumerate(lines) if line.startswith("3.1 By Hierarchy"))
    for cut in range(at + 1, at + 7):  # heading, underline, blank, top border, header, header rule
        path = tmp_path / "vivado_power.rpt"
        path.write_text("".join(lines[:cut]))
        expect_error(path, "truncated")


def test_an_hls_export_run_is_not_read_as_the_design(tmp_path):
    """<solution>/impl/ is the HLS tool's own export run of a wrapper ('bd_0_wrapper'): not this design's."""
    shutil.copy(DENSE / "myproject_csynth.xml", tmp_path)
    (tmp_path / "syn").mkdir()
    (tmp_path / "impl" / "verilog").mkdir(parents=True)
    (tmp_path / "impl" / "verilog" / "bd_0_wrapper_utilization_placed.rpt").write_text(
        (DENSE / "vivado_synth.rpt").read_text().replace("| Design       : myproject", "| Design       : bd_0_wrapper"))
    report = parse(tmp_path)
    assert report["post_synthesis"] is None and report["post_implementation"] is None
