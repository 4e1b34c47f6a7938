"""Every operation the endpoint serves, called with what a careless or hostile client sends
(nothing but the path's values, or wrong types), answers AWS's error shape, never a crash."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from gateway.awsapi import protocol
from gateway.awsapi.registry import OPERATIONS
from tests.gateway.awsclients import Sandbox


def _minimal(service: str, operation: str) -> dict:
    """Only the members the URI needs, with made-up values: the body is left out."""
    shape = protocol.service_model(service).operation_model(operation).input_shape
    if shape is None:
        return {}
    values = {}
    for name, member in shape.members.items():
        if member.serialization.get("location") == "uri":
            values[name] = "GET" if "method" in name.lower() else "x1"
    return values


@pytest.mark.parametrize(("service", "operation"), sorted(k for k in OPERATIONS if k[0] != "sts"))
def test_an_empty_call_is_a_client_error(service, operation):
    sb = Sandbox()
    client = sb.client(service)
    client.meta.config.parameter_validation = False
    client._client_config.parameter_validation = False  # noqa: SLF001 (send what botocore would refuse)
    method = getattr(client, protocol_name(operation))
    try:
        method(**_minimal(service, operation))
    except ClientError as exc:
        status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
        assert 400 <= status < 500, (operation, exc.response["Error"])
    except Exception as exc:  # botocore refusing to build the request is the client's business
        assert type(exc).__module__.startswith("botocore"), (operation, exc)


def protocol_name(operation: str) -> str:
    from botocore import xform_name

    return xform_name(operation)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "SerializationException"),
        (json.dumps({"name": 5}).encode(), "BadRequestException"),
        (json.dumps({"name": "x", "endpointConfiguration": "EDGE"}).encode(), "BadRequestException"),
        (json.dumps({"name": "x", "minimumCompressionSize": "big"}).encode(), "BadRequestException"),
        (json.dumps([1, 2]).encode(), "BadRequestException"),
    ],
)
def test_garbage_bodies_and_wrong_types_are_400(body, code):
    sb = Sandbox()
    client = sb.client("apigateway")
    # The body replaced before botocore signs it: the signature holds, the content is wrong.
    client.meta.events.register_first(
        "before-sign.apigateway.CreateRestApi", lambda request, **_: setattr(request, "data", body)
    )
    with pytest.raises(ClientError) as excinfo:
        client.create_rest_api(name="x")
    assert excinfo.value.response["Error"]["Code"] == code
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sb.account.restApis == {}
