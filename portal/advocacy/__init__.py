"""Advocacy reported by other systems: event types defined in Manage (a review published, a
webinar attended), each with its points and optionally a challenge it completes, and the events
recorded through the API, once per idempotency key."""
