# The image runs both README commands: `docker run IMAGE` runs the main job, `docker run IMAGE scripts/test.sh` the tests.
# CPU image (default):  docker build -t hf-slm .
# CUDA image (GPUs):    docker build --build-arg TORCH_VARIANT=cuda -t hf-slm:cuda .
#   then `docker run --gpus all hf-slm:cuda scripts/...`; torch's default Linux wheel bundles its CUDA libraries.
FROM python:3.11-slim
ARG TORCH_VARIANT=cpu
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*
WORKDIR /hf-slm
COPY pyproject.toml README.md ./
COPY hf_slm ./hf_slm
RUN case "$TORCH_VARIANT" in \
      cpu)  torch_index="--index-url https://download.pytorch.org/whl/cpu" ;; \
      cuda) torch_index="" ;; \
      *)    echo "TORCH_VARIANT must be cpu or cuda, not $TORCH_VARIANT" >&2; exit 2 ;; \
    esac \
    && python -m venv .venv && .venv/bin/pip install -q torch==2.13.0 $torch_index \
    && .venv/bin/pip install -q -e ".[test]" && sha256sum pyproject.toml | cut -d' ' -f1 > .venv/.hf-slm-installed
COPY . .
ENV PYTHON=python3
ENTRYPOINT ["bash"]
CMD ["scripts/demo.sh", "/hf-slm/demo-out", "tiny"]
