"""Run by test_distribute.py in its own process: train the tiny lofi network once and print its losses as JSON.

    python distribute_worker.py PROJECT none|mirrored|multiworker BATCH [LOGICAL_CPUS]

BATCH: the global batch size (the test picks one that the training rows fill whole, so that every run takes
the same steps: a distributed run drops a last, partial batch).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["TF_DETERMINISTIC_OPS"] = "1"


def main():
    project, distribute = Path(sys.argv[1]), sys.argv[2]
    batch = int(sys.argv[3])
    cpus = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    import tensorflow as tf

    if cpus > 1:  # before anything touches a device
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * cpus)
    from lofi_build.config import load_config
    from lofi_build.model import train
    from modelkit import TINY

    config = load_config(project / "lofi.yaml")
    ckpt = train.train(config, train.plan(config, "lofi", {**TINY["lofi"], "batch_size": batch}, epochs=EPOCHS), progress=False, jobs=1,
                       distribute=None if distribute == "none" else distribute)
    print(json.dumps({"losses": [h["loss"] for h in ckpt.history], "replicas": ckpt.info["replicas"],
                      "folder": str(ckpt.folder)}))


EPOCHS = 4

if __name__ == "__main__":
    main()
