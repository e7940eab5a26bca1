"""Degraded-mode care: what staff record while the hospital's information system is down."""
