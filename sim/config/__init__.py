"""The only code that knows YAML and CSV shapes: the config schema, the checker that reports
every problem at once, the data-file readers and the building of a validated run."""
