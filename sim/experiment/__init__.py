"""Replications under common random numbers, the process pool, confidence intervals, paired
comparisons, tables and the run folder. pandas starts here."""
