"""Data files shipped with the policy package (read through importlib.resources)."""
