"""The crisis cell: main courante, tasks, SitReps, legal clocks, directory, alerts, restoration."""
