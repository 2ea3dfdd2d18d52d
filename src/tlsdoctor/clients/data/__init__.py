"""Dated trust-store and CT log list snapshots (see README.md for sources and dates)."""
