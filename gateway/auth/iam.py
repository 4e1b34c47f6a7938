"""IAM policy evaluation: the subset API Gateway uses for resource policies and IAM callers.

The policy language: Version, Statement (one or a list), Sid, Effect (Allow | Deny),
Principal / NotPrincipal ("*", {"AWS": account id | arn | "*" | [...]}), Action / NotAction
and Resource / NotResource with * and ? wildcards, and Condition with the operators
String(Not)Equals(IgnoreCase), String(Not)Like, Arn(Not)Equals, Arn(Not)Like, (Not)IpAddress
(IPv4 and IPv6 CIDRs), Bool, Null, Numeric*, Date*, each with an ...IfExists variant, and the
ForAnyValue: / ForAllValues: set prefixes. Policy variables such as ${aws:username} are
replaced from the request context.

Evaluation (`evaluate`): an explicit Deny in any matching statement wins, then an Allow,
else the implicit deny. A condition key missing from the request makes a condition false,
except for the negated operators (StringNotEquals, NotIpAddress, ...), which are then true,
and ...IfExists, which is then true: so "Deny unless aws:SourceVpce is vpce-1" denies callers
from the internet, who have no aws:SourceVpce at all.

How API Gateway combines the resource policy with the caller's identity
(`resource_policy_decision`, after the AWS docs' "How API Gateway resource policies affect
authorization workflow"):

  no resource policy      AWS_IAM: the identity policy must allow. Otherwise: allowed.
  NONE (anonymous)        the resource policy must explicitly allow the caller (Principal "*"):
                          Deny -> explicit deny, neither -> implicit deny.
  AWS_IAM, same account   Deny in either policy -> explicit deny; else Allow in either ->
                          allowed; else implicit deny.
  AWS_IAM, other account  both the identity policy and the resource policy must allow.
  CUSTOM, COGNITO_USER_POOLS
                          before the authorizer runs (identity=None) only an explicit Deny
                          stops the call; after it (identity = the authorizer's policy, or
                          Allow for a valid Cognito token), as for AWS_IAM in the same account.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from gateway.model.errors import Problem, ValidationError
from gateway.model.resources import AccessKey, Account, IamUser

INVOKE = "execute-api:Invoke"
INVALIDATE_CACHE = "execute-api:InvalidateCache"
VERSIONS = ("2012-10-17", "2008-10-17")
STATEMENT_KEYS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")

Context = dict[str, str | list[str]]


@dataclass(frozen=True)
class Decision:
    """The outcome of evaluating policies, with what decided it (for the learner)."""

    effect: str  # "Allow" | "Deny" | "ImplicitDeny"
    statement: str | None = None  # the deciding statement: its Sid, else "Statement[i]"
    policy: str = ""  # which policy decided: "resource policy", "identity policy", ...
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.effect == "Allow"

    @property
    def explicit_deny(self) -> bool:
        return self.effect == "Deny"


class Denial(NamedTuple):
    """What API Gateway answers when a policy refuses: (status, message, x-amzn-ErrorType).

    AWS sends these bodies as {"Message": "..."}, with a capital M (recorded responses).
    """

    status: int
    message: str
    error_type: str

    @property
    def response_type(self) -> str:
        return "ACCESS_DENIED"

    @property
    def body_key(self) -> str:
        return "Message"


# ---------------------------------------------------------------------------------------
# ARNs


def method_arn(region: str, account_id: str, api_id: str, stage: str, method: str, resource_path: str) -> str:
    """arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/pets/1 (the root path gives .../GET/)."""
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}/{resource_path.lstrip('/')}"


def expand_execute_api(policy: dict[str, Any], region: str, account_id: str, api_id: str) -> dict[str, Any]:
    """Resource policies may write `execute-api:/stage/METHOD/path`; AWS stores the full ARN."""
    prefix = f"arn:aws:execute-api:{region}:{account_id}:{api_id}/"

    def expand(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("execute-api:/"):
            return prefix + value[len("execute-api:/") :]
        if isinstance(value, list):
            return [expand(v) for v in value]
        return value

    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return policy
    expanded = []
    for st in statements:
        if isinstance(st, dict):
            st = {k: (expand(v) if k in ("Resource", "NotResource") else v) for k, v in st.items()}
        expanded.append(st)
    return {**policy, "Statement": expanded}


def _account_of(arn: str | None) -> str | None:
    if not arn:
        return None
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


# ---------------------------------------------------------------------------------------
# Validation


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


_ACTION = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$")
_ACCOUNT = re.compile(r"^\d{12}$")
_PRINCIPAL_ARN = re.compile(r"^arn:aws:(iam|sts)::(\d{12}):.+$")
_OPERATORS = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "ArnEquals",
    "ArnNotEquals",
    "ArnLike",
    "ArnNotLike",
    "IpAddress",
    "NotIpAddress",
    "Bool",
    "Null",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
}


def _split_operator(op: str) -> tuple[str | None, str, bool]:
    """ "ForAnyValue:StringLikeIfExists" -> ("ForAnyValue", "StringLike", True)."""
    qualifier = None
    if ":" in op:
        qualifier, op = op.split(":", 1)
    if_exists = op.endswith("IfExists") and op != "IfExists"
    if if_exists:
        op = op[: -len("IfExists")]
    return qualifier, op, if_exists


def _principal_problems(value: Any, where: str, label: str) -> list[Problem]:
    if value == "*":
        return []
    if not isinstance(value, dict) or not value:
        return [Problem(where, f'{label}must be "*" or an object such as {{"AWS": "123456789012"}}')]
    found = []
    for kind, ids in value.items():
        if kind not in PRINCIPAL_TYPES:
            found.append(Problem(where, f"{label}unknown principal type {kind!r} (use {', '.join(PRINCIPAL_TYPES)})"))
            continue
        for one in _as_list(ids):
            if not isinstance(one, str) or not one:
                found.append(Problem(where, f"{label}a principal must be a string"))
            elif kind == "AWS" and not (one == "*" or _ACCOUNT.match(one) or _PRINCIPAL_ARN.match(one)):
                found.append(Problem(where, f'{label}Invalid principal in policy: "AWS":"{one}"'))
    return found


def _condition_problems(condition: Any, where: str, label: str) -> list[Problem]:
    if not isinstance(condition, dict):
        return [Problem(where, f"{label}must be an object: {{operator: {{key: value(s)}}}}")]
    found = []
    for op, block in condition.items():
        qualifier, base, _ = _split_operator(op)
        if qualifier not in (None, "ForAnyValue", "ForAllValues") or base not in _OPERATORS:
            found.append(Problem(f"{where}.{op}", f"{label}unknown condition operator {op!r}"))
            continue
        if not isinstance(block, dict) or not block:
            found.append(Problem(f"{where}.{op}", f"{label}must be an object of condition keys and values"))
            continue
        for key, values in block.items():
            for value in _as_list(values):
                if not isinstance(value, str | int | float | bool):
                    found.append(Problem(f"{where}.{op}.{key}", f"{label}a condition value must be a string"))
                elif base in ("IpAddress", "NotIpAddress"):
                    try:
                        ipaddress.ip_network(str(value), strict=False)
                    except ValueError:
                        found.append(
                            Problem(f"{where}.{op}.{key}", f"{label}{value!r} is not an IP address or CIDR range")
                        )
                elif base.startswith("Numeric"):
                    try:
                        float(value)
                    except ValueError:
                        found.append(Problem(f"{where}.{op}.{key}", f"{label}{value!r} is not a number"))
                elif base.startswith("Date") and _parse_time(str(value)) is None:
                    found.append(Problem(f"{where}.{op}.{key}", f"{label}{value!r} is not a date (ISO 8601 or epoch)"))
    return found


def policy_problems(document: Any, *, kind: str = "any") -> list[Problem]:
    """Every rule a policy breaks. kind: "identity" (no Principal), "resource" (Principal needed) or "any"."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as exc:
            return [Problem("policy", f"not valid JSON: {exc}")]
    if not isinstance(document, dict):
        return [Problem("policy", "a policy is a JSON object with Version and Statement")]
    found = []
    for key in document:
        if key not in ("Version", "Id", "Statement"):
            found.append(Problem(key, "unknown element (a policy has Version, Id and Statement)"))
    version = document.get("Version")
    if version is not None and version not in VERSIONS:
        found.append(Problem("Version", f"must be {VERSIONS[0]} (or the older {VERSIONS[1]}), not {version!r}"))
    statements = document.get("Statement")
    if statements is None:
        return [*found, Problem("Statement", "a policy needs a Statement")]
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return [*found, Problem("Statement", "must be a statement object or a non-empty list of them")]
    for i, st in enumerate(statements):
        where = f"Statement[{i}]"
        if not isinstance(st, dict):
            found.append(Problem(where, "a statement must be an object"))
            continue
        sid = st.get("Sid")
        label = f"(Sid {sid!r}) " if isinstance(sid, str) and sid else ""
        for key in st:
            if key not in STATEMENT_KEYS:
                found.append(
                    Problem(f"{where}.{key}", f"{label}unknown element (a statement has {', '.join(STATEMENT_KEYS)})")
                )
        if sid is not None and not isinstance(sid, str):
            found.append(Problem(f"{where}.Sid", f"{label}must be a string"))
        if st.get("Effect") not in ("Allow", "Deny"):
            found.append(Problem(f"{where}.Effect", f'{label}must be "Allow" or "Deny", not {st.get("Effect")!r}'))
        # Action / NotAction
        if ("Action" in st) == ("NotAction" in st):
            found.append(
                Problem(
                    f"{where}.Action", f"{label}Policy statement must contain actions (Action or NotAction, not both)."
                )
            )
        else:
            field = "Action" if "Action" in st else "NotAction"
            values = _as_list(st[field])
            if not values:
                found.append(Problem(f"{where}.{field}", f"{label}Policy statement must contain actions."))
            for action in values:
                if not isinstance(action, str) or not (action == "*" or _ACTION.match(action)):
                    found.append(
                        Problem(
                            f"{where}.{field}",
                            f"{label}{action!r}: Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
                        )
                    )
        # Resource / NotResource
        if ("Resource" in st) == ("NotResource" in st):
            found.append(
                Problem(
                    f"{where}.Resource",
                    f"{label}Policy statement must contain resources (Resource or NotResource, not both).",
                )
            )
        else:
            field = "Resource" if "Resource" in st else "NotResource"
            values = _as_list(st[field])
            if not values:
                found.append(Problem(f"{where}.{field}", f"{label}Policy statement must contain resources."))
            for resource in values:
                ok = isinstance(resource, str) and (
                    resource == "*" or resource.startswith("arn:") or resource.startswith("execute-api:/")
                )
                if not ok:
                    found.append(
                        Problem(f"{where}.{field}", f'{label}Resource {resource!r} must be in ARN format or "*".')
                    )
        # Principal / NotPrincipal
        has_principal = "Principal" in st or "NotPrincipal" in st
        if "Principal" in st and "NotPrincipal" in st:
            found.append(Problem(f"{where}.Principal", f"{label}use Principal or NotPrincipal, not both"))
        if kind == "identity" and has_principal:
            found.append(
                Problem(
                    f"{where}.Principal",
                    f"{label}Policy document should not specify a principal (it is an identity policy).",
                )
            )
        elif kind == "resource" and not has_principal:
            found.append(Problem(f"{where}.Principal", f"{label}a resource policy statement needs a Principal"))
        for field in ("Principal", "NotPrincipal"):
            if field in st:
                found.extend(_principal_problems(st[field], f"{where}.{field}", label))
        if "Condition" in st:
            found.extend(_condition_problems(st["Condition"], f"{where}.Condition", label))
    return found


def parse_policy(document: str | dict[str, Any], *, kind: str = "any") -> dict[str, Any]:
    """The policy as a dict, or ValidationError naming each statement and field at fault."""
    found = policy_problems(document, kind=kind)
    if found:
        raise ValidationError(found)
    return json.loads(document) if isinstance(document, str) else document


# ---------------------------------------------------------------------------------------
# Matching


@functools.lru_cache(maxsize=1024)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards: * any run of characters (slashes and colons too), ? one character."""
    return _glob(pattern, ignore_case).fullmatch(value) is not None


_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_EXECUTE_API_PREFIX = re.compile(r"^arn:aws:execute-api:[^:]+:[^:]+:[^/]+/")


def _substitute(text: str, context: dict[str, list[str]]) -> str | None:
    """${aws:username} and friends from the context; None when a variable has no value (no match)."""
    missing = False

    def replace(m: re.Match[str]) -> str:
        nonlocal missing
        name = m.group(1)
        if name in ("*", "?", "$"):
            return name
        values = context.get(name.lower())
        if not values:
            missing = True
            return ""
        return values[0]

    result = _VARIABLE.sub(replace, text)
    return None if missing else result


def _principal_matches(spec: Any, principal: str | None, account: str | None) -> bool:
    if spec == "*":
        return True
    if not isinstance(spec, dict):
        return False
    for one in _as_list(spec.get("AWS", [])):
        if one == "*":
            return True
        if principal is None:
            continue  # anonymous callers match only "*"
        if _ACCOUNT.match(one) or (one.startswith("arn:aws:iam::") and one.endswith(":root")):
            wanted = one if _ACCOUNT.match(one) else one.split(":")[4]
            if account == wanted:
                return True
        elif one == principal:
            return True
    return False


def _parse_time(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _value_matches(base: str, wanted: str, actual: str) -> bool:
    """Does one request value match one policy value, for the positive form of the operator?"""
    if base in ("StringEquals", "ArnEquals"):
        return actual == wanted
    if base == "StringEqualsIgnoreCase":
        return actual.lower() == wanted.lower()
    if base in ("StringLike", "ArnLike"):
        return wildcard_match(wanted, actual)
    if base == "IpAddress":
        try:
            network = ipaddress.ip_network(wanted, strict=False)
            address = ipaddress.ip_address(actual)
        except ValueError:
            return False
        return address.version == network.version and address in network
    if base == "Bool":
        return actual.lower() == wanted.lower()
    if base.startswith("Numeric"):
        try:
            a, w = float(actual), float(wanted)
        except ValueError:
            return False
        return {"Equals": a == w, "LessThan": a < w, "LessThanEquals": a <= w, "GreaterThan": a > w}.get(
            base[len("Numeric") :], a >= w
        )
    if base.startswith("Date"):
        a_t, w_t = _parse_time(actual), _parse_time(wanted)
        if a_t is None or w_t is None:
            return False
        return {
            "Equals": a_t == w_t,
            "LessThan": a_t < w_t,
            "LessThanEquals": a_t <= w_t,
            "GreaterThan": a_t > w_t,
        }.get(base[len("Date") :], a_t >= w_t)
    return False


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NotIpAddress": "IpAddress",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
}


def _condition_holds(op: str, key: str, policy_values: Any, context: dict[str, list[str]]) -> bool:
    qualifier, base, if_exists = _split_operator(op)
    actual = context.get(key.lower())
    wanted = [str(v).lower() if isinstance(v, bool) else str(v) for v in _as_list(policy_values)]
    if base == "Null":
        return (actual is None or actual == []) == (wanted[0].lower() == "true")
    if not actual:
        if qualifier == "ForAllValues":
            return True
        return if_exists or (base in _NEGATED and qualifier is None)
    wanted = [w2 for w in wanted if (w2 := _substitute(w, context)) is not None]
    negated = base in _NEGATED
    positive = _NEGATED.get(base, base)

    def one(value: str) -> bool:
        hit = any(_value_matches(positive, w, value) for w in wanted)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in actual)
    if negated and qualifier is None:
        return all(one(v) for v in actual)  # none of the request's values matches
    return any(one(v) for v in actual)


def _normalize_context(context: Context | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in (context or {}).items():
        if value is None:
            continue
        out[key.lower()] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return out


def _statement_applies(
    st: dict[str, Any],
    action: str,
    resource: str,
    principal: str | None,
    account: str | None,
    ctx: dict[str, list[str]],
) -> bool:
    if "Principal" in st and not _principal_matches(st["Principal"], principal, account):
        return False
    if "NotPrincipal" in st and _principal_matches(st["NotPrincipal"], principal, account):
        return False
    if "Action" in st:
        if not any(wildcard_match(a, action, ignore_case=True) for a in _as_list(st["Action"])):
            return False
    elif any(wildcard_match(a, action, ignore_case=True) for a in _as_list(st.get("NotAction", []))):
        return False

    api_prefix = _EXECUTE_API_PREFIX.match(resource)

    def resource_hits(patterns: Any) -> bool:
        for pattern in _as_list(patterns):
            if api_prefix and pattern.startswith("execute-api:/"):
                # A resource policy covers its own API only: the shorthand means this API's ARN.
                pattern = api_prefix.group(0) + pattern[len("execute-api:/") :]
            expanded = _substitute(pattern, ctx) if "${" in pattern else pattern
            if expanded is not None and wildcard_match(expanded, resource):
                return True
        return False

    if "Resource" in st:
        if not resource_hits(st["Resource"]):
            return False
    elif resource_hits(st.get("NotResource", [])):
        return False
    for op, block in (st.get("Condition") or {}).items():
        for key, values in block.items():
            if not _condition_holds(op, key, values, ctx):
                return False
    return True


def evaluate(
    policies: list[dict[str, Any] | str],
    *,
    action: str,
    resource: str,
    principal: str | None = None,
    context: Context | None = None,
    label: str = "policy",
    kind: str = "any",
) -> Decision:
    """Explicit Deny wins, then an Allow, else ImplicitDeny. Malformed policies raise ValidationError.

    `principal` is the caller's ARN (None: anonymous); its account comes from the ARN or
    context["aws:PrincipalAccount"]. Statements without Principal (identity policies) apply to anyone.
    """
    ctx = _normalize_context(context)
    account = (ctx.get("aws:principalaccount") or [None])[0] or _account_of(principal)
    allow: tuple[str, int] | None = None
    several = len(policies) > 1
    for p, document in enumerate(policies):
        policy = parse_policy(document, kind=kind)
        statements = policy["Statement"]
        for i, st in enumerate(statements if isinstance(statements, list) else [statements]):
            if not _statement_applies(st, action, resource, principal, account, ctx):
                continue
            name = st.get("Sid") or f"Statement[{i}]"
            where = f"{label} {p + 1}" if several else label
            if st["Effect"] == "Deny":
                return Decision(
                    "Deny", name, where, f"{where} statement {name} explicitly denies {action} on {resource}"
                )
            if allow is None:
                allow = (name, p)
    if allow is not None:
        where = f"{label} {allow[1] + 1}" if several else label
        return Decision("Allow", allow[0], where, f"{where} statement {allow[0]} allows {action} on {resource}")
    return Decision("ImplicitDeny", None, label, f"no statement in the {label} allows {action} on {resource}")


# ---------------------------------------------------------------------------------------
# API Gateway's use of it


def request_context(
    *,
    source_ip: str | None = None,
    vpce_id: str | None = None,
    vpc_id: str | None = None,
    caller_arn: str | None = None,
    caller_account: str | None = None,
    now: float | None = None,
    extra: Context | None = None,
) -> Context:
    """The global condition keys API Gateway puts in the request context."""
    ctx: Context = {}
    if source_ip:
        ctx["aws:SourceIp"] = source_ip
    if vpce_id:
        ctx["aws:SourceVpce"] = vpce_id
    if vpc_id:
        ctx["aws:SourceVpc"] = vpc_id
    account = caller_account or _account_of(caller_arn)
    if caller_arn:
        ctx["aws:PrincipalArn"] = caller_arn
        if ":user/" in caller_arn:
            ctx["aws:username"] = caller_arn.rsplit("/", 1)[-1]
    if account:
        ctx["aws:PrincipalAccount"] = account
    if now is not None:
        ctx["aws:CurrentTime"] = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        ctx["aws:EpochTime"] = str(int(now))
    ctx.update(extra or {})
    return ctx


def resource_policy_decision(
    policy_json: str | dict[str, Any] | None,
    *,
    region: str,
    account_id: str,
    api_id: str,
    stage: str,
    method: str,
    resource_path: str,
    source_ip: str | None = None,
    vpce_id: str | None = None,
    vpc_id: str | None = None,
    caller_arn: str | None = None,
    caller_account: str | None = None,
    authorization_type: str = "NONE",
    identity: Decision | None = None,
    action: str = INVOKE,
    now: float | None = None,
    extra_context: Context | None = None,
) -> Decision:
    """May this caller invoke this method? The resource policy combined with the caller's identity
    as API Gateway does (see the module docstring for the rules).

    For AWS_IAM pass `identity=caller_may(user, ...)`; for CUSTOM / COGNITO_USER_POOLS call once
    with identity=None before the authorizer (only an explicit Deny stops the call) and again with
    the authorizer's decision. Anonymous callers (caller_arn None) match only Principal "*".
    """
    arn = method_arn(region, account_id, api_id, stage, method, resource_path)
    caller_account = caller_account or _account_of(caller_arn)
    document = policy_json
    if isinstance(document, str):
        document = document.strip() or None
    if not document:
        if authorization_type == "AWS_IAM":
            return identity or Decision(
                "ImplicitDeny", None, "identity policy", f"no identity policy allows {action} on {arn}"
            )
        if identity is not None:
            return identity
        return Decision("Allow", None, "", "the API has no resource policy")
    policy = expand_execute_api(parse_policy(document, kind="resource"), region, account_id, api_id)
    context = request_context(
        source_ip=source_ip,
        vpce_id=vpce_id,
        vpc_id=vpc_id,
        caller_arn=caller_arn,
        caller_account=caller_account,
        now=now,
        extra=extra_context,
    )
    resource = evaluate(
        [policy],
        action=action,
        resource=arn,
        principal=caller_arn,
        context=context,
        label="resource policy",
        kind="resource",
    )
    if authorization_type == "AWS_IAM":
        ident = identity or Decision(
            "ImplicitDeny", None, "identity policy", f"no identity policy allows {action} on {arn}"
        )
        same_account = caller_account is None or caller_account == account_id
        for d in (ident, resource):
            if d.explicit_deny:
                return d
        if same_account:
            if ident.allowed:
                return ident
            if resource.allowed:
                return resource
            return Decision(
                "ImplicitDeny",
                None,
                "resource policy",
                f"neither the caller's identity policy nor the resource policy allows {action} on {arn}",
            )
        if ident.allowed and resource.allowed:
            return resource
        missing = "resource policy" if ident.allowed else "identity policy"
        return Decision(
            "ImplicitDeny",
            None,
            missing,
            f"the caller is in account {caller_account}, not {account_id}: both the identity policy and the resource "
            f"policy must allow {action}, and the {missing} does not",
        )
    if authorization_type in ("CUSTOM", "COGNITO_USER_POOLS"):
        if resource.explicit_deny:
            return resource
        if identity is None:
            return Decision(
                "Allow", None, "resource policy", "no explicit deny in the resource policy: the authorizer decides"
            )
        if identity.explicit_deny:
            return identity
        if identity.allowed:
            return identity
        if resource.allowed:
            return resource
        return Decision(
            "ImplicitDeny",
            None,
            identity.policy or "authorizer policy",
            identity.reason or f"nothing allows {action} on {arn}",
        )
    # NONE (and API-key-only methods): the resource policy must explicitly allow.
    if resource.effect == "ImplicitDeny":
        return Decision(
            "ImplicitDeny",
            None,
            "resource policy",
            f"no statement in the resource policy allows {'anonymous callers' if caller_arn is None else caller_arn} to {action} {arn}",
        )
    return resource


def access_denied(
    decision: Decision, *, resource_arn: str, caller_arn: str | None = None, action: str = INVOKE
) -> Denial:
    """403 "User: anonymous is not authorized to perform: execute-api:Invoke on resource: <arn>"
    (the caller's ARN for IAM callers), with " with an explicit deny" when a Deny statement decided."""
    user = caller_arn or "anonymous"
    message = f"User: {user} is not authorized to perform: {action} on resource: {resource_arn}"
    if decision.explicit_deny:
        message += " with an explicit deny"
    return Denial(403, message, "AccessDeniedException")


# ---------------------------------------------------------------------------------------
# Simulated IAM users


def caller_may(user: IamUser, *, action: str, resource: str, context: Context | None = None) -> Decision:
    """What the user's identity policies say about `action` on `resource`."""
    ctx = request_context(caller_arn=user.arn)
    ctx.update(context or {})
    if not user.policies:
        return Decision("ImplicitDeny", None, "identity policy", f"user {user.name} has no identity policies")
    return evaluate(
        list(user.policies),
        action=action,
        resource=resource,
        principal=user.arn,
        context=ctx,
        label="identity policy",
        kind="identity",
    )


def find_access_key(account: Account, access_key_id: str) -> tuple[IamUser, AccessKey] | None:
    for user in account.iamUsers.values():
        for key in user.accessKeys:
            if key.accessKeyId == access_key_id:
                return user, key
    return None


def secret_lookup(account: Account) -> Callable[[str], str | None]:
    """For sigv4.verify_request: an active key's secret, None for unknown or inactive keys."""

    def lookup(access_key_id: str) -> str | None:
        found = find_access_key(account, access_key_id)
        if found is None or found[1].status != "Active":
            return None
        return found[1].secretAccessKey

    return lookup
