"""Behaviour: onsets, the patient journey, and one module per reform mechanism."""
