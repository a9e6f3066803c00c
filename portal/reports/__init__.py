"""Manage → Reports: how the program is doing, read across every domain (a readers package)."""
