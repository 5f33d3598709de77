# The image runs both README commands: `docker run IMAGE` runs the main job, `docker run IMAGE scripts/test.sh` the tests.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*
WORKDIR /hf-slm
COPY pyproject.toml README.md ./
COPY hf_slm ./hf_slm
RUN python -m venv .venv && .venv/bin/pip install -q torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
    && .venv/bin/pip install -q -e ".[test]" && sha256sum pyproject.toml | cut -d' ' -f1 > .venv/.hf-slm-installed
COPY . .
ENV PYTHON=python3
ENTRYPOINT ["bash"]
CMD ["scripts/demo.sh", "/hf-slm/demo-out", "tiny"]
