"""The demo's notification policy, with and without `--webhook`."""

from __future__ import annotations

from importlib import resources

from forewarn.demo.app import demo_policy


def _policy_path():
    return resources.files("forewarn.demo") / "policy.yaml"


def test_demo_policy_routes_to_the_responsible_department_and_escalates():
    with resources.as_file(_policy_path()) as path:
        policy = demo_policy(path, None, "Asia/Shanghai")
    assert policy.root.receiver == "responsible"
    assert "demo-webhook" not in policy.receivers
    red = policy.escalations["demo"]["red"]
    assert red["ack_within_s"] == 3600


def test_webhook_adds_a_catch_all_receiver_that_lets_routing_continue():
    url = "http://127.0.0.1:9/hook"
    with resources.as_file(_policy_path()) as path:
        policy = demo_policy(path, url, "Asia/Shanghai")
    receiver = policy.receivers["demo-webhook"]
    assert receiver.targets == (("webhook", url),)
    first = policy.root.children[0]
    assert first.receiver == "demo-webhook"
    assert first.matchers == ()
    assert first.continue_ is True
    assert policy.root.receiver == "responsible"
