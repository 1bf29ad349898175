"""Summaries of replicated simulation results across arms."""
