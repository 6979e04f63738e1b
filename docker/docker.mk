# SPDX-License-Identifier: ISC
# The container image (docker/): tests/e2e/test_docker.py builds
# docker/Dockerfile with buildah from a debootstrapped bookworm and runs the
# two-operator lab of docker/compose.yaml (docker/README.md). make check
# runs it (skipped without root, buildah, debootstrap, and in a sanitizer
# build); `make docker-test` runs only it, in any build.
TESTS += tests/e2e/test_docker.py
EXTRA_DIST += tests/e2e/test_docker.py docker/Dockerfile docker/entrypoint.sh \
	docker/compose.yaml docker/README.md .dockerignore

.PHONY: docker-test
docker-test:
	@$(AM_TESTS_ENVIRONMENT) BALISE_DOCKER_TEST=1 $(PYTHON3) $(srcdir)/tests/e2e/test_docker.py
