"""Openings: jobs found at organizations, matching, pipelines, placements and their follow-ups."""
