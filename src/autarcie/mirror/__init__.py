"""The mirror: feed parsers and listeners, the resource store, projections, quarantine, freeze."""
