"""Exercises: scenarios with timed injects, observed reactions, and the after-action report."""
