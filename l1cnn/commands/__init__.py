"""The commands beside the pipeline stages: verify, estimate, parse-report, sweep (each `main(args)`)."""
