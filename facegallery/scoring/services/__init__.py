"""Writes of the scoring loop: labels, features, training and promotion, version changes."""
