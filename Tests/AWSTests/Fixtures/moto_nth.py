#!/usr/bin/env python3
"""moto's server, extended with what node-termination-handler's AWS tests need.

moto 5.2 lacks Auto Scaling's CompleteLifecycleAction and RecordLifecycleActionHeartbeat (it answers 500), and once
signature checking is on it crashes (500) on requests without an Authorization header, including the unsigned STS
AssumeRoleWithWebIdentity. This launcher patches moto in-process, then serves it:

- CompleteLifecycleAction / RecordLifecycleActionHeartbeat on moto's AutoScalingResponse, so moto's signature and
  IAM checks still run first. They validate like AWS: the group and the hook must exist, InstanceId (a member of the
  group) or LifecycleActionToken (a UUID) must be given, LifecycleActionResult must be CONTINUE or ABANDON; a bad
  call is a 400 ValidationError. Each accepted call is recorded. Like AWS, an action once completed is no longer
  active: completing it again, or a heartbeat for it, is a 400 ValidationError "No active Lifecycle Action found
  with token …" (or "… with instance ID …"), whichever way the call names it. A token the harness announced (below)
  is known to belong to its instance, so a completion by token also ends the instance's action and the other way
  round; a token never announced is accepted once, on its own.
- Unsigned AssumeRoleWithWebIdentity / AssumeRoleWithSAML pass; any other unsigned call, once auth is on, is a 403
  MissingAuthenticationToken (as AWS answers) instead of a crash.
- SQS batch calls are authorized by the single call's IAM action (sqs:DeleteMessage for DeleteMessageBatch,
  sqs:ChangeMessageVisibility for ChangeMessageVisibilityBatch, sqs:SendMessage for SendMessageBatch), as IAM does.
- EventBridge delivers a matched event to its target whole when the target has no InputTransformer: `version`, `id`,
  `detail-type`, `source`, `account`, `time`, `region`, `resources`, `detail`. moto 5.2's default template drops
  `account` (which the controller checks against the queue's); the event passes whole, as AWS sends it.
- GET /nth-test/lifecycle-calls returns the recorded calls as a JSON array; DELETE clears them (and forgets the
  actions below). With MOTO_LIFECYCLE_LOG set, each call is also appended to that file as a JSON line.
- POST /nth-test/lifecycle-actions announces pending actions, a JSON array of {"AutoScalingGroupName",
  "LifecycleHookName", "InstanceId", "LifecycleActionToken"}: what Auto Scaling knows when it starts a terminate
  hook, and what the lifecycle event the harness sends carries.

It listens on 127.0.0.1 and port 0 by default (-H, -p to change), prints one JSON line {"port": N} when ready, sets
TCP_NODELAY on every connection, and exits when its stdin closes (so a test process that dies takes it along).
"""
import argparse
import json
import os
import re
import socket
import sys
import threading

from moto import settings
from moto.autoscaling.exceptions import ValidationError
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import _RESTError as RESTError
from moto.core.responses import EmptyResult
from moto.events.utils import EventTemplateParser
from moto.iam.access_control import IAMRequestBase
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import WSGIRequestHandler, make_server

CALLS = []
CALLS_LOCK = threading.Lock()
# Lifecycle actions (under CALLS_LOCK): announced token -> (group, hook, instance); what has been completed.
ANNOUNCED = {}
COMPLETED_TOKENS = set()
COMPLETED_INSTANCES = set()  # (group, hook, instance)
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
UNSIGNED_ACTIONS = {"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"}


class MissingAuthenticationTokenError(RESTError):
    code = 403

    def __init__(self):
        super().__init__("MissingAuthenticationToken", "Request is missing Authentication Token")


def _record(call):
    with CALLS_LOCK:
        CALLS.append(call)
    path = os.environ.get("MOTO_LIFECYCLE_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(call) + "\n")


def _lifecycle_call(response, action):
    group_name = response._get_param("AutoScalingGroupName")
    hook_name = response._get_param("LifecycleHookName")
    instance_id = response._get_param("InstanceId")
    token = response._get_param("LifecycleActionToken")
    if not group_name or not hook_name:
        raise ValidationError("AutoScalingGroupName and LifecycleHookName are required")
    backend = response.autoscaling_backend
    group = backend.autoscaling_groups.get(group_name)
    if group is None:
        raise ValidationError(f"AutoScalingGroup name not found - {group_name}")
    if f"{group_name}_{hook_name}" not in backend.lifecycle_hooks:
        raise ValidationError(f"Unable to find lifecycle hook {hook_name} for group {group_name}")
    if not instance_id and not token:
        raise ValidationError("Either InstanceId or LifecycleActionToken must be specified")
    if instance_id and instance_id not in {state.instance.id for state in group.instance_states}:
        raise ValidationError(f"No active Lifecycle Action found with instance ID {instance_id}")
    if token and not UUID.match(token):
        raise ValidationError(f"No active Lifecycle Action found with token {token}")
    return {
        "Action": action,
        "AutoScalingGroupName": group_name,
        "LifecycleHookName": hook_name,
        "InstanceId": instance_id,
        "LifecycleActionToken": token,
    }


def _action_keys(call):
    """The token and the (group, hook, instance) a call names, each completed with it; `None` where unknown."""
    group, hook = call["AutoScalingGroupName"], call["LifecycleHookName"]
    token, instance = call["LifecycleActionToken"], call["InstanceId"]
    if token and not instance and ANNOUNCED.get(token, (None, None, None))[:2] == (group, hook):
        instance = ANNOUNCED[token][2]
    tokens = {token} if token else set()
    if instance:
        tokens |= {known for known, action in ANNOUNCED.items() if action == (group, hook, instance)}
    return tokens, ((group, hook, instance) if instance else None)


def _check_active(call):
    """Raises AWS's ValidationError when the action the call names was completed already."""
    tokens, instance = _action_keys(call)
    if tokens & COMPLETED_TOKENS or instance in COMPLETED_INSTANCES:
        named = (f"token {call['LifecycleActionToken']}" if call["LifecycleActionToken"]
                 else f"instance ID {call['InstanceId']}")
        raise ValidationError(f"No active Lifecycle Action found with {named}")
    return tokens, instance


def complete_lifecycle_action(self):
    call = _lifecycle_call(self, "CompleteLifecycleAction")
    result = self._get_param("LifecycleActionResult")
    if result not in ("CONTINUE", "ABANDON"):
        raise ValidationError(f"LifecycleActionResult must be CONTINUE or ABANDON, got {result!r}")
    call["LifecycleActionResult"] = result
    with CALLS_LOCK:
        tokens, instance = _check_active(call)
        COMPLETED_TOKENS.update(tokens)
        if instance:
            COMPLETED_INSTANCES.add(instance)
    _record(call)
    return EmptyResult()


def record_lifecycle_action_heartbeat(self):
    call = _lifecycle_call(self, "RecordLifecycleActionHeartbeat")
    with CALLS_LOCK:
        _check_active(call)
    _record(call)
    return EmptyResult()


AutoScalingResponse.complete_lifecycle_action = complete_lifecycle_action
AutoScalingResponse.record_lifecycle_action_heartbeat = record_lifecycle_action_heartbeat

_original_authenticate = ActionAuthenticatorMixin._authenticate_and_authorize_action


def _authenticate(self, iam_request_cls, resource="*"):
    auth_on = ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT
    if auth_on and "Authorization" not in self.headers:
        if self._get_action() in UNSIGNED_ACTIONS:
            return None
        raise MissingAuthenticationTokenError()
    return _original_authenticate(self, iam_request_cls, resource)


ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate

# IAM authorizes SQS batch calls by the single call's action (SQS Developer Guide, "Amazon SQS batch actions"): a
# policy allowing sqs:DeleteMessage allows DeleteMessageBatch, and no policy can name sqs:DeleteMessageBatch. moto
# 5.2 checks the batch names; map them as IAM does.
IAM_ACTION_OF_BATCH = {
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    "sqs:SendMessageBatch": "sqs:SendMessage",
}
_original_iam_request_init = IAMRequestBase.__init__


def _iam_request_init(self, *args, **kwargs):
    _original_iam_request_init(self, *args, **kwargs)
    self._action = IAM_ACTION_OF_BATCH.get(self._action, self._action)


IAMRequestBase.__init__ = _iam_request_init

# EventBridge sends a target without an InputTransformer the event as it is (every top-level field, `account`
# included); moto's default template leaves `account` out. Keep moto's parser for real transformers.
_original_template_parse = EventTemplateParser.parse


def _template_parse(input_template, input_paths_map, event):
    if not input_template and not input_paths_map:
        return {key: value for key, value in event.items() if key != "ingestion-time"}
    return _original_template_parse(input_template, input_paths_map, event)


EventTemplateParser.parse = staticmethod(_template_parse)


class TestRoutes:
    """Serves /nth-test/* and hands everything else to moto."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/nth-test/lifecycle-calls":
            with CALLS_LOCK:
                if environ.get("REQUEST_METHOD") == "DELETE":
                    CALLS.clear()
                    ANNOUNCED.clear()
                    COMPLETED_TOKENS.clear()
                    COMPLETED_INSTANCES.clear()
                body = json.dumps(CALLS).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("PATH_INFO") == "/nth-test/lifecycle-actions" and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            actions = json.loads(environ["wsgi.input"].read(length) or b"[]")
            with CALLS_LOCK:
                for action in actions:
                    ANNOUNCED[action["LifecycleActionToken"]] = (
                        action["AutoScalingGroupName"], action["LifecycleHookName"], action["InstanceId"])
            start_response("204 No Content", [("Content-Length", "0")])
            return [b""]
        return self.app(environ, start_response)


class NoDelayHandler(WSGIRequestHandler):
    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, *args, **kwargs):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=0)
    args = parser.parse_args()

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(args.host, args.port, TestRoutes(app), threaded=True, request_handler=NoDelayHandler)
    os.environ["MOTO_PORT"] = str(server.server_port)
    print(json.dumps({"port": server.server_port}), flush=True)

    def exit_when_stdin_closes():
        try:
            while sys.stdin.buffer.read1(1024):
                pass
        except (OSError, ValueError):
            pass
        os._exit(0)

    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
