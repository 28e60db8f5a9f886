# The controller image: `docker build -t <registry>/rollouts:0.1.0 .` (deploy/controller.yaml
# names ghcr.io/rollouts/rollouts:0.1.0, a placeholder until an image is published).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Only what `pip install .` reads: the package metadata (its readme included) and the code.
COPY pyproject.toml README.md /src/
COPY rollouts /src/rollouts
RUN pip install /src && rm -rf /src \
    && groupadd --system --gid 10001 rollouts \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin rollouts

# Numeric, so that Kubernetes' runAsNonRoot can verify it (deploy/controller.yaml runs as 10001).
USER 10001:10001
EXPOSE 8080 8090
ENTRYPOINT ["rollouts"]
CMD ["controller"]
