"""Program settings that admins change in the portal (name, sign-up policy), kept in the
database so every worker sees the same values."""
