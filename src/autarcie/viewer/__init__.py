"""Downtime screens: home, census, patient summary, search, break-glass, access review."""
