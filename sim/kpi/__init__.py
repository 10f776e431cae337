"""KPIs of a replication: one definition each, one pipeline behind every breakdown (contact
type, group, interval, day), and adherence and shrinkage of scheduled agents."""
