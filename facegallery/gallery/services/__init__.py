"""Writes of faces. One module per subdomain; import from the module (services.faces)."""
