"""tf.distribute: the tiny lofi network trained on two logical CPU devices (MirroredStrategy) and by two worker
processes on 127.0.0.1 (MultiWorkerMirroredStrategy, TF_CONFIG) ends within TOLERANCE of the single-device loss."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from lofi_build.config import load_config
from lofi_build.model import corpus, presets, train
from modelkit import TINY, make_project, melody_notes, write_midi
from support import ROOT, run_cli

TOLERANCE = 0.05  # relative difference of the last epoch's training loss
# Every run must take the same steps on the same rows: a distributed run drops a last, partial batch (its
# replicas need equal shares), so the corpus's training rows must fill whole batches of BATCH (3 a replica).
TUNES = 6
BATCH = 6
HERE = Path(__file__).parent


def worker(project, distribute, *extra, env=None):
    return subprocess.Popen([sys.executable, str(HERE / "distribute_worker.py"), str(project), distribute, str(BATCH),
                             *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE), str(ROOT / "tests")]),
                                 **(env or {})})


def result(proc, timeout=900):
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("dist") / "proj")
    for k in range(4, TUNES):  # make_project writes four
        write_midi(root / "content" / "midi" / f"tune{k}.mid", [(0, 0, melody_notes(k))])
    (root / "lofi.yaml").write_text((root / "lofi.yaml").read_text().replace("model:\n", "model:\n  preset: lofi\n"))
    config = load_config(root / "lofi.yaml")  # encode once here: the workers read the cache
    network = presets.get("lofi")
    encoded = corpus.encode(corpus.resolve(config), config.tokens_cache_dir, progress=False, jobs=1, network=network)
    plan = train.plan(config, "lofi", {**TINY["lofi"], "batch_size": BATCH})
    import keras

    rows = len(network.data(encoded.sequences, plan.settings, plan.seed, keras, groups=encoded.groups)["train_rows"][0])
    assert rows % BATCH == 0, f"{rows} training rows do not fill whole batches of {BATCH}: change TUNES or BATCH"
    return root


@pytest.fixture(scope="module")
def single(project):
    return result(worker(project, "none"))


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * b


def test_mirrored_on_two_logical_cpus_reaches_the_single_device_loss(project, single, tmp_path):
    other = tmp_path / "proj"
    import shutil

    shutil.copytree(project, other, ignore=shutil.ignore_patterns("model"))
    mirrored = result(worker(other, "mirrored", "2"))
    assert mirrored["replicas"] == 2 and single["replicas"] == 1
    assert mirrored["losses"][-1] < mirrored["losses"][0]
    assert close(mirrored["losses"][-1], single["losses"][-1]), (mirrored, single)


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_workers_on_localhost_reach_the_single_device_loss(project, single, tmp_path):
    import shutil

    other = tmp_path / "proj"
    shutil.copytree(project, other, ignore=shutil.ignore_patterns("model"))
    cluster = {"worker": [f"127.0.0.1:{p}" for p in free_ports(2)]}
    procs = [worker(other, "multiworker", env={"TF_CONFIG": json.dumps({"cluster": cluster,
                                                                          "task": {"type": "worker", "index": i}})})
             for i in range(2)]
    chief, second = (result(p) for p in procs)
    assert chief["replicas"] == second["replicas"] == 2
    assert close(chief["losses"][-1], single["losses"][-1]), (chief, single)
    written = [p.name for p in (other / "content" / "model").iterdir()]
    assert written == [Path(chief["folder"]).name]  # only the chief writes the checkpoint


def test_multiworker_without_tf_config_is_an_error(project):
    result = run_cli("train", "--distribute", "multiworker", "--epochs", "1", cwd=project, env={"TF_CONFIG": ""})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "error: --distribute multiworker needs TF_CONFIG" in result.stderr
    bad = run_cli("train", "--distribute", "everywhere", cwd=project)
    assert bad.returncode == 2 and "'everywhere' is not one of 'mirrored', 'multiworker'" in bad.stderr
