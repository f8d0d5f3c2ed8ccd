"""Processes a test run started, found by a marker in their environment: the
kit's children inherit the environment, so a marker variable set for one run
finds every process of that run, whatever process group it is in."""

import os
import time


def runs_image(pid, image):
    """Whether process `pid`'s command line names `image`."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return image.encode() in f.read()
    except OSError:
        return False


def survivors(marker, image=None):
    """Processes (other than us) whose environment carries `marker` ("NAME=value"),
    and, given `image`, whose command line names it: under Wine the marker also
    reaches the prefix's own processes (wineserver, services.exe, ...), which
    outlive any one program by design."""
    found = []
    needle = marker.encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                if needle in f.read().split(b"\0") and (image is None
                                                          or runs_image(int(pid), image)):
                    found.append(int(pid))
        except OSError:
            continue
    return found


def wait_for_no_survivors(marker, seconds, image=None):
    """The processes still carrying `marker` (and naming `image`) after up to
    `seconds` of waiting for none."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not survivors(marker, image):
            return []
        time.sleep(0.1)
    return survivors(marker, image)
