"""Writes. One module per subdomain; import from the module (services.generation, ...)."""
