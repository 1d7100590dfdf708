"""Privacy of the people the hub helps: encryption at rest, the access log, GDPR tools."""
