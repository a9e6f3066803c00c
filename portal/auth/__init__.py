"""Signing in and accounts: invitations, password resets, login throttling, open sign-up, single
sign-on, the profile page and Manage → People. The people themselves (users, roles, groups) live in
`portal.people`."""
