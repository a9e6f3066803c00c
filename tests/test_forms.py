"""The parsing layer (portal.parsing, portal.forms) on the review's cases of finding 9, and the
pages that used to answer them with a 500."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, QueryParams

from portal.forms import FormState, form_text, ids, query_number, query_text
from portal.parsing import INT4_MAX, InvalidInput, column_length, whole_number
from portal.people.models import Group
from tests.factories import login_as, make_marketer, post_form

BAD_NUMBERS = ["²", "٣", str(2**63), "-1", "1e9", "", "   ", "1.5", "9" * 200]


@pytest.mark.parametrize("raw", BAD_NUMBERS)
def test_a_number_is_ascii_digits_within_its_bounds(raw: str) -> None:
    with pytest.raises(InvalidInput):
        whole_number(raw, minimum=0, maximum=1000)


def test_a_number_may_have_a_sign_and_thousands_separators() -> None:
    assert whole_number("1,000", minimum=0, maximum=1000) == 1000
    assert whole_number("-20", minimum=-50, maximum=50) == -20


def test_a_form_number_is_an_error_on_its_field_keeping_what_was_typed() -> None:
    state = FormState.of(FormData({"points": "²"}), "points")
    assert state.number("points", minimum=1, message="Enter the points.") is None
    assert state.errors == {"points": "Enter the points."}
    assert state.value("points") == "²"


def test_control_characters_are_an_error_on_their_field_and_left_out() -> None:
    state = FormState.of(FormData({"name": "a\x00b", "note": "line\r\nnext\tone"}), "name", "note")
    assert state.errors == {"name": "Remove the control characters from this field."}
    assert state.value("name") == "ab"
    assert state.value("note") == "line\r\nnext\tone"


def test_lengths_come_from_the_column() -> None:
    assert column_length(Group.name) == 120
    state = FormState.of(FormData({"name": "x" * 121}), "name")
    state.check_fits("name", Group.name)
    assert state.errors == {"name": "Use at most 120 characters."}


def test_ids_keep_only_ids_within_int4() -> None:
    form = FormData([("g", "3"), ("g", "²"), ("g", str(INT4_MAX + 1)), ("g", "0"), ("g", "-2")])
    assert ids(form, "g") == {3}


def test_query_strings_and_action_fields_name_the_parameter() -> None:
    params = QueryParams({"page": "²", "q": "a\x00"})
    with pytest.raises(InvalidInput, match="“page”"):
        query_number(params, "page", minimum=1)
    with pytest.raises(InvalidInput, match="“q”"):
        query_text(params, "q", max_length=100)
    assert query_number(QueryParams(), "page", minimum=1) is None
    with pytest.raises(InvalidInput, match="“note”"):
        form_text(FormData({"note": "x" * 501}), "note", max_length=500)


@pytest.mark.parametrize(
    "path",
    ["/rewards/99999999999999999999", "/manage/people/2147483648", "/r/a%00b", "/r/" + "x" * 300],
)
async def test_an_id_past_int4_or_a_path_with_controls_is_a_404(
    client: httpx.AsyncClient, session: AsyncSession, path: str
) -> None:
    await login_as(client, await make_marketer(session))
    assert (await client.get(path)).status_code == 404


@pytest.mark.parametrize("query", ["page=²", "page=9223372036854775808", "q=a%00b"])
async def test_a_bad_query_parameter_is_a_400_naming_it(
    client: httpx.AsyncClient, session: AsyncSession, query: str
) -> None:
    await login_as(client, await make_marketer(session))
    # The People table answers a bad filter with 422 on its field; the pipeline's search is a
    # plain query parameter.
    page = "/manage/people/" if query.startswith("page=") else "/pipeline/"
    response = await client.get(f"{page}?{query}")
    assert response.status_code == 400
    assert f"“{query.split('=')[0]}”" in response.text


@pytest.mark.parametrize("points", ["²", str(2**63), "1e9"])
async def test_a_bad_number_in_a_form_is_a_422_on_its_field(
    client: httpx.AsyncClient, session: AsyncSession, points: str
) -> None:
    await login_as(client, await make_marketer(session))
    data = {"title": "Hoodie", "kind": "physical", "cost": points, "is_active": "on"}
    response = await post_form(client, "/manage/rewards/new", data)
    assert response.status_code == 422
    assert "Enter the cost in points" in response.text
    assert "Hoodie" in response.text


async def test_a_nul_in_a_group_name_is_a_422_not_a_database_error(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    response = await post_form(client, "/manage/groups/", {"name": "Dev\x00s"})
    assert response.status_code == 422
    assert "Remove the control characters" in response.text
