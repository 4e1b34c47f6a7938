"""docs/aws-clients.md's table is the code's: every handler is a real AWS operation, and the
document lists exactly what is served."""

from __future__ import annotations

from django.core.management import call_command

from gateway.awsapi import catalog, protocol
from gateway.awsapi.registry import OPERATIONS


def test_every_handler_is_an_operation_of_aws_service_model():
    for service, name in OPERATIONS:
        assert name in protocol.service_model(service).operation_names, f"{service}.{name} is not an AWS operation"


def test_the_document_is_generated_from_the_code():
    call_command("aws_clients_doc", "--check")  # raises CommandError when out of date
    text = (catalog.markdown()).splitlines()
    assert "| `create-usage-plan-key` | Adds an API key to a plan: the step that makes a new key work. |" in text
    assert any(line.startswith("| `get-caller-identity` |") for line in text)
