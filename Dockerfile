# PolicyBot: `policybot serve` (HTTP webhooks + /healthz) as a non-root user (uid 10001).
#   docker build -t policybot .
#   docker run -p 8080:8080 -v policybot-data:/data --env-file policybot.env policybot
# The port is one setting, PORT: `serve` listens on it and the health check asks it
# (-e PORT=9000 -p 9000:9000 moves both). A volume mounted at /data must be writable by
# uid 10001 (start-up refuses otherwise, naming the fix).
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY requirements.lock ./
RUN python -m venv /venv && /venv/bin/pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY policies ./policies
COPY storage ./storage
RUN /venv/bin/pip install --no-deps .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /data --create-home policybot \
    && chmod 700 /data
COPY --from=build /venv /venv
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
CMD ["sh", "-c", "policybot db upgrade && exec policybot serve --host 0.0.0.0"]
