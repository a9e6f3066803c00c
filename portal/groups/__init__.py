"""Groups (segments) of advocates: managing them, and the targeting rule other domains share."""
