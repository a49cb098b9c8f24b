"""Running the same work in several threads at once, each with its own database connection."""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection


@dataclass
class Outcome:
    results: list[Any] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


def run_concurrently(work: Callable[..., Any], arguments: Sequence[tuple] | int) -> Outcome:
    """Call ``work(*args)`` once per tuple in ``arguments`` (or ``arguments`` times with no
    arguments), every call released at the same moment by a barrier. Returns what the calls
    returned and what they raised; each thread closes its connection when it is done."""
    calls = [()] * arguments if isinstance(arguments, int) else list(arguments)
    barrier = threading.Barrier(len(calls))
    outcome = Outcome()
    lock = threading.Lock()

    def run(args: tuple) -> None:
        try:
            barrier.wait()
            result = work(*args)
            with lock:
                outcome.results.append(result)
        except BaseException as exc:  # collected for the test to assert on
            with lock:
                outcome.errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(args,)) for args in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome
