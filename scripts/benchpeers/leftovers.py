# What finished runs leave on disk, removed only between runs when space runs short, and then
# followed by a pause. Removing thousands of files just before a timed run slows that run:
# ext4 without a journal skips inodes freed in the last 30-35 seconds when it allocates new
# ones (one block lookup per skipped inode on every create; measured here: 140 us instead of
# 10 us per create, and our c1 rate down by a quarter), and a filesystem mounted with
# `discard` trims the freed blocks. Whoever ran next would pay for the previous run.
# Depends on: Python 3 standard library.
import os
import shutil
import time

# ext4's window (30 s, 35 s while the inode's block is dirty) and a margin.
SETTLE_SECONDS = 40


class Leftovers:
    def __init__(self, work, reserve_bytes):
        self.work = work
        self.reserve = reserve_bytes
        self.folders = []

    def keep(self, folder):
        """`folder` is done with; it is removed later (make_room, or with the work folder)."""
        self.folders.append(folder)

    def make_room(self, progress=None):
        """Before a timed run: if less than the reserve is free, removes every kept folder and
        waits until the filesystem has settled. Returns the seconds spent."""
        if not self.folders or shutil.disk_usage(self.work).free >= self.reserve:
            return 0.0
        began = time.monotonic()
        if progress:
            progress(f"removing {len(self.folders)} finished runs, then {SETTLE_SECONDS} s for the disk to settle")
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)
        self.folders.clear()
        os.sync()
        time.sleep(SETTLE_SECONDS)
        return time.monotonic() - began
