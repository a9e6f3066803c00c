"""Webhooks: endpoints (endpoints) and the deliveries of their events (deliveries)."""
