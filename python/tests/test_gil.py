"""The GIL is released during every scan and write: another Python thread
keeps running while a large replace, count, find or finditer batch does."""

import re
import threading
import time

import mpatch


class Ticker:
    """A Python thread counting as fast as it can, and where the count stood
    when a call began and ended."""

    def __init__(self):
        self.ticks = 0
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop:
            self.ticks += 1

    def __enter__(self):
        self.thread.start()
        while self.ticks == 0:
            time.sleep(0.001)
        return self

    def __exit__(self, *exc):
        self.stop = True
        self.thread.join()

    def during(self, call):
        """Runs `call` and returns (its result, ticks during it, seconds)."""
        before, began = self.ticks, time.perf_counter()
        result = call()
        return result, self.ticks - before, time.perf_counter() - began


def check_runs_beside(call, minimum_seconds=0.02):
    """The ticker must advance during `call`: with the GIL held throughout,
    it could not tick at all (a call shorter than the switch interval would
    prove nothing, so the call must last a while)."""
    with Ticker() as ticker:
        result, ticks, seconds = ticker.during(call)
    assert seconds >= minimum_seconds, f"the call took {seconds:.4f}s: too short to tell"
    # Holding the GIL, the ticker would tick only at the call's edges; free,
    # it ticks about a million times a second.
    assert ticks > 10_000 * seconds, (ticks, seconds)
    return result


def test_a_large_replace_lets_another_thread_run(big_copy):
    path, data = big_copy
    # A regex with dense matches keeps the scan and the writes busy.
    n = check_runs_beside(
        lambda: mpatch.replace(path, rb"x{10}", b"y" * 10, regex=True, no_sync=True)
    )
    assert n == len(re.findall(rb"x{10}", data)) > 0
    assert path.read_bytes() == data.replace(b"x" * 10, b"y" * 10)


def test_a_large_count_and_find_let_another_thread_run(big_log):
    path, data = big_log
    assert check_runs_beside(lambda: mpatch.count(path, rb"[a-z]x{5}", regex=True)) == len(
        re.findall(rb"[a-z]x{5}", data)
    )
    assert check_runs_beside(lambda: mpatch.find(path, b"x" * 20)) == [
        m.start() for m in re.finditer(b"x" * 20, data)
    ]


def test_a_count_of_an_in_memory_buffer_lets_another_thread_run(big_log):
    _, data = big_log
    assert check_runs_beside(lambda: mpatch.count(data, rb"x{7}", regex=True)) == len(
        re.findall(rb"x{7}", data)
    )


def test_finditer_releases_the_gil_for_each_batch(big_log):
    path, data = big_log
    # The last line is the only match (its line number is unique): the
    # first batch scans the whole file.
    last = data[data.rindex(b"\n", 0, len(data) - 1) + 1 :]
    found = mpatch.finditer(path, last)
    # A scan of the whole cached log may take only a few milliseconds; a
    # ticker that moves thousands of times in them still tells.
    assert check_runs_beside(lambda: next(found), minimum_seconds=0.004) == len(data) - len(last)


def test_threads_can_search_at_once(big_log):
    path, data = big_log
    results = [None] * 4

    def work(i):
        results[i] = mpatch.count(path, b"ERROR")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [data.count(b"ERROR")] * 4


def test_a_finditer_advanced_by_two_threads_at_once_is_an_error_not_a_deadlock(big_log):
    path, data = big_log
    last = data[data.rindex(b"\n", 0, len(data) - 1) + 1 :]
    found = mpatch.finditer(path, last)
    outcome = []

    def advance():
        try:
            outcome.append(next(found))
        except StopIteration:
            outcome.append("end")
        except RuntimeError as error:
            outcome.append(str(error))

    threads = [threading.Thread(target=advance, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "deadlocked"
    # Either the two calls did not overlap (one offset, then the end), or
    # the second saw the first still advancing.
    other = [o for o in outcome if o != len(data) - len(last)]
    assert len(outcome) == 2 and len(other) == 1
    assert other[0] in ("end", "finditer: already being advanced by another thread")
