# l1cnn: Vivado logic synthesis, and on request implementation, of the RTL an HLS tool exported for an
# hls4ml project, writing the reports l1cnn reads (hls/vendor_reports/). Run by hls/synth.py as
#   vivado -mode batch -nojournal -nolog -source l1cnn_vivado.tcl -tclargs RTL_DIR TOP PART CLOCK_NS IMPLEMENT OUT_DIR
# Out of context: an hls4ml io_parallel top has more ports than the package has pins; the clock is
# constrained on ap_clk at the project's period, as the HLS tool scheduled it.
lassign $argv rtl_dir top part clock_ns implement out_dir
file mkdir $out_dir
create_project -in_memory -part $part
read_verilog [glob -directory $rtl_dir *.v]
foreach rom [glob -nocomplain -directory $rtl_dir *.dat] { add_files $rom }
foreach ip [glob -nocomplain -directory $rtl_dir *_ip.tcl] { source $ip }
if {[llength [get_ips]] > 0} { generate_target all [get_ips]; synth_ip [get_ips] }
set xdc [file join $out_dir l1cnn_clock.xdc]
set fh [open $xdc w]
puts $fh "create_clock -name ap_clk -period $clock_ns \[get_ports ap_clk\]"
close $fh
read_xdc -mode out_of_context $xdc

synth_design -top $top -part $part -mode out_of_context -flatten_hierarchy rebuilt
report_utilization -file [file join $out_dir synth_utilization.rpt]
report_utilization -hierarchical -hierarchical_depth 2 -file [file join $out_dir synth_utilization_hierarchical.rpt]
report_timing_summary -file [file join $out_dir synth_timing_summary.rpt]

if {$implement} {
    opt_design
    place_design
    phys_opt_design
    route_design
    report_utilization -file [file join $out_dir routed_utilization.rpt]
    report_utilization -hierarchical -hierarchical_depth 2 -file [file join $out_dir routed_utilization_hierarchical.rpt]
    report_timing_summary -file [file join $out_dir routed_timing_summary.rpt]
    report_power -file [file join $out_dir routed_power.rpt]
}
