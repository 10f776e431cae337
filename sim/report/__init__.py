"""What a person reads: the report's sections, the figures and their formatting."""
