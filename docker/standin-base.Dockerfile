# The local stand-in for docker/Dockerfile's base image, built by docker/verify.sh (`make docker-verify`) on machines that
# reach no image registry. It keeps the real base's contract as docker/Dockerfile uses it: root, apt-get, and a `python`
# on PATH that has torch 2.13.0 and may pip-install into its own environment. Differences, on purpose: torch is the CPU
# build (the CUDA one is not obtainable offline here), and Python is Debian bookworm's 3.11 (the real base has 3.12;
# docker/Dockerfile accepts both). OS_IMAGE is a Debian root filesystem made by debootstrap and brought in with
# `docker import`; it already holds python3.11, its venv module and the EGL/Mesa libraries (see verify.sh).
ARG OS_IMAGE
FROM ${OS_IMAGE}

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# pip (here and in docker/Dockerfile's build on this base) trusts the host's CA bundle: a machine may reach PyPI only
# through a TLS-inspecting egress proxy whose CA its own bundle holds. Local to the stand-in; the real base needs none.
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PIP_CERT=/etc/ssl/certs/host-ca-bundle.crt \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The build context holds two files, both put there by verify.sh: the host's CA bundle and torch 2.13.0+cpu for cp311
# (fetched with pip). torch's own dependencies (filelock, sympy, networkx, jinja2, fsspec, ...) come from PyPI.
COPY host-ca-bundle.crt /etc/ssl/certs/host-ca-bundle.crt
COPY torch-*.whl /tmp/wheels/
RUN python3.11 -m venv /opt/venv \
    && pip install --no-cache-dir /tmp/wheels/torch-*.whl \
    && rm -rf /tmp/wheels \
    && python -c "import torch; print('stand-in base: torch', torch.__version__)"
