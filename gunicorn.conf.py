"""gunicorn settings; every value can be overridden by the environment named beside it."""

import multiprocessing
import os
import tempfile

# PORT is what Heroku-style platforms give; GUNICORN_BIND overrides the whole address.
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# (2 x CPUs) + 1 worker processes, each with a few threads (gthread). With sync workers a
# slow DynamoDB turned every wait into queueing for everyone: until the breaker opened, a
# request for the form page sat behind checks waiting on the engine (up to 1.2 s, against
# 12-279 ms with threads; bench/brownout.py --worker-class sync, docs/reliability.md).
# With threads, a worker keeps answering pages that need no table while some of its
# threads wait; the store's guard lets at most MEDIPHANT_DYNAMODB_MAX_WAITING of them wait
# at once, so one thread always stays free. On a healthy engine threads also overlap the
# checks' waits: checks and FAQ searches went 1.5 times as fast, for the same worker
# memory; a page that never waits costs about twice the CPU (docs/workers.md,
# bench/workers.py). PynamoDB shares one botocore client per process (built at start-up,
# see store.configure).
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# gthread, plus GUNICORN_LIGHT_THREADS (2) threads of its own for the pages that need no
# table (the form, the FAQ, autocomplete, /healthz, /metrics, static files): while the
# engine is slow, or the threads busy with checks, those never queue behind a check
# (mediphant/worker.py; bench/brownout.py --light-new-connections, docs/reliability.md).
# GUNICORN_WORKER_CLASS=gthread (or sync) runs gunicorn's own.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "mediphant.worker.LightFirstWorker")
# gunicorn runs gthread instead of sync when given more than one thread: sync needs
# GUNICORN_THREADS=1 (and MEDIPHANT_DYNAMODB_MAX_WAITING=1).
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Behind a proxy, trust X-Forwarded-* only from these addresses (the app's ProxyFix decides
# how many hops to trust). Loopback by default.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# One line per request: client (the proxy's address unless FORWARDED_ALLOW_IPS trusts it),
# request line, status, bytes, milliseconds, user agent and the app's X-Request-ID, so an
# access-log line can be matched with the app's JSON log lines.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" rid=%({x-request-id}o)s'


# Prometheus multiprocess mode: every worker writes its samples under this folder and
# /metrics aggregates them. Set here, when the master reads this file: prometheus-client
# chooses multiprocess values when it is first imported, and the master imports it with
# the worker class (mediphant.worker). The folder is emptied when the master starts.
os.makedirs(
    os.environ.setdefault(
        "PROMETHEUS_MULTIPROC_DIR",
        os.path.join(tempfile.gettempdir(), f"mediphant-metrics-{os.getpid()}"),
    ),
    exist_ok=True,
)


def on_starting(server):  # noqa: ANN001, ANN201 - gunicorn hook signature
    import shutil

    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)


# A thread waiting for the GIL asks for it after this long (Python's default: 5 ms). A
# request thread re-takes the GIL after each socket read and write; while another thread
# (a check's, or the background thread serializing a batch of writes) runs, each of those
# waits was up to 5 ms. Measured (bench/load.py, FAQ page at half of saturation): p99
# 65 ms at 5 ms, 30 ms at 1 ms, 43 ms at 2 ms; at 1 ms the form page lost a seventh of
# its rate at saturation, at 2 ms nothing measurable (docs/performance-notes.md).
def post_worker_init(worker):  # noqa: ANN001, ANN201
    import sys

    sys.setswitchinterval(0.002)


def child_exit(server, worker):  # noqa: ANN001, ANN201
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: ANN001, ANN201
    import shutil

    shutil.rmtree(os.environ.get("PROMETHEUS_MULTIPROC_DIR", ""), ignore_errors=True)
