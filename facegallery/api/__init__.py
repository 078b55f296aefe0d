"""The JSON API (django-ninja): faces, votes and reports, OpenAPI at /api/openapi.json."""
