"""Outcomes and savings: the outreach funnel, retention, and the public-savings ledger."""
