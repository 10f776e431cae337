"""The SimPy world of one replication: draws made up front, the contact lifecycle, agents and
routing, outages and interventions as components, and the realtime view built through a narrow
port. Takes a validated :class:`~sim.core.scenario.Scenario`, returns a replication outcome."""
