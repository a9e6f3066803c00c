"""The home page each person lands on after signing in."""
