"""Observation: the rows processes record."""
