"""Plan and deploy: observe every resource, decide, and (for deploy) apply in graph order."""

from __future__ import annotations

import concurrent.futures as futures
import importlib
import threading
from collections.abc import Callable
from typing import Any

from . import apply
from .failures import transient, translate
from .plan import Action, Decision, Plan, Step
from .steps.base import Context, Node, Unknown


def _step(node: Node[Any], ctx: Context) -> Step:
    observed: Any = Unknown("no credentials") if ctx.cloud is None \
        else node.kind.observe(ctx, node.target)
    return Step(node.id, node.kind.kind, node.name, node.kind.decide(node.target, observed),
                node.depends_on)


#: Observations made at once while planning (they only read; the calls they make are bounded
#: by cloud/throttle.py).
PLAN_PARALLEL = 16


def make_plan(ctx: Context, nodes: list[Node[Any]], cloud_name: str,
              notes: tuple[str, ...] = ()) -> Plan:
    if ctx.cloud is None:
        steps = tuple(_step(node, ctx) for node in nodes)
    else:
        # Most observations are answered from one bulk listing (cloud/listing.py); the rest
        # (one share's access rules) are independent reads, made concurrently.
        with futures.ThreadPoolExecutor(max_workers=PLAN_PARALLEL) as pool:
            steps = tuple(pool.map(lambda node: _step(node, ctx), nodes))
    return Plan(deployment=ctx.desired.deployment, cloud=cloud_name,
                observed=ctx.cloud is not None, steps=steps, notes=notes)


RETRY_ATTEMPTS = 4
RETRY_BASE = 1.0


def deploy(ctx: Context, nodes: list[Node[Any]], emit: Callable[[apply.Event], None]
           ) -> apply.Report:
    import tenacity  # only deploy retries: plan's start stays short

    warm_imports()
    by_id = {node.id: node for node in nodes}

    def run(step: Step, progress: Callable[[str], None]) -> Any:
        # A step re-observes before it acts, so running it again after a transient failure
        # (a 5xx, a dropped connection) cannot make anything twice.
        for attempt in tenacity.Retrying(
            retry=tenacity.retry_if_exception(transient),
            wait=tenacity.wait_exponential(multiplier=RETRY_BASE, max=20),
            stop=tenacity.stop_after_attempt(RETRY_ATTEMPTS),
            before_sleep=lambda state: progress(
                f"retrying after: {state.outcome.exception() if state.outcome else '?'}"),
            reraise=True,
        ):
            with attempt:
                return once(step, progress)
        raise AssertionError("unreachable")

    def once(step: Step, progress: Callable[[str], None]) -> Any:
        node = by_id[step.id]
        try:
            # Observed again at its turn: what earlier steps (or another run) did counts.
            observed = node.kind.observe(ctx, node.target)
            decision = node.kind.decide(node.target, observed)
            ctx.record(step.id, node.kind.apply(ctx, node.target, observed, decision, progress))
        except Exception as exc:
            translated = translate(exc, f"{node.kind.kind} {node.name}")
            if translated is None:
                raise
            raise translated from exc
        return decision.action

    pending = Decision(Action.CHECK, "decided at run time")
    steps = [Step(n.id, n.kind.kind, n.name, pending, n.depends_on) for n in nodes]
    return apply.run(steps, run, emit)



_WARMING: list[threading.Thread] = []


def warm_imports(*, typed_apis: bool = True) -> None:
    """Import the Kubernetes and Helm clients in the background (once per process). They take
    a second or more on a busy machine; imported while the cloud is asked (or builds), they
    are not on the critical path when the first Kubernetes step comes. ``typed_apis=False``
    (status, which reads JSON) leaves out the generated API classes and their models."""
    if not _WARMING:
        # What both threads import goes first, here: two threads importing one package's
        # modules at once can meet in a cycle, where Python's deadlock escape hands one of
        # them a half-initialised module ("cannot import name 'parse_dict_header' from
        # partially initialized module 'requests.utils'", seen on a busy machine). This
        # thread needs them next anyway (openstacksdk, the profile models).
        for module in _SHARED_IMPORTS:
            importlib.import_module(module)
        _WARMING.append(threading.Thread(target=_warm, args=(typed_apis,), name="warm-imports",
                                         daemon=True))
        _WARMING[0].start()


#: The packages the Kubernetes and Helm clients share with openstacksdk and the profile.
_SHARED_IMPORTS = ("requests", "urllib3", "yaml", "pydantic", "dateutil.parser")


def _warm(typed_apis: bool) -> None:
    from .kube.client import preload

    try:
        preload(typed_apis=typed_apis)
    except Exception:  # the step that needs it reports the real error
        return
