"""The demonstration hospital: synthetic data and the feeds that carry it."""
