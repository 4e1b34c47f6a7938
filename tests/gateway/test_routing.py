"""Routing: exact paths, then {param}, then greedy {proxy+}; ANY; Missing Authentication Token."""

from __future__ import annotations

import gateway as gw
from gateway.rest.routing import Router
from tests.gateway.conftest import call, deploy, mock_200

MISSING = {"message": "Missing Authentication Token"}


def setup_routes(account, api):
    mock_200(account, api, "/pets", response_template='{"route": "exact"}')
    mock_200(account, api, "/pets/{petId}", response_template='{"route": "param", "id": "$input.params(\'petId\')"}')
    mock_200(account, api, "/pets/mine", response_template='{"route": "mine"}')
    proxy = gw.create_resource_path(account, api, "/{proxy+}")
    gw.put_method(api, proxy.id, "ANY")
    gw.put_integration(api, proxy.id, "ANY", "MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    gw.put_integration_response(
        api,
        proxy.id,
        "ANY",
        "200",
        responseTemplates={"application/json": '{"route": "greedy", "proxy": "$input.params(\'proxy\')"}'},
    )
    deploy(account, api)


def test_exact_beats_param_beats_greedy(account, api):
    setup_routes(account, api)
    assert call(account, api, path="/pets").json() == {"route": "exact"}
    assert call(account, api, path="/pets/mine").json() == {"route": "mine"}
    assert call(account, api, path="/pets/7").json() == {"route": "param", "id": "7"}
    assert call(account, api, path="/pets/7/toys").json() == {"route": "greedy", "proxy": "pets/7/toys"}


def test_any_matches_every_method_not_defined_explicitly(account, api):
    setup_routes(account, api)
    assert call(account, api, "DELETE", "/orders/1").json() == {"route": "greedy", "proxy": "orders/1"}
    # /pets defines only GET, so POST /pets falls through? No: the resource exists without POST.
    response = call(account, api, "POST", "/pets")
    assert response.status == 403 and response.json() == MISSING


def test_no_matching_resource_is_403_missing_authentication_token(account, api):
    mock_200(account, api, "/pets")
    deploy(account, api)
    response = call(account, api, path="/nothing-here")
    assert response.status == 403
    assert response.json() == MISSING
    assert response.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"


def test_method_not_defined_on_the_resource_is_also_missing_token(account, api):
    mock_200(account, api, "/pets", "GET")
    deploy(account, api)
    assert call(account, api, "PUT", "/pets").json() == MISSING


def test_stage_that_does_not_exist_is_missing_token(account, api):
    mock_200(account, api, "/pets")
    deploy(account, api)
    response = call(account, api, path="/pets", stage="prod")
    assert (response.status, response.json()) == (403, MISSING)


def test_greedy_proxy_needs_at_least_one_segment():
    router = Router({"r": {"path": "/"}, "p": {"path": "/{proxy+}"}})
    assert router.match("/").resource_id == "r"
    assert router.match("/a/b").path_parameters == {"proxy": "a/b"}


def test_path_parameters_are_url_decoded():
    router = Router({"p": {"path": "/pets/{name}"}})
    assert router.match("/pets/big%20dog").path_parameters == {"name": "big dog"}


def test_routing_cost_does_not_depend_on_the_number_of_resources():
    # The trie visits one node per segment: a 4-level match touches the same nodes
    # whether the API has 10 or 10,000 resources.
    small = Router({f"r{i}": {"path": f"/a{i}/{{x}}/b/{{y}}"} for i in range(10)})
    big = Router({f"r{i}": {"path": f"/a{i}/{{x}}/b/{{y}}"} for i in range(10_000)})
    for router in (small, big):
        match = router.match("/a7/1/b/2")
        assert match.resource_id == "r7" and match.path_parameters == {"x": "1", "y": "2"}
