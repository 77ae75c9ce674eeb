"""The pytest suite runs against a real engine that tests/python/python_test.sh
starts (RISKGATE_INSTANCE; strategy alpha; AAPL near 190 at a sim venue)."""
import os

import pytest

import riskgate


@pytest.fixture
def instance():
    name = os.environ.get("RISKGATE_INSTANCE")
    if not name:
        pytest.skip("no engine: run through tests/python/python_test.sh (ctest -R python)")
    return name


@pytest.fixture
def session(instance):
    with riskgate.Session(instance, "alpha") as s:
        assert s.engine_alive()
        yield s


def wait_for(session, kind, client_order_id, timeout=30.0):
    """The report of `kind` about `client_order_id`; every report read meanwhile is kept."""
    seen = []
    for r in session.reports(timeout=timeout):
        seen.append(r)
        if r.kind == kind and r.client_order_id == client_order_id:
            return r
        if r.kind == "REJECTED" and r.client_order_id == client_order_id and kind != "REJECTED":
            raise AssertionError(f"order {client_order_id} rejected: {r.reason}")
    raise AssertionError(f"no {kind} for {client_order_id}; saw {seen}")
