"""Guards for the forms strangers can post (the referral landing form, open sign-up): a
honeypot, a minimum time to fill the form in, a throttle per client and per link, and
disposable email addresses; refused attempts are counted for staff."""
