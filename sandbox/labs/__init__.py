"""Guided labs: their definitions (sandbox/labs/data/*.yaml), their starting state, and the checker.

A lab is data: a goal, a story, a starting state (steps the engine's operations build in the
learner's sandbox), hints, and declarative checks. Nothing in a lab file is executed: each
setup step and each check names a kind this package interprets (`SETUP_STEPS`, `CHECKS`).

Labs find their APIs, keys, plans and functions by name, so a lab can be restarted (its
objects are rebuilt) and a learner may build what a lab asks for however they like. Checks
run on a scratch copy of the learner's account, so checking never changes the sandbox; the
invocations share the runtime store with /gw/ (throttles, quotas and cache entries behave as
for real callers) but are not recorded in the learner's metrics and logs.

Modules: `loader` (definitions), `setup` (starting state), `checks` (the checker), `trying`
(the test panel); this module gathers their public API.
"""

from __future__ import annotations

from sandbox.labs.checks import (  # noqa: F401 (the labs' API)
    CHECKS,
    CheckResult,
    Context,
    Fail,
    FixedRandom,
    all_passed,
    check_cache_hit,
    check_cache_invalidates,
    check_canary_percent,
    check_canary_promoted,
    check_cors_allows_origin,
    check_endpoint_type,
    check_http_invoke,
    check_invoke,
    check_key_in_plan,
    check_method_config,
    check_method_setting,
    check_plan_throttle,
    check_resource_exists,
    check_stage_exists,
    check_stage_field,
    check_stage_points_at_latest,
    check_stage_rolled_back,
    check_stage_variable,
    check_stages_differ,
    check_throttled,
    check_v2_api_exists,
    check_ws_broadcast,
    check_ws_route_selected,
    rest_request,
    run_checks,
)
from sandbox.labs.loader import (  # noqa: F401 (the labs' API)
    API_STEPS,
    CHECK_FIELDS,
    EXPECT_FIELDS,
    LAB_DIR,
    LAB_FIELDS,
    MAX_BURST,
    REQUEST_FIELDS,
    SETUP_FIELDS,
    SLUG,
    TRY_FIELDS,
    Check,
    Lab,
    LabError,
    _step_kind,
    all_labs,
    get_lab,
    labs_for_topic,
    load_labs,
    parse_lab,
    taxonomy_topics,
)
from sandbox.labs.setup import (  # noqa: F401 (the labs' API)
    SETUP_STEPS,
    api_ids,
    cognito_client,
    find_key,
    find_rest_api,
    find_v2_api,
    function_arn,
    start_lab,
)
from sandbox.labs.trying import (  # noqa: F401 (the labs' API)
    TryResult,
    try_defaults,
    try_request,
)
