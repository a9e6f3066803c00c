"""Segments: groups whose members are whoever their rules match (profile, level, points,
activity, referrals). Members are kept in group_members like a static group's, so everything
that targets groups reads one table; this package recomputes them on change and on a schedule."""
