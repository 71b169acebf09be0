"""A two-node OpenSearch cluster on 127.0.0.1 for tests (scripts/opensearch.sh cluster-start, node-stop,
node-start, cluster-stop): the session's `cluster` fixture (tests/conftest.py)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import REPO, unavailable
from pipeline.config import Settings

SCRIPT = REPO / "scripts" / "opensearch.sh"
NODES = 2
TRANSPORT_OFFSET = 1000  # scripts/opensearch.sh: a node's transport port is its HTTP port + 1000


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_cluster_port() -> int:
    """An HTTP port P with P..P+NODES-1 and their transport ports free (other runs may hold 9250)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        ports = [base + i + offset for i in range(NODES) for offset in (0, TRANSPORT_OFFSET)]
        if max(ports) <= 65535 and all(_free(p) for p in ports):
            return base
    raise AssertionError("no free ports for a cluster on 127.0.0.1")


class Cluster:
    """The nodes of one scripts/opensearch.sh cluster, in a state dir of their own."""

    def __init__(self, port: int, state: Path):
        self.state = state
        self.env = {
            **os.environ,
            "HOSO_OPENSEARCH_CLUSTER_PORT": str(port),
            "HOSO_OPENSEARCH_CLUSTER_DIR": str(state),
            "HOSO_OPENSEARCH_START_TIMEOUT": "90",
        }
        self.urls = [f"http://127.0.0.1:{port + i}" for i in range(NODES)]

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(SCRIPT), *args], env=self.env, capture_output=True, text=True, timeout=240, check=False
        )

    def node(self, action: str, index: int) -> None:
        done = self.run(f"node-{action}", str(index))
        assert done.returncode == 0, f"node-{action} {index} exited {done.returncode}:\n{done.stderr[-3000:]}"

    def backend(self, prefix: str, replicas: int | None = 1):
        from index.opensearch import OpenSearchBackend

        settings = Settings(
            opensearch_url=",".join(self.urls), opensearch_index_prefix=prefix, opensearch_replicas=replicas
        )
        return OpenSearchBackend.from_settings(settings)


@contextmanager
def started_cluster() -> Iterator[Cluster]:
    """A NODES-node cluster on free ports of 127.0.0.1, stopped and removed afterwards."""
    base = Path(os.environ.get("HOSO_OPENSEARCH_DIR", REPO / ".opensearch"))
    port = free_cluster_port()
    nodes = Cluster(port, base / f"test-cluster-{port}")  # under the install: the run user reaches it
    try:
        started = nodes.run("cluster-start", str(NODES))
        if started.returncode != 0:
            unavailable(
                f"a {NODES}-node OpenSearch cluster did not start (scripts/opensearch.sh):\n{started.stderr[-3000:]}"
            )
        yield nodes
    finally:
        stopped = nodes.run("cluster-stop")
        assert stopped.returncode == 0, f"cluster-stop exited {stopped.returncode}:\n{stopped.stderr}"
        shutil.rmtree(nodes.state, ignore_errors=True)
