"""Forecasts and pricing: episode download forecasts (episodes.py over the release curves
of curves.py) and ad inventory with suggested CPMs (inventory.py)."""
