"""Which operations of each service the endpoint serves, read from the code (the registered
handlers) against AWS's own list (the service models): docs/aws-clients.md's table and the
console's Terminal page are generated from here, never written by hand."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.awsapi import dispatch, protocol  # noqa: F401 (dispatch registers every handler)
from gateway.awsapi.registry import OPERATIONS

TITLES = {
    "apigateway": "API Gateway (REST APIs): `aws apigateway`, boto3 `apigateway`",
    "apigatewayv2": "API Gateway v2 (HTTP and WebSocket APIs): `aws apigatewayv2`, boto3 `apigatewayv2`",
    "lambda": "Lambda: `aws lambda`, boto3 `lambda`",
    "sts": "STS: `aws sts`, boto3 `sts`",
}


@dataclass(frozen=True)
class Row:
    service: str
    operation: str
    cli: str  # the AWS CLI's command name: get-rest-apis
    supported: bool
    what: str  # the handler's first docstring line


def cli_name(operation: str) -> str:
    out = []
    for i, char in enumerate(operation):
        if (
            char.isupper()
            and i
            and (not operation[i - 1].isupper() or (i + 1 < len(operation) and operation[i + 1].islower()))
        ):
            out.append("-")
        out.append(char.lower())
    return "".join(out)


def rows(service: str) -> list[Row]:
    names = protocol.service_model(service).operation_names
    found = []
    for name in names:
        handler = OPERATIONS.get((service, name))
        found.append(Row(service, name, cli_name(name), handler is not None, handler.doc if handler else ""))
    return found


def summary() -> list[tuple[str, int, int]]:
    """(service, operations served, operations AWS has)."""
    return [(s, sum(r.supported for r in rows(s)), len(rows(s))) for s in protocol.SERVICES]


def markdown() -> str:
    """The supported-operations section of docs/aws-clients.md."""
    lines = []
    for service in protocol.SERVICES:
        served = [r for r in rows(service) if r.supported]
        missing = [r.cli for r in rows(service) if not r.supported]
        lines += [f"### {TITLES[service]}", "", f"{len(served)} of {len(rows(service))} operations.", ""]
        lines += ["| command | what the sandbox does |", "| --- | --- |"]
        lines += [f"| `{r.cli}` | {r.what} |" for r in served]
        if missing:
            lines += [
                "",
                f'Not served (answered `BadRequestException`, "not supported by the sandbox"): {", ".join(f"`{m}`" for m in missing)}.',
            ]
        lines.append("")
    return "\n".join(lines)
