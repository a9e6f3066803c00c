"""Community services: reading (targeting, lists, pages), posting, and the marketers' side."""

from portal.community.service.answers import NotAReply, may_accept, toggle_answer
from portal.community.service.browse import (
    POSTS_PER_PAGE,
    TOPICS_PER_PAGE,
    CategoryRow,
    TopicPage,
    access_category,
    access_post,
    access_topic,
    busiest_topics,
    is_staff,
    list_categories,
    list_topics,
    page_of_post,
    read_topic,
)
from portal.community.service.following import (
    is_following,
    is_muted,
    toggle_follow,
    toggle_mute,
)
from portal.community.service.manage import (
    CategoryNameTaken,
    CategoryValues,
    ManagedCategory,
    access_managed_category,
    create_category,
    managed_categories,
    update_category,
)
from portal.community.service.posting import (
    EmptyPost,
    TopicLocked,
    quoted_html,
    reply,
    start_topic,
)
from portal.community.service.reactions import OwnPost, toggle_helpful

__all__ = [
    "POSTS_PER_PAGE",
    "TOPICS_PER_PAGE",
    "CategoryNameTaken",
    "CategoryRow",
    "CategoryValues",
    "EmptyPost",
    "ManagedCategory",
    "NotAReply",
    "OwnPost",
    "TopicLocked",
    "TopicPage",
    "access_category",
    "access_managed_category",
    "access_post",
    "access_topic",
    "busiest_topics",
    "create_category",
    "is_following",
    "is_muted",
    "is_staff",
    "list_categories",
    "list_topics",
    "managed_categories",
    "may_accept",
    "page_of_post",
    "quoted_html",
    "read_topic",
    "reply",
    "start_topic",
    "toggle_answer",
    "toggle_follow",
    "toggle_helpful",
    "toggle_mute",
    "update_category",
]
