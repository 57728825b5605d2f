"""The stacks' parts: one construct per concern, and the stack base class that keeps ids.

A garrison's stack (infra/garrison_stack.py) is built from `data.Data` (tables and
secrets), `notifications.Notifications` (unit and admin topics, the dead letters of
undelivered messages), `officers.Officers` (the user pool and the panel's app client),
`api.Api` (the Chalice app: functions, API Gateway, the stream trigger, logs) and
`site.Site` (the bucket, the distribution in front of the bucket and the API, the files);
infra/monitoring.py watches them.

A `Part` only groups resources for the reader. `KmzbStack` gives every resource the
logical id it would have had if it were defined on the stack itself, so splitting a stack
into parts, or moving a resource from one part to another, never makes CloudFormation
replace a retained table, bucket, secret or user pool that is already deployed.
"""

from __future__ import annotations

import hashlib
import re

import aws_cdk as cdk
from constructs import Construct


class Part(Construct):
    """A group of a stack's resources; invisible in their CloudFormation logical ids."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        if isinstance(stack, KmzbStack):
            stack.transparent_paths.add(self.node.path)


class KmzbStack(cdk.Stack):
    """A stack whose logical ids skip its `Part`s (CDK's own algorithm on the other ids)."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        self.transparent_paths: set[str] = set()
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]

    def _allocate_logical_id(self, cfn_element: cdk.CfnElement) -> str:
        scopes = cfn_element.node.scopes
        paths = [s.node.path for s in scopes]
        below = scopes[paths.index(self.node.path) + 1 :]
        return unique_id([s.node.id for s in below if s.node.path not in self.transparent_paths])


def unique_id(components: list[str]) -> str:
    """CDK's makeUniqueId (core/lib/private/uniqueid): a logical id from a construct path."""
    components = [c for c in components if c != "Default"]
    if len(components) == 1:
        candidate = _alphanumeric(components[0])
        if len(candidate) <= 255:
            return candidate
    digest = hashlib.md5("/".join(components).encode("utf-8"), usedforsecurity=False)
    human: list[str] = []
    for component in components:  # CDK's removeDupes: a part repeating its parent's name
        if not human or not human[-1].endswith(component):
            human.append(component)
    readable = "".join(_alphanumeric(c) for c in human if c != "Resource")[:240]
    return readable + digest.hexdigest()[:8].upper()


def _alphanumeric(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)
