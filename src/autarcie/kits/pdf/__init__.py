"""PDF layout of the kits: pure functions from kit content to files (ReportLab, no Django)."""
