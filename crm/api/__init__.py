"""The REST API (``/api/v1``): personal access tokens, JSON resources over the features' services."""
