"""Builders for engine tests: small accounts with one API, deployed. No database."""

from __future__ import annotations

import random

import pytest

import gateway as gw

NOW = 1_790_000_000.0  # a fixed simulated clock


def call(account, api, method="GET", path="/", *, stage="dev", query=None, headers=None, body="", rng=None, **kw):
    from gateway.model.call import Request
    from gateway.rest.pipeline import invoke  # loads the template engine only for tests that invoke

    request = Request(
        api_id=api.id,
        stage=stage,
        method=method,
        path=path,
        query=list(query or []),
        headers=list((headers or {}).items()),
        body=body,
        time=NOW,
        **kw,
    )
    return invoke(account, request, rng=rng or random.Random(7))


def new_api(account, name="pets"):
    return gw.create_rest_api(account, name, now=NOW)


def add_method(account, api, path, verb="GET", integration="MOCK", **integration_fields):
    resource = gw.create_resource_path(account, api, path)
    gw.put_method(api, resource.id, verb)
    if integration:
        gw.put_integration(api, resource.id, verb, integration, **integration_fields)
    return resource


def deploy(account, api, stage="dev", **kw):
    return gw.create_deployment(account, api, stage_name=stage, now=NOW, **kw)


def mock_200(account, api, path="/ping", verb="GET", template='{"statusCode": 200}', response_template=None):
    resource = add_method(account, api, path, verb, "MOCK", requestTemplates={"application/json": template})
    gw.put_method_response(api, resource.id, verb, "200")
    gw.put_integration_response(
        api,
        resource.id,
        verb,
        "200",
        responseTemplates={"application/json": response_template} if response_template else {},
    )
    return resource


@pytest.fixture
def account():
    return gw.Account()


@pytest.fixture
def api(account):
    return new_api(account)


@pytest.fixture(autouse=True)
def runtime(monkeypatch):
    """A fresh runtime (token buckets, quotas, caches) for every test."""
    from gateway.rest import pipeline

    fresh = pipeline.Runtime()
    monkeypatch.setattr(pipeline, "DEFAULT_RUNTIME", fresh)
    return fresh
