"""Challenges: marketers post them, advocates complete them (a submission per completion) and
earn points when a submission is approved, at once or by a marketer in the approval queue."""
