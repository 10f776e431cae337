"""Plain, frozen data describing a scenario, every duration in seconds: contact types, agent
groups and skills, routing rules by name, workforce items, disruptions, demand shocks, costs,
distributions and the named random streams. Imports numpy at most."""
