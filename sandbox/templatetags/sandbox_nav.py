"""The sandbox's one navigation: which section a page belongs to, from its URL name."""

from __future__ import annotations

from django import template

from sandbox import invoke_host

register = template.Library()

# (section, label, url name); the order is the order of the menu.
SECTIONS = [
    ("apis", "APIs", "sandbox:home"),
    ("labs", "Labs", "sandbox:labs"),
    ("keys", "API keys & usage plans", "sandbox:keys"),
    ("functions", "Lambda functions", "sandbox:functions"),
    ("iam", "IAM", "sandbox:iam"),
    ("terminal", "Terminal & SDKs", "sandbox:terminal"),
    ("cognito", "Cognito", "sandbox:cognito"),
    ("openapi", "OpenAPI & SDKs", "sandbox:openapi"),
    ("metrics", "Metrics & logs", "sandbox:metrics_home"),
]
_PREFIXES = [
    ("lab", "labs"),
    ("progress", "labs"),
    ("key", "keys"),
    ("create_key", "keys"),
    ("plan", "keys"),
    ("create_plan", "keys"),
    ("function", "functions"),
    ("iam", "iam"),
    ("terminal", "terminal"),
    ("cognito", "cognito"),
    ("pool", "cognito"),
    ("create_pool", "cognito"),
    ("openapi", "openapi"),
    ("metrics", "metrics"),
]


def section_of(url_name: str) -> str:
    """The menu section of a sandbox page; every page of an API (stages, authorizers...) is under APIs."""
    for prefix, section in _PREFIXES:
        if url_name.startswith(prefix):
            return section
    return "apis"


@register.inclusion_tag("sandbox/_nav.html", takes_context=True)
def sandbox_nav(context):
    match = context["request"].resolver_match
    current = section_of(match.url_name or "") if match else ""
    return {"sections": SECTIONS, "current": current}


@register.simple_tag(takes_context=True)
def invoke_url(context, api_id: str, stage: str) -> str:
    """A stage's invoke URL on the API's own origin (sandbox.invoke_host)."""
    return invoke_host.invoke_url(context["request"], api_id, stage)
