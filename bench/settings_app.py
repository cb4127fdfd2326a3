"""The project's own settings, as production runs them, for the benchmarks.

Only what a bench on plain http without collectstatic needs differs: static files
are served by plain storage (the manifest storage needs `collectstatic` first and
would answer 500 on every page with {% static %}). See bench/common.django_env for
the environment (DEBUG=0, no SSL redirect, evidence collection off).
"""

from abusedesk.settings import *  # noqa: F403

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

import warnings  # noqa: E402

# WhiteNoise warns once per process that STATIC_ROOT was never collected; the bench
# serves no static files.
warnings.filterwarnings("ignore", message="No directory at")
