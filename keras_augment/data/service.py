"""Scale-out on the ``tf.data`` service: a dispatcher and workers, as processes.

On a cluster, run one dispatcher and any number of workers (on the machines
with spare CPUs), then point the training job at the dispatcher:

    python -m keras_augment.data.service dispatcher --port 5050
    python -m keras_augment.data.service worker --dispatcher HOST:5050      # on each worker host
    # in the training script:
    dataset = keras_augment.data.augment(dataset, pipeline, service="grpc://HOST:5050")

Workers need ``keras_augment`` installed (the augmentation graph they run
uses its layers' compiled functions) but no data: they read what the
dataset's source names, so files must be reachable from every worker.
"""

from __future__ import annotations

import argparse
import os
import sys

import tensorflow as tf


def start_dispatcher(
    port: int = 0, work_dir: str | None = None
) -> tf.data.experimental.service.DispatchServer:
    """Starts a dispatcher in this process; its address is ``server.target`` (``grpc://host:port``)."""
    config = tf.data.experimental.service.DispatcherConfig(port=port, work_dir=work_dir)
    return tf.data.experimental.service.DispatchServer(config)


def start_worker(dispatcher: str, port: int = 0) -> tf.data.experimental.service.WorkerServer:
    """Starts a worker in this process that registers with ``dispatcher`` (``host:port``)."""
    if "://" in dispatcher:
        dispatcher = dispatcher.split("://", 1)[1]
    config = tf.data.experimental.service.WorkerConfig(dispatcher_address=dispatcher, port=port)
    return tf.data.experimental.service.WorkerServer(config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m keras_augment.data.service",
        description="Run a tf.data service dispatcher or worker for keras_augment pipelines.",
    )
    sub = parser.add_subparsers(dest="role", required=True)
    d = sub.add_parser("dispatcher", help="run a dispatcher")
    d.add_argument("--port", type=int, default=5050)
    w = sub.add_parser("worker", help="run a worker")
    w.add_argument("--dispatcher", required=True, help="dispatcher address, host:port")
    w.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras_augment  # noqa: F401  (registers the layers the pipelines use)

    server = (
        start_dispatcher(args.port)
        if args.role == "dispatcher"
        else start_worker(args.dispatcher, args.port)
    )
    print(
        f"{args.role} running at {server.target if args.role == 'dispatcher' else args.dispatcher}",
        flush=True,
    )
    server.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
