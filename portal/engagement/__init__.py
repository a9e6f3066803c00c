"""Engagement: the emails that welcome, nudge and summarise, each sent at most once per person,
kind and period."""
