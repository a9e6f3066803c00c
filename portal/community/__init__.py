"""Community: discussion categories (targetable to groups), topics, replies with quoting,
"helpful" reactions, accepted answers, and the points participation earns (with a daily cap)."""
