"""Scenario inputs: reading, validating and checking scenario files."""
