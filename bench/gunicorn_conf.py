"""gunicorn for the intake benchmark: the shape issue 13 names (2 workers x 4 threads)."""

import os

workers = int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("BENCH_GUNICORN_THREADS", "4"))
worker_class = "gthread"
bind = f"127.0.0.1:{os.environ.get('BENCH_PORT', '8790')}"
accesslog = None
loglevel = "warning"
graceful_timeout = 20


def worker_exit(server, worker):
    import wsgi_count

    wsgi_count.dump()
