"""The static health system: facilities, opening hours, zones and case mix."""
