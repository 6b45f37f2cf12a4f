"""Use both cores of a build machine (issue 8): pages rendered by two processes that take turns from one queue.

A forked child starts at once with the jobs (data files) and then pages; this process first does the work that
must stay in it (the search files, whose postings the next edition reuses) and then takes jobs and pages too. Each takes the next chunk of pages from a counter in shared
memory, so both finish at about the same time whatever the mix of pages. Every page is written by exactly one
process and each page's bytes do not depend on which one, so the output is the same as a one-process build.
A failure in either process fails the build with that failure (start/finish: the child sends it back).
"""

import multiprocessing
import os
import pickle
import signal
import sys

MIN_ITEMS = 500  # below this a fork costs more than it saves
CHUNK = 8


_one_process = False  # set in a process that must leave the other cores to its siblings


def use_one_process():
    """From now on this process does all its work itself (run() forks no helper)."""
    global _one_process
    _one_process = True


def can_fork() -> bool:
    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


def fork() -> int:
    """os.fork() with the standard streams flushed first, so text buffered here is not written twice."""
    sys.stdout.flush()
    sys.stderr.flush()
    return os.fork()


def start(work):
    """Fork a process that runs work() and sends back what it returns, or the exception it raised; return the
    handle for finish() (or abandon()).

    The child reports its error to this process instead of printing it: the build then fails with that error
    as one clear line (cli.py), as when it happens here, not with a traceback from the child.
    """
    read_end, write_end = os.pipe()
    child = fork()
    if child == 0:
        os.close(read_end)
        try:
            payload = ("ok", work())
        except BaseException as exc:  # noqa: BLE001 - sent to the parent, which raises it
            try:
                payload = ("error", pickle.dumps(exc), "%s: %s" % (type(exc).__name__, exc))
            except Exception:  # noqa: BLE001 - an exception that cannot be pickled: its text will do
                payload = ("error", None, "%s: %s" % (type(exc).__name__, exc))
        try:
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(payload, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(0)
    os.close(write_end)
    return child, read_end


def finish(started):
    """Wait for a process made by start() and return what its work returned; raise its error if it failed."""
    child, read_end = started
    try:
        with os.fdopen(read_end, "rb") as pipe:
            payload = pickle.load(pipe)
    except (EOFError, pickle.UnpicklingError):
        payload = ("error", None, "a build process ended without a result")
    finally:
        os.waitpid(child, 0)
    if payload[0] == "ok":
        return payload[1]
    _, pickled, text = payload
    try:
        error = pickle.loads(pickled) if pickled else None
    except Exception:  # noqa: BLE001
        error = None
    raise error if isinstance(error, BaseException) else RuntimeError(text)


def abandon(started):
    """Stop a process made by start() whose result is no longer wanted (this process failed meanwhile)."""
    child, read_end = started
    os.close(read_end)
    os.kill(child, signal.SIGTERM)
    os.waitpid(child, 0)


def run(items, render, own_work=None, jobs=(), worth_sharing=None, in_child=None, report=None, merge=None,
        late_jobs=()):
    """Call render(item) for every item and every job() and late job, on two processes when it is worth it (by
    default when there are MIN_ITEMS items or more); call own_work() here, once.

    Jobs are taken one at a time before the items (which are taken CHUNK at a time), so two jobs can run at once;
    late jobs after the items.
    What the second process must hand back (the pages it recorded for the page manifest): in_child() runs first
    thing in it, report() at its end, and merge(what report returned) here afterwards. Its error is raised here.
    """
    if worth_sharing is None:
        worth_sharing = len(items) >= MIN_ITEMS
    if not worth_sharing or _one_process or not can_fork():
        if own_work is not None:
            own_work()
        for job in jobs:
            job()
        for item in items:
            render(item)
        for job in late_jobs:
            job()
        return
    counter = multiprocessing.get_context("fork").Value("q", 0)
    jobs, late_jobs = list(jobs), list(late_jobs)
    chunks = -(-len(items) // CHUNK)

    def drain():
        while True:
            with counter.get_lock():
                turn = counter.value
                counter.value = turn + 1
            if turn < len(jobs):
                jobs[turn]()
                continue
            start = (turn - len(jobs)) * CHUNK
            if start < len(items):
                for item in items[start:start + CHUNK]:
                    render(item)
                continue
            late = turn - len(jobs) - chunks
            if late >= len(late_jobs):
                return
            late_jobs[late]()

    def second_process():
        if in_child is not None:
            in_child()
        drain()
        return report() if report is not None else None

    helper = start(second_process)
    try:
        if own_work is not None:
            own_work()
        drain()
    except BaseException:
        abandon(helper)
        raise
    reported = finish(helper)
    if merge is not None:
        merge(reported)
