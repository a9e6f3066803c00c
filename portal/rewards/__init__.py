"""Rewards: the catalog advocates redeem points for, code pools, and the fulfilment queue."""
