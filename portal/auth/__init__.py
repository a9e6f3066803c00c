"""People and signing in: users, roles, groups, invitations, password resets, login throttling,
open sign-up and the profile page."""
