# PolicyBot: `policybot serve` (HTTP webhooks + /healthz) as a non-root user.
#   docker build -t policybot .
#   docker run -p 8080:8080 -v policybot-data:/data --env-file policybot.env policybot
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
RUN useradd --system --uid 10001 --home-dir /data --create-home policybot
COPY --from=build /venv /venv
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    POLICYBOT_DATA_DIR=/data
USER policybot
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]
CMD ["sh", "-c", "policybot db upgrade && exec policybot serve --host 0.0.0.0 --port 8080"]
