# PolicyBot: `policybot serve` (HTTP webhooks + /healthz) as a non-root user (uid 10001).
#   docker build -t policybot .
#   docker run -p 8080:8080 -v policybot-data:/data --env-file policybot.env policybot
# The port is one setting, PORT: `serve` listens on it and the health check asks it
# (-e PORT=9000 -p 9000:9000 moves both). A volume mounted at /data must be writable by
# uid 10001 (start-up refuses otherwise, naming the fix).
# The runtime image has no pip, setuptools or wheel: nothing in it can install a package.
# (tests/deploy/test_dockerfile.py checks these properties; see the README on what was
# and was not built.)
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY requirements.lock ./
# A venv without pip of its own: the build stage's pip installs into it, every package
# checked against its hash in the lock.
RUN python -m venv --without-pip /venv \
    && python -m pip --python /venv/bin/python install --require-hashes -r requirements.lock
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY handlers ./handlers
COPY policies ./policies
COPY storage ./storage
RUN python -m pip --python /venv/bin/python install --no-deps .

FROM python:3.11-slim
# The base image's own pip, setuptools and wheel (and ensurepip, which would bring pip
# back) go; the build fails if any of them is left, here or in the venv.
RUN python -m pip uninstall --yes pip setuptools wheel \
    && rm -rf /usr/local/bin/pip* /usr/local/lib/python3.11/ensurepip \
    && useradd --system --uid 10001 --home-dir /data --create-home policybot \
    && chmod 700 /data
COPY --from=build /venv /venv
RUN for python in /usr/local/bin/python /venv/bin/python; do \
      "$python" -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) for m in ('pip', 'setuptools', 'wheel', 'ensurepip')))" \
      || { echo "$python can still install packages" >&2; exit 1; }; \
    done
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    POLICYBOT_DATA_DIR=/data \
    PORT=8080
USER 10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'); sys.exit(0 if urllib.request.urlopen(url, timeout=4).status == 200 else 1)"]
# One container on its own migrates, then serves. docker-compose.yml runs the migration
# once (its migrate service) and starts the workers with `policybot serve` only.
CMD ["sh", "-c", "policybot db upgrade && exec policybot serve --host 0.0.0.0"]
