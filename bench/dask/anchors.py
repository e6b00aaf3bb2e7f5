"""The anchor: the cluster bench's shapes on Dask distributed, set up like our bench.

A LocalCluster of 2 worker processes with 1 thread each; each shape runs once to warm up, then 3 times with
fresh keys, and the best is kept. Prints one JSON object on stdout (the anchors script reads it).
Run with Debian's python3-distributed: /usr/bin/python3 bench/dask/anchors.py [size_mib]
"""
import json
import os
import sys
import time

import psutil
from dask.distributed import Client, LocalCluster, wait


def noop(_=None):
    return None


def identity(value):
    return value


def count(items):
    return len(items)


def make_bytes(size):
    return bytes(size)


def receive(value):
    return len(value)


def process_cpu_seconds():
    times = psutil.Process(os.getpid()).cpu_times()
    return times.user + times.system


def best_of(repeat, shape):
    shape()  # warm-up
    return min(shape() for _ in range(repeat))


def main():
    size = int(sys.argv[1]) * 2**20 if len(sys.argv) > 1 else 256 * 2**20
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        time.sleep(2)
        workers = sorted(client.scheduler_info()["workers"])
        idle_rss = client.run(lambda: psutil.Process(os.getpid()).memory_info().rss)

        def wide():
            start = time.perf_counter()
            futures = client.map(noop, range(10_000), pure=False)
            sink = client.submit(count, futures, pure=False)
            assert sink.result() == 10_000
            seconds = time.perf_counter() - start
            del futures, sink
            return seconds

        def chain():
            start = time.perf_counter()
            link = client.submit(noop, 0, pure=False)
            for _ in range(999):
                link = client.submit(identity, link, pure=False)
            link.result()
            seconds = time.perf_counter() - start
            del link
            return seconds

        receiver_cpu_ms = []

        def transfer():
            blob = client.submit(make_bytes, size, workers=[workers[0]], pure=False)
            wait(blob)
            cpu_before = client.run(process_cpu_seconds, workers=[workers[1]])[workers[1]]
            start = time.perf_counter()
            received = client.submit(receive, blob, workers=[workers[1]], pure=False)
            assert received.result() == size
            seconds = time.perf_counter() - start
            receiver_cpu_ms.append((client.run(process_cpu_seconds, workers=[workers[1]])[workers[1]] - cpu_before) * 1000)
            del blob, received
            return seconds

        wide_s = best_of(3, wide)
        chain_s = best_of(3, chain)
        transfer_s = best_of(3, transfer)
        print(json.dumps({
            "wideTasksPerSecond": 10_001 / wide_s,
            "chainMsPerHop": chain_s * 1000 / 1000,
            "transferMiBs": size / 2**20 / transfer_s,
            # The receiving worker's CPU per transfer (the warm-up's left out), median: less at the mercy of the load.
            "transferReceiverCpuMs": sorted(receiver_cpu_ms[1:])[len(receiver_cpu_ms[1:]) // 2],
            "workerIdleRssMb": max(idle_rss.values()) / 1e6,
            "workers": len(workers),
        }))


if __name__ == "__main__":
    main()
