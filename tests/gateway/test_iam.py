"""IAM policy evaluation and API Gateway's resource-policy rules."""

from __future__ import annotations

import json

import pytest

from gateway.auth import iam
from gateway.auth.iam import Decision, access_denied, caller_may, evaluate, method_arn, resource_policy_decision
from gateway.model.errors import ValidationError
from gateway.model.resources import AccessKey, Account, IamUser

REGION, ACCOUNT, API = "us-east-1", "123456789012", "abc123"
OTHER_ACCOUNT = "999988887777"
ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/pets/1"


def policy(*statements, version="2012-10-17"):
    return json.dumps({"Version": version, "Statement": list(statements)})


def decide(document, *, method="GET", path="/pets/1", stage="dev", **kw):
    return resource_policy_decision(
        document, region=REGION, account_id=ACCOUNT, api_id=API, stage=stage, method=method, resource_path=path, **kw
    )


ALLOW_OFFICE = {
    "Sid": "AllowOffice",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "execute-api:Invoke",
    "Resource": "execute-api:/*",
    "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"]}},
}


def test_method_arn():
    assert method_arn(REGION, ACCOUNT, API, "dev", "GET", "/pets/1") == ARN
    assert method_arn(REGION, ACCOUNT, API, "prod", "POST", "/") == (
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/"
    )


def test_allow_by_ip_range_and_deny_everyone_else():
    doc = policy(ALLOW_OFFICE)
    allowed = decide(doc, source_ip="192.0.2.77")
    assert allowed.allowed and allowed.statement == "AllowOffice" and allowed.policy == "resource policy"
    assert decide(doc, source_ip="2001:db8::1").allowed  # IPv6 in the /32
    outside = decide(doc, source_ip="198.51.100.7")
    assert outside.effect == "ImplicitDeny"
    assert decide(doc, source_ip="2001:db9::1").effect == "ImplicitDeny"
    assert decide(doc, source_ip=None).effect == "ImplicitDeny"  # no aws:SourceIp: IpAddress is false
    status, message, error_type = access_denied(outside, resource_arn=ARN)
    assert (status, error_type) == (403, "AccessDeniedException")
    assert message == f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN}"


def test_not_ip_address_deny_wins_over_allow():
    doc = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
        {
            "Sid": "OnlyFromOffice",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
        },
    )
    assert decide(doc, source_ip="192.0.2.10").allowed
    denied = decide(doc, source_ip="203.0.113.10")
    assert denied.effect == "Deny" and denied.statement == "OnlyFromOffice"
    denial = access_denied(denied, resource_arn=ARN)
    assert denial.message == (
        f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN} with an explicit deny"
    )
    assert (denial.response_type, denial.body_key) == ("ACCESS_DENIED", "Message")


def test_vpc_endpoint_condition_for_private_apis():
    # The AWS docs' private API policy: allow everyone, deny any call not through vpce-1a2b3c4d.
    doc = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
            "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
        },
    )
    assert decide(doc, vpce_id="vpce-1a2b3c4d", source_ip="10.0.0.5").allowed
    other = decide(doc, vpce_id="vpce-0000ffff", source_ip="10.0.0.5")
    assert other.effect == "Deny" and other.statement == "Statement[1]"
    # From the internet there is no aws:SourceVpce at all: StringNotEquals holds, the Deny applies.
    assert decide(doc, source_ip="203.0.113.10").effect == "Deny"
    # By VPC, with StringEquals and a list
    by_vpc = policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
            "Condition": {"StringEquals": {"aws:SourceVpc": ["vpc-111", "vpc-222"]}},
        }
    )
    assert decide(by_vpc, vpc_id="vpc-222", vpce_id="vpce-x").allowed
    assert decide(by_vpc, vpc_id="vpc-333", vpce_id="vpce-x").effect == "ImplicitDeny"


def test_wildcards_in_resources():
    pets_get = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/GET/pets/*"}
    )
    assert decide(pets_get, method="GET", path="/pets/1").allowed
    assert decide(pets_get, method="GET", path="/pets/1/toys", stage="prod").allowed  # * spans slashes
    assert decide(pets_get, method="POST", path="/pets/1").effect == "ImplicitDeny"
    assert decide(pets_get, method="GET", path="/pets").effect == "ImplicitDeny"
    whole_api = policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/*",
        }
    )
    assert decide(whole_api, method="DELETE", path="/").allowed
    assert decide(whole_api.replace("abc123", "zzz999"), method="GET", path="/pets/1").effect == "ImplicitDeny"
    question = policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:*",
            "Resource": "arn:aws:execute-api:*:123456789012:abc123/de?/GET/*",
        }
    )
    assert decide(question, stage="dev").allowed
    assert decide(question, stage="prod").effect == "ImplicitDeny"


def test_execute_api_shorthand_means_the_api_of_the_resource():
    # resource_policy_decision expands it like AWS does on save; evaluate also understands it unexpanded
    doc = {
        "Statement": {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/dev/GET/*",
        }
    }
    assert evaluate([doc], action="execute-api:Invoke", resource=ARN).allowed
    assert (
        evaluate([doc], action="execute-api:Invoke", resource=ARN.replace("/dev/", "/prod/")).effect == "ImplicitDeny"
    )
    expanded = iam.expand_execute_api(doc, REGION, ACCOUNT, API)
    assert expanded["Statement"][0]["Resource"] == "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/*"


def test_cross_account_principal():
    alice_other = f"arn:aws:iam::{OTHER_ACCOUNT}:user/alice"
    doc = policy(
        {
            "Sid": "PartnerAccount",
            "Effect": "Allow",
            "Principal": {"AWS": [f"arn:aws:iam::{OTHER_ACCOUNT}:root"]},
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
        }
    )
    identity_allows = Decision("Allow", "Invoke", "identity policy")
    # the other account's caller needs both its identity policy and the resource policy
    ok = decide(doc, authorization_type="AWS_IAM", caller_arn=alice_other, identity=identity_allows)
    assert ok.allowed and ok.statement == "PartnerAccount"
    no_identity = decide(doc, authorization_type="AWS_IAM", caller_arn=alice_other, identity=Decision("ImplicitDeny"))
    assert no_identity.effect == "ImplicitDeny" and no_identity.policy == "identity policy"
    stranger = "arn:aws:iam::111122223333:user/mallory"
    refused = decide(doc, authorization_type="AWS_IAM", caller_arn=stranger, identity=identity_allows)
    assert refused.effect == "ImplicitDeny" and refused.policy == "resource policy"
    assert access_denied(refused, resource_arn=ARN, caller_arn=stranger).message == (
        f"User: {stranger} is not authorized to perform: execute-api:Invoke on resource: {ARN}"
    )
    # an account id, or a user's ARN, also names principals; anonymous callers match neither
    by_id = policy({**json.loads(doc)["Statement"][0], "Principal": {"AWS": OTHER_ACCOUNT}})
    assert decide(by_id, authorization_type="AWS_IAM", caller_arn=alice_other, identity=identity_allows).allowed
    assert decide(by_id).effect == "ImplicitDeny"
    by_user = policy({**json.loads(doc)["Statement"][0], "Principal": {"AWS": alice_other}})
    bob_other = f"arn:aws:iam::{OTHER_ACCOUNT}:user/bob"
    assert decide(by_user, authorization_type="AWS_IAM", caller_arn=bob_other, identity=identity_allows).effect == (
        "ImplicitDeny"
    )


def test_same_account_iam_either_policy_may_allow_and_any_deny_wins():
    alice = f"arn:aws:iam::{ACCOUNT}:user/alice"
    allow_all = policy({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "*", "Resource": "*"})
    nothing = Decision("ImplicitDeny", None, "identity policy")
    assert decide(allow_all, authorization_type="AWS_IAM", caller_arn=alice, identity=nothing).allowed
    unrelated = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/POST/*"}
    )
    assert decide(unrelated, authorization_type="AWS_IAM", caller_arn=alice, identity=Decision("Allow")).allowed
    assert decide(unrelated, authorization_type="AWS_IAM", caller_arn=alice, identity=nothing).effect == "ImplicitDeny"
    deny_alice = policy(
        {"Effect": "Deny", "Principal": {"AWS": alice}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
    )
    assert (
        decide(deny_alice, authorization_type="AWS_IAM", caller_arn=alice, identity=Decision("Allow")).effect == "Deny"
    )
    # no resource policy: the identity policy alone decides
    assert decide(None, authorization_type="AWS_IAM", caller_arn=alice, identity=Decision("Allow")).allowed
    assert decide(None, authorization_type="AWS_IAM", caller_arn=alice).effect == "ImplicitDeny"
    assert decide(None).allowed  # no policy, no IAM: nothing to check


def test_authorizers_see_explicit_deny_first_then_combine():
    doc = policy(
        ALLOW_OFFICE, {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "execute-api:/*/DELETE/*"}
    )
    before = decide(doc, authorization_type="CUSTOM", source_ip="203.0.113.1")
    assert before.allowed  # neither: the authorizer is called
    assert decide(doc, authorization_type="CUSTOM", method="DELETE", source_ip="192.0.2.1").effect == "Deny"
    authorizer_allow = Decision("Allow", None, "authorizer policy")
    assert decide(doc, authorization_type="CUSTOM", identity=authorizer_allow, source_ip="203.0.113.1").allowed
    authorizer_deny = Decision("Deny", "0", "authorizer policy")
    assert (
        decide(doc, authorization_type="COGNITO_USER_POOLS", identity=authorizer_deny, source_ip="192.0.2.1").effect
        == "Deny"
    )
    neither = Decision("ImplicitDeny", None, "authorizer policy")
    assert decide(doc, authorization_type="CUSTOM", identity=neither, source_ip="192.0.2.1").allowed  # resource allows
    assert decide(doc, authorization_type="CUSTOM", identity=neither, source_ip="203.0.113.1").effect == "ImplicitDeny"


# ---------------------------------------------------------------------------------------
# Identity policies of simulated IAM users


def make_user(*documents):
    return IamUser(
        name="alice",
        accessKeys=[
            AccessKey("AKIAEXAMPLEALICE0001", "secret/1"),
            AccessKey("AKIAEXAMPLEOLD000002", "secret/2", "Inactive"),
        ],
        policies=[json.dumps(d) for d in documents],
    )


def test_identity_policy_allows_invoke_but_not_invalidate_cache():
    user = make_user(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": "arn:aws:execute-api:*:*:abc123/*",
            },
        }
    )
    invoke = caller_may(user, action="execute-api:Invoke", resource=ARN)
    assert invoke.allowed and invoke.policy == "identity policy"
    assert caller_may(user, action="execute-api:invoke", resource=ARN).allowed  # actions ignore case
    cache = caller_may(user, action="execute-api:InvalidateCache", resource=ARN)
    assert cache.effect == "ImplicitDeny"
    assert access_denied(
        cache, resource_arn=ARN, caller_arn=user.arn, action="execute-api:InvalidateCache"
    ).message == (f"User: {user.arn} is not authorized to perform: execute-api:InvalidateCache on resource: {ARN}")
    star = make_user(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"}]}
    )
    assert caller_may(star, action="execute-api:InvalidateCache", resource=ARN).allowed
    assert caller_may(make_user(), action="execute-api:Invoke", resource=ARN).effect == "ImplicitDeny"


def test_explicit_deny_in_identity_policy():
    user = make_user(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"}]},
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "NoDeletes",
                    "Effect": "Deny",
                    "Action": "execute-api:Invoke",
                    "Resource": "arn:aws:execute-api:*:*:*/*/DELETE/*",
                }
            ],
        },
    )
    assert caller_may(user, action="execute-api:Invoke", resource=ARN).allowed
    delete_arn = ARN.replace("/GET/", "/DELETE/")
    denied = caller_may(user, action="execute-api:Invoke", resource=delete_arn)
    assert denied.effect == "Deny" and denied.statement == "NoDeletes" and denied.policy == "identity policy 2"
    # and with a resource policy that allows everything, the identity Deny still wins
    allow_all = policy({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
    final = decide(allow_all, method="DELETE", authorization_type="AWS_IAM", caller_arn=user.arn, identity=denied)
    assert final.effect == "Deny"
    assert access_denied(final, resource_arn=delete_arn, caller_arn=user.arn).message.endswith(" with an explicit deny")


def test_not_action_not_resource_not_principal():
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "NotAction": "execute-api:InvalidateCache", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:execute-api:*:*:abc123/*"},
        ],
    }
    assert evaluate([doc], action="execute-api:Invoke", resource=ARN).allowed
    assert evaluate([doc], action="execute-api:InvalidateCache", resource=ARN).effect == "ImplicitDeny"
    assert evaluate([doc], action="execute-api:Invoke", resource=ARN.replace("abc123", "zzz")).effect == "Deny"
    not_principal = {
        "Statement": {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/admin"},
            "Action": "execute-api:Invoke",
            "Resource": "*",
        }
    }
    admin, bob = f"arn:aws:iam::{ACCOUNT}:user/admin", f"arn:aws:iam::{ACCOUNT}:user/bob"
    assert evaluate([not_principal], action="execute-api:Invoke", resource=ARN, principal=bob).effect == "Deny"
    assert (
        evaluate([not_principal], action="execute-api:Invoke", resource=ARN, principal=admin).effect == "ImplicitDeny"
    )
    assert evaluate([not_principal], action="execute-api:Invoke", resource=ARN).effect == "Deny"  # anonymous


def test_string_operators_if_exists_null_and_policy_variables():
    def allowed(condition, context, resource=ARN):
        doc = {"Statement": {"Effect": "Allow", "Action": "*", "Resource": resource, "Condition": condition}}
        return evaluate([doc], action="execute-api:Invoke", resource=ARN, context=context).allowed

    assert allowed(
        {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/a*"}}, {"aws:PrincipalArn": "arn:aws:iam::1:user/al"}
    )
    assert not allowed(
        {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/a?"}}, {"aws:PrincipalArn": "arn:aws:iam::1:user/all"}
    )
    assert allowed({"StringNotLike": {"aws:SourceVpce": "vpce-9*"}}, {"aws:SourceVpce": "vpce-1"})
    assert allowed(
        {"StringEqualsIgnoreCase": {"aws:PrincipalAccount": "ABC"}}, {"aws:principalaccount": "abc"}
    )  # keys ignore case
    assert not allowed({"StringEquals": {"aws:SourceVpce": "vpce-1"}}, {})  # missing key: false
    assert allowed({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}, {})  # ...IfExists: true when missing
    assert not allowed({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}, {"aws:SourceVpce": "vpce-2"})
    assert allowed({"Null": {"aws:SourceVpce": "true"}}, {})
    assert not allowed({"Null": {"aws:SourceVpce": "true"}}, {"aws:SourceVpce": "vpce-1"})
    assert allowed({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"})
    assert allowed({"NumericLessThan": {"aws:EpochTime": "2000000000"}}, {"aws:EpochTime": "1790000000"})
    assert allowed(
        {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}, iam.request_context(now=1_790_000_000)
    )
    assert not allowed(
        {"DateGreaterThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}, iam.request_context(now=1_790_000_000)
    )
    assert allowed({"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]}}, {"aws:TagKeys": ["owner", "env"]})
    assert not allowed({"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}, {"aws:TagKeys": ["owner", "team"]})
    # two keys and two operators must all hold
    both = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "StringEquals": {"aws:SourceVpc": "vpc-1"}}
    assert allowed(both, {"aws:SourceIp": "10.1.2.3", "aws:SourceVpc": "vpc-1"})
    assert not allowed(both, {"aws:SourceIp": "10.1.2.3", "aws:SourceVpc": "vpc-2"})
    # ${aws:username} in a resource
    own = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/users/${aws:username}"
    user_arn = ARN.replace("pets/1", "users/alice")
    doc = {"Statement": {"Effect": "Allow", "Action": "*", "Resource": own}}
    ctx = iam.request_context(caller_arn=f"arn:aws:iam::{ACCOUNT}:user/alice")
    assert evaluate([doc], action="execute-api:Invoke", resource=user_arn, context=ctx).allowed
    assert not evaluate(
        [doc], action="execute-api:Invoke", resource=user_arn.replace("alice", "bob"), context=ctx
    ).allowed
    assert not evaluate([doc], action="execute-api:Invoke", resource=user_arn, context={}).allowed


def test_malformed_policies_name_the_statement_and_field():
    def problems(document, kind="resource"):
        with pytest.raises(ValidationError) as caught:
            iam.parse_policy(document, kind=kind)
        return {p.where: p.message for p in caught.value.problems}

    assert problems("{not json")["policy"].startswith("not valid JSON")
    found = problems(
        {
            "Version": "2012-10-18",
            "Statement": [
                {"Sid": "Good", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"},
                {"Sid": "Bad", "Effect": "allow", "Principal": "*", "Action": "Invoke", "Resource": "pets"},
                {
                    "Effect": "Deny",
                    "Action": "execute-api:Invoke",
                    "Resource": "*",
                    "Condition": {"IpAdress": {"aws:SourceIp": "1.2.3.4"}},
                },
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "alice"},
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "300.1.1.1/8"}},
                },
                {"Effect": "Allow", "Principal": "*", "Resource": "*", "Actions": "*"},
            ],
        }
    )
    assert "Version" in found
    assert found["Statement[1].Effect"] == "(Sid 'Bad') must be \"Allow\" or \"Deny\", not 'allow'"
    assert "Actions/Conditions must be prefaced by a vendor" in found["Statement[1].Action"]
    assert found["Statement[1].Resource"] == "(Sid 'Bad') Resource 'pets' must be in ARN format or \"*\"."
    assert found["Statement[2].Principal"] == "a resource policy statement needs a Principal"
    assert found["Statement[2].Condition.IpAdress"] == "unknown condition operator 'IpAdress'"
    assert found["Statement[3].Principal"] == 'Invalid principal in policy: "AWS":"alice"'
    assert "not an IP address or CIDR range" in found["Statement[3].Condition.IpAddress.aws:SourceIp"]
    assert "Statement[4].Actions" in found and "must contain actions" in found["Statement[4].Action"]
    assert "Statement[0].Effect" not in found
    identity = problems(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*"}]}, kind="identity"
    )
    assert "should not specify a principal" in identity["Statement[0].Principal"]
    assert "must contain resources" in identity["Statement[0].Resource"]
    assert problems({"Version": "2012-10-17"})["Statement"] == "a policy needs a Statement"
    # evaluation refuses a malformed policy too (never silently allows or denies)
    with pytest.raises(ValidationError):
        decide(json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    with pytest.raises(ValidationError, match=r"Statement\[0\]\.Effect"):
        evaluate([{"Statement": {"Effect": "Permit", "Action": "*", "Resource": "*"}}], action="a:b", resource="*")


def test_statement_may_be_a_single_object_and_version_2008():
    doc = policy(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["execute-api:Invoke"], "Resource": ["*"]},
        version="2008-10-17",
    )
    assert decide(doc).allowed  # {"AWS": "*"} is everyone, anonymous included
    single = json.dumps({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}})
    assert decide(single).allowed


def test_secret_lookup_for_sigv4():
    account = Account()
    user = make_user()
    account.iamUsers[user.name] = user
    lookup = iam.secret_lookup(account)
    assert lookup("AKIAEXAMPLEALICE0001") == "secret/1"
    assert lookup("AKIAEXAMPLEOLD000002") is None  # inactive
    assert lookup("AKIANOBODY") is None
    assert iam.find_access_key(account, "AKIAEXAMPLEALICE0001") == (user, user.accessKeys[0])
