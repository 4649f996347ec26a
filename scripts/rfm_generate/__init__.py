"""Parts of scripts/generate_orders.py (the demo and test order generator)."""
