"""Recovery: hand what was recorded during the downtime back to the restored systems."""
