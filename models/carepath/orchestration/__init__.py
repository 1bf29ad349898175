"""Running scenarios and recording their results and provenance."""
