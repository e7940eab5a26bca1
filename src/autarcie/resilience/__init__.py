"""Self-resilience: encrypted backups, restore drills, key rotation and escrow, health."""
