"""Duplicate organizations: find the ones recorded twice, dismiss false alarms, merge the real ones."""
