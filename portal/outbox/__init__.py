"""The email outbox: mail is written here in the same transaction as the event that causes it,
and a job sends it over SMTP. Without SMTP settings it stays here for admins to read."""
