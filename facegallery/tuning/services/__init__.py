"""Writes of the tuning loop: training versions (versions.py) and their rollouts (rollouts.py)."""
