"""Computing trust scores from each advocate's own history across the domains (entries,
referrals, flags, how they joined and sign in), kept current by event subscribers."""
