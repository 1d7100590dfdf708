"""Candidates: people referred by the social services who are looking for work."""
