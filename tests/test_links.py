"""portal.links: every link the portal hands out comes from the app's route table."""

import pytest
from starlette.routing import NoMatchFound

from portal import links


def test_a_path_and_an_absolute_url_come_from_the_route_name_and_its_params() -> None:
    assert links.path_for("pipeline:detail", referral_id=3) == "/pipeline/3"
    assert links.absolute_url("pipeline:detail", referral_id=3) == "http://portal.test/pipeline/3"
    assert links.absolute_url("referrals:landing", code="ab12") == "http://portal.test/r/ab12"
    assert links.absolute_url("home") == "http://portal.test/"


def test_an_unknown_route_name_or_a_missing_param_raises() -> None:
    with pytest.raises(NoMatchFound):
        links.path_for("pipeline:nowhere", referral_id=3)
    with pytest.raises(NoMatchFound):
        links.absolute_url("pipeline:detail")


def test_a_link_before_the_route_table_is_installed_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(links, "_installed", None)
    with pytest.raises(links.LinksNotInstalled, match="install"):
        links.absolute_url("home")


def test_a_pages_links_to_rows_are_the_routers_own_for_ids_and_anything_else() -> None:
    from starlette.requests import Request

    from portal.templating import url_for

    router = links._current().router
    scope = {
        "type": "http",
        "scheme": "http",
        "server": ("portal.test", 80),
        "path": "/",
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "router": router,
    }
    context = {"request": Request(scope)}
    for challenge_id in (7, 7, 1234):  # the second of each asks the shape found by the first
        expected = Request(scope).url_for("challenges:detail", challenge_id=challenge_id)
        assert url_for(context, "challenges:detail", challenge_id=challenge_id) == expected
    assert (
        str(url_for(context, "pipeline:detail", referral_id=12)) == "http://portal.test/pipeline/12"
    )
    # Not an id: the router builds it as before.
    assert str(url_for(context, "referrals:landing", code="ab12")) == "http://portal.test/r/ab12"
    with pytest.raises(NoMatchFound):
        url_for(context, "pipeline:detail", nobody=3)
