"""Processes a test run started, found by a marker in their environment: the
kit's children inherit the environment, so a marker variable set for one run
finds every process of that run, whatever process group it is in."""

import os
import time


def survivors(marker):
    """Processes (other than us) whose environment carries `marker` ("NAME=value")."""
    found = []
    needle = marker.encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(int(pid))
        except OSError:
            continue
    return found


def wait_for_no_survivors(marker, seconds):
    """The processes still carrying `marker` after up to `seconds` of waiting for none."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not survivors(marker):
            return []
        time.sleep(0.1)
    return survivors(marker)
