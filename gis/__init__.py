"""Spatial side of edumap: boundaries, villages, service areas, coverage and maps."""
