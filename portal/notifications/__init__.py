"""In-app notifications: one row per thing a person should know about."""
