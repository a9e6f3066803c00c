"""The audit log: who did what to what, when, with the state before and after."""
