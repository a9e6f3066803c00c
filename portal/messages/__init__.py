"""Messages: broadcasts that marketers write to everyone, to groups or to chosen people, sent
in the bell and by email (the "news" category) a batch at a time, with what each person did
with them; and the reusable templates they start from."""
