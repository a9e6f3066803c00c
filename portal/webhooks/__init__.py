"""Outbound webhooks: endpoints admins register, the catalogue of event types they choose from,
the deliveries written with the change that caused them and sent by jobs after the commit,
signed per the Standard Webhooks spec."""
