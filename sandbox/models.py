"""Each learner's simulated AWS account, stored as the engine's JSON value, and lab progress."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from threading import Lock

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

import gateway as gw

# Per process: the stored state's generation -> Account, so that /gw/ requests do not rebuild
# the model (and recompile deployments) from the database on every call. A generation is a
# fresh random token on every save, so a cached Account is never one of another state.
_LOADED: OrderedDict[uuid.UUID, gw.Account] = OrderedDict()
_LOADED_LOCK = Lock()
_LOADED_MAX = 64
DATA_SECTIONS = ("dynamodbTables", "sqsQueues", "stepFunctionsExecutions", "kinesisStreams", "wsConnections")


class LimitError(Exception):
    """A sandbox limit (APIs, resources, template size...): the message says which."""


class SandboxAccount(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sandbox")
    state = models.JSONField(default=dict)
    revision = models.PositiveIntegerField(default=0)
    generation = models.UUIDField(default=uuid.uuid4)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Sandbox of {self.user}"

    # -- loading ---------------------------------------------------------------------

    def account(self) -> gw.Account:
        """The engine's Account for this revision (cached per process; do not mutate it: use `editing`)."""
        return self.cached(self.pk, self.generation, self.state)

    @classmethod
    def cached(cls, pk: int, generation: uuid.UUID, state: dict | None = None) -> gw.Account:
        """The Account of a stored generation, read from the database only when this process lacks it."""
        key = generation
        with _LOADED_LOCK:
            cached = _LOADED.get(key)
            if cached is not None:
                _LOADED.move_to_end(key)
                return cached
        if state is None:
            state = cls.objects.filter(pk=pk).values_list("state", flat=True).first()
        account = gw.Account.from_dict(state) if state else new_account()
        with _LOADED_LOCK:
            _LOADED[key] = account
            while len(_LOADED) > _LOADED_MAX:
                _LOADED.popitem(last=False)
        return account

    @classmethod
    def for_user(cls, user) -> SandboxAccount:
        sandbox, created = cls.objects.get_or_create(user=user)
        if created or not sandbox.state:
            sandbox.state = new_account().to_dict()
            sandbox.generation = uuid.uuid4()
            sandbox.save(update_fields=["state", "generation", "updated_at"])
        return sandbox

    # -- changing ----------------------------------------------------------------------

    @classmethod
    @contextmanager
    def editing(cls, user):
        """Lock the learner's sandbox, hand out a fresh Account, save it if the block succeeds.

        All or nothing: an exception inside the block (a ValidationError from the engine, say)
        leaves the stored sandbox exactly as it was.
        """
        cls.for_user(user)
        with transaction.atomic():
            sandbox = cls.objects.select_for_update().get(user=user)
            account = gw.Account.from_dict(sandbox.state)
            yield account
            check_limits(account)
            sandbox.store(account)

    def store(self, account: gw.Account) -> None:
        self.state = account.to_dict()
        self.revision += 1
        self.generation = uuid.uuid4()
        self.save(update_fields=["state", "revision", "generation", "updated_at"])
        ApiOwner.sync(self, account)
        AccessKeyOwner.sync(self, account)

    def store_data(self, account: gw.Account, before: str) -> None:
        """After an invocation changed simulated data (a table, a queue...): keep the data only.

        The console may have saved a newer configuration meanwhile; data sections are merged into
        the newest state so that neither is lost.
        """
        if data_digest(account) == before:
            return
        with transaction.atomic():
            sandbox = SandboxAccount.objects.select_for_update().get(pk=self.pk)
            fresh = gw.Account.from_dict(sandbox.state)
            for section in DATA_SECTIONS:
                setattr(fresh, section, getattr(account, section))
            sandbox.save_data(fresh)

    def save_data(self, account: gw.Account) -> None:
        """Store `account` as the new generation, inside the caller's transaction with the row
        locked (`select_for_update`): only its simulated data may differ from the stored state,
        so the API owners and access keys need no sync."""
        self.state = account.to_dict()
        self.revision += 1
        self.generation = uuid.uuid4()
        self.save(update_fields=["state", "revision", "generation", "updated_at"])


def data_digest(account: gw.Account) -> str:
    data = {section: getattr(account, section) for section in DATA_SECTIONS}
    return hashlib.sha1(json.dumps(gw.model.shape.dump(data), sort_keys=True, default=str).encode()).hexdigest()  # noqa: S324


def new_account() -> gw.Account:
    """A fresh sandbox: the teaching Lambda functions and their DynamoDB table are there from the start."""
    account = gw.Account()
    gw.install_teaching_functions(account)
    return account


LIMITS = {
    "apis": 20,
    "resources": 300,
    "template_bytes": 64 * 1024,
}


def check_limits(account: gw.Account) -> None:
    apis = len(account.restApis) + len(account.v2Apis)
    if apis > LIMITS["apis"]:
        raise LimitError(f"A sandbox holds at most {LIMITS['apis']} APIs (you have {apis}): delete one first.")
    for api in account.restApis.values():
        if len(api.resources) > LIMITS["resources"]:
            raise LimitError(
                f"An API holds at most {LIMITS['resources']} resources ({api.name} has {len(api.resources)})."
            )
        for resource in api.resources.values():
            for method in resource.resourceMethods.values():
                integration = method.methodIntegration
                templates = list(integration.requestTemplates.values()) if integration else []
                if integration:
                    for response in integration.integrationResponses.values():
                        templates += list(response.responseTemplates.values())
                if any(len(t.encode()) > LIMITS["template_bytes"] for t in templates):
                    raise LimitError(f"A mapping template holds at most 64 KB ({resource.path} {method.httpMethod}).")


class ApiOwner(models.Model):
    """Which sandbox serves /gw/<api_id>/...: API ids are unique across learners."""

    KINDS = [("REST", "REST API"), ("HTTP", "HTTP API"), ("WEBSOCKET", "WebSocket API")]
    api_id = models.CharField(max_length=20, primary_key=True)
    sandbox = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="apis")
    kind = models.CharField(max_length=10, choices=KINDS, default="REST")

    def __str__(self) -> str:
        return self.api_id

    @classmethod
    def sync(cls, sandbox: SandboxAccount, account: gw.Account) -> None:
        wanted = {api_id: "REST" for api_id in account.restApis}
        wanted |= {api_id: api.protocolType for api_id, api in account.v2Apis.items()}
        current = dict(cls.objects.filter(sandbox=sandbox).values_list("api_id", "kind"))
        if current == wanted:
            return
        cls.objects.filter(sandbox=sandbox).exclude(api_id__in=wanted).delete()
        for api_id, kind in wanted.items():
            if current.get(api_id) != kind:
                cls.objects.update_or_create(api_id=api_id, defaults={"sandbox": sandbox, "kind": kind})


class AccessKeyOwner(models.Model):
    """Whose sandbox an IAM access key belongs to: the AWS endpoint (/aws/) finds the learner's
    account from the key a request is signed with, and nothing else."""

    access_key_id = models.CharField(max_length=128, primary_key=True)
    sandbox = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="access_keys")

    def __str__(self) -> str:
        return self.access_key_id

    @classmethod
    def sync(cls, sandbox: SandboxAccount, account: gw.Account) -> None:
        wanted = {key.accessKeyId for user in account.iamUsers.values() for key in user.accessKeys}
        current = set(cls.objects.filter(sandbox=sandbox).values_list("access_key_id", flat=True))
        if current == wanted:
            return
        cls.objects.filter(sandbox=sandbox).exclude(access_key_id__in=wanted).delete()
        cls.objects.bulk_create([cls(access_key_id=k, sandbox=sandbox) for k in wanted - current])


class LabProgress(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_progress")
    lab = models.SlugField(max_length=80)
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    checks = models.PositiveIntegerField(default=0)
    last_result = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lab"], name="one_progress_per_lab")]

    def __str__(self) -> str:
        return f"{self.user} · {self.lab}"


class RuntimeEntry(models.Model):
    """The engine's runtime state (token buckets, quota counters, cache entries), shared by every
    server process. See sandbox/store.py for the atomic operations on it."""

    key = models.CharField(max_length=400, primary_key=True)
    tokens = models.FloatField(default=0)
    last = models.FloatField(default=0)
    count = models.BigIntegerField(default=0)
    value = models.TextField(null=True, blank=True)  # noqa: DJ001 (NULL: a counter, not a cache entry)

    def __str__(self) -> str:
        return self.key
