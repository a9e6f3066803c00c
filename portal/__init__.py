"""Advocate Portal: an advocate community with challenges, points, referrals and rewards."""
