"""Points: the ledger and balances (moved only through `points.service`), levels, badges,
leaderboards and the community feed."""
