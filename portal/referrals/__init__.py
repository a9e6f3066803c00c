"""Referrals: advocates refer prospects (by form or through their personal link), sales reps move
them through the pipeline, and every stage reached pays its points once through the ledger."""
