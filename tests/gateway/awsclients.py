"""Real boto3 clients whose requests the engine answers in-process (no server, no network).

botocore's `before-send` event lets a handler answer instead of the HTTP layer: the request
the client built and signed goes through `gateway.awsapi.dispatch` exactly as the web
endpoint passes it on, and botocore parses the answer with its own parsers.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config

import gateway as gw
from gateway.awsapi import dispatch
from gateway.awsapi.errors import AwsError
from gateway.awsapi.registry import Context
from gateway.model.call import Runtime
from gateway.model.resources import AccessKey, IamUser

ADMIN_POLICY = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


class _Raw(io.BytesIO):
    """What botocore reads an answer from: whole (`stream`) or as a streaming body (`read`)."""

    def stream(self, **_kwargs):
        yield self.getvalue()


@dataclass
class Sandbox:
    """One learner's account, as the web app holds it: every write all or nothing."""

    account: gw.Account = field(default_factory=gw.Account)
    runtime: Runtime = field(default_factory=Runtime)
    calls: int = 0

    def user(self, name: str, policy: str | None = ADMIN_POLICY, key: str | None = None) -> tuple[str, str]:
        key_id = key or f"AKIA{name.upper():X<16}"[:20]
        secret = f"secret-of-{name}-" + "x" * 24
        self.account.iamUsers[name] = IamUser(
            name=name, accessKeys=[AccessKey(key_id, secret)], policies=[policy] if policy else []
        )
        return key_id, secret

    def client(self, service: str, key: tuple[str, str] | None = None):
        key_id, secret = key or self.user("admin")
        session = boto3.session.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name="us-east-1")
        client = session.client(
            service,
            endpoint_url="http://127.0.0.1:8000/aws/",
            config=Config(retries={"max_attempts": 1}, parameter_validation=True),
        )
        client.meta.events.register("before-send", self._send)
        return client

    def _send(self, request, **_kwargs):
        self.calls += 1
        split = urlsplit(request.url)
        headers = [(k, v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()]
        if not any(k.lower() == "host" for k, _ in headers):
            headers.append(("Host", split.netloc))
        body = request.body or b""
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        aws = dispatch.AwsRequest(
            request.method,
            unquote(split.path[len("/aws") :]),
            parse_qsl(split.query, keep_blank_values=True),
            headers,
            body,
            signed_path=split.path,
            prefix="/aws",
        )
        status, out_headers, data = self.answer(aws)
        return AWSResponse(request.url, status, dict(out_headers), _Raw(data))

    def answer(self, aws: dispatch.AwsRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        service = "apigateway"
        try:
            target = dispatch.identify(aws)
            service = target.service
            now = time.time()
            caller = dispatch.authenticate(aws, target, self.account, now)
            working = gw.Account.from_dict(self.account.to_dict()) if target.writes else self.account
            ctx = Context(account=working, caller=working.iamUsers[caller.name], now=now, runtime=self.runtime)
            answer = dispatch.execute(aws, target, ctx)
            if target.writes:
                self.account = working
            return answer
        except AwsError as exc:
            return dispatch.error_answer(service, exc, "test-request")
