"""Manage → People: the table of everyone in the program (sortable, filterable on any field,
saved views, CSV export, bulk actions behind a confirmation that states the count) and a
person's whole page. A reader: it reads across points, groups, referrals and the outbox, and
its bulk actions call those domains' services, so it sits above them."""
