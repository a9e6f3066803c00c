"""Manage → Sign-in providers (admins): the OpenID Connect providers people sign in with, each
with its redirect URI to register, its client, the domains it may sign in and is authoritative
for, the roles it may sign in, and its group claim mapping. The client secret is write-only."""

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.auth.models import SsoProvider
from portal.auth.service import sso_providers
from portal.auth.service.sso_providers import PRESET_BY_KEY, PRESETS, ProviderFields
from portal.auth.sso import callback_url
from portal.forms import FormState, secret
from portal.i18n import N_, gettext
from portal.parsing import InvalidInput
from portal.people.access import current_user, requires
from portal.people.models import Role
from portal.people.reauth import confirmed_recently
from portal.web import db, flash, redirect, render

admins = requires(Role.ADMIN)
TEXT_FIELDS = (
    "name",
    "preset",
    "discovery_url",
    "client_id",
    "allowed_domains",
    "authoritative_domains",
    "group_claim",
    "group_map",
)


async def _provider_form(
    request: Request, form: FormData, *, new: bool
) -> tuple[FormState, ProviderFields | None]:
    state = FormState.of(form, *TEXT_FIELDS)
    chosen = form.getlist("roles")
    roles = [role for role in Role if role.value in chosen]
    state.data["roles"] = ",".join(role.value for role in roles)
    state.data["enabled"] = "on" if form.get("enabled") else ""
    client_secret = secret(form, "client_secret").strip()
    state.require("name", message=gettext("Name the provider, as the sign-in button shows it."))
    state.require("client_id", message=gettext("Enter the client ID the provider gave you."))
    state.check_length("name", 80)
    state.check_length("client_id", 200)
    state.check_length("group_claim", 200)
    if len(client_secret) > 500:
        state.add_error("client_secret", gettext("Use at most 500 characters."))
    if state.value("preset") not in PRESET_BY_KEY:
        state.data["preset"] = "generic"
    discovery = state.value("discovery_url")
    if "{" in discovery:
        state.add_error(
            "discovery_url", gettext("Replace the {placeholders} with your own values.")
        )
    elif not discovery:
        state.add_error("discovery_url", gettext("Enter the provider's discovery URL."))
    else:
        state.url("discovery_url", max_length=500)
    if not roles:
        state.add_error("roles", gettext("Choose at least one role this provider may sign in."))
    domains: dict[str, list[str]] = {}
    for name in ("allowed_domains", "authoritative_domains"):
        try:
            domains[name] = sso_providers.parse_domains(state.value(name))
        except InvalidInput as error:
            state.add_error(name, error.message)
    try:
        group_map = await sso_providers.parse_group_map(db(request), state.value("group_map"))
    except InvalidInput as error:
        state.add_error("group_map", error.message)
        group_map = []
    if group_map and not state.value("group_claim"):
        state.add_error("group_claim", gettext("Name the claim that the mapping below reads."))
    if not state.ok:
        return state, None
    return state, ProviderFields(
        name=state.value("name"),
        preset=state.value("preset"),
        discovery_url=discovery,
        client_id=state.value("client_id"),
        client_secret=client_secret if client_secret or new else None,
        allowed_domains=domains["allowed_domains"],
        authoritative_domains=domains["authoritative_domains"],
        roles=roles,
        group_claim=state.value("group_claim"),
        group_map=group_map,
        enabled=bool(state.value("enabled")),
    )


async def _form_of(request: Request, provider: SsoProvider) -> FormState:
    return FormState(
        data={
            "name": provider.name,
            "preset": provider.preset,
            "discovery_url": provider.discovery_url,
            "client_id": provider.client_id,
            "allowed_domains": "\n".join(provider.allowed_domain_list),
            "authoritative_domains": "\n".join(provider.authoritative_domain_list),
            "roles": ",".join(role.value for role in Role if role in provider.role_set),
            "group_claim": provider.group_claim,
            "group_map": await sso_providers.group_map_text(db(request), provider),
            "enabled": "on" if provider.enabled else "",
        }
    )


def _page(
    request: Request,
    form: FormState,
    *,
    provider: SsoProvider | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "form": form,
        "provider": provider,
        "preset": PRESET_BY_KEY.get(form.value("preset"), PRESET_BY_KEY["generic"]),
        "roles": list(Role),
        "callback_url": callback_url(provider) if provider else None,
    }
    return render(request, "auth/sso_provider.html", context, status_code=status_code)


@admins
async def provider_list(request: Request) -> Response:
    providers = await sso_providers.list_providers(db(request))
    context = {
        "providers": providers,
        "presets": PRESETS,
        "roles_order": list(Role),
        "callback_urls": {provider.id: callback_url(provider) for provider in providers},
    }
    return render(request, "auth/sso_providers.html", context)


@admins
async def new(request: Request) -> Response:
    preset = PRESET_BY_KEY.get(request.query_params.get("preset", ""), PRESET_BY_KEY["generic"])
    form = FormState(
        data={
            "name": "" if preset.key == "generic" else preset.label,
            "preset": preset.key,
            "discovery_url": preset.discovery_url,
            "group_claim": preset.group_claim,
            "roles": Role.ADVOCATE.value,
            "enabled": "on",
        }
    )
    return _page(request, form)


@admins
@confirmed_recently(N_("add a sign-in provider"))
async def create(request: Request) -> Response:
    state, fields = await _provider_form(request, await request.form(), new=True)
    if fields is None:
        return _page(request, state, status_code=422)
    provider = await sso_providers.create_provider(
        db(request), actor=current_user(request), fields=fields
    )
    flash(
        request,
        gettext("%(provider)s added. Register its redirect URI at the provider.")
        % {"provider": provider.name},
    )
    return redirect(request, "sso_providers:detail", provider_id=provider.id)


@admins
async def detail(request: Request) -> Response:
    provider = await sso_providers.get_provider(db(request), request.path_params["provider_id"])
    return _page(request, await _form_of(request, provider), provider=provider)


@admins
@confirmed_recently(N_("change a sign-in provider"))
async def save(request: Request) -> Response:
    provider = await sso_providers.get_provider(db(request), request.path_params["provider_id"])
    state, fields = await _provider_form(request, await request.form(), new=False)
    if fields is None:
        return _page(request, state, provider=provider, status_code=422)
    await sso_providers.update_provider(
        db(request), provider, actor=current_user(request), fields=fields
    )
    flash(request, gettext("%(provider)s saved.") % {"provider": provider.name})
    return redirect(request, "sso_providers:list")


@admins
@confirmed_recently(N_("remove a sign-in provider"))
async def remove(request: Request) -> Response:
    provider = await sso_providers.get_provider(db(request), request.path_params["provider_id"])
    await sso_providers.delete_provider(db(request), provider, actor=current_user(request))
    flash(
        request,
        gettext("%(provider)s removed. People it signed in can use their password.")
        % {"provider": provider.name},
    )
    return redirect(request, "sso_providers:list")


routes = [
    Route("/", provider_list, methods=["GET"], name="list"),
    Route("/new", new, methods=["GET"], name="new"),
    Route("/new", create, methods=["POST"], name="create"),
    Route("/{provider_id:int}", detail, methods=["GET"], name="detail"),
    Route("/{provider_id:int}", save, methods=["POST"], name="save"),
    Route("/{provider_id:int}/remove", remove, methods=["POST"], name="remove"),
]
