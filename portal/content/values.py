"""What the asset form hands the service: plain values, no database."""

from dataclasses import dataclass, field

from portal.translations import Translations


@dataclass
class AssetInput:
    title: str
    description: str = ""
    category: str = ""
    tags: list[str] = field(default_factory=list)
    group_ids: set[int] = field(default_factory=set)
    points: int | None = None  # None: the default for the kind
    is_published: bool = False
    url: str | None = None  # a link item instead of a file
    # Other languages' title and description, as typed (portal.translations).
    translations: Translations = field(default_factory=dict)
