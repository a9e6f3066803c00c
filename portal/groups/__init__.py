"""Groups (segments) of advocates: Manage → Groups and their members. The targeting rule that
content, challenges and rewards share lives in `portal.people.targeting`."""
